/** Weight writes: retries, what may have landed, and what a failed reset leaves behind. */
import { isApiError } from "../apiError";
import { readWeightCommand, setWeightCommand } from "../messages";
import type { CallBudget } from "../types";
import { API_GATE, ROUTER_GATE } from "./options";
import { AbortReason, Run, describe, withFix } from "./run";

/**
 * Sets the weight with retries, each attempt within what is left of the
 * budget. A 409 is the router's optimistic concurrency at work (someone wrote
 * the Ingress between its read and its write): the retry reads it again and
 * writes on that. Throws the last error when it fails for good, after noting
 * whether the write may have landed.
 */
export async function setWeight(run: Run, target: number): Promise<void> {
  const { router } = run.options;
  // Any attempt that may have landed counts, not only the last: a timeout then a refused retry may still have written.
  const attempt = landingTracker((leftMs) => router.setCanaryWeight(target, budgetOf(leftMs)));
  try {
    await run.retried(`set the canary weight to ${target}%`, attempt.call);
  } catch (error) {
    if (attempt.mayHaveLanded()) run.uncertain = target;
    throw error;
  }
  run.confirmed = target;
  if (run.uncertain === target) run.uncertain = undefined;
  run.emit({ kind: "set-weight", weight: target });
}

/** What is left of a call's budget as a router call takes it; undefined: the router's own timeouts. */
export function budgetOf(leftMs: number | undefined): CallBudget | undefined {
  return leftMs === undefined ? undefined : { timeoutMs: leftMs };
}

/**
 * Wraps a weight write so the caller knows whether any attempt may have
 * landed: a non-API router error says nothing about landing, so it counts as
 * may-have-landed; an API error says so itself.
 */
export function landingTracker(write: (leftMs: number | undefined) => Promise<void>): {
  readonly call: (leftMs: number | undefined) => Promise<void>;
  readonly mayHaveLanded: () => boolean;
} {
  let landed = false;
  return {
    call: async (leftMs) => {
      try {
        await write(leftMs);
      } catch (error) {
        if (!isApiError(error) || error.mayHaveLanded) landed = true;
        throw error;
      }
    },
    mayHaveLanded: () => landed,
  };
}

/**
 * Exactly what the failed reset leaves: the weight in place, or every weight
 * it may be when a write may have landed (a step's write, the reset's 0), and
 * how to fix it.
 */
export function leftBehind(run: Run, before: number | undefined, zeroMayHaveLanded: boolean): string {
  const ingress = run.options.router.canaryIngress;
  const known = run.confirmed ?? before;
  const possible = [known, run.uncertain, zeroMayHaveLanded ? 0 : undefined].filter(
    (weight, index, all) => weight === undefined || all.indexOf(weight) === index,
  );
  const landed = possible.filter((weight): weight is number => weight !== undefined);
  if (landed.length > 1 || (known === undefined && landed.length > 0)) {
    const options = [...landed.map((weight) => `${weight}%`), ...(known === undefined ? ["unknown"] : [])];
    const how =
      ingress === undefined
        ? "check the canary weight on the router by hand and set it to 0"
        : `check the canary Ingress by hand (${readWeightCommand(ingress)}) and set it to 0: ${setWeightCommand(ingress, 0)}`;
    return `left behind: the canary weight is ${options.slice(0, -1).join(", ")} or ${options[options.length - 1]} (a write may have landed); ${how}`;
  }
  if (known === 0) return "left behind: nothing (the canary weight was already 0)";
  const weight = known === undefined ? "unknown" : `${known}%`;
  const how =
    ingress === undefined
      ? "set it to 0 on the router by hand"
      : `set it to 0 with: ${setWeightCommand(ingress, 0)}`;
  return `left behind: the canary weight is still ${weight}, so new clients keep reaching the aborted version; ${how}`;
}

/** An abort caused by a failed weight write. */
export function writeFailed(step: number, where: string, target: number, error: unknown): AbortReason {
  const { text, fix } = describe(error);
  const api = isApiError(error);
  return {
    step,
    where,
    cause: `could not set the canary weight to ${target}%: ${text}`,
    failure: withFix(
      {
        gate: api ? API_GATE : ROUTER_GATE,
        measured: text,
        threshold: api ? "a working Kubernetes API" : "the weight accepted",
      },
      fix,
    ),
  };
}
