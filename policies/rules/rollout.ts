/**
 * The canary schedule of the rollout dynamic resource: weights that only
 * rise, pauses long enough for the gates to see real traffic, and a total
 * that keeps one `pulumi up` (and the frozen previous version) bounded.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { configSchema, knobs } from "../config";
import { TYPES } from "../lib/kube";
import { at, isUnknown, items, num, show } from "../lib/values";

export const rolloutSchedule: StackValidationPolicy = {
  name: "rollout-schedule",
  description:
    "Rollout weights rise strictly within 1..100, every pause but the last lasts at least the minimum, and the pauses add up to at most the maximum.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minPauseSeconds", "maxScheduleSeconds"),
  validateStack: (args, report) => {
    const { minPauseSeconds, maxScheduleSeconds } = knobs(args);
    // The rollout is the dynamic resource that carries a schedule (its canary-weight reset carries none).
    const rollouts = args.resources.filter(
      (r) =>
        r.type === TYPES.dynamic &&
        at(r.props, "canaryIngressName") !== undefined &&
        at(r.props, "steps") !== undefined,
    );
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
      let previous = 0;
      let total = 0;
      steps.forEach((s, i) => {
        const weight = num(at(s, "weight"));
        const pause = num(at(s, "pauseSeconds") ?? 0);
        const last = i === steps.length - 1;
        if (typeof weight === "number") {
          if (!Number.isInteger(weight) || weight < 1 || weight > 100) {
            report(
              `${what}: step ${i + 1} weight is ${weight}, outside 1..100. Fix: use a whole percentage from 1 to 100.`,
              r.urn,
            );
          } else if (weight <= previous) {
            report(
              `${what}: step ${i + 1} weight ${weight} does not rise above step ${i} weight ${previous}: ` +
                `clients moved to the canary would be sent back, and reconnect twice. Fix: make every weight larger than the one before.`,
              r.urn,
            );
          }
          previous = Math.max(previous, weight);
        }
        if (typeof pause === "number") {
          total += pause;
          if (!last && pause < minPauseSeconds) {
            report(
              `${what}: step ${i + 1} pauses ${pause} s, below ${minPauseSeconds} s: the gates cannot judge the canary that fast. ` +
                `Fix: pause at least ${minPauseSeconds}s after every step but the last.`,
              r.urn,
            );
          }
        }
      });
      if (total > maxScheduleSeconds) {
        report(
          `${what}: the pauses add up to ${total} s, more than ${maxScheduleSeconds} s: the update would keep the previous version frozen for that long. ` +
            `Fix: shorten the pauses, or stop the schedule below 100 and resume in a later update.`,
          r.urn,
        );
      }
    }
  },
};

export const rolloutPolicies = [rolloutSchedule];
