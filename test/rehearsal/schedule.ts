/**
 * The release the rehearsal plays: by default the schedule, drain, pod
 * timings and gates of `stacks/Pulumi.local.yaml`, read and validated by the
 * same parser `pulumi up` uses, so the rehearsal measures what the stack declares.
 */
import type { OnAbort } from "../../components/rollout/defaults";
import { validateSchedule } from "../../components/rollout/engine";
import type { RolloutStep } from "../../components/rollout/types";
import { parseConfig, parseDuration, type RolloutConfig } from "../../infra/config";
import { rawStackConfig } from "../helpers/stacks";

/** The stack whose release is the embedded default. */
export const DEFAULT_STACK = "local";

export interface StackRelease {
  readonly stack: string;
  readonly steps: readonly RolloutStep[];
  readonly drainSeconds: number;
  readonly preStopSeconds: number;
  readonly terminationMarginSeconds: number;
  /** The controller's worker-shutdown-timeout: how long nginx's old workers keep sockets after a reload. */
  readonly workerShutdownTimeoutSeconds: number;
  /** The gate settings `pulumi up` hands to buildGates, as parsed. */
  readonly gates: StackGates;
  /** rollout.onAbort: what an abort does to the canary's clients. */
  readonly onAbort: OnAbort;
  /** rollout.api budgets: transient failures retried per call; the weight-0 retries after an abort. */
  readonly retryBudgetSeconds: number;
  readonly abortBudgetSeconds: number;
}

/** The parsed `rollout.gates` of a stack file. */
export type StackGates = RolloutConfig["gates"];

/** The release settings of a stack file, validated (a bad stack file fails with the program's messages). */
export function stackRelease(stack: string = DEFAULT_STACK): StackRelease {
  const c = parseConfig(rawStackConfig(stack));
  return {
    stack,
    steps: c.rollout.steps,
    drainSeconds: c.gateway.drainSeconds,
    preStopSeconds: c.gateway.preStopSeconds,
    terminationMarginSeconds: c.gateway.terminationMarginSeconds,
    workerShutdownTimeoutSeconds: c.ingress.workerShutdownTimeoutSeconds,
    gates: c.rollout.gates,
    onAbort: c.rollout.onAbort,
    retryBudgetSeconds: c.rollout.api.retryBudgetSeconds,
    abortBudgetSeconds: c.rollout.api.abortBudgetSeconds,
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

export function formatSteps(steps: readonly RolloutStep[]): string {
  return steps
    .map((s) => (s.pauseSeconds > 0 ? `${s.weight}%/${s.pauseSeconds}s` : `${s.weight}%`))
    .join(" -> ");
}

/** The stack's gates as the rehearsal runs them, and what had to be left out. */
export interface LocalGates {
  readonly gates: StackGates;
  /** One line per setting the rehearsal cannot honour, for the run's log. */
  readonly notes: readonly string[];
}

/**
 * The stack's gate settings with only what must be local replaced: the
 * handshake goes to the local nginx, and Prometheus is dropped because the
 * rehearsal has no Prometheus to ask (a query against nothing would abort
 * every staged run).
 *
 * Durations are not converted: intervalSeconds and podStartupSeconds stay in
 * scheduled seconds because the engine and the pods-ready gate run on the
 * rehearsal's scaled clock. The handshake timeout stays in real seconds, as
 * before: it bounds a real network round trip through nginx on loopback,
 * which takes real milliseconds whatever the time scale, and dividing it by
 * the scale (5 s / 60 = 83 ms) would fail the gate on an ordinary GC pause.
 */
export function localGates(stack: StackGates, handshakeUrl: string): LocalGates {
  const notes =
    stack.prometheus === undefined
      ? []
      : [`prometheus gate of the stack (${stack.prometheus.url}) not run: the rehearsal has no Prometheus`];
  return {
    gates: { ...stack, handshake: { ...stack.handshake, url: handshakeUrl }, prometheus: undefined },
    notes,
  };
}
