/**
 * What may take a gateway pod away on purpose: the autoscalers writing a
 * workload's replicas (HPAs, KEDA ScaledObjects, which run an HPA of their
 * own), VerticalPodAutoscalers that evict to resize, and the
 * PodDisruptionBudgets that bound evictions. PDB arithmetic is the
 * disruption controller's (pkg/controller/disruption/disruption.go):
 * percentages are of the expected pods and are rounded UP, for
 * maxUnavailable as for minAvailable.
 */
import type { PolicyResource } from "@pulumi/policy";
import { TYPES } from "../kube";
import { UNKNOWN, at, isUnknown, num, type Unknown } from "../values";
import { sameNamespace } from "./workloads";

/** Pulumi type tokens of the autoscalers outside the core API (their CRDs' group/version/kind). */
export const VPA_TYPE_SUFFIX = ":VerticalPodAutoscaler";
export const SCALED_OBJECT_TYPE = "kubernetes:keda.sh/v1alpha1:ScaledObject";
/** VPA update modes that evict running pods (Off and Initial only act at pod creation). */
export const EVICTING_VPA_MODES: ReadonlySet<string> = new Set(["Auto", "Recreate", "InPlaceOrRecreate"]);
/** The VPA's updateMode when the spec sets none. */
export const DEFAULT_VPA_MODE = "Auto";
/** KEDA's minReplicaCount when a ScaledObject sets none: it scales the target to zero. */
export const KEDA_DEFAULT_MIN_REPLICAS = 0;
/** An HPA's minReplicas when unset. */
export const HPA_DEFAULT_MIN_REPLICAS = 1;

/**
 * Pods a PDB lets out at once with `n` healthy pods expected, as the
 * disruption controller computes it; UNKNOWN when a value is unknown,
 * undefined when the budget is unreadable.
 */
export function disruptionsAllowed(pdb: unknown, n: number): number | Unknown | undefined {
  const maxU = at(pdb, "spec.maxUnavailable");
  const minA = at(pdb, "spec.minAvailable");
  if (isUnknown(maxU) || isUnknown(minA)) return UNKNOWN;
  const pods = (v: unknown): number | undefined => {
    if (typeof v === "string") {
      const pct = /^(\d+)%$/.exec(v);
      if (pct !== null) return Math.ceil((Number(pct[1]) * n) / 100);
    }
    const x = num(v);
    return typeof x === "number" ? x : undefined;
  };
  if (maxU !== undefined) {
    const m = pods(maxU);
    return m === undefined ? undefined : Math.max(0, Math.min(n, m));
  }
  // Neither set: the API defaults minAvailable to 1.
  const keep = pods(minA ?? 1);
  return keep === undefined ? undefined : Math.max(0, n - keep);
}

export interface Autoscaler {
  readonly resource: PolicyResource;
  /** "HorizontalPodAutoscaler", "ScaledObject" or "VerticalPodAutoscaler". */
  readonly kind: string;
}

function targets(ref: unknown, kindDefault: string | undefined, w: PolicyResource, wKind: string): boolean {
  const kind = at(ref, "kind") ?? kindDefault;
  const name = at(ref, "name");
  return kind === wKind && typeof name === "string" && name === at(w.props, "metadata.name");
}

/** Every autoscaler of the stack aimed at the Deployment `w`. */
export function autoscalersOf(resources: readonly PolicyResource[], w: PolicyResource): Autoscaler[] {
  const out: Autoscaler[] = [];
  for (const r of resources) {
    if (!sameNamespace(r, w)) continue;
    if (r.type === TYPES.hpa && targets(at(r.props, "spec.scaleTargetRef"), undefined, w, "Deployment")) {
      out.push({ resource: r, kind: "HorizontalPodAutoscaler" });
    } else if (
      r.type === SCALED_OBJECT_TYPE &&
      targets(at(r.props, "spec.scaleTargetRef"), "Deployment", w, "Deployment")
    ) {
      out.push({ resource: r, kind: "ScaledObject" });
    } else if (
      r.type.endsWith(VPA_TYPE_SUFFIX) &&
      targets(at(r.props, "spec.targetRef"), undefined, w, "Deployment")
    ) {
      out.push({ resource: r, kind: "VerticalPodAutoscaler" });
    }
  }
  return out;
}

/** The update mode of a VPA (Auto when unset). */
export function vpaMode(vpa: PolicyResource): string | Unknown {
  const m = at(vpa.props, "spec.updatePolicy.updateMode");
  return isUnknown(m) ? UNKNOWN : typeof m === "string" ? m : DEFAULT_VPA_MODE;
}

/** The replica range the Deployment runs in: its HPA's [min, max], else its spec.replicas (1 when unset). */
export function replicaRange(
  w: PolicyResource,
  hpa: PolicyResource | undefined,
): { min: number; max: number } | undefined {
  if (hpa !== undefined) {
    const min = num(at(hpa.props, "spec.minReplicas") ?? HPA_DEFAULT_MIN_REPLICAS);
    const max = num(at(hpa.props, "spec.maxReplicas"));
    if (typeof min !== "number" || typeof max !== "number") return undefined;
    return { min, max: Math.max(min, max) };
  }
  const n = num(at(w.props, "spec.replicas") ?? 1);
  return typeof n === "number" ? { min: n, max: n } : undefined;
}

/** Workload kinds an HPA may target, with their type tokens. */
const SCALABLE: Readonly<Record<string, string>> = {
  Deployment: TYPES.deployment,
  StatefulSet: TYPES.statefulSet,
  ReplicaSet: TYPES.replicaSet,
};

/** Whether the HPA's scaleTargetRef names a workload the stack declares; UNKNOWN when the ref is unknown. */
export function hpaTargetDeclared(
  resources: readonly PolicyResource[],
  hpa: PolicyResource,
): boolean | Unknown {
  const kind = at(hpa.props, "spec.scaleTargetRef.kind");
  const name = at(hpa.props, "spec.scaleTargetRef.name");
  if (isUnknown(kind) || isUnknown(name)) return UNKNOWN;
  const type = typeof kind === "string" ? SCALABLE[kind] : undefined;
  if (type === undefined) return false;
  return resources.some((r) => {
    if (r.type !== type || !sameNamespace(r, hpa)) return false;
    const n = at(r.props, "metadata.name");
    return isUnknown(n) || n === name;
  });
}
