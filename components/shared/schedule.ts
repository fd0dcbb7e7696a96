/**
 * The rollout schedule's rules, written once. Config validation, the rollout
 * engine and the policy pack each turn these findings into their own words
 * (a config key, a provider check failure, a violation), but what is wrong is
 * decided here only.
 */

export interface ScheduleStep {
  readonly weight: number;
  readonly pauseSeconds: number;
}

export type ScheduleProblem =
  | { readonly kind: "empty" }
  /** weight not an integer within 1..100 */
  | { readonly kind: "weight-range"; readonly index: number; readonly weight: number }
  /** weight not above the previous step's */
  | {
      readonly kind: "weight-not-rising";
      readonly index: number;
      readonly weight: number;
      readonly previous: number;
    }
  /** weight 100 before the last step */
  | { readonly kind: "full-weight-not-last"; readonly index: number; readonly following: number }
  /** pause negative or not a number */
  | { readonly kind: "pause-invalid"; readonly index: number; readonly pauseSeconds: number }
  /** pause of a step before the last below the minimum */
  | {
      readonly kind: "pause-short";
      readonly index: number;
      readonly pauseSeconds: number;
      readonly min: number;
    }
  /** the pauses add up to more than the maximum */
  | { readonly kind: "schedule-long"; readonly totalSeconds: number; readonly max: number };

export interface ScheduleLimits {
  /** Shortest pause before the last step; 0 checks nothing. */
  readonly minPauseSeconds: number;
  /** Longest sum of pauses; Infinity checks nothing. */
  readonly maxScheduleSeconds: number;
}

/** Rules every consumer applies whatever its limits: weights rise strictly within 1..100, 100 only last. */
export const NO_PAUSE_LIMITS: ScheduleLimits = { minPauseSeconds: 0, maxScheduleSeconds: Infinity };

export function scheduleProblems(steps: readonly ScheduleStep[], limits: ScheduleLimits): ScheduleProblem[] {
  if (steps.length === 0) return [{ kind: "empty" }];
  const out: ScheduleProblem[] = [];
  let total = 0;
  steps.forEach((s, index) => {
    const last = index === steps.length - 1;
    const valid = Number.isInteger(s.weight) && s.weight >= 1 && s.weight <= 100;
    // Each step against the one before: no violation anywhere means the whole list rises strictly.
    const previous = index > 0 ? steps[index - 1]?.weight : undefined;
    if (!valid) out.push({ kind: "weight-range", index, weight: s.weight });
    else if (previous !== undefined && s.weight <= previous) {
      out.push({ kind: "weight-not-rising", index, weight: s.weight, previous });
    }
    if (s.weight === 100 && !last)
      out.push({ kind: "full-weight-not-last", index, following: steps.length - index - 1 });
    if (!Number.isFinite(s.pauseSeconds) || s.pauseSeconds < 0) {
      out.push({ kind: "pause-invalid", index, pauseSeconds: s.pauseSeconds });
      return;
    }
    total += s.pauseSeconds;
    if (!last && s.pauseSeconds < limits.minPauseSeconds) {
      out.push({ kind: "pause-short", index, pauseSeconds: s.pauseSeconds, min: limits.minPauseSeconds });
    }
  });
  if (total > limits.maxScheduleSeconds) {
    out.push({ kind: "schedule-long", totalSeconds: total, max: limits.maxScheduleSeconds });
  }
  return out;
}
