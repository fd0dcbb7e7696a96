/**
 * The rollout engine: steps the canary weight through a schedule and runs the
 * gates throughout every pause. Pure: it reaches the world only through the
 * interfaces in ./types, so `pulumi up`, the rehearsal and the tests drive the
 * same code.
 */
import { scheduleProblems } from "../shared/schedule";
import type { Clock, Gate, GateContext, GateResult, Logger, RolloutStep, TrafficRouter } from "./types";

export interface RolloutOptions {
  readonly steps: readonly RolloutStep[];
  readonly gates: readonly Gate[];
  readonly router: TrafficRouter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Seconds between gate rounds during a pause. @default 10 */
  readonly gateIntervalSeconds?: number;
  /** Weight already in place for this same canary version (continuing a held release): steps at or below it are skipped and the weight is not reset. When undefined the weight is set to 0 first. */
  readonly resumeFromWeight?: number;
  /** Aborting (e.g. Ctrl-C) sets the weight to 0 and ends with outcome aborted, gate "interrupted". */
  readonly signal?: AbortSignal;
}

export type RolloutAction =
  | { readonly atMs: number; readonly kind: "set-weight"; readonly weight: number }
  | {
      readonly atMs: number;
      readonly kind: "gates";
      readonly step: number;
      readonly ok: boolean;
      readonly failed?: string;
    };

export type RolloutOutcome =
  | { readonly kind: "promoted" }
  | { readonly kind: "held"; readonly weight: number }
  | {
      readonly kind: "aborted";
      readonly step: number;
      readonly gate: string;
      readonly measured: string;
      readonly threshold: string;
      /** What to do before the next release, when the gate said (see GateResult.fix). */
      readonly fix?: string;
      readonly message: string;
    };

export interface RolloutResult {
  readonly outcome: RolloutOutcome;
  readonly actions: readonly RolloutAction[];
}

/** Gate rounds run this often during a pause unless the caller says otherwise. */
export const DEFAULT_GATE_INTERVAL_SECONDS = 10;

/** Gate rounds are logged at most this often (plus the first and last of a pause) so output stays readable. */
const GATE_LOG_EVERY_MS = 60_000;

/** Gate name reported when the rollout is interrupted through its AbortSignal. */
export const INTERRUPTED_GATE = "interrupted";

/** One plain sentence per problem; [] when the schedule is valid. */
export function validateSchedule(steps: readonly RolloutStep[]): string[] {
  // The rules are components/shared/schedule's (shared with config and the pack); the words are the engine's.
  const order = ["empty", "weight-range", "pause-invalid", "weight-not-rising", "full-weight-not-last"];
  const problems = scheduleProblems(steps, {
    minPauseSeconds: 0,
    maxScheduleSeconds: Number.POSITIVE_INFINITY,
  })
    .map((p) => ({ p, index: "index" in p ? p.index : -1, rank: order.indexOf(p.kind) }))
    .sort((a, b) => a.index - b.index || a.rank - b.rank);
  const out: string[] = [];
  for (const { p } of problems) {
    const label = "index" in p ? `step ${p.index + 1}/${steps.length}` : "";
    switch (p.kind) {
      case "empty":
        out.push("the schedule has no steps; add at least one, e.g. [{ weight: 100 }]");
        break;
      case "weight-range":
        out.push(`${label}: weight ${p.weight} is not an integer from 1 to 100`);
        break;
      case "pause-invalid":
        out.push(`${label}: pause ${p.pauseSeconds}s is not a number of seconds >= 0`);
        break;
      case "weight-not-rising":
        out.push(
          `${label}: weight ${p.weight} must be above the previous step's weight ${p.previous} (weights strictly rise)`,
        );
        break;
      case "full-weight-not-last":
        out.push(`${label}: weight 100 must be the last step, but ${p.following} more follow`);
        break;
      default:
        // Pause length and schedule length are policy (config and pack), not engine rules.
        break;
    }
  }
  return out;
}

/** Total pause time of the schedule, in seconds. */
export function scheduleSeconds(steps: readonly RolloutStep[]): number {
  return steps.reduce((total, step) => total + step.pauseSeconds, 0);
}

/** Go-style duration: 300 -> "5m0s", 45 -> "45s", 3725 -> "1h2m5s". Rounds to whole seconds. */
export function formatDuration(seconds: number): string {
  const total = Math.round(Math.abs(seconds));
  const sign = seconds < 0 && total > 0 ? "-" : "";
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** Gate rounds in a pause: one right after the weight is set, one every interval, one at the pause end. */
export function gateRounds(pauseSeconds: number, gateIntervalSeconds: number): number {
  const whole = Math.floor(pauseSeconds / gateIntervalSeconds);
  return whole + 1 + (pauseSeconds - whole * gateIntervalSeconds > 0 ? 1 : 0);
}

/** Plan lines shown during `pulumi preview`; the validation problems instead when the schedule is invalid. */
export function describeSchedule(
  steps: readonly RolloutStep[],
  gateIntervalSeconds: number = DEFAULT_GATE_INTERVAL_SECONDS,
): string[] {
  const problems = validateSchedule(steps);
  if (problems.length > 0) {
    return problems.map((problem) => `invalid schedule: ${problem}`);
  }
  const lines = ["canary weight set to 0%"];
  steps.forEach((step, index) => {
    const rounds = gateRounds(step.pauseSeconds, gateIntervalSeconds);
    const hold =
      step.pauseSeconds > 0
        ? ` for ${formatDuration(step.pauseSeconds)}, gates every ${formatDuration(gateIntervalSeconds)} (${rounds} rounds)`
        : ", gates once";
    lines.push(`step ${index + 1}/${steps.length}: canary weight ${step.weight}%${hold}`);
  });
  const last = steps[steps.length - 1];
  lines.push(
    last.weight === 100
      ? `then promote; total pause ${formatDuration(scheduleSeconds(steps))}`
      : `then hold at ${last.weight}%; total pause ${formatDuration(scheduleSeconds(steps))}`,
  );
  lines.push("a failing gate sets the canary weight back to 0 and fails the update");
  return lines;
}

/** The one message format for a failed gate; tests and operators rely on it. */
function gateFailureMessage(
  step: number,
  stepCount: number,
  weight: number,
  gate: string,
  measured: string,
  threshold: string,
  fix?: string,
): string {
  const cause = gateFailureCause(step, stepCount, weight, gate, measured, threshold);
  return `${cause}; ${WEIGHT_RESET_SUFFIX}${fixSuffix(fix)}`;
}

const WEIGHT_RESET_SUFFIX = "canary weight set back to 0";

/** The fix goes last, after what happened to the weight: it is the operator's next action. */
function fixSuffix(fix: string | undefined): string {
  return fix === undefined ? "" : `; ${fix}`;
}

function gateFailureCause(
  step: number,
  stepCount: number,
  weight: number,
  gate: string,
  measured: string,
  threshold: string,
): string {
  return `step ${step}/${stepCount} (weight ${weight}%): gate ${gate} failed: measured ${measured}, threshold ${threshold}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A failed gate, as reported in an aborted outcome. */
export interface GateFailure {
  readonly gate: string;
  readonly measured: string;
  readonly threshold: string;
  readonly fix?: string;
}

/** Runs every gate once; a gate that throws counts as failed with the error as the measured value. */
async function runGateRound(gates: readonly Gate[], ctx: GateContext): Promise<GateFailure | undefined> {
  const results = await Promise.all(
    gates.map(async (gate): Promise<GateResult> => {
      try {
        return await gate.check(ctx);
      } catch (error) {
        return { ok: false, measured: errorText(error), threshold: "a completed check" };
      }
    }),
  );
  // The first failure in gate order is reported, so messages are deterministic.
  const index = results.findIndex((result) => !result.ok);
  if (index < 0) return undefined;
  const { measured, threshold, fix } = results[index];
  // No `fix` key at all when the gate gave none, so outcomes compare equal to plain failures.
  return { gate: gates[index].name, measured, threshold, ...(fix === undefined ? {} : { fix }) };
}

async function beginGates(gates: readonly Gate[], ctx: GateContext): Promise<GateFailure | undefined> {
  for (const gate of gates) {
    try {
      await gate.beginStep?.(ctx);
    } catch (error) {
      return { gate: gate.name, measured: errorText(error), threshold: "a completed check" };
    }
  }
  return undefined;
}

// A plain object, not a Symbol: the closure serializer recreates Symbols as ordinary objects anyway.
const INTERRUPT = { interrupted: true } as const;
type Interrupt = typeof INTERRUPT;
const isInterrupt = (value: unknown): value is Interrupt => value === INTERRUPT;

/** Steps the canary weight through the schedule; see RolloutOptions for the contract. */
export async function runRollout(options: RolloutOptions): Promise<RolloutResult> {
  const { steps, gates, router, clock, logger, signal } = options;
  const problems = validateSchedule(steps);
  const intervalSeconds = options.gateIntervalSeconds ?? DEFAULT_GATE_INTERVAL_SECONDS;
  if (!Number.isFinite(intervalSeconds) || intervalSeconds <= 0) {
    problems.push(`gate interval ${intervalSeconds}s is not a number of seconds > 0`);
  }
  const resume = options.resumeFromWeight;
  if (resume !== undefined && !(Number.isInteger(resume) && resume >= 0 && resume <= 100)) {
    problems.push(`resume weight ${resume} is not an integer from 0 to 100`);
  }
  if (problems.length > 0) {
    throw new Error(`invalid rollout schedule: ${problems.join("; ")}`);
  }

  const startMs = clock.now();
  const actions: RolloutAction[] = [];
  const stepCount = steps.length;
  // What we last asked the router for; the starting point for "never above where it was".
  let weight: number | undefined = resume;

  const interrupted = new Promise<Interrupt>((resolve) => {
    if (signal?.aborted) resolve(INTERRUPT);
    signal?.addEventListener("abort", () => resolve(INTERRUPT), { once: true });
  });
  // INTERRUPT as soon as the signal fires, whatever the awaited work is doing, and whenever it fired meanwhile.
  const unlessInterrupted = async <T>(work: Promise<T>): Promise<T | Interrupt> => {
    if (signal === undefined) return work;
    const result = await Promise.race([work, interrupted]);
    return signal.aborted ? INTERRUPT : result;
  };

  const setWeight = async (target: number, context: string): Promise<void> => {
    try {
      await router.setCanaryWeight(target);
    } catch (error) {
      const cause = `${context}: could not set the canary weight to ${target}%: ${errorText(error)}`;
      if (target === 0) {
        throw new Error(`${cause}; check the canary Ingress by hand`);
      }
      // The write may have landed anyway, so go to 0 rather than trust the old value.
      try {
        await router.setCanaryWeight(0);
      } catch (resetError) {
        throw new Error(
          `${cause}; setting it back to 0 also failed: ${errorText(resetError)}; check the canary Ingress by hand`,
        );
      }
      actions.push({ atMs: clock.now() - startMs, kind: "set-weight", weight: 0 });
      throw new Error(`${cause}; canary weight set back to 0`);
    }
    weight = target;
    actions.push({ atMs: clock.now() - startMs, kind: "set-weight", weight: target });
  };

  // `cause` is the message without the reset suffix, so a failed reset can still name the failed gate.
  const abort = async (step: number, failure: GateFailure, cause: string): Promise<RolloutResult> => {
    try {
      await router.setCanaryWeight(0);
    } catch (error) {
      const message = `${cause}; setting the canary weight back to 0 failed: ${errorText(error)}; check the canary Ingress by hand${fixSuffix(failure.fix)}`;
      logger.warn(message);
      throw new Error(message);
    }
    weight = 0;
    actions.push({ atMs: clock.now() - startMs, kind: "set-weight", weight: 0 });
    const message = `${cause}; ${WEIGHT_RESET_SUFFIX}${fixSuffix(failure.fix)}`;
    logger.warn(message);
    return { outcome: { kind: "aborted", step, ...failure, message }, actions };
  };

  const interrupt = (step: number): Promise<RolloutResult> => {
    const reason = signal?.reason instanceof Error ? signal.reason.message : "abort signal";
    const where = step === 0 ? "before the first step" : `step ${step}/${stepCount} (weight ${weight ?? 0}%)`;
    const failure = { gate: INTERRUPTED_GATE, measured: reason, threshold: "no interruption" };
    return abort(step, failure, `${where}: interrupted (${reason})`);
  };

  if (signal?.aborted) return interrupt(0);

  const pending = steps.filter((step) => resume === undefined || step.weight > resume);
  const last = steps[stepCount - 1];
  if (resume !== undefined && pending.length === 0) {
    if (last.weight === resume) {
      logger.info(`canary weight already ${resume}%, the end of the schedule; nothing to do`);
      return { outcome: resume === 100 ? { kind: "promoted" } : { kind: "held", weight: resume }, actions };
    }
    // Held above where the schedule now ends: lowering the weight is always safe.
    pending.push(last);
  }
  if (resume === undefined) {
    await setWeight(0, "before the first step");
  } else {
    logger.info(`continuing from canary weight ${resume}%`);
  }

  for (const step of pending) {
    const stepNumber = steps.indexOf(step) + 1;
    const label = `step ${stepNumber}/${stepCount}`;
    if (signal?.aborted) return interrupt(stepNumber);
    await setWeight(step.weight, label);
    logger.info(
      step.pauseSeconds > 0
        ? `${label}: canary weight ${step.weight}% for ${formatDuration(step.pauseSeconds)}`
        : `${label}: canary weight ${step.weight}%`,
    );
    const ctx: GateContext = { step: stepNumber, stepCount, weight: step.weight };
    const gateFailed = (failure: GateFailure): Promise<RolloutResult> =>
      abort(
        stepNumber,
        failure,
        gateFailureCause(
          stepNumber,
          stepCount,
          step.weight,
          failure.gate,
          failure.measured,
          failure.threshold,
        ),
      );

    const begun = await unlessInterrupted(beginGates(gates, ctx));
    if (isInterrupt(begun)) return interrupt(stepNumber);
    if (begun !== undefined) return gateFailed(begun);

    const rounds = gateRounds(step.pauseSeconds, intervalSeconds);
    const stepStartMs = clock.now();
    let loggedAtMs: number | undefined;
    for (let round = 1; round <= rounds; round++) {
      const dueMs = stepStartMs + Math.min((round - 1) * intervalSeconds, step.pauseSeconds) * 1000;
      const waitMs = dueMs - clock.now();
      if (waitMs > 0 && isInterrupt(await unlessInterrupted(clock.sleep(waitMs)))) {
        return interrupt(stepNumber);
      }
      const failure = await unlessInterrupted(runGateRound(gates, ctx));
      if (isInterrupt(failure)) return interrupt(stepNumber);
      const atMs = clock.now() - startMs;
      if (failure !== undefined) {
        actions.push({ atMs, kind: "gates", step: stepNumber, ok: false, failed: failure.gate });
        return gateFailed(failure);
      }
      actions.push({ atMs, kind: "gates", step: stepNumber, ok: true });
      const nowMs = clock.now();
      if (round === 1 || round === rounds || nowMs - (loggedAtMs ?? nowMs) >= GATE_LOG_EVERY_MS) {
        logger.info(`${label}: gates ok (round ${round}/${rounds})`);
        loggedAtMs = nowMs;
      }
    }
  }

  if (last.weight === 100) {
    logger.info("canary weight 100%: schedule complete, ready to promote");
    return { outcome: { kind: "promoted" }, actions };
  }
  logger.info(`schedule ends at canary weight ${last.weight}%: holding there`);
  return { outcome: { kind: "held", weight: last.weight }, actions };
}

/**
 * A first release: no client is on another version, so stepping the weight
 * would only add waiting. Sets the weight to 0, runs every gate once (the
 * handshake gate reaches the canary through its header whatever the weight)
 * and promotes. A failure aborts with the same message format as a step.
 */
export async function runFirstRelease(
  options: Pick<RolloutOptions, "gates" | "router" | "clock" | "logger">,
): Promise<RolloutResult> {
  const { gates, router, clock, logger } = options;
  const startMs = clock.now();
  const actions: RolloutAction[] = [];
  const setZero = async (): Promise<void> => {
    try {
      await router.setCanaryWeight(0);
    } catch (error) {
      throw new Error(`first release: could not set the canary weight to 0%: ${errorText(error)}`);
    }
    actions.push({ atMs: clock.now() - startMs, kind: "set-weight", weight: 0 });
  };
  await setZero();
  logger.info("first release: checking the gates once at canary weight 0%, then promoting");
  const ctx: GateContext = { step: 1, stepCount: 1, weight: 0 };
  const failure = (await beginGates(gates, ctx)) ?? (await runGateRound(gates, ctx));
  actions.push({
    atMs: clock.now() - startMs,
    kind: "gates",
    step: 1,
    ok: failure === undefined,
    ...(failure === undefined ? {} : { failed: failure.gate }),
  });
  if (failure === undefined) {
    logger.info("step 1/1: gates ok (round 1/1)");
    return { outcome: { kind: "promoted" }, actions };
  }
  // Weight is already 0; set it again so the outcome holds even if something raced us.
  await setZero();
  const message = gateFailureMessage(1, 1, 0, failure.gate, failure.measured, failure.threshold, failure.fix);
  logger.warn(message);
  return { outcome: { kind: "aborted", step: 1, ...failure, message }, actions };
}
