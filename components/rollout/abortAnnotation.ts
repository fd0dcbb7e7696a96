/**
 * The operator's abort request: an annotation on the permanent canary Ingress.
 *
 * Why an annotation and not a signal: Pulumi starts its plugins, the
 * dynamic-provider host running the engine included, in their own process
 * group, so Ctrl-C in the terminal running `pulumi up` never reaches the
 * engine. An annotation can be written from anywhere kubectl reaches the
 * cluster, and the engine reads it on every gate round.
 *
 * Ownership: the operator writes it and removes it; the engine only reads it,
 * never clears it (a request must stay visible until a person withdraws it).
 * Pulumi never declares it on the Ingress, like the canary weight, so stack
 * updates leave it alone: one writer per field.
 */
import type { CanaryIngressRef } from "./types";

/** Present on the canary Ingress = abort the rollout; the value is a free-text reason (may be empty). */
export const ANNOTATION_ABORT = "ws-gateway.io/abort";

/** The kubectl command that removes the annotation (the trailing "-" removes a key). */
export function abortClearCommand(ingress: CanaryIngressRef): string {
  return `kubectl annotate ingress ${ingress.name} -n ${ingress.namespace} ${ANNOTATION_ABORT}-`;
}
