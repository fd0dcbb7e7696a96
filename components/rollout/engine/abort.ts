/** Phase abort, and the drain after it (rollout.onAbort). */
import { failureMessage, formatDuration, WEIGHT_RESET_SUFFIX } from "../messages";
import { withRetries } from "../retry";
import { endGates } from "./gateRounds";
import { RolloutOutcome, RolloutResult } from "./options";
import { AbortReason, Run, describe, phase, result, withFix } from "./run";
import { landingTracker, leftBehind, budgetOf } from "./weights";

/** Phase abort: weight to 0 within the abort budget, then drain (rollout.onAbort), then the one message. */
export async function abortPhase(run: Run, reason: AbortReason): Promise<RolloutResult> {
  const { router, clock, logger } = run.options;
  const { failure } = reason;
  const before = run.confirmed;
  // Read before the reset below clears them: what this run did or may have done.
  const evidence = runEvidence(run);
  let weightText = WEIGHT_RESET_SUFFIX;
  let weightReset = true;
  let apiFix: string | undefined;
  const attempt = landingTracker((leftMs) => router.setCanaryWeight(0, budgetOf(leftMs)));
  try {
    // Transient failures (API down, 5xx, 409, 429, timeouts) are retried for the whole abort
    // budget: clients keep reaching the aborted version until this lands. The signal does not stop it.
    await withRetries(attempt.call, {
      clock,
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
  const exposure =
    drainer !== undefined && run.onAbort === "drain" ? await exposureOf(run, evidence) : undefined;
  if (exposure !== undefined && !exposure.exposed) {
    drainText = exposure.text;
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
        const earlier = exposure?.text === undefined ? "" : `${exposure.text}; `;
        drainText =
          drained.length === 0
            ? `${earlier}no canary pod to drain`
            : `${earlier}canary clients moved to stable: ${drained.length} pod${drained.length === 1 ? "" : "s"} of the aborted version asked to drain (${drained.join(", ")}), each closing its connections spread over its drain time`;
        await recordDrained(run);
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

/** Whether clients may be on the canary version, and how that is known. */
interface Exposure {
  readonly exposed: boolean;
  /** Said in the abort message: the proof of no exposure, or where an earlier exposure comes from. */
  readonly text?: string;
}

/** What this run knows by itself: a weight above 0 in place (or resumed), or one that may have landed. */
interface RunEvidence {
  readonly raised: boolean;
  readonly mayHaveRaised: boolean;
}

function runEvidence(run: Run): RunEvidence {
  return {
    raised:
      (run.options.resumeFromWeight ?? 0) > 0 ||
      run.events.some((event) => event.kind === "set-weight" && event.weight > 0),
    mayHaveRaised: (run.uncertain ?? 0) > 0,
  };
}

/**
 * Clients may be on the canary when this run raised its weight above 0 (or
 * resumed above 0), or when the cluster's exposure record says it ever was:
 * a write of this run that may have landed, or an earlier update (a kept
 * abort, a failed drain, a killed update). The record is written in the same
 * patch as each weight, so it proves whether such a write landed. "No client
 * reached the canary" is said only when the record proves it; a record that
 * cannot be read counts as exposed (a drain of pods without clients costs
 * nothing, a skipped one strands clients).
 */
async function exposureOf(run: Run, evidence: RunEvidence): Promise<Exposure> {
  if (evidence.raised) return { exposed: true };
  const router = run.options.router;
  const read = router.readExposure;
  if (read === undefined) {
    if (evidence.mayHaveRaised) return { exposed: true };
    return {
      exposed: false,
      text: "the canary weight never rose above 0 in this run and the router keeps no exposure record, so nothing was drained",
    };
  }
  try {
    const highest = await run.retried("read the canary's exposure record", (leftMs) =>
      read.call(router, budgetOf(leftMs)),
    );
    if (highest === 0) {
      return {
        exposed: false,
        text: "no client reached the canary (its exposure record on the cluster shows it never above 0%), so nothing to drain",
      };
    }
    return {
      exposed: true,
      text: `an earlier update exposed this version up to ${highest}% (its exposure record)`,
    };
  } catch (error) {
    return {
      exposed: true,
      text: `its exposure record could not be read (${describe(error).text}), so it is drained in case clients are on it`,
    };
  }
}

/** After a drain: the record back to 0, so a later update knows the version's clients left. Best effort. */
async function recordDrained(run: Run): Promise<void> {
  const router = run.options.router;
  const record = router.recordDrained;
  if (record === undefined) return;
  try {
    await run.retried("record the drain on the canary's exposure record", (leftMs) =>
      record.call(router, budgetOf(leftMs)),
    );
  } catch (error) {
    run.options.logger.warn(
      `the drain ran, but recording it failed (a later abort of this version drains again, harmlessly): ${describe(error).text}`,
    );
  }
}
