/**
 * The gateway pods, found by what creates them: the rollout engine's resource
 * names the namespace and the version it releases (and the stable version a
 * held schedule keeps), and the program creates one Deployment per version,
 * named `versionedName(version)` (components/names.ts). Each such
 * Deployment's pod template is a gateway pod, whatever labels it carries.
 * Then every object that selects those pods (a Service or PodDisruptionBudget
 * whose selector matches the template's labels, in the same namespace) or
 * targets their Deployment (an autoscaler's scaleTargetRef / targetRef) is
 * attached to the workload.
 */
import type { PolicyResource } from "@pulumi/policy";
import { versionedName } from "../../../components/names";
import { TYPES, isGatewayObject, selects } from "../kube";
import { UNKNOWN, at, isUnknown, stringMap, type Unknown } from "../values";
import { objectOf, sameObject, type KubeObject } from "./objects";

/** What the rollout engine's resources say it governs. */
export interface Engine {
  /** The CanaryRollout resource. */
  readonly rollout: PolicyResource;
  /** The CanaryWeightReset resource, when the stack has one. */
  readonly weightReset: PolicyResource | undefined;
  readonly namespace: string | Unknown;
  /** The version this update releases. */
  readonly version: string | Unknown;
  /** The version a held schedule keeps serving, when set. */
  readonly stableVersion: string | Unknown | undefined;
  /** The Ingress whose canary-weight annotation the engine writes. */
  readonly canaryIngressName: string | Unknown;
  /** The CanaryWeightReset's Ingress (it must be the same). */
  readonly resetIngressName: string | Unknown | undefined;
  /** The Service promotion points at the released version. */
  readonly stableServiceName: string | Unknown;
}

/** A gateway Deployment: its pods are gateway pods. */
export interface GatewayWorkload {
  readonly object: KubeObject;
  /** The version whose Deployment this is. */
  readonly version: string;
  /** "release": the version this update releases; "stable": the version a held schedule keeps. */
  readonly role: "release" | "stable" | "labelled";
  /** The pod template's labels (what selectors see); UNKNOWN while unknown. */
  readonly podLabels: Record<string, string> | Unknown;
  /** spec.template.spec. */
  readonly podSpec: unknown;
  /** Objects whose selector matches the pods: Services, PodDisruptionBudgets. */
  readonly selectedBy: readonly KubeObject[];
  /** Objects whose scale target is the Deployment: HPAs, VPAs, KEDA ScaledObjects. */
  readonly targetedBy: readonly KubeObject[];
}

const str = (v: unknown): string | Unknown | undefined =>
  isUnknown(v) ? UNKNOWN : typeof v === "string" ? v : undefined;

/** The engine of the stack (the first CanaryRollout), or undefined when the stack has none. */
export function engineOf(resources: readonly PolicyResource[]): Engine | undefined {
  const rollout = resources.find((r) => r.type === TYPES.rollout);
  if (rollout === undefined) return undefined;
  const weightReset = resources.find((r) => r.type === TYPES.weightReset);
  const p = rollout.props;
  return {
    rollout,
    weightReset,
    namespace: str(at(p, "namespace")) ?? UNKNOWN,
    version: str(at(p, "version")) ?? UNKNOWN,
    stableVersion: str(at(p, "stableVersion")),
    canaryIngressName: str(at(p, "canaryIngressName")) ?? UNKNOWN,
    resetIngressName: weightReset === undefined ? undefined : str(at(weightReset.props, "canaryIngressName")),
    stableServiceName: str(at(p, "stableServiceName")) ?? UNKNOWN,
  };
}

/** Selector-bearing kinds and where their selector sits (a Service's is a plain map). */
const SELECTORS: Readonly<Record<string, { path: string; plainMap: boolean }>> = {
  [TYPES.service]: { path: "spec.selector", plainMap: true },
  [TYPES.pdb]: { path: "spec.selector", plainMap: false },
};

/** Autoscaler kinds and where their target reference sits. */
const TARGET_REFS: Readonly<Record<string, string>> = {
  [TYPES.hpa]: "spec.scaleTargetRef",
  "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler": "spec.targetRef",
  "kubernetes:keda.sh/v1alpha1:ScaledObject": "spec.scaleTargetRef",
};

/** Whether an object's selector matches pods with `labels`; UNKNOWN when either is unknown. */
export function selectsPods(r: PolicyResource, labels: Record<string, string> | Unknown): boolean | Unknown {
  const how = SELECTORS[r.type];
  if (how === undefined) return false;
  if (isUnknown(labels)) return UNKNOWN;
  const raw = at(r.props, how.path);
  if (how.plainMap) {
    // A Service selector is a map of labels; none (or empty) selects no pod (its endpoints are manual).
    const m = stringMap(raw);
    if (isUnknown(m)) return UNKNOWN;
    if (m === undefined || Object.keys(m).length === 0) return false;
    return selects({ matchLabels: m }, labels);
  }
  return selects(raw, labels);
}

/** Whether an autoscaler targets the Deployment `o`; UNKNOWN when its reference is unknown. */
export function targetsDeployment(r: PolicyResource, o: KubeObject): boolean | Unknown {
  const path = TARGET_REFS[r.type];
  if (path === undefined) return false;
  const target = objectOf(r);
  const kind = at(r.props, `${path}.kind`);
  const name = at(r.props, `${path}.name`);
  if (isUnknown(kind) || isUnknown(name) || isUnknown(target.namespace)) return UNKNOWN;
  // KEDA defaults the kind to Deployment; the other two require it.
  const isDeployment = kind === "Deployment" || (kind === undefined && r.type.includes("keda.sh"));
  return isDeployment && o.namespace === target.namespace && o.name === name;
}

function labelsOf(d: PolicyResource): Record<string, string> | Unknown {
  const m = stringMap(at(d.props, "spec.template.metadata.labels"));
  return m === undefined ? {} : m;
}

/**
 * The gateway Deployments: those the engine names (its version and its stable
 * version, in its namespace). A stack without a rollout engine falls back to
 * Deployments carrying the gateway's app label.
 */
export function gatewayDeployments(
  resources: readonly PolicyResource[],
  engine: Engine | undefined,
): { resource: PolicyResource; version: string; role: GatewayWorkload["role"] }[] {
  const deployments = resources.filter((r) => r.type === TYPES.deployment);
  if (engine === undefined) {
    return deployments
      .filter((d) => isGatewayObject(d.props) === true)
      .map((d) => {
        const v = at(d.props, ["metadata", "labels", "app.kubernetes.io/version"]);
        return { resource: d, version: typeof v === "string" ? v : "", role: "labelled" as const };
      });
  }
  const ns = engine.namespace;
  if (isUnknown(ns)) return [];
  const wanted: [string | Unknown | undefined, "release" | "stable"][] = [
    [engine.version, "release"],
    [engine.stableVersion, "stable"],
  ];
  const out: { resource: PolicyResource; version: string; role: GatewayWorkload["role"] }[] = [];
  for (const [v, role] of wanted) {
    if (typeof v !== "string") continue;
    for (const d of deployments) {
      if (sameObject(objectOf(d), ns, versionedName(v))) out.push({ resource: d, version: v, role });
    }
  }
  return out;
}

/** Every gateway workload with the objects that select or target it. */
export function gatewayWorkloads(
  resources: readonly PolicyResource[],
  engine: Engine | undefined,
): GatewayWorkload[] {
  return gatewayDeployments(resources, engine).map(({ resource, version, role }) => {
    const object = objectOf(resource);
    const podLabels = labelsOf(resource);
    const selectedBy: KubeObject[] = [];
    const targetedBy: KubeObject[] = [];
    for (const r of resources) {
      if (SELECTORS[r.type] !== undefined) {
        const o = objectOf(r);
        if (o.namespace === object.namespace && selectsPods(r, podLabels) === true) selectedBy.push(o);
      }
      if (TARGET_REFS[r.type] !== undefined && targetsDeployment(r, object) === true) {
        targetedBy.push(objectOf(r));
      }
    }
    return {
      object,
      version,
      role,
      podLabels,
      podSpec: at(resource.props, "spec.template.spec"),
      selectedBy,
      targetedBy,
    };
  });
}
