/**
 * Relations between fields that the deployment depends on. Each names the
 * key the docs attach the rule to. Sources: docs/configuration.md (ranges
 * "at least X", mode-only keys, the thresholds on GKE), docs/operations.md
 * (gates run every interval until the pause ends; a held schedule names the
 * stable version), ingress-nginx (a host with TLS redirects http to https:
 * ssl-redirect defaults to true when the Ingress has TLS,
 * https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#server-side-https-enforcement-through-redirect),
 * and where the program runs (it reaches the control plane from the
 * operator's machine; docs/getting-started.md step 2).
 */
import { all, family, refused, set, type FamilyCase } from "../mutate";

const held = (stableVersion: string | undefined): FamilyCase["mutate"] =>
  all(
    set("ws-gateway:gateway.version", "3d4e5f6"),
    set("ws-gateway:rollout.steps", [
      { weight: 10, pause: "10m" },
      { weight: 25, pause: "1h" },
    ]),
    ...(stableVersion === undefined ? [] : [set("ws-gateway:rollout.stableVersion", stableVersion)]),
  );

export const crossFieldCases = family("cross-field", [
  {
    id: "x-max-below-min-replicas",
    description: "maxReplicas 4 with minReplicas 6",
    source: "docs/configuration.md gateway.maxReplicas: at least minReplicas",
    stack: "prod",
    mutate: set("ws-gateway:gateway.maxReplicas", 4),
    expect: refused("ws-gateway:gateway.maxReplicas"),
  },
  {
    id: "x-max-below-min-nodes",
    description: "maxNodesPerZone 1 with minNodesPerZone 2",
    source: "docs/configuration.md nodePool.maxNodesPerZone: at least minNodesPerZone",
    stack: "prod",
    mutate: set("ws-gateway:cluster.nodePool.maxNodesPerZone", 1),
    expect: refused("ws-gateway:cluster.nodePool.maxNodesPerZone"),
  },
  {
    id: "x-cpu-limit-below-request",
    description: "cpuLimit 250m with cpuRequest 500m",
    source: "docs/configuration.md: requests at most their limits (cpuLimit: at least cpuRequest)",
    stack: "prod",
    mutate: set("ws-gateway:gateway.resources.cpuLimit", "250m"),
    expect: refused("ws-gateway:gateway.resources.cpuRequest"),
  },
  {
    id: "x-memory-request-over-limit",
    description: "memoryRequest 2Gi with memoryLimit 1Gi",
    source: "docs/configuration.md resources.memoryRequest: at most memoryLimit",
    stack: "prod",
    mutate: set("ws-gateway:gateway.resources.memoryRequest", "2Gi"),
    expect: refused("ws-gateway:gateway.resources.memoryRequest"),
  },
  {
    id: "x-worker-timeout-below-drain",
    description: "workerShutdownTimeout 10m with drainSeconds 1800",
    source: "docs/configuration.md ingress.workerShutdownTimeout: at least gateway.drainSeconds",
    stack: "prod",
    mutate: set("ws-gateway:ingress.workerShutdownTimeout", "10m"),
    expect: refused("ws-gateway:ingress.workerShutdownTimeout"),
  },
  {
    id: "x-stable-equals-version",
    description: "a held schedule whose stableVersion is gateway.version",
    source: "docs/configuration.md rollout.stableVersion: not gateway.version",
    stack: "prod",
    mutate: held("3d4e5f6"),
    expect: refused("ws-gateway:rollout.stableVersion"),
  },
  {
    id: "x-stable-with-promotion",
    description: "stableVersion set on a schedule that ends at 100",
    source: "docs/configuration.md rollout: a schedule that ends at 100 must not set stableVersion",
    stack: "prod",
    mutate: set("ws-gateway:rollout.stableVersion", "1a2b3c4"),
    expect: refused("ws-gateway:rollout.stableVersion"),
  },
  {
    id: "x-held-without-stable",
    description: "a schedule ending at 25 without stableVersion",
    source: "docs/configuration.md rollout: a schedule that ends below 100 needs stableVersion",
    stack: "prod",
    mutate: held(undefined),
    expect: refused("ws-gateway:rollout.stableVersion"),
  },
  {
    id: "x-gke-with-existing-controller",
    description:
      "a GKE cluster this stack creates, with ingress.controller: existing (nothing runs ingress-nginx there)",
    source:
      "issue: cluster mode with controller mode; docs/configuration.md ingress.controller: existing means the cluster already runs it",
    stack: "dev",
    mutate: all(set("ws-gateway:ingress.controller", "existing"), (c) => {
      const ingress = c["ws-gateway:ingress"] as Record<string, unknown>;
      delete ingress.controllerReplicas;
      return c;
    }),
    expect: refused("ws-gateway:ingress.controller"),
  },
  {
    id: "x-gke-nodeport",
    description: "serviceType NodePort on GKE",
    source: "docs/configuration.md ingress.serviceType: LoadBalancer on GKE, NodePort for kind",
    stack: "prod",
    mutate: set("ws-gateway:ingress.serviceType", "NodePort"),
    expect: refused("ws-gateway:ingress.serviceType"),
  },
  {
    id: "x-nodeport-with-lb-ip",
    description: "loadBalancerIP with serviceType NodePort",
    source: "docs/configuration.md ingress.loadBalancerIP: LoadBalancer only",
    stack: "local",
    mutate: set("ws-gateway:ingress.loadBalancerIP", "192.168.1.10"),
    expect: refused("ws-gateway:ingress.loadBalancerIP"),
  },
  {
    id: "x-existing-with-region",
    description: "cluster.region on an existing cluster",
    source: "docs/configuration.md: GKE-only keys are refused with mode: existing",
    stack: "local",
    mutate: set("ws-gateway:cluster.region", "europe-west1"),
    expect: refused("ws-gateway:cluster.region"),
  },
  {
    id: "x-existing-with-deletion-protection",
    description: "cluster.deletionProtection on an existing cluster",
    source: "docs/configuration.md: GKE-only keys are refused with mode: existing",
    stack: "e2e",
    mutate: set("ws-gateway:cluster.deletionProtection", false),
    expect: refused("ws-gateway:cluster.deletionProtection"),
  },
  {
    id: "x-gke-with-kube-context",
    description: "cluster.kubeContext on a GKE stack",
    source: "docs/configuration.md: kubeContext is refused with mode: gke",
    stack: "dev",
    mutate: set("ws-gateway:cluster.kubeContext", "gke_acme-ws-dev_europe-west1_ws-gateway"),
    expect: refused("ws-gateway:cluster.kubeContext"),
  },
  {
    id: "x-existing-controller-with-replicas",
    description: "controllerReplicas with ingress.controller: existing",
    source: "docs/configuration.md ingress.controller: existing refuses the controller keys",
    stack: "e2e",
    mutate: set("ws-gateway:ingress.controllerReplicas", 3),
    expect: refused("ws-gateway:ingress.controllerReplicas"),
  },
  {
    id: "x-existing-controller-with-chart",
    description: "chartVersion with ingress.controller: existing",
    source: "docs/configuration.md ingress.controller: existing refuses the controller keys",
    stack: "e2e",
    mutate: set("ws-gateway:ingress.chartVersion", "4.15.1"),
    expect: refused("ws-gateway:ingress.chartVersion"),
  },
  {
    id: "x-same-namespace",
    description: "gateway.namespace equal to ingress.namespace",
    source: "docs/configuration.md gateway.namespace: not ingress.namespace",
    stack: "prod",
    mutate: set("ws-gateway:gateway.namespace", "ingress-nginx"),
    expect: refused("ws-gateway:gateway.namespace"),
  },
  {
    id: "x-handshake-ws-with-tls",
    description: "handshake.url ws:// on a host served with TLS: nginx answers the upgrade with a redirect",
    source:
      "ingress-nginx ssl-redirect defaults to true for hosts with TLS; docs/configuration.md gates.handshake.url",
    stack: "prod",
    mutate: set("ws-gateway:rollout.gates.handshake.url", "ws://ws.acme.example/"),
    expect: refused("ws-gateway:rollout.gates.handshake.url"),
  },
  {
    id: "x-interval-longer-than-pause",
    description: "gates.interval 5m with 1m pauses: the gates run once per step, not throughout it",
    source:
      "issue: gate timing against the pauses; docs/operations.md: gates run every gates.interval until the pause ends",
    stack: "dev",
    mutate: set("ws-gateway:rollout.gates.interval", "5m"),
    expect: refused("ws-gateway:rollout.gates.interval"),
  },
  {
    id: "x-gke-min-replicas-below-shared",
    description: "gateway.minReplicas 2 on GKE",
    source: "docs/configuration.md thresholds: minGatewayReplicas 3 on GKE",
    stack: "dev",
    mutate: set("ws-gateway:gateway.minReplicas", 2),
    expect: refused("ws-gateway:gateway.minReplicas"),
  },
  {
    id: "x-gke-controller-replicas-below-shared",
    description: "ingress.controllerReplicas 2 on GKE",
    source: "docs/configuration.md thresholds: minControllerReplicas 3 on GKE",
    stack: "prod",
    mutate: set("ws-gateway:ingress.controllerReplicas", 2),
    expect: refused("ws-gateway:ingress.controllerReplicas"),
  },
  {
    id: "x-no-authorized-network",
    description: "masterAuthorizedNetworks: [] on GKE: the program itself cannot reach the control plane",
    source:
      "issue: control-plane access with where the program runs; docs/getting-started.md: your own address in the authorized networks",
    stack: "prod",
    mutate: set("ws-gateway:cluster.masterAuthorizedNetworks", []),
    expect: refused("ws-gateway:cluster.masterAuthorizedNetworks"),
  },
]);
