/**
 * The operator's steering inside a step (../steering): after every passing
 * gate round the engine reads the pause and promote requests. A pause holds
 * the weight past the step's pause with the gates still running; a promote
 * naming this version ends the step and skips to the schedule's last one.
 */
import { formatDuration } from "../messages";
import { clearPromoteCommand, resumeCommand, type Steering } from "../steering";
import type { Gate, GateContext, RolloutStep } from "../types";
import { runGateRound } from "./gateRounds";
import { GATE_LOG_EVERY_MS } from "./options";
import { AbortReason, INTERRUPT, Interrupt, Run, gateReason, isInterrupt, thrownByGate } from "./run";
import { budgetOf } from "./weights";

// A plain object, not a Symbol (the closure serializer recreates Symbols as ordinary objects).
export const PROMOTE_NOW = { promoteNow: true } as const;
export type PromoteNow = typeof PROMOTE_NOW;
export const isPromoteNow = (value: unknown): value is PromoteNow => value === PROMOTE_NOW;

/** The name a failed read of the steering annotations is reported under (an API failure in practice). */
const STEERING_READ: Pick<Gate, "name"> = { name: "steering" };

/** Reads the requests; an API failure for good aborts like a gate's. */
async function readSteering(run: Run, stepNumber: number, weight: number): Promise<Steering | AbortReason> {
  const source = run.options.steering;
  if (source === undefined) return {};
  try {
    return await run.retried("read the pause and promote requests", (leftMs) =>
      source.getSteering(budgetOf(leftMs)),
    );
  } catch (error) {
    return gateReason(run, stepNumber, weight, thrownByGate(STEERING_READ as Gate, error, "read"));
  }
}

const isAbortReason = (value: Steering | AbortReason): value is AbortReason => "failure" in value;

/** Whether a promote request applies now: it names this version and steps remain. */
function promoteApplies(run: Run, steering: Steering, stepNumber: number): boolean {
  const wanted = steering.promote;
  if (wanted === undefined || stepNumber >= run.stepCount) return false;
  const version = run.options.canaryVersion;
  if (version !== undefined && wanted !== version) {
    if (!run.steering.ignoredPromote.has(wanted)) {
      run.steering.ignoredPromote.add(wanted);
      const ingress = run.options.steering?.canaryIngress;
      const clear = ingress === undefined ? "" : `; remove it with: ${clearPromoteCommand(ingress)}`;
      run.options.logger.warn(
        `promote request ignored: it names ${JSON.stringify(wanted)}, this release is ${version}${clear}`,
      );
    }
    return false;
  }
  return true;
}

function announcePromote(run: Run, stepNumber: number, steering: Steering): PromoteNow {
  run.steering.promoted = true;
  run.options.logger.info(
    `promote requested (${steering.promote}): gates passed at step ${stepNumber}/${run.stepCount}; skipping to the last step`,
  );
  run.emit({ kind: "steer", action: "promote", step: stepNumber, detail: steering.promote ?? "" });
  return PROMOTE_NOW;
}

/** After a passing round inside the step's pause: PROMOTE_NOW when a promote request applies. */
export async function promoteRequested(
  run: Run,
  stepNumber: number,
  step: RolloutStep,
): Promise<PromoteNow | AbortReason | undefined> {
  if (run.options.steering === undefined) return undefined;
  const steering = await readSteering(run, stepNumber, step.weight);
  if (isAbortReason(steering)) return steering;
  return promoteApplies(run, steering, stepNumber) ? announcePromote(run, stepNumber, steering) : undefined;
}

/**
 * At the end of the step's pause: while a pause request stands, gate rounds
 * go on every interval at this weight; a failing gate (or the abort request,
 * itself a gate) aborts, a promote request ends the hold, removing the pause
 * resumes the schedule.
 */
export async function holdWhilePaused(
  run: Run,
  stepNumber: number,
  step: RolloutStep,
): Promise<PromoteNow | AbortReason | Interrupt | undefined> {
  if (run.options.steering === undefined) return undefined;
  const { clock, logger, gates } = run.options;
  const ctx: GateContext = { step: stepNumber, stepCount: run.stepCount, weight: step.weight };
  const label = `step ${stepNumber}/${run.stepCount}`;
  const ingress = run.options.steering.canaryIngress;
  const heldSinceMs = clock.now();
  let loggedAtMs: number | undefined;
  for (;;) {
    const steering = await readSteering(run, stepNumber, step.weight);
    if (isAbortReason(steering)) return steering;
    if (promoteApplies(run, steering, stepNumber)) return announcePromote(run, stepNumber, steering);
    // A granted promote wins over a pause: the operator asked for this release to finish.
    if (steering.pause === undefined || run.steering.promoted) {
      if (loggedAtMs !== undefined) {
        logger.info(
          `${label}: pause request removed after ${formatDuration((clock.now() - heldSinceMs) / 1000)}; resuming the schedule`,
        );
        run.emit({ kind: "steer", action: "resume", step: stepNumber });
      }
      return undefined;
    }
    const nowMs = clock.now();
    if (loggedAtMs === undefined || nowMs - loggedAtMs >= GATE_LOG_EVERY_MS) {
      const how = ingress === undefined ? "" : `; resume with: ${resumeCommand(ingress)}`;
      const reason = steering.pause === "" ? "" : ` (${JSON.stringify(steering.pause)})`;
      logger.info(
        `${label}: paused by request${reason} at canary weight ${step.weight}% for ${formatDuration((nowMs - heldSinceMs) / 1000)}, gates still running${how}`,
      );
      if (loggedAtMs === undefined)
        run.emit({ kind: "steer", action: "pause", step: stepNumber, detail: steering.pause });
      loggedAtMs = nowMs;
    }
    if (isInterrupt(await run.unlessInterrupted(clock.sleep(run.intervalSeconds * 1000)))) return INTERRUPT;
    const failure = await run.unlessInterrupted(runGateRound(run, gates, ctx));
    if (isInterrupt(failure)) return INTERRUPT;
    if (failure !== undefined) {
      run.emit({ kind: "gates", step: stepNumber, ok: false, failed: failure.gate });
      return gateReason(run, stepNumber, step.weight, failure);
    }
    run.emit({ kind: "gates", step: stepNumber, ok: true });
  }
}
