/**
 * Compliant baseline resources, built by the components' own pure functions
 * with the prod stack's values, so the baselines are what the program
 * really declares. Each test changes one field of a baseline.
 */
import { clusterArgs, nodePoolArgs, type GkeClusterArgs } from "../../components/cluster/gkeCluster";
import {
  versionedGatewayManifests,
  type VersionedGatewayArgs,
} from "../../components/gateway/versionedGateway";
import { ingressNginxReleaseArgs } from "../../components/ingress/ingressNginx";
import { routeIngresses, routeService } from "../../components/ingress/routes";
import { CANARY_INGRESS } from "../../components/names";
import { TYPES } from "../../policies/lib/kube";
import { withValue, type FakeResource } from "./harness";

export type Json = Record<string, unknown>;

/** Turns Input-typed plain data into JSON, as the engine hands it to policies. */
function plain(v: unknown): Json {
  return JSON.parse(JSON.stringify(v)) as Json;
}

export const GATEWAY_ARGS: VersionedGatewayArgs = {
  namespace: "ws-gateway",
  image: "europe-docker.pkg.dev/acme-ws-prod/gw/ws-gateway",
  version: "2f9c1ab",
  port: 8080,
  minReplicas: 6,
  maxReplicas: 30,
  targetCpuUtilizationPercent: 60,
  cpuRequest: "500m",
  memoryRequest: "512Mi",
  memoryLimit: "1Gi",
  drainSeconds: 1800,
  preStopSeconds: 10,
  terminationMarginSeconds: 30,
};

const gw = versionedGatewayManifests(GATEWAY_ARGS);

export const deployment = (): FakeResource => ({
  type: TYPES.deployment,
  name: "gateway-2f9c1ab-deployment",
  props: plain(gw.deployment),
  ignoreChanges: ["spec.replicas"],
});
export const hpa = (): FakeResource => ({
  type: TYPES.hpa,
  name: "gateway-2f9c1ab-hpa",
  props: plain(gw.hpa),
});
export const pdb = (): FakeResource => ({
  type: TYPES.pdb,
  name: "gateway-2f9c1ab-pdb",
  props: plain(gw.pdb),
});

const routes = routeIngresses({
  namespace: "ws-gateway",
  host: "ws.acme.example",
  path: "/",
  tlsSecretName: "ws-acme-tls",
  className: "nginx",
});
export const primaryIngress = (): FakeResource => ({
  type: TYPES.ingress,
  name: "routes-primary",
  props: plain(routes.primary),
});
export const canaryIngress = (): FakeResource => ({
  type: TYPES.ingress,
  name: "routes-canary",
  props: plain(routes.canary),
});
export const stableService = (): FakeResource => ({
  type: TYPES.service,
  name: "stable-service",
  props: plain(
    routeService({ namespace: "ws-gateway", role: "stable", version: "2f9c1ab", targetPort: 8080 }),
  ),
});

/** Where the Helm release carries every chart value of the controller. */
export const VALUES_CONTROLLER = ["values", "controller"] as const;
/** The path of a key under values.controller, for withValue(). */
export const valuesPath = (...keys: (string | number)[]): (string | number)[] => [
  ...VALUES_CONTROLLER,
  ...keys,
];

export const controller = (): FakeResource => ({
  type: TYPES.helmRelease,
  name: "ingress-nginx-controller",
  props: plain(
    ingressNginxReleaseArgs({
      namespace: "ingress-nginx",
      chartVersion: "4.15.1",
      replicas: 3,
      workerShutdownTimeoutSeconds: 1800,
      className: "nginx",
      proxyTimeoutSeconds: 3600,
    }),
  ),
});

const GKE_ARGS: GkeClusterArgs = {
  project: "acme-ws-prod",
  region: "europe-west1",
  zones: ["europe-west1-b", "europe-west1-c", "europe-west1-d"],
  releaseChannel: "STABLE",
  maintenanceWindow: {
    start: "2026-01-03T02:00:00Z",
    end: "2026-01-03T08:00:00Z",
    recurrence: "FREQ=WEEKLY;BYDAY=SA,SU",
  },
  maintenanceExclusions: [],
  masterAuthorizedNetworks: [{ cidr: "10.20.0.0/16", name: "ops-bastion" }],
  masterIpv4Cidr: "172.16.0.16/28",
  nodePool: { machineType: "e2-standard-4", minNodesPerZone: 2, maxNodesPerZone: 6, diskSizeGb: 100 },
  deletionProtection: true,
  podGraceSeconds: 1840,
};
export const NODE_SA = "ws-gateway-nodes@acme-ws-prod.iam.gserviceaccount.com";

export const cluster = (): FakeResource => ({
  type: TYPES.cluster,
  name: "ws-gateway",
  props: plain(clusterArgs(GKE_ARGS, NODE_SA)),
});
export const nodePool = (): FakeResource => ({
  type: TYPES.nodePool,
  name: "ws-gateway-gateway",
  props: plain(nodePoolArgs(GKE_ARGS, "ws-gateway", NODE_SA)),
});

export const rollout = (): FakeResource => ({
  type: TYPES.dynamic,
  name: "rollout",
  props: {
    namespace: "ws-gateway",
    canaryIngressName: CANARY_INGRESS,
    version: "2f9c1ab",
    steps: [
      { weight: 5, pauseSeconds: 120 },
      { weight: 25, pauseSeconds: 300 },
      { weight: 50, pauseSeconds: 300 },
      { weight: 100, pauseSeconds: 0 },
    ],
    gates: { intervalSeconds: 15 },
  },
});

/** One compliant stack: every baseline together. */
export function baselineStack(): FakeResource[] {
  return [
    deployment(),
    hpa(),
    pdb(),
    primaryIngress(),
    canaryIngress(),
    stableService(),
    controller(),
    cluster(),
    nodePool(),
    rollout(),
  ];
}

/** A copy of `r` with new props. */
export function withProps(r: FakeResource, props: Json): FakeResource {
  return { ...r, props };
}

/** A copy of `r` with one property (a dotted path or a list of keys) set to `value`. */
export function change(r: FakeResource, path: string | (string | number)[], value: unknown): FakeResource {
  return withProps(r, withValue(r.props, path, value));
}
