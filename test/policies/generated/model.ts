/**
 * What the generated mutations are made of: the Mutation and HarmlessEdit
 * shapes, the Kubernetes / GCP type tokens they touch (Pulumi's public type
 * tokens, written here on purpose so this suite does not lean on the pack's
 * own helpers), and small editors that change one rendered resource of a
 * stack. Every editor works on copies and throws when the resource it means
 * to change is absent, so a mutation can never silently change nothing.
 */
import type { FakeResource } from "../harness";

export type Json = Record<string, unknown>;

/** The stacks a generated case runs on (their files are stacks/Pulumi.<stack>.yaml). */
export type StackName = "dev" | "prod" | "local";

export type Apply = (resources: FakeResource[]) => FakeResource[];

/** A change that breaks "each client disconnected at most once, at a bounded rate" or the gates. */
export interface Mutation {
  /** Unique, kebab-case. */
  readonly id: string;
  readonly family: string;
  /** What the change does and what it breaks. */
  readonly description: string;
  /** The documented platform behaviour the danger relies on. */
  readonly source: string;
  readonly stack: StackName;
  readonly apply: Apply;
}

/** A change that leaves every release invariant intact: the pack must stay silent about it. */
export interface HarmlessEdit {
  readonly id: string;
  readonly description: string;
  readonly stack: StackName;
  readonly apply: Apply;
}

/** Pulumi type tokens of the objects the mutations touch or add. */
export const TYPE = {
  deployment: "kubernetes:apps/v1:Deployment",
  service: "kubernetes:core/v1:Service",
  configMap: "kubernetes:core/v1:ConfigMap",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  priorityClass: "kubernetes:scheduling.k8s.io/v1:PriorityClass",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  vpa: "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler",
  scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
  httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  helmRelease: "kubernetes:helm.sh/v3:Release",
  nodePool: "gcp:container/nodePool:NodePool",
  cluster: "gcp:container/cluster:Cluster",
  rollout: "pulumi-nodejs:dynamic/ws-gateway:CanaryRollout",
} as const;

/** Logical names the program gives the resources a mutation edits. */
export const NAME = {
  primary: "routes-primary",
  canary: "routes-canary",
  stable: "stable-service",
  canaryService: "canary-service",
  controller: "ingress-nginx-controller",
  rollout: "rollout",
} as const;

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** The object at `path` inside `obj`, created (as {}) where missing. */
export function objAt(obj: Json, path: readonly string[]): Json {
  let cur = obj;
  for (const k of path) {
    const next = cur[k];
    if (!isObject(next)) cur[k] = {};
    cur = cur[k] as Json;
  }
  return cur;
}

/** The array at `path` inside `obj`; throws when it is not there. */
export function listAt(obj: Json, path: readonly string[]): Json[] {
  const parent = objAt(obj, path.slice(0, -1));
  const list = parent[path[path.length - 1] as string];
  if (!Array.isArray(list)) throw new Error(`no list at ${path.join(".")}`);
  return list as Json[];
}

/** Changes, on a copy, every resource matching `type` (and logical `name`); throws when none does. */
export function edit(type: string, name: string | undefined, change: (props: Json) => void): Apply {
  return (resources) => {
    let hits = 0;
    const out = resources.map((r) => {
      if (r.type !== type || (name !== undefined && r.name !== name)) return r;
      hits++;
      const props = structuredClone(r.props);
      change(props);
      return { ...r, props };
    });
    if (hits === 0) throw new Error(`no ${type}${name === undefined ? "" : ` named ${name}`} to mutate`);
    return out;
  };
}

/** Several changes in order. */
export const seq =
  (...steps: readonly Apply[]): Apply =>
  (resources) =>
    steps.reduce((rs, step) => step(rs), resources);

/** Adds resources built from the (unmutated) render, e.g. to copy the gateway's selector. */
export const add =
  (...build: readonly ((resources: readonly FakeResource[]) => FakeResource)[]): Apply =>
  (resources) => [...resources, ...build.map((b) => b(resources))];

/** Removes the resource of `type` (and logical `name`); throws when absent. */
export const remove =
  (type: string, name?: string): Apply =>
  (resources) => {
    const out = resources.filter((r) => !(r.type === type && (name === undefined || r.name === name)));
    if (out.length === resources.length) throw new Error(`no ${type} ${name ?? ""} to remove`);
    return out;
  };

/** The one resource of `type` in a render. */
export function one(resources: readonly FakeResource[], type: string, name?: string): FakeResource {
  const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
  return found[0] as FakeResource;
}

// --- The gateway's own objects -------------------------------------------------------------

export const onDeployment = (change: (props: Json) => void): Apply =>
  edit(TYPE.deployment, undefined, change);
export const onPodSpec = (change: (spec: Json) => void): Apply =>
  onDeployment((d) => change(objAt(d, ["spec", "template", "spec"])));
export const onPodMeta = (change: (meta: Json) => void): Apply =>
  onDeployment((d) => change(objAt(d, ["spec", "template", "metadata"])));
/** The gateway container (the first one, as the program renders it). */
export const onContainer = (change: (container: Json) => void): Apply =>
  onPodSpec((s) => change(listAt(s, ["containers"])[0] as Json));
export const onHpa = (change: (props: Json) => void): Apply => edit(TYPE.hpa, undefined, change);
export const onPdb = (change: (props: Json) => void): Apply => edit(TYPE.pdb, undefined, change);
export const onPrimary = (change: (props: Json) => void): Apply => edit(TYPE.ingress, NAME.primary, change);
export const onCanary = (change: (props: Json) => void): Apply => edit(TYPE.ingress, NAME.canary, change);
export const onStable = (change: (props: Json) => void): Apply => edit(TYPE.service, NAME.stable, change);
export const onCanaryService = (change: (props: Json) => void): Apply =>
  edit(TYPE.service, NAME.canaryService, change);
export const onRollout = (change: (props: Json) => void): Apply => edit(TYPE.rollout, NAME.rollout, change);
export const onNodePool = (change: (props: Json) => void): Apply => edit(TYPE.nodePool, undefined, change);
export const onCluster = (change: (props: Json) => void): Apply => edit(TYPE.cluster, undefined, change);
/** The ingress-nginx release's `values` (top level: `controller`, `tcp`, `udp`, ...). */
export const onValues = (change: (values: Json) => void): Apply =>
  edit(TYPE.helmRelease, NAME.controller, (p) => change(objAt(p, ["values"])));
export const onController = (change: (controller: Json) => void): Apply =>
  onValues((v) => change(objAt(v, ["controller"])));

export const annotate = (key: string, value: string) => (props: Json) => {
  objAt(props, ["metadata", "annotations"])[key] = value;
};
export const nginx = (annotation: string): string => `nginx.ingress.kubernetes.io/${annotation}`;

// --- Facts read from a render (never written by hand) --------------------------------------

const deploymentOf = (rs: readonly FakeResource[]): Json => one(rs, TYPE.deployment).props;

/** The gateway Deployment's name, namespace and pod selector. */
export function gatewayFacts(rs: readonly FakeResource[]): {
  name: string;
  namespace: string;
  selector: Json;
  podLabels: Json;
  version: string;
  host: string;
} {
  const d = deploymentOf(rs);
  const meta = objAt(d, ["metadata"]);
  const selector = structuredClone(objAt(d, ["spec", "selector", "matchLabels"]));
  const podLabels = structuredClone(objAt(d, ["spec", "template", "metadata", "labels"]));
  const rule = listAt(structuredClone(one(rs, TYPE.ingress, NAME.primary).props), [
    "spec",
    "rules",
  ])[0] as Json;
  return {
    name: String(meta.name),
    namespace: String(meta.namespace),
    selector,
    podLabels,
    version: String(objAt(meta, ["labels"])["app.kubernetes.io/version"]),
    host: String(rule.host),
  };
}

/** A resource of `type` named `name` whose props `build` computes from the render. */
export const resource =
  (type: string, name: string, build: (rs: readonly FakeResource[]) => Json) =>
  (rs: readonly FakeResource[]): FakeResource => ({ type, name, props: build(rs) });

/** A plain Ingress (no labels of ours) routing `host` `path` to `service`:80. */
export function ingressProps(
  name: string,
  namespace: string,
  host: string,
  path: string,
  pathType: string,
  service: string,
  ingressClassName: string | undefined = "nginx",
  annotations: Json = {},
): Json {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace, annotations },
    spec: {
      ...(ingressClassName === undefined ? {} : { ingressClassName }),
      rules: [
        {
          host,
          http: {
            paths: [{ path, pathType, backend: { service: { name: service, port: { number: 80 } } } }],
          },
        },
      ],
    },
  };
}

/** The gateway's DRAIN_SECONDS set to `seconds` and its grace period to `grace`. */
export const drainTo = (seconds: number, grace: number): Apply =>
  seq(
    onContainer((c) => {
      const env = listAt(c, ["env"]).find((e) => e.name === "DRAIN_SECONDS");
      if (env === undefined) throw new Error("no DRAIN_SECONDS");
      env.value = String(seconds);
    }),
    onPodSpec((s) => {
      s.terminationGracePeriodSeconds = grace;
    }),
  );

/** The node pool's blue-green soaks: per batch and for the whole pool, in seconds. */
export const soaks = (batchSeconds: number, poolSeconds: number): Apply =>
  onNodePool((p) => {
    const bg = objAt(p, ["upgradeSettings", "blueGreenSettings"]);
    bg.nodePoolSoakDuration = `${poolSeconds}s`;
    objAt(bg, ["standardRolloutPolicy"]).batchSoakDuration = `${batchSeconds}s`;
  });

/** A plain Service (no labels of ours) of `type` selecting `selector`. */
export function serviceProps(
  name: string,
  namespace: string,
  type: string,
  selector: Json,
  extra: Json = {},
): Json {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { type, selector, ports: [{ name: "ws", port: 80, targetPort: 8080, protocol: "TCP" }], ...extra },
  };
}

/** The gateway's stable Service name, as the primary Ingress routes to it. */
export const STABLE_SERVICE = "ws-gateway-stable";
export const CANARY_SERVICE = "ws-gateway-canary";
