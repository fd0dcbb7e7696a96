/**
 * Kubernetes object helpers shared by the rules: type tokens, which objects
 * belong to the gateway, pod specs, containers, selectors. Every reader goes
 * through ./values so unknown values stay unknown.
 */
import { APP_NAME, CANARY_ROLLOUT_TYPE, CANARY_WEIGHT_RESET_TYPE, LABEL_APP } from "../../components/names";
import { resolveEnv } from "./pods/env";
import { UNKNOWN, at, isUnknown, knownItems, stringMap, type Unknown } from "./values";

/** Resource type tokens the pack inspects. */
export const TYPES = {
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  replicaSet: "kubernetes:apps/v1:ReplicaSet",
  job: "kubernetes:batch/v1:Job",
  cronJob: "kubernetes:batch/v1:CronJob",
  pod: "kubernetes:core/v1:Pod",
  service: "kubernetes:core/v1:Service",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  helmRelease: "kubernetes:helm.sh/v3:Release",
  cluster: "gcp:container/cluster:Cluster",
  nodePool: "gcp:container/nodePool:NodePool",
  /** The rollout engine's dynamic resource (carries the schedule). */
  rollout: CANARY_ROLLOUT_TYPE,
  weightReset: CANARY_WEIGHT_RESET_TYPE,
} as const;

/** Workload types whose pod template the pod-security rules read, with the path to the pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, string>> = {
  [TYPES.deployment]: "spec.template.spec",
  [TYPES.statefulSet]: "spec.template.spec",
  [TYPES.daemonSet]: "spec.template.spec",
  [TYPES.replicaSet]: "spec.template.spec",
  [TYPES.job]: "spec.template.spec",
  [TYPES.cronJob]: "spec.jobTemplate.spec.template.spec",
  [TYPES.pod]: "spec",
};

export const WORKLOAD_TYPES: readonly string[] = Object.keys(POD_SPEC_PATHS);

/** The pod spec of a workload, or undefined when the type carries none. */
export function podSpecOf(type: string, props: unknown): unknown {
  const path = POD_SPEC_PATHS[type];
  return path === undefined ? undefined : at(props, path);
}

/** True when the object carries the gateway's app label (on itself or on its pod template). */
export function isGatewayObject(props: unknown): boolean | Unknown {
  const own = at(props, ["metadata", "labels", LABEL_APP]);
  const pod = at(props, ["spec", "template", "metadata", "labels", LABEL_APP]);
  if (own === APP_NAME || pod === APP_NAME) return true;
  if (isUnknown(own) || isUnknown(pod)) return UNKNOWN;
  return false;
}

/** "Deployment \"ws-gateway-2f9c1ab\"": the object's Kubernetes name, else its Pulumi name. */
export function describe(kind: string, props: unknown, fallbackName: string): string {
  const name = at(props, "metadata.name");
  return `${kind} ${JSON.stringify(typeof name === "string" ? name : fallbackName)}`;
}

export function namespaceOf(props: unknown): string | Unknown | undefined {
  const ns = at(props, "metadata.namespace");
  return isUnknown(ns) || typeof ns === "string" ? ns : undefined;
}

export interface ContainerRef {
  /** "container \"gateway\"" or "init container \"setup\"". */
  readonly label: string;
  readonly container: unknown;
  readonly init: boolean;
}

/** Regular and init containers of a pod spec (unknown entries skipped). */
export function containersOf(pod: unknown): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const [field, init] of [
    ["containers", false],
    ["initContainers", true],
  ] as const) {
    knownItems(at(pod, field)).forEach((c, i) => {
      if (isUnknown(c)) return;
      const name = at(c, "name");
      const shown = typeof name === "string" ? JSON.stringify(name) : `#${i}`;
      out.push({ label: `${init ? "init container" : "container"} ${shown}`, container: c, init });
    });
  }
  return out;
}

/**
 * An env var's literal value as the kubelet resolves it (the last entry of a
 * name wins, $(VAR) expanded: see ./pods/env); undefined when absent, UNKNOWN
 * when unknown or taken from a reference.
 */
export function envValue(container: unknown, name: string): string | Unknown | undefined {
  const env = resolveEnv(container);
  if (isUnknown(env)) return UNKNOWN;
  const v = env.get(name);
  if (v === undefined || isUnknown(v)) return v;
  return v.kind === "literal" ? v.value : UNKNOWN;
}

/**
 * Whether a label selector ({matchLabels, matchExpressions}) selects a label
 * set; UNKNOWN when either side is unknown.
 */
export function selects(selector: unknown, labels: unknown): boolean | Unknown {
  const ls = stringMap(labels);
  if (isUnknown(ls)) return UNKNOWN;
  const have = ls ?? {};
  const matchLabels = stringMap(at(selector, "matchLabels"));
  if (isUnknown(matchLabels)) return UNKNOWN;
  const exprs = at(selector, "matchExpressions");
  if (isUnknown(exprs)) return UNKNOWN;
  const ml = matchLabels ?? {};
  const exprList = knownItems(exprs);
  if (Object.keys(ml).length === 0 && exprList.length === 0) return false;
  for (const [k, v] of Object.entries(ml)) if (have[k] !== v) return false;
  for (const e of exprList) {
    const key = at(e, "key");
    const op = at(e, "operator");
    const values = knownItems(at(e, "values"));
    if (isUnknown(key) || isUnknown(op) || typeof key !== "string") return UNKNOWN;
    const present = Object.prototype.hasOwnProperty.call(have, key);
    const ok =
      op === "In"
        ? present && values.includes(have[key])
        : op === "NotIn"
          ? !present || !values.includes(have[key])
          : op === "Exists"
            ? present
            : op === "DoesNotExist"
              ? !present
              : false;
    if (!ok) return false;
  }
  return true;
}

/** Pod template labels of a workload. */
export function templateLabels(props: unknown): unknown {
  return at(props, "spec.template.metadata.labels");
}
