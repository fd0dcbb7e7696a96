/**
 * Resuming after an update that did not finish. A `pulumi up` that was
 * killed (or whose engine died) leaves the canary weight where it was, and
 * the next update of the same version would start the schedule again from 0,
 * moving clients back and forth. When the cluster shows the weight in place
 * belongs to this version (its exposure record names it at exactly the live
 * weight; the canary Service is moved to the version before the engine
 * runs), the next update continues from there instead; the engine checks the
 * gates at that weight before the next step
 * (RolloutOptions.verifyResumedWeight), and says so.
 *
 * A failed release is not resumed: its abort set the weight to 0 (and a
 * drain set the record to 0), so the cluster shows nothing to continue.
 */
import { parseExposure } from "./kubernetesRouter";
import type { RolloutStep } from "./types";

/** The weight to resume from, with the sentence that says why; undefined when the cluster shows none. */
export function resumeDecision(
  version: string,
  steps: readonly RolloutStep[],
  liveWeight: number,
  exposureText: string | undefined,
): { weight: number; message: string } | undefined {
  const record = parseExposure(exposureText);
  if (record === undefined || record.version !== version || liveWeight === 0) return undefined;
  if (record.weight !== liveWeight) return undefined;
  const last = steps[steps.length - 1]?.weight ?? 100;
  if (liveWeight >= last) return undefined;
  return {
    weight: liveWeight,
    message:
      `resuming from the live canary weight ${liveWeight}%: an earlier update of ${version} did not finish and left it there ` +
      `(the exposure record on the canary Ingress names ${version} at ${liveWeight}%); the gates are checked at ${liveWeight}% before the next step`,
  };
}
