/** Phase abort, and the drain after it (rollout.onAbort). */
import { failureMessage, formatDuration, WEIGHT_RESET_SUFFIX } from "../messages";
import { withRetries } from "../retry";
import { endGates } from "./gateRounds";
import { RolloutOutcome, RolloutResult } from "./options";
import { AbortReason, Run, describe, phase, result, withFix } from "./run";
import { landingTracker, leftBehind, rereadAfterConflict } from "./weights";

/** Phase abort: weight to 0 within the abort budget, then drain (rollout.onAbort), then the one message. */
export async function abortPhase(run: Run, reason: AbortReason): Promise<RolloutResult> {
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
