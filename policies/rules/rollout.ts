/**
 * The canary schedule of the rollout dynamic resource: weights that only
 * rise, pauses long enough for the gates to see real traffic, and a total
 * that keeps one `pulumi up` (and the frozen previous version) bounded.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { configSchema, knobs } from "../config";
import { TYPES } from "../lib/kube";
import { at, isUnknown, items, num, show } from "../lib/values";
import { scheduleProblems, type ScheduleProblem, type ScheduleStep } from "../../components/shared/schedule";

/** The violation text of one schedule problem (shared rules: components/shared/schedule). */
function violation(p: ScheduleProblem, what: string): string | undefined {
  switch (p.kind) {
    case "empty":
      return undefined; // reported before the rules run
    case "weight-range":
      return `${what}: step ${p.index + 1} weight is ${p.weight}, outside 1..100. Fix: use a whole percentage from 1 to 100.`;
    case "weight-not-rising":
      return (
        `${what}: step ${p.index + 1} weight ${p.weight} does not rise above step ${p.index} weight ${p.previous}: ` +
        `clients moved to the canary would be sent back, and reconnect twice. Fix: make every weight larger than the one before.`
      );
    case "full-weight-not-last":
      return `${what}: step ${p.index + 1} has weight 100 but ${p.following} more step(s) follow: the canary would take every new client, then give some back. Fix: make weight 100 the last step.`;
    case "pause-invalid":
      return `${what}: step ${p.index + 1} pause is ${p.pauseSeconds}, not a number of seconds >= 0. Fix: set pauseSeconds to a whole number of seconds.`;
    case "pause-short":
      return (
        `${what}: step ${p.index + 1} pauses ${p.pauseSeconds} s, below ${p.min} s: the gates cannot judge the canary that fast. ` +
        `Fix: pause at least ${p.min}s after every step but the last.`
      );
    case "schedule-long":
      return (
        `${what}: the pauses add up to ${p.totalSeconds} s, more than ${p.max} s: the update would keep the previous version frozen for that long. ` +
        `Fix: shorten the pauses, or stop the schedule below 100 and resume in a later update.`
      );
  }
}

export const rolloutSchedule: StackValidationPolicy = {
  name: "rollout-schedule",
  description:
    "Rollout weights rise strictly within 1..100, every pause but the last lasts at least the minimum, and the pauses add up to at most the maximum.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minPauseSeconds", "maxScheduleSeconds"),
  validateStack: (args, report) => {
    const { minPauseSeconds, maxScheduleSeconds } = knobs(args);
    const rollouts = args.resources.filter((r) => r.type === TYPES.rollout);
    for (const r of rollouts) {
      const steps = items(at(r.props, "steps"));
      if (isUnknown(steps)) continue;
      const what = `Rollout ${JSON.stringify(r.name)}`;
      if (steps === undefined || steps.length === 0) {
        report(
          `${what}: the schedule has no steps (found ${show(at(r.props, "steps"))}). Fix: list at least one step, e.g. [{weight: 100}].`,
          r.urn,
        );
        continue;
      }
      const parsed: ScheduleStep[] = [];
      for (const s of steps) {
        const weight = num(at(s, "weight"));
        const pause = num(at(s, "pauseSeconds") ?? 0);
        // An unknown step cannot be judged, nor can the steps around it.
        if (isUnknown(weight) || isUnknown(pause)) return;
        parsed.push({ weight: weight ?? Number.NaN, pauseSeconds: pause ?? Number.NaN });
      }
      for (const p of scheduleProblems(parsed, { minPauseSeconds, maxScheduleSeconds })) {
        const message = violation(p, what);
        if (message !== undefined) report(message, r.urn);
      }
    }
  },
};

export const rolloutPolicies = [rolloutSchedule];
