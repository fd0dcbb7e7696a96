/** Phases reset, route, step and pause. */
import { formatDuration, stepLabel } from "../messages";
import type { GateContext, RolloutStep } from "../types";
import { beginGates, runGateRound } from "./gateRounds";
import { GATE_LOG_EVERY_MS } from "./options";
import { AbortReason, INTERRUPT, Interrupt, Run, gateReason, isInterrupt, phase } from "./run";
import { gateRounds } from "./schedule";
import { holdWhilePaused, promoteRequested, type PromoteNow } from "./steer";
import { setWeight, writeFailed } from "./weights";

/** Phase reset: weight 0 before the first step, so the canary never starts from a stale weight. */
export async function resetPhase(run: Run): Promise<AbortReason | undefined> {
  phase(run, "reset", { weight: 0 });
  try {
    await setWeight(run, 0);
    return undefined;
  } catch (error) {
    return writeFailed(0, "before the first step", 0, error);
  }
}

/**
 * Phase route: before the first weight above 0, the canary route must answer
 * with the canary version (RolloutOptions.routeCheck), so the first step's
 * clients and probes begin on the canary rather than on the controller's
 * sync lag. Skipped without a route check, and when resuming above 0.
 */
export async function routePhase(run: Run): Promise<AbortReason | Interrupt | undefined> {
  const check = run.options.routeCheck;
  if (check === undefined) return undefined;
  phase(run, "route", { weight: 0 });
  const ctx: GateContext = { step: 0, stepCount: run.stepCount, weight: 0 };
  const outcome = await run.unlessInterrupted(runGateRound(run, [check], ctx));
  if (isInterrupt(outcome)) return INTERRUPT;
  if (outcome === undefined) {
    run.options.logger.info("canary route answers with the canary version");
    return undefined;
  }
  return { ...gateReason(run, 0, 0, outcome), where: "before the first step" };
}

/** Phase step: set the step's weight and begin its gates. */
export async function stepPhase(
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

/**
 * Phase pause: gate rounds right away, every interval, and at the pause's
 * end; after each passing round the operator's promote request, and at the
 * end a pause request (./steer), which holds the weight with gates running.
 */
export async function pausePhase(
  run: Run,
  stepNumber: number,
  step: RolloutStep,
): Promise<AbortReason | Interrupt | PromoteNow | undefined> {
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
    const promote = await promoteRequested(run, stepNumber, step);
    if (promote !== undefined) return promote;
  }
  return holdWhilePaused(run, stepNumber, step);
}
