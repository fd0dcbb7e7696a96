/**
 * The one place rollout failure messages are put together, and the commands
 * they hand the operator. Tests and operators rely on the exact format:
 *
 *   <where>: <cause>; <what happened to the weight>[; <drain>][; <fix>]
 *
 * where   "step 2/4 (weight 25%)", "before the first step", "first release"
 * cause   "gate pods-ready failed: measured ..., threshold ...",
 *         "the Kubernetes API failed while gate pods-ready read: ...",
 *         "could not set the canary weight to 25%: ...", "interrupted (...)"
 * weight  "canary weight set back to 0", or what is left when that failed
 * drain   what happened to the connections already on the canary
 * fix     the operator's next action, always last
 */
import { ANNOTATION_CANARY_WEIGHT } from "../names";
import type { CanaryIngressRef } from "./types";

/** Go-style duration: 300 -> "5m0s", 45 -> "45s", 3725 -> "1h2m5s", 0.3 -> "0.3s". Whole seconds from 1 s up. */
export function formatDuration(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs > 0 && abs < 1) {
    return `${seconds < 0 ? "-" : ""}${Number(abs.toFixed(3))}s`;
  }
  const total = Math.round(abs);
  const sign = seconds < 0 && total > 0 ? "-" : "";
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** The weight part when the reset to 0 worked. */
export const WEIGHT_RESET_SUFFIX = "canary weight set back to 0";

/** "step 2/4 (weight 25%)". */
export function stepLabel(step: number, stepCount: number, weight: number): string {
  return `step ${step}/${stepCount} (weight ${weight}%)`;
}

/** The cause of a failed gate. */
export function gateCause(gate: string, measured: string, threshold: string): string {
  return `gate ${gate} failed: measured ${measured}, threshold ${threshold}`;
}

/** The parts of a failure message; see the module comment for the format. */
export interface FailureParts {
  readonly where: string;
  readonly cause: string;
  /** WEIGHT_RESET_SUFFIX, or what is left when the reset failed. */
  readonly weight: string;
  readonly drain?: string;
  readonly fix?: string;
}

/** The one failure-message builder. */
export function failureMessage(parts: FailureParts): string {
  const tail = [parts.drain, parts.fix].filter((part): part is string => part !== undefined && part !== "");
  return [`${parts.where}: ${parts.cause}`, parts.weight, ...tail].join("; ");
}

/** kubectl command that sets the canary weight by hand. */
export function setWeightCommand(ingress: CanaryIngressRef, weight: number): string {
  return `kubectl annotate ingress ${ingress.name} -n ${ingress.namespace} ${ANNOTATION_CANARY_WEIGHT}=${weight} --overwrite`;
}

/** kubectl command that reads the canary weight. */
export function readWeightCommand(ingress: CanaryIngressRef): string {
  const jsonKey = ANNOTATION_CANARY_WEIGHT.replace(/\./g, "\\.");
  return `kubectl get ingress ${ingress.name} -n ${ingress.namespace} -o jsonpath='{.metadata.annotations.${jsonKey}}'`;
}
