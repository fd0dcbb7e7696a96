/**
 * The gateway workloads of a stack and the objects around their pods that
 * the pod-level rules read: Services selecting the pods, ConfigMaps the
 * stack declares (for environment values kept there), HPAs and PDBs.
 */
import type { PolicyResource } from "@pulumi/policy";
import { TYPES, namespaceOf, selects, templateLabels } from "../kube";
import { engineOf, gatewayWorkloads, selectsPods } from "../model";
import { at, isUnknown, stringMap, type Unknown } from "../values";
import type { ConfigMapLookup } from "./env";

export const CONFIG_MAP_TYPE = "kubernetes:core/v1:ConfigMap";

/**
 * Gateway Deployments, found by what creates them (the stack model: the
 * versioned Deployments the rollout engine names, whatever their labels).
 */
export function gatewayDeployments(resources: readonly PolicyResource[]): PolicyResource[] {
  return gatewayWorkloads(resources, engineOf(resources)).map((w) => w.object.resource);
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
    const l = stringMap(labels);
    return l !== undefined && selectsPods(s, l) === true;
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
