/** The schedule as the engine sees it: validation, length, gate rounds, the preview plan. */
import { scheduleProblems } from "../../shared/schedule";
import { DEFAULT_GATE_INTERVAL_SECONDS, DEFAULT_ON_ABORT, type OnAbort } from "../defaults";
import { formatDuration } from "../messages";
import type { RolloutStep } from "../types";

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
