/**
 * Where pods can land, in zones: the node pools of the stack that a pod's
 * node selection admits (their nodeLocations, else the cluster's), narrowed
 * by the pod's nodeSelector and required node affinity on the zone label;
 * and how far a zone topology spread constraint can let the pods pile up.
 * Skew is counted only over the nodes the pod may use (nodeAffinityPolicy
 * Honor, the default), so a pod pinned to one zone meets any spread.
 */
import type { PolicyResource } from "@pulumi/policy";
import { TYPES, selects } from "../kube";
import { UNKNOWN, at, isUnknown, knownItems, num, stringMap, type Unknown } from "../values";

export const ZONE_KEY = "topology.kubernetes.io/zone";
/** The deprecated zone label, still set on GKE nodes. */
export const LEGACY_ZONE_KEY = "failure-domain.beta.kubernetes.io/zone";
const ZONE_KEYS: ReadonlySet<string> = new Set([ZONE_KEY, LEGACY_ZONE_KEY]);
/** The label GKE puts on every node with its pool's name. */
export const GKE_POOL_LABEL = "cloud.google.com/gke-nodepool";

/** A set of zone names, or "any" when nothing restricts it. */
export type Zones = ReadonlySet<string> | "any";

const zoneList = (v: unknown): string[] | Unknown | undefined => {
  if (isUnknown(v)) return UNKNOWN;
  const xs = knownItems(v);
  if (xs.some(isUnknown)) return UNKNOWN;
  const out = xs.filter((x): x is string => typeof x === "string");
  return out.length === 0 ? undefined : out;
};

/** Whether a pool's nodes can satisfy the pod's nodeSelector (zone keys aside); UNKNOWN when unknown. */
function poolAdmits(pool: PolicyResource, nodeSelector: Record<string, string>): boolean | Unknown {
  const labels = stringMap(at(pool.props, "nodeConfig.labels"));
  if (isUnknown(labels)) return UNKNOWN;
  const name = at(pool.props, "name");
  const have: Record<string, string> = {
    ...(labels ?? {}),
    ...(typeof name === "string" ? { [GKE_POOL_LABEL]: name } : {}),
  };
  for (const [k, v] of Object.entries(nodeSelector)) {
    if (ZONE_KEYS.has(k)) continue;
    // A label the pool does not declare may be one GKE sets on every node (kubernetes.io/os): admit it.
    if (Object.prototype.hasOwnProperty.call(have, k) && have[k] !== v) return false;
    if (k === GKE_POOL_LABEL && typeof name === "string" && v !== name) return false;
  }
  return true;
}

/**
 * The zones the stack's node pools offer a pod with `nodeSelector`: UNKNOWN
 * when the stack declares no node pool (a cluster outside the program) or a
 * pool's zones are unknown.
 */
export function poolZones(
  resources: readonly PolicyResource[],
  nodeSelector: Record<string, string>,
): Zones | Unknown {
  const pools = resources.filter((r) => r.type === TYPES.nodePool);
  const cluster = resources.find((r) => r.type === TYPES.cluster);
  if (pools.length === 0 || cluster === undefined) return UNKNOWN;
  const clusterZones = zoneList(at(cluster.props, "nodeLocations"));
  const removeDefault = at(cluster.props, "removeDefaultNodePool");
  if (isUnknown(clusterZones) || isUnknown(removeDefault)) return UNKNOWN;
  const out = new Set<string>();
  if (removeDefault !== true) {
    if (clusterZones === undefined) return UNKNOWN;
    clusterZones.forEach((z) => out.add(z));
  }
  for (const p of pools) {
    const admits = poolAdmits(p, nodeSelector);
    if (isUnknown(admits)) return UNKNOWN;
    if (!admits) continue;
    const zs = zoneList(at(p.props, "nodeLocations")) ?? clusterZones;
    if (zs === undefined || isUnknown(zs)) return UNKNOWN;
    zs.forEach((z) => out.add(z));
  }
  return out;
}

const intersect = (a: Zones, b: Zones): Zones =>
  a === "any" ? b : b === "any" ? a : new Set([...a].filter((z) => b.has(z)));

/** The zones a pod's own node selection admits (nodeSelector and required node affinity on the zone labels). */
export function podZoneRestriction(pod: unknown): Zones | Unknown {
  const sel = stringMap(at(pod, "nodeSelector"));
  if (isUnknown(sel)) return UNKNOWN;
  let zones: Zones = "any";
  for (const k of ZONE_KEYS) {
    const v = sel?.[k];
    if (v !== undefined) zones = intersect(zones, new Set([v]));
  }
  const terms = at(
    pod,
    "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
  );
  if (isUnknown(terms)) return UNKNOWN;
  const list = knownItems(terms);
  if (list.length === 0) return zones;
  // Terms are ORed: the pod may use the union of what each term admits.
  const union = new Set<string>();
  for (const t of list) {
    let termZones: Zones = "any";
    for (const e of knownItems(at(t, "matchExpressions"))) {
      const key = at(e, "key");
      const op = at(e, "operator");
      if (isUnknown(key) || isUnknown(op)) return UNKNOWN;
      if (typeof key !== "string" || !ZONE_KEYS.has(key) || op !== "In") continue;
      const vs = zoneList(at(e, "values"));
      if (isUnknown(vs)) return UNKNOWN;
      termZones = intersect(termZones, new Set(vs ?? []));
    }
    if (termZones === "any") return zones;
    termZones.forEach((z) => union.add(z));
  }
  return intersect(zones, union);
}

/** The zones the pod can land in, from the pools and its own selection; UNKNOWN when neither bounds it. */
export function reachableZones(resources: readonly PolicyResource[], pod: unknown): Zones | Unknown {
  const own = podZoneRestriction(pod);
  const sel = stringMap(at(pod, "nodeSelector"));
  const pools = isUnknown(sel) ? UNKNOWN : poolZones(resources, sel ?? {});
  if (isUnknown(own)) return UNKNOWN;
  if (isUnknown(pools)) return own === "any" ? UNKNOWN : own;
  return intersect(own, pools);
}

/** A required pod affinity on a zone key that selects the pod's own labels: every pod joins the first one's zone. */
export function sameZoneAffinity(pod: unknown, labels: unknown): boolean {
  for (const t of knownItems(
    at(pod, "affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution"),
  )) {
    const key = at(t, "topologyKey");
    if (typeof key === "string" && ZONE_KEYS.has(key) && selects(at(t, "labelSelector"), labels) === true)
      return true;
  }
  return false;
}

/**
 * The most pods one zone may hold under a zone constraint of `maxSkew` with
 * `pods` pods over `zones` zones (every other zone holding at least that
 * count minus maxSkew), and the even share ceil(pods / zones) that maxSkew 1 gives.
 */
export function zonePileUp(maxSkew: number, pods: number, zones: number): { most: number; even: number } {
  const most = Math.min(pods, Math.floor((pods + (zones - 1) * maxSkew) / zones));
  return { most, even: Math.ceil(pods / zones) };
}

/** The zone constraints of a pod spec (either zone key) with their maxSkew. */
export function zoneConstraints(
  pod: unknown,
): { constraint: unknown; maxSkew: number | Unknown | undefined }[] {
  return knownItems(at(pod, "topologySpreadConstraints"))
    .filter((c) => {
      const k = at(c, "topologyKey");
      return typeof k === "string" && ZONE_KEYS.has(k);
    })
    .map((c) => ({ constraint: c, maxSkew: num(at(c, "maxSkew")) }));
}
