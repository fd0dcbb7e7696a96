/**
 * The rollout engine: steps the canary weight through a schedule and runs the
 * gates throughout every pause. Pure: it reaches the world only through the
 * interfaces in ./types, so `pulumi up`, the rehearsal and the tests drive the
 * same code.
 *
 * A rollout is a sequence of named phases (types.RolloutPhase), each a
 * function in ./engine/ and each announced through the `onEvent` hook:
 *
 *   reset -> route -> (step -> pause)* -> promote | hold
 *                           \-> abort [-> drain]
 *
 * API failures (./apiError) never count as a gate's verdict: transient ones
 * are retried within rollout.api.retryBudget per call (./retry); one that
 * persists aborts the rollout as the API's failure ("kubernetes-api").
 * An abort keeps trying to set the weight to 0 for rollout.api.abortBudget,
 * then, with rollout.onAbort drain, moves the canary's clients to stable.
 */
import { DEFAULT_GATE_INTERVAL_SECONDS } from "./defaults";
import { stepLabel } from "./messages";
import { abortPhase } from "./engine/abort";
import { beginGates, endGates, runGateRound } from "./engine/gateRounds";
import type { ApiRetryOptions, RolloutOptions, RolloutResult } from "./engine/options";
import type { GateContext } from "./types";
import { pausePhase, resetPhase, routePhase, stepPhase } from "./engine/phases";
import {
  createRun,
  gateReason,
  interruptReason,
  isInterrupt,
  phase,
  result,
  type AbortReason,
  type Run,
} from "./engine/run";
import { isPromoteNow } from "./engine/steer";
import { validateSchedule } from "./engine/schedule";
import { setWeight, writeFailed } from "./engine/weights";

// The engine's public surface; its parts live in ./engine/, one file per concern:
// options (what a rollout takes and returns), schedule (validation and the plan),
// run (state shared by the phases), weights (writes and what they leave),
// gateRounds, phases (reset, route, step, pause), abort (abort and drain).
export { formatDuration } from "./messages";
export { DEFAULT_GATE_INTERVAL_SECONDS };
export {
  API_GATE,
  INTERRUPTED_GATE,
  ROUTER_GATE,
  type ApiRetryOptions,
  type RolloutAction,
  type RolloutOptions,
  type RolloutOutcome,
  type RolloutResult,
} from "./engine/options";
export { describeSchedule, gateRounds, scheduleSeconds, validateSchedule } from "./engine/schedule";
export type { GateFailure } from "./engine/run";

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
      if (options.verifyResumedWeight === true && resume > 0) {
        const failed = await verifyResumed(run, resume);
        if (failed !== undefined) return await abortPhase(run, failed);
      }
    }
    if ((resume ?? 0) === 0) {
      const routed = await routePhase(run);
      if (isInterrupt(routed)) return await abortPhase(run, interruptReason(run, 0));
      if (routed !== undefined) return await abortPhase(run, routed);
    }

    let queue = pending.map((step) => ({ step, stepNumber: steps.indexOf(step) + 1 }));
    while (queue.length > 0) {
      const [{ step, stepNumber }, ...rest] = queue;
      queue = rest;
      if (signal?.aborted) return await abortPhase(run, interruptReason(run, stepNumber));
      const begun = await stepPhase(run, stepNumber, step);
      if (isInterrupt(begun)) return await abortPhase(run, interruptReason(run, stepNumber));
      if (begun !== undefined) return await abortPhase(run, begun);
      const paused = await pausePhase(run, stepNumber, step);
      if (isInterrupt(paused)) return await abortPhase(run, interruptReason(run, stepNumber));
      if (isPromoteNow(paused)) {
        // The operator's promote: straight to the last step, its gates once (no pause).
        queue =
          stepNumber === steps.length
            ? []
            : [{ step: { ...last, pauseSeconds: 0 }, stepNumber: steps.length }];
        continue;
      }
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

/** Before continuing from a weight an unfinished update left: the gates once at that weight. */
async function verifyResumed(run: Run, weight: number): Promise<AbortReason | undefined> {
  const steps = run.options.steps;
  const at = steps.findIndex((s) => s.weight === weight) + 1;
  const ctx: GateContext = { step: at, stepCount: run.stepCount, weight };
  const failure =
    (await beginGates(run, run.options.gates, ctx)) ?? (await runGateRound(run, run.options.gates, ctx));
  run.emit({
    kind: "gates",
    step: at,
    ok: failure === undefined,
    ...(failure === undefined ? {} : { failed: failure.gate }),
  });
  if (failure !== undefined)
    return { ...gateReason(run, at, weight, failure), where: `at the resumed weight ${weight}%` };
  run.options.logger.info(`gates ok at the resumed canary weight ${weight}%`);
  return undefined;
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
