/**
 * Steering a running release from anywhere kubectl reaches the cluster, like
 * the abort request (./abortAnnotation): annotations on the permanent canary
 * Ingress that the operator writes and removes, and the engine only reads at
 * every gate round.
 *
 * - `ws-gateway.io/pause` (any value, the reason): hold at the current
 *   weight when the step's pause ends, gates still running every interval
 *   (a failing gate or an abort still aborts). Removing it resumes.
 * - `ws-gateway.io/promote: VERSION`: once the current gate round passes,
 *   skip the remaining steps and go to the schedule's last one (its gates
 *   once, no pause); from then on a pause request no longer holds this
 *   release. It names the version so a request left behind cannot promote a
 *   later release.
 *
 * Like Argo Rollouts' `pause`/`resume`/`promote`, without a plugin: the
 * commands are plain kubectl (pauseCommand etc. below, docs/operations.md).
 */
import type { CanaryIngressRef } from "./types";

export const ANNOTATION_PAUSE = "ws-gateway.io/pause";
export const ANNOTATION_PROMOTE = "ws-gateway.io/promote";

/** The operator's requests as read from the canary Ingress. */
export interface Steering {
  /** The pause reason; undefined when there is no pause request, "" when it gives none. */
  readonly pause?: string;
  /** The version the promote request names; undefined when there is none. */
  readonly promote?: string;
}

/** The annotations of the canary Ingress, read as steering requests. */
export function steeringIn(annotations: Readonly<Record<string, string>>): Steering {
  return {
    ...(Object.hasOwn(annotations, ANNOTATION_PAUSE) ? { pause: annotations[ANNOTATION_PAUSE] } : {}),
    ...(Object.hasOwn(annotations, ANNOTATION_PROMOTE) ? { promote: annotations[ANNOTATION_PROMOTE] } : {}),
  };
}

const annotate = (ingress: CanaryIngressRef, change: string): string =>
  `kubectl annotate ingress ${ingress.name} -n ${ingress.namespace} --overwrite ${change}`;

export function pauseCommand(ingress: CanaryIngressRef, reason = "held by an operator"): string {
  return annotate(ingress, `${ANNOTATION_PAUSE}=${JSON.stringify(reason)}`);
}

export function resumeCommand(ingress: CanaryIngressRef): string {
  return annotate(ingress, `${ANNOTATION_PAUSE}-`);
}

export function promoteCommand(ingress: CanaryIngressRef, version: string): string {
  return annotate(ingress, `${ANNOTATION_PROMOTE}=${version}`);
}

export function clearPromoteCommand(ingress: CanaryIngressRef): string {
  return annotate(ingress, `${ANNOTATION_PROMOTE}-`);
}
