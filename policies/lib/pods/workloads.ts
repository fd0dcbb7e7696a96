/**
 * The gateway workloads of a stack and the objects around their pods that
 * the pod-level rules read: Services selecting the pods, ConfigMaps the
 * stack declares (for environment values kept there), HPAs and PDBs.
 */
import type { PolicyResource } from "@pulumi/policy";
import { TYPES, isGatewayObject, namespaceOf, selects, templateLabels } from "../kube";
import { at, isUnknown, type Unknown } from "../values";
import type { ConfigMapLookup } from "./env";

export const CONFIG_MAP_TYPE = "kubernetes:core/v1:ConfigMap";

/** Gateway Deployments (the app label on the object or its pods). */
export function gatewayDeployments(resources: readonly PolicyResource[]): PolicyResource[] {
  return resources.filter((r) => r.type === TYPES.deployment && isGatewayObject(r.props) === true);
}

/** Namespaces compare equal when either is unknown (never a violation on an unknown); absent is "default". */
export function sameNamespace(a: PolicyResource, b: PolicyResource): boolean {
  const na = namespaceOf(a.props);
  const nb = namespaceOf(b.props);
  return isUnknown(na) || isUnknown(nb) || (na ?? "default") === (nb ?? "default");
}

/** Services of the workload's namespace whose selector selects its pods (an empty selector selects nothing). */
export function selectingServices(resources: readonly PolicyResource[], w: PolicyResource): PolicyResource[] {
  const labels = templateLabels(w.props);
  return resources.filter((s) => {
    if (s.type !== TYPES.service || !sameNamespace(s, w)) return false;
    const selector = at(s.props, "spec.selector");
    return !isUnknown(selector) && selects({ matchLabels: selector }, labels) === true;
  });
}

/** PDBs of the workload's namespace selecting its pods. */
export function selectingBudgets(resources: readonly PolicyResource[], w: PolicyResource): PolicyResource[] {
  const labels = templateLabels(w.props);
  return resources.filter(
    (p) =>
      p.type === TYPES.pdb && sameNamespace(p, w) && selects(at(p.props, "spec.selector"), labels) === true,
  );
}

/** Reads a key of a ConfigMap the stack declares (data, then binaryData is not text). */
export function configMapLookup(resources: readonly PolicyResource[]): ConfigMapLookup {
  return (namespace, name, key): string | Unknown | undefined => {
    for (const r of resources) {
      if (r.type !== CONFIG_MAP_TYPE || at(r.props, "metadata.name") !== name) continue;
      const ns = namespaceOf(r.props);
      if (!isUnknown(ns) && (ns ?? "default") !== (namespace ?? "default")) continue;
      const v = at(r.props, ["data", key]);
      if (isUnknown(v) || typeof v === "string") return v;
    }
    return undefined;
  };
}
