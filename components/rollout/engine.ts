/**
 * The rollout engine: steps the canary weight through a schedule and runs the
 * gates throughout every pause. Pure: it reaches the world only through the
 * interfaces in ./types, so `pulumi up`, the rehearsal and the tests drive the
 * same code.
 *
 * A rollout is a sequence of named phases (types.RolloutPhase), each a
 * function below and each announced through the `onEvent` hook:
 *
 *   reset -> (step -> pause)* -> promote | hold
 *                  \-> abort [-> drain]
 *
 * API failures (./apiError) never count as a gate's verdict: transient ones
 * are retried within rollout.api.retryBudget per call (./retry); one that
 * persists aborts the rollout as the API's failure ("kubernetes-api").
 * An abort keeps trying to set the weight to 0 for rollout.api.abortBudget,
 * then, with rollout.onAbort drain, moves the canary's clients to stable.
 */
import { scheduleProblems } from "../shared/schedule";
import { errorText, isApiError, type ApiError } from "./apiError";
import {
  DEFAULT_API_ABORT_BUDGET_SECONDS,
  DEFAULT_API_RETRY_BUDGET_SECONDS,
  DEFAULT_GATE_INTERVAL_SECONDS,
  DEFAULT_ON_ABORT,
  type OnAbort,
} from "./defaults";
import {
  failureMessage,
  formatDuration,
  gateCause,
  readWeightCommand,
  setWeightCommand,
  stepLabel,
  WEIGHT_RESET_SUFFIX,
} from "./messages";
import { withRetries } from "./retry";
import type {
  CanaryDrainer,
  Clock,
  Gate,
  GateContext,
  GateResult,
  Logger,
  RolloutEvent,
  RolloutEventHook,
  RolloutPhase,
  RolloutStep,
  TrafficRouter,
} from "./types";

export { DEFAULT_GATE_INTERVAL_SECONDS, formatDuration };

/** Budgets of the engine's API calls (rollout.api). */
export interface ApiRetryOptions {
  /** Per call: how long transient failures are retried. @default DEFAULT_API_RETRY_BUDGET_SECONDS (2m) */
  readonly retryBudgetSeconds?: number;
  /** After an abort: how long setting the weight to 0 is retried. @default DEFAULT_API_ABORT_BUDGET_SECONDS (10m) */
  readonly abortBudgetSeconds?: number;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export interface RolloutOptions {
  readonly steps: readonly RolloutStep[];
  readonly gates: readonly Gate[];
  readonly router: TrafficRouter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Seconds between gate rounds during a pause. @default DEFAULT_GATE_INTERVAL_SECONDS (15) */
  readonly gateIntervalSeconds?: number;
  /** Weight already in place for this same canary version (continuing a held release): steps at or below it are skipped and the weight is not reset. When undefined the weight is set to 0 first. */
  readonly resumeFromWeight?: number;
  /** Aborting (e.g. Ctrl-C) sets the weight to 0 and ends with outcome aborted, gate "interrupted". */
  readonly signal?: AbortSignal;
  /** Told of every phase, weight change, gate round and retry as it happens. */
  readonly onEvent?: RolloutEventHook;
  readonly api?: ApiRetryOptions;
  /** What an abort does to the clients already on the canary. @default DEFAULT_ON_ABORT ("drain"); needs `drainer` */
  readonly onAbort?: OnAbort;
  /** Drains the canary after an abort (rollout.onAbort drain). Without one, an abort only sets the weight to 0. */
  readonly drainer?: CanaryDrainer;
}

/** The subset of events kept as the result's `actions` (weights set and gate rounds). */
export type RolloutAction = Extract<RolloutEvent, { kind: "set-weight" | "gates" }>;

export type RolloutOutcome =
  | { readonly kind: "promoted" }
  | { readonly kind: "held"; readonly weight: number }
  | {
      readonly kind: "aborted";
      /** 1-based step, 0 before the first step. */
      readonly step: number;
      /** The failed gate, or API_GATE, ROUTER_GATE, INTERRUPTED_GATE. */
      readonly gate: string;
      readonly measured: string;
      readonly threshold: string;
      /** What to do before the next release, when the gate said (see GateResult.fix). */
      readonly fix?: string;
      readonly message: string;
      /** False when the weight could not be set back to 0 within the abort budget. */
      readonly weightReset: boolean;
      /** With rollout.onAbort drain: the canary pods asked to drain (absent when no drain ran). */
      readonly drained?: readonly string[];
    };

export interface RolloutResult {
  readonly outcome: RolloutOutcome;
  readonly actions: readonly RolloutAction[];
  readonly events: readonly RolloutEvent[];
}

/** Gate rounds are logged at most this often (plus the first and last of a pause) so output stays readable. */
const GATE_LOG_EVERY_MS = 60_000;

/** Gate name reported when the rollout is interrupted through its AbortSignal. */
export const INTERRUPTED_GATE = "interrupted";
/** Gate name reported when a Kubernetes API call (a weight write or a gate's read) fails for good. */
export const API_GATE = "kubernetes-api";
/** Gate name reported when a router that is not an API client fails to set the weight. */
export const ROUTER_GATE = "router";

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

/** Gate rounds in a pause: one right after the weight is set, one every interval, one at the pause end. */
export function gateRounds(pauseSeconds: number, gateIntervalSeconds: number): number {
  const whole = Math.floor(pauseSeconds / gateIntervalSeconds);
  return whole + 1 + (pauseSeconds - whole * gateIntervalSeconds > 0 ? 1 : 0);
}

/** Plan lines shown during `pulumi preview`; the validation problems instead when the schedule is invalid. */
export function describeSchedule(
  steps: readonly RolloutStep[],
  gateIntervalSeconds: number = DEFAULT_GATE_INTERVAL_SECONDS,
  onAbort: OnAbort = DEFAULT_ON_ABORT,
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
  lines.push(
    onAbort === "drain"
      ? "a failing gate sets the canary weight back to 0, drains the canary's clients to stable and fails the update"
      : "a failing gate sets the canary weight back to 0 and fails the update (the canary's clients stay until it is retired)",
  );
  return lines;
}

/** A failed gate, as reported in an aborted outcome. */
export interface GateFailure {
  readonly gate: string;
  readonly measured: string;
  readonly threshold: string;
  readonly fix?: string;
  /** Set when the failure is the API's: the cause reads "the Kubernetes API failed while ...". */
  readonly cause?: string;
}

/** No `fix` key at all when there is none, so outcomes compare equal to plain failures. */
function withFix<T extends object>(value: T, fix: string | undefined): T & { fix?: string } {
  return fix === undefined || fix === "" ? value : { ...value, fix };
}

/** How a thrown error reads in a message: an API error's summary and fix apart, anything else as its text. */
function describe(error: unknown): { readonly text: string; readonly fix?: string } {
  if (isApiError(error)) return withFix({ text: error.summary }, error.fix);
  return { text: errorText(error) };
}

/** A failure from an error a gate threw: the API's when it is an API error, the gate's otherwise. */
function thrownByGate(gate: Gate, error: unknown, reading: "read" | "began"): GateFailure {
  if (isApiError(error)) {
    return withFix(
      {
        gate: API_GATE,
        measured: error.summary,
        threshold: "a working Kubernetes API",
        cause: `the Kubernetes API failed while gate ${gate.name} ${reading}: ${error.summary}`,
      },
      error.fix,
    );
  }
  return { gate: gate.name, measured: errorText(error), threshold: "a completed check" };
}

// A plain object, not a Symbol: the closure serializer recreates Symbols as ordinary objects anyway.
const INTERRUPT = { interrupted: true } as const;
type Interrupt = typeof INTERRUPT;
const isInterrupt = (value: unknown): value is Interrupt => value === INTERRUPT;

/** State and helpers shared by the phases of one rollout. */
interface Run {
  readonly options: RolloutOptions;
  readonly stepCount: number;
  readonly intervalSeconds: number;
  readonly retryBudgetSeconds: number;
  readonly abortBudgetSeconds: number;
  readonly onAbort: OnAbort;
  readonly events: RolloutEvent[];
  /** The weight known to be in place; undefined when unknown (nothing read or written yet). */
  confirmed: number | undefined;
  /** A weight whose write failed in a way that may have landed; undefined when none. */
  uncertain: number | undefined;
  gatesEnded: boolean;
  emit(event: DistributiveOmit<RolloutEvent, "atMs">): void;
  /** Retries a router or gate call within the per-call budget. */
  retried<T>(
    operation: string,
    call: () => Promise<T>,
    beforeRetry?: (error: ApiError) => Promise<void>,
  ): Promise<T>;
  unlessInterrupted<T>(work: Promise<T>): Promise<T | Interrupt>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function createRun(options: RolloutOptions, intervalSeconds: number): Run {
  const { clock, signal, logger } = options;
  const startMs = clock.now();
  const interrupted = new Promise<Interrupt>((resolve) => {
    if (signal?.aborted) resolve(INTERRUPT);
    signal?.addEventListener("abort", () => resolve(INTERRUPT), { once: true });
  });
  const run: Run = {
    options,
    stepCount: options.steps.length,
    intervalSeconds,
    retryBudgetSeconds: options.api?.retryBudgetSeconds ?? DEFAULT_API_RETRY_BUDGET_SECONDS,
    abortBudgetSeconds: options.api?.abortBudgetSeconds ?? DEFAULT_API_ABORT_BUDGET_SECONDS,
    onAbort: options.onAbort ?? DEFAULT_ON_ABORT,
    events: [],
    confirmed: options.resumeFromWeight,
    uncertain: undefined,
    gatesEnded: false,
    emit(partial) {
      const event = { atMs: clock.now() - startMs, ...partial } as RolloutEvent;
      run.events.push(event);
      try {
        options.onEvent?.(event);
      } catch (error) {
        logger.warn(`event hook failed (ignored): ${errorText(error)}`);
      }
    },
    retried(operation, call, beforeRetry) {
      return withRetries(call, {
        clock,
        budgetSeconds: run.retryBudgetSeconds,
        budgetKey: "rollout.api.retryBudget",
        random: options.api?.random,
        stop: () => signal?.aborted === true,
        onRetry: (attempt, delayMs, error) => {
          logger.warn(
            `${operation}: ${error.summary}; retrying in ${formatDuration(delayMs / 1000)} (attempt ${attempt + 1})`,
          );
          run.emit({ kind: "retry", operation, attempt, delayMs, error: error.summary });
        },
        ...(beforeRetry === undefined ? {} : { beforeRetry }),
      });
    },
    // INTERRUPT as soon as the signal fires, whatever the awaited work is doing, and whenever it fired meanwhile.
    async unlessInterrupted(work) {
      if (signal === undefined) return work;
      const result = await Promise.race([work, interrupted]);
      return signal.aborted ? INTERRUPT : result;
    },
  };
  return run;
}

function phase(run: Run, name: RolloutPhase, fields: { step?: number; weight?: number } = {}): void {
  run.emit({ kind: "phase", phase: name, stepCount: run.stepCount, ...fields });
}

/**
 * Sets the weight with retries; a 409 re-reads the weight before trying
 * again. Throws the last error when it fails for good, after noting whether
 * the write may have landed.
 */
async function setWeight(run: Run, target: number): Promise<void> {
  const { router } = run.options;
  // Any attempt that may have landed counts, not only the last: a timeout then a refused retry may still have written.
  const attempt = landingTracker(() => router.setCanaryWeight(target));
  try {
    await run.retried(`set the canary weight to ${target}%`, attempt.call, rereadAfterConflict(router));
  } catch (error) {
    if (attempt.mayHaveLanded()) run.uncertain = target;
    throw error;
  }
  run.confirmed = target;
  if (run.uncertain === target) run.uncertain = undefined;
  run.emit({ kind: "set-weight", weight: target });
}

/** Before retrying a weight write: after a 409 someone else wrote the object meanwhile, so read it again. */
function rereadAfterConflict(router: TrafficRouter): (error: ApiError) => Promise<void> {
  return async (error) => {
    if (error.status === 409) await router.getCanaryWeight();
  };
}

/**
 * Wraps a weight write so the caller knows whether any attempt may have
 * landed: a non-API router error says nothing about landing, so it counts as
 * may-have-landed; an API error says so itself.
 */
function landingTracker(write: () => Promise<void>): {
  readonly call: () => Promise<void>;
  readonly mayHaveLanded: () => boolean;
} {
  let landed = false;
  return {
    call: async () => {
      try {
        await write();
      } catch (error) {
        if (!isApiError(error) || error.mayHaveLanded) landed = true;
        throw error;
      }
    },
    mayHaveLanded: () => landed,
  };
}

/** Runs every gate once (with API retries); a gate that throws counts as failed, an API failure as the API's. */
async function runGateRound(
  run: Run,
  gates: readonly Gate[],
  ctx: GateContext,
): Promise<GateFailure | undefined> {
  const results = await Promise.all(
    gates.map(async (gate): Promise<GateResult | GateFailure> => {
      try {
        return await run.retried(`gate ${gate.name}`, () => gate.check(ctx));
      } catch (error) {
        return thrownByGate(gate, error, "read");
      }
    }),
  );
  // The first failure in gate order is reported, so messages are deterministic.
  for (let index = 0; index < results.length; index++) {
    const result = results[index];
    if ("gate" in result) return result;
    if (!result.ok) {
      return withFix(
        { gate: gates[index].name, measured: result.measured, threshold: result.threshold },
        result.fix,
      );
    }
  }
  return undefined;
}

async function beginGates(
  run: Run,
  gates: readonly Gate[],
  ctx: GateContext,
): Promise<GateFailure | undefined> {
  for (const gate of gates) {
    try {
      await run.retried(`gate ${gate.name}`, async () => {
        await gate.beginStep?.(ctx);
      });
    } catch (error) {
      return thrownByGate(gate, error, "began");
    }
  }
  return undefined;
}

async function endGates(run: Run): Promise<void> {
  if (run.gatesEnded) return;
  run.gatesEnded = true;
  await Promise.all(
    run.options.gates.map(async (gate) => {
      try {
        await gate.end?.();
      } catch (error) {
        run.options.logger.warn(`gate ${gate.name}: cleaning up failed (ignored): ${errorText(error)}`);
      }
    }),
  );
}

/** What an abort is about: where, the cause, and the failure fields of the outcome. */
interface AbortReason {
  readonly step: number;
  readonly where: string;
  readonly cause: string;
  readonly failure: GateFailure;
}

/** Phase abort: weight to 0 within the abort budget, then drain (rollout.onAbort), then the one message. */
async function abortPhase(run: Run, reason: AbortReason): Promise<RolloutResult> {
  const { router, clock, logger } = run.options;
  const { failure } = reason;
  const before = run.confirmed;
  // Clients can be on the canary only if its weight ever rose above 0 (or may have, or a held release resumed above 0).
  const everRaised =
    (run.options.resumeFromWeight ?? 0) > 0 ||
    (run.uncertain ?? 0) > 0 ||
    run.events.some((event) => event.kind === "set-weight" && event.weight > 0);
  let weightText = WEIGHT_RESET_SUFFIX;
  let weightReset = true;
  let apiFix: string | undefined;
  const attempt = landingTracker(() => router.setCanaryWeight(0));
  try {
    // Transient failures (API down, 5xx, 409, 429, timeouts) are retried for the whole abort
    // budget: clients keep reaching the aborted version until this lands. The signal does not stop it.
    await withRetries(attempt.call, {
      clock,
      beforeRetry: rereadAfterConflict(router),
      budgetSeconds: run.abortBudgetSeconds,
      budgetKey: "rollout.api.abortBudget",
      random: run.options.api?.random,
      onRetry: (attempt, delayMs, error) => {
        logger.warn(
          `abort: setting the canary weight to 0 failed: ${error.summary}; retrying in ${formatDuration(delayMs / 1000)} (attempt ${attempt + 1})`,
        );
        run.emit({
          kind: "retry",
          operation: "set the canary weight to 0%",
          attempt,
          delayMs,
          error: error.summary,
        });
      },
    });
    run.confirmed = 0;
    run.uncertain = undefined;
    run.emit({ kind: "set-weight", weight: 0 });
  } catch (error) {
    weightReset = false;
    const { text, fix } = describe(error);
    apiFix = fix;
    // A router that is not an API client says nothing about landing: the 0 may be in place.
    weightText = `setting the canary weight back to 0 failed: ${text}; ${leftBehind(run, before, attempt.mayHaveLanded())}`;
  }
  await endGates(run);
  let drainText: string | undefined;
  let drained: readonly string[] | undefined;
  const drainer = run.options.drainer;
  if (drainer !== undefined && run.onAbort === "drain" && !everRaised) {
    drainText = "no client reached the canary (its weight never rose above 0), so nothing to drain";
  } else if (drainer !== undefined && run.onAbort === "drain") {
    if (!weightReset) {
      drainText = "the canary was not drained: its clients would reconnect to it while its weight is above 0";
    } else {
      phase(run, "drain", { step: reason.step, weight: 0 });
      try {
        drained = await run.retried("drain the canary", () => drainer.drainCanary());
        run.emit({
          kind: "phase",
          phase: "drain",
          step: reason.step,
          stepCount: run.stepCount,
          weight: 0,
          pods: drained,
        });
        drainText =
          drained.length === 0
            ? "no canary pod to drain"
            : `canary clients moved to stable: ${drained.length} pod${drained.length === 1 ? "" : "s"} of the aborted version asked to drain (${drained.join(", ")}), each closing its connections spread over its drain time`;
      } catch (error) {
        const how =
          drainer.drainCommand === undefined ? "" : `: drain it by hand with: ${drainer.drainCommand}`;
        drainText = `draining the canary failed: ${describe(error).text}; its clients stay on the aborted version until it is retired${how}`;
      }
    }
  } else if (drainer !== undefined) {
    drainText =
      "canary clients kept (rollout.onAbort keep): they stay on the aborted version until it is retired";
  }
  const fixes = [failure.fix, apiFix].filter(
    (fix, index, all): fix is string => fix !== undefined && fix !== "" && all.indexOf(fix) === index,
  );
  const message = failureMessage({
    where: reason.where,
    cause: reason.cause,
    weight: weightText,
    ...(drainText === undefined ? {} : { drain: drainText }),
    ...(fixes.length === 0 ? {} : { fix: fixes.join("; ") }),
  });
  logger.warn(message);
  run.emit({
    kind: "phase",
    phase: "abort",
    step: reason.step,
    stepCount: run.stepCount,
    weight: 0,
    gate: failure.gate,
    message,
  });
  const outcome: RolloutOutcome = {
    kind: "aborted",
    step: reason.step,
    ...withFix({ gate: failure.gate, measured: failure.measured, threshold: failure.threshold }, failure.fix),
    message,
    weightReset,
    ...(drained === undefined ? {} : { drained }),
  };
  return result(run, outcome);
}

/**
 * Exactly what the failed reset leaves: the weight in place, or every weight
 * it may be when a write may have landed (a step's write, the reset's 0), and
 * how to fix it.
 */
function leftBehind(run: Run, before: number | undefined, zeroMayHaveLanded: boolean): string {
  const ingress = run.options.router.canaryIngress;
  const known = run.confirmed ?? before;
  const possible = [known, run.uncertain, zeroMayHaveLanded ? 0 : undefined].filter(
    (weight, index, all) => weight === undefined || all.indexOf(weight) === index,
  );
  const landed = possible.filter((weight): weight is number => weight !== undefined);
  if (landed.length > 1 || (known === undefined && landed.length > 0)) {
    const options = [...landed.map((weight) => `${weight}%`), ...(known === undefined ? ["unknown"] : [])];
    const how =
      ingress === undefined
        ? "check the canary weight on the router by hand and set it to 0"
        : `check the canary Ingress by hand (${readWeightCommand(ingress)}) and set it to 0: ${setWeightCommand(ingress, 0)}`;
    return `left behind: the canary weight is ${options.slice(0, -1).join(", ")} or ${options[options.length - 1]} (a write may have landed); ${how}`;
  }
  if (known === 0) return "left behind: nothing (the canary weight was already 0)";
  const weight = known === undefined ? "unknown" : `${known}%`;
  const how =
    ingress === undefined
      ? "set it to 0 on the router by hand"
      : `set it to 0 with: ${setWeightCommand(ingress, 0)}`;
  return `left behind: the canary weight is still ${weight}, so new clients keep reaching the aborted version; ${how}`;
}

function result(run: Run, outcome: RolloutOutcome): RolloutResult {
  const actions = run.events.filter(
    (event): event is RolloutAction => event.kind === "set-weight" || event.kind === "gates",
  );
  return { outcome, actions, events: run.events };
}

/** An abort caused by a failed weight write. */
function writeFailed(step: number, where: string, target: number, error: unknown): AbortReason {
  const { text, fix } = describe(error);
  const api = isApiError(error);
  return {
    step,
    where,
    cause: `could not set the canary weight to ${target}%: ${text}`,
    failure: withFix(
      {
        gate: api ? API_GATE : ROUTER_GATE,
        measured: text,
        threshold: api ? "a working Kubernetes API" : "the weight accepted",
      },
      fix,
    ),
  };
}

function interruptReason(run: Run, step: number): AbortReason {
  const signal = run.options.signal;
  const reason = signal?.reason instanceof Error ? signal.reason.message : "abort signal";
  const where =
    step === 0 ? "before the first step" : stepLabel(step, run.stepCount, run.options.steps[step - 1].weight);
  return {
    step,
    where,
    cause: `interrupted (${reason})`,
    failure: { gate: INTERRUPTED_GATE, measured: reason, threshold: "no interruption" },
  };
}

function gateReason(run: Run, step: number, weight: number, failure: GateFailure): AbortReason {
  return {
    step,
    where: stepLabel(step, run.stepCount, weight),
    cause: failure.cause ?? gateCause(failure.gate, failure.measured, failure.threshold),
    failure,
  };
}

/** Phase reset: weight 0 before the first step, so the canary never starts from a stale weight. */
async function resetPhase(run: Run): Promise<AbortReason | undefined> {
  phase(run, "reset", { weight: 0 });
  try {
    await setWeight(run, 0);
    return undefined;
  } catch (error) {
    return writeFailed(0, "before the first step", 0, error);
  }
}

/** Phase step: set the step's weight and begin its gates. */
async function stepPhase(
  run: Run,
  stepNumber: number,
  step: RolloutStep,
): Promise<AbortReason | Interrupt | undefined> {
  const { logger, gates } = run.options;
  const where = stepLabel(stepNumber, run.stepCount, step.weight);
  if (isInterrupt(await run.unlessInterrupted(Promise.resolve()))) return INTERRUPT;
  try {
    // A weight write in flight is never abandoned on an interrupt: abandoned, it
    // could land (or be retried) after the abort's 0, and the abort would not
    // know clients may have reached the canary. Its retries stop on the signal.
    await setWeight(run, step.weight);
  } catch (error) {
    return writeFailed(stepNumber, where, step.weight, error);
  }
  if (isInterrupt(await run.unlessInterrupted(Promise.resolve()))) return INTERRUPT;
  phase(run, "step", { step: stepNumber, weight: step.weight });
  const label = `step ${stepNumber}/${run.stepCount}`;
  logger.info(
    step.pauseSeconds > 0
      ? `${label}: canary weight ${step.weight}% for ${formatDuration(step.pauseSeconds)}`
      : `${label}: canary weight ${step.weight}%`,
  );
  const ctx: GateContext = { step: stepNumber, stepCount: run.stepCount, weight: step.weight };
  const begun = await run.unlessInterrupted(beginGates(run, gates, ctx));
  if (isInterrupt(begun)) return INTERRUPT;
  return begun === undefined ? undefined : gateReason(run, stepNumber, step.weight, begun);
}

/** Phase pause: gate rounds right away, every interval, and at the pause's end. */
async function pausePhase(
  run: Run,
  stepNumber: number,
  step: RolloutStep,
): Promise<AbortReason | Interrupt | undefined> {
  const { clock, logger, gates } = run.options;
  phase(run, "pause", { step: stepNumber, weight: step.weight });
  const label = `step ${stepNumber}/${run.stepCount}`;
  const ctx: GateContext = { step: stepNumber, stepCount: run.stepCount, weight: step.weight };
  const rounds = gateRounds(step.pauseSeconds, run.intervalSeconds);
  const stepStartMs = clock.now();
  let loggedAtMs: number | undefined;
  for (let round = 1; round <= rounds; round++) {
    const dueMs = stepStartMs + Math.min((round - 1) * run.intervalSeconds, step.pauseSeconds) * 1000;
    const waitMs = dueMs - clock.now();
    if (waitMs > 0 && isInterrupt(await run.unlessInterrupted(clock.sleep(waitMs)))) return INTERRUPT;
    const failure = await run.unlessInterrupted(runGateRound(run, gates, ctx));
    if (isInterrupt(failure)) return INTERRUPT;
    if (failure !== undefined) {
      run.emit({ kind: "gates", step: stepNumber, ok: false, failed: failure.gate });
      return gateReason(run, stepNumber, step.weight, failure);
    }
    run.emit({ kind: "gates", step: stepNumber, ok: true });
    const nowMs = clock.now();
    if (round === 1 || round === rounds || nowMs - (loggedAtMs ?? nowMs) >= GATE_LOG_EVERY_MS) {
      logger.info(`${label}: gates ok (round ${round}/${rounds})`);
      loggedAtMs = nowMs;
    }
  }
  return undefined;
}

/** A budget that is not a finite number >= 0 would retry without end (NaN and Infinity never run out). */
export function apiBudgetProblems(api: ApiRetryOptions | undefined): string[] {
  const budgets = [
    ["rollout.api.retryBudget", api?.retryBudgetSeconds],
    ["rollout.api.abortBudget", api?.abortBudgetSeconds],
  ] as const;
  return budgets
    .filter(([, value]) => value !== undefined && !(Number.isFinite(value) && value >= 0))
    .map(([key, value]) => `${key} ${value}s is not a finite number of seconds >= 0`);
}

/** Steps the canary weight through the schedule; see RolloutOptions for the contract. Throws only for invalid input. */
export async function runRollout(options: RolloutOptions): Promise<RolloutResult> {
  const { steps, logger, signal } = options;
  const problems = validateSchedule(steps);
  const intervalSeconds = options.gateIntervalSeconds ?? DEFAULT_GATE_INTERVAL_SECONDS;
  if (!Number.isFinite(intervalSeconds) || intervalSeconds <= 0) {
    problems.push(`gate interval ${intervalSeconds}s is not a number of seconds > 0`);
  }
  const resume = options.resumeFromWeight;
  if (resume !== undefined && !(Number.isInteger(resume) && resume >= 0 && resume <= 100)) {
    problems.push(`resume weight ${resume} is not an integer from 0 to 100`);
  }
  problems.push(...apiBudgetProblems(options.api));
  if (problems.length > 0) {
    throw new Error(`invalid rollout schedule: ${problems.join("; ")}`);
  }
  const run = createRun(options, intervalSeconds);
  try {
    if (signal?.aborted) return await abortPhase(run, interruptReason(run, 0));

    const pending = steps.filter((step) => resume === undefined || step.weight > resume);
    const last = steps[steps.length - 1];
    if (resume !== undefined && pending.length === 0) {
      if (last.weight === resume) {
        logger.info(`canary weight already ${resume}%, the end of the schedule; nothing to do`);
        return result(run, resume === 100 ? { kind: "promoted" } : { kind: "held", weight: resume });
      }
      // Held above where the schedule now ends: lowering the weight is always safe.
      pending.push(last);
    }
    if (resume === undefined) {
      const failed = await resetPhase(run);
      if (failed !== undefined) return await abortPhase(run, failed);
    } else {
      logger.info(`continuing from canary weight ${resume}%`);
    }

    for (const step of pending) {
      const stepNumber = steps.indexOf(step) + 1;
      if (signal?.aborted) return await abortPhase(run, interruptReason(run, stepNumber));
      const begun = await stepPhase(run, stepNumber, step);
      if (isInterrupt(begun)) return await abortPhase(run, interruptReason(run, stepNumber));
      if (begun !== undefined) return await abortPhase(run, begun);
      const paused = await pausePhase(run, stepNumber, step);
      if (isInterrupt(paused)) return await abortPhase(run, interruptReason(run, stepNumber));
      if (paused !== undefined) return await abortPhase(run, paused);
    }

    await endGates(run);
    if (last.weight === 100) {
      phase(run, "promote", { step: steps.length, weight: 100 });
      logger.info("canary weight 100%: schedule complete, ready to promote");
      return result(run, { kind: "promoted" });
    }
    phase(run, "hold", { step: steps.length, weight: last.weight });
    logger.info(`schedule ends at canary weight ${last.weight}%: holding there`);
    return result(run, { kind: "held", weight: last.weight });
  } finally {
    await endGates(run);
  }
}

/**
 * A first release: no client is on another version, so stepping the weight
 * would only add waiting. Sets the weight to 0, runs every gate once (the
 * handshake gate reaches the canary through its header whatever the weight)
 * and promotes. A failure aborts with the same message format as a step; no
 * drain (no client reached the canary at weight 0).
 */
export async function runFirstRelease(
  options: Pick<RolloutOptions, "gates" | "router" | "clock" | "logger" | "onEvent" | "api">,
): Promise<RolloutResult> {
  const { logger } = options;
  const budgetProblems = apiBudgetProblems(options.api);
  if (budgetProblems.length > 0) {
    throw new Error(`invalid rollout settings: ${budgetProblems.join("; ")}`);
  }
  const run = createRun(
    { ...options, steps: [{ weight: 100, pauseSeconds: 0 }] },
    DEFAULT_GATE_INTERVAL_SECONDS,
  );
  const where = "first release";
  try {
    phase(run, "reset", { weight: 0 });
    try {
      await setWeight(run, 0);
    } catch (error) {
      return await abortPhase(run, writeFailed(0, where, 0, error));
    }
    logger.info("first release: checking the gates once at canary weight 0%, then promoting");
    phase(run, "step", { step: 1, weight: 0 });
    const ctx: GateContext = { step: 1, stepCount: 1, weight: 0 };
    const failure =
      (await beginGates(run, options.gates, ctx)) ?? (await runGateRound(run, options.gates, ctx));
    run.emit({
      kind: "gates",
      step: 1,
      ok: failure === undefined,
      ...(failure === undefined ? {} : { failed: failure.gate }),
    });
    if (failure === undefined) {
      logger.info("step 1/1: gates ok (round 1/1)");
      await endGates(run);
      phase(run, "promote", { step: 1, weight: 0 });
      return result(run, { kind: "promoted" });
    }
    // Weight is already 0; the abort sets it again so the outcome holds even if something raced us.
    return await abortPhase(run, { ...gateReason(run, 1, 0, failure), where: stepLabel(1, 1, 0) });
  } finally {
    await endGates(run);
  }
}
