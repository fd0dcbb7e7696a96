/**
 * The release the rehearsal plays: by default the schedule, drain and pod
 * timings of `stacks/Pulumi.local.yaml`, read and validated by the same
 * parser `pulumi up` uses, so the rehearsal measures what the stack declares.
 */
import { scheduleSeconds, validateSchedule } from "../../components/rollout/engine";
import type { RolloutStep } from "../../components/rollout/types";
import { parseConfig, parseDuration } from "../../infra/config";
import { rawStackConfig } from "../helpers/stacks";

/** The stack whose release is the embedded default. */
export const DEFAULT_STACK = "local";

export interface StackRelease {
  readonly stack: string;
  readonly steps: readonly RolloutStep[];
  readonly drainSeconds: number;
  readonly preStopSeconds: number;
  readonly terminationMarginSeconds: number;
  readonly gateIntervalSeconds: number;
}

/** The release settings of a stack file, validated (a bad stack file fails with the program's messages). */
export function stackRelease(stack: string = DEFAULT_STACK): StackRelease {
  const c = parseConfig(rawStackConfig(stack));
  return {
    stack,
    steps: c.rollout.steps,
    drainSeconds: c.gateway.drainSeconds,
    preStopSeconds: c.gateway.preStopSeconds,
    terminationMarginSeconds: c.gateway.terminationMarginSeconds,
    gateIntervalSeconds: c.rollout.gates.intervalSeconds,
  };
}

/**
 * Parses `--steps` text: comma-separated `weight[:pause]`, e.g.
 * "5:2m,25:5m,50:5m,100", with the stack file's duration syntax. The last
 * step needs no pause.
 */
export function parseSteps(text: string): RolloutStep[] {
  const steps = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part): RolloutStep => {
      const [weightText, pauseText] = part.split(":");
      const weight = Number(weightText);
      const pauseSeconds = pauseText === undefined ? 0 : parseDuration(pauseText);
      if (pauseSeconds === undefined) {
        throw new Error(
          `invalid --steps step "${part}": the pause must be a duration like "90s", "2m" or "1h30m"`,
        );
      }
      return { weight, pauseSeconds };
    });
  if (steps.length === 0) {
    throw new Error(`invalid --steps "${text}": give at least one step, e.g. "5:2m,25:5m,50:5m,100"`);
  }
  const problems = validateSchedule(steps);
  if (problems.length > 0) {
    throw new Error(`invalid --steps "${text}": ${problems.join("; ")}`);
  }
  return steps;
}

/** Total scheduled pause time of a schedule, in seconds. */
export const schedulePauseSeconds = scheduleSeconds;

export function formatSteps(steps: readonly RolloutStep[]): string {
  return steps
    .map((s) => (s.pauseSeconds > 0 ? `${s.weight}%/${s.pauseSeconds}s` : `${s.weight}%`))
    .join(" -> ");
}
