/**
 * One mutation of the real program's render per rule: every policy of the pack
 * is shown to catch a change to what the program really declares (prod stack,
 * rendered under the test mocks), and to stay silent on the unchanged render.
 * The classes a release depends on most carry their exact messages.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allPolicies } from "../../policies/rules";
import { TYPES } from "../../policies/lib/kube";
import { REPO_ROOT } from "../helpers/stacks";
import { renderedStack } from "./fixtures";
import { runPack, stackPackConfig, withValue, type FakeResource } from "./harness";

const C = "spec.template.spec.containers.0";
const POD = "spec.template.spec";
const CV = ["values", "controller"];
const ANN = ["metadata", "annotations"];

type Change = (rs: FakeResource[]) => FakeResource[];

/** Sets `path` to `value` on every rendered resource of `type` (named `name`, when given). */
function set(type: string, path: string | (string | number)[], value: unknown, name?: string): Change {
  return (rs) =>
    rs.map((r) =>
      r.type === type && (name === undefined || r.name === name)
        ? { ...r, props: withValue(r.props, path, value) }
        : r,
    );
}

function all(...changes: Change[]): Change {
  return (rs) => changes.reduce((acc, c) => c(acc), rs);
}

interface Mutation {
  readonly policy: string;
  readonly what: string;
  readonly change: Change;
  /** The policy's exact messages, for the classes a release depends on most. */
  readonly messages?: readonly string[];
  readonly stack?: string;
}

const D = 'Deployment "ws-gateway-2f9c1ab"';

const MUTATIONS: readonly Mutation[] = [
  // drain
  {
    policy: "gateway-prestop-hook",
    what: "no preStop",
    change: set(TYPES.deployment, `${C}.lifecycle`, undefined),
  },
  {
    policy: "gateway-sidecar-drain",
    what: "a second container without DRAIN_SECONDS",
    change: set(TYPES.deployment, `${POD}.containers.1`, {
      name: "proxy",
      image: "ghcr.io/acme/proxy:1.0.0",
      lifecycle: { preStop: { sleep: { seconds: 10 } } },
    }),
    messages: [
      `${D}: container "proxy" receives SIGTERM with container "gateway" but has no DRAIN_SECONDS (found nothing): it would stop at once while the gateway drains over 1800 s. Fix: declare it under ws-gateway:gateway.pod.sidecars, which gives it the drain contract (native: true stops it after the gateway), or set env DRAIN_SECONDS to "1800" and drain over it.`,
    ],
  },
  {
    policy: "gateway-termination-path",
    what: "a shell as PID 1 (sh -c without exec)",
    change: set(TYPES.deployment, `${C}.command`, ["sh", "-c", "node server.js"]),
    messages: [
      `${D}: container "gateway" (serving Service "ws-gateway-canary" port 8080, Service "ws-gateway-stable" port 8080): sh is PID 1 running "node server.js" without exec, and a shell does not forward SIGTERM to its child (command/args ["sh","-c","node server.js"]), so the gateway never starts its drain and is killed with every connection at the end of the grace period. Fix: run the program as PID 1 (command ["node", "server.js"]), or end the script with exec (sh -c "exec node server.js").`,
    ],
  },
  {
    policy: "gateway-one-autoscaler",
    what: "the HPA aimed at a Deployment the stack does not declare",
    change: set(TYPES.hpa, "spec.scaleTargetRef.name", "ws-gateway-old"),
    messages: [
      `HorizontalPodAutoscaler "ws-gateway-2f9c1ab": spec.scaleTargetRef {"apiVersion":"apps/v1","kind":"Deployment","name":"ws-gateway-old"} names no workload the stack declares: the gateway version it was meant for can never grow under load. Fix: point scaleTargetRef at the version's Deployment ({apiVersion: "apps/v1", kind: "Deployment", name: "ws-gateway-<version>"}).`,
    ],
  },
  {
    policy: "zone-spread-in-fact",
    what: "a nodeSelector pinning the gateway pods to one zone",
    change: set(TYPES.deployment, `${POD}.nodeSelector`, { "topology.kubernetes.io/zone": "europe-west1-b" }),
  },
  {
    policy: "ingress-nginx-one-at-a-time",
    what: "the controller's rolling update stopping every controller (Recreate)",
    change: set(TYPES.helmRelease, [...CV, "updateStrategy"], { type: "Recreate" }),
  },
  {
    policy: "gateway-drain-seconds",
    what: "DRAIN_SECONDS 60",
    change: set(TYPES.deployment, `${C}.env.0.value`, "60"),
  },
  {
    policy: "gateway-termination-grace",
    what: "grace 30 s",
    change: set(TYPES.deployment, `${POD}.terminationGracePeriodSeconds`, 30),
  },
  {
    policy: "gateway-readiness-probe",
    what: "readiness on the liveness endpoint, written with the port number instead of its name",
    change: set(TYPES.deployment, `${C}.readinessProbe`, {
      httpGet: { path: "/livez", port: 8080, scheme: "HTTP" },
      periodSeconds: 2,
    }),
    messages: [
      `${D}: container "gateway" readiness and liveness probes check the same endpoint (both HTTP GET :8080/livez): a draining pod would fail liveness and be restarted, cutting every connection at once. Fix: probe readiness on its own endpoint (e.g. /readyz) and liveness on another (e.g. /livez).`,
    ],
  },
  {
    policy: "gateway-background-deletion",
    what: "no deletion annotation",
    change: set(TYPES.deployment, "metadata.annotations", undefined),
  },
  {
    policy: "gateway-drain-verifiable",
    what: "DRAIN_SECONDS from a ConfigMap",
    change: set(TYPES.deployment, `${C}.env.0`, {
      name: "DRAIN_SECONDS",
      valueFrom: { configMapKeyRef: { name: "gateway-settings", key: "drain" } },
    }),
    messages: [
      `${D}: container "gateway" takes DRAIN_SECONDS from ConfigMap "gateway-settings" key "drain", which only the cluster can read: the pack cannot check it against the minimum drain, the pod grace period, the node-upgrade soak or nginx's worker-shutdown-timeout. Fix: set DRAIN_SECONDS as a literal env value (ws-gateway:gateway.drainSeconds does), or check those four by hand.`,
    ],
  },
  {
    policy: "node-upgrade-covers-gateway-drain",
    what: "a 600 s node-pool soak (above the knob's 300 s default) against the gateway's 1840 s grace",
    change: set(TYPES.nodePool, "upgradeSettings.blueGreenSettings.nodePoolSoakDuration", "600s"),
    messages: [
      `NodePool "ws-gateway-gateway": upgradeSettings.blueGreenSettings.nodePoolSoakDuration is "600s", shorter than the 1840 s the pods of ${D} may take to stop (grace period, preStop and DRAIN_SECONDS): the old nodes would be deleted while those pods still drain, cutting their remaining clients at once. Fix: set it to at least "1840s" (the program derives it from the gateway's grace period).`,
    ],
  },
  // availability
  {
    policy: "gateway-pdb",
    what: "a PDB with maxUnavailable 100%",
    change: set(TYPES.pdb, "spec.maxUnavailable", "100%"),
    messages: [
      `PodDisruptionBudget "ws-gateway-2f9c1ab" for ${D} lets every pod be evicted at once (found maxUnavailable "100%"): a node drain or upgrade would disconnect all of the version's clients together. Fix: set maxUnavailable to 1.`,
    ],
  },
  {
    policy: "gateway-pdb",
    what: "a PDB with minAvailable 0",
    change: all(set(TYPES.pdb, "spec.maxUnavailable", undefined), set(TYPES.pdb, "spec.minAvailable", 0)),
    messages: [
      `PodDisruptionBudget "ws-gateway-2f9c1ab" for ${D} lets every pod be evicted at once (found minAvailable 0): a node drain or upgrade would disconnect all of the version's clients together. Fix: set maxUnavailable to 1.`,
    ],
  },
  {
    policy: "gateway-pdb",
    what: "a PDB with maxUnavailable equal to the HPA's minimum",
    change: set(TYPES.pdb, "spec.maxUnavailable", 6),
    messages: [
      `PodDisruptionBudget "ws-gateway-2f9c1ab" for ${D} lets every pod be evicted at once (found maxUnavailable 6 with 6 pod(s)): a node drain or upgrade would disconnect all of the version's clients together. Fix: set maxUnavailable to 1.`,
    ],
  },
  {
    policy: "gateway-pdb",
    what: "a PDB that blocks every eviction",
    change: set(TYPES.pdb, "spec.maxUnavailable", 0),
  },
  {
    policy: "ingress-nginx-pdb",
    what: "controller minAvailable 3 of 3",
    change: set(TYPES.helmRelease, [...CV, "minAvailable"], 3),
  },
  {
    policy: "gateway-hpa-replicas",
    what: "HPA minReplicas 1",
    change: set(TYPES.hpa, "spec.minReplicas", 1),
  },
  {
    policy: "gateway-hpa-slow-scale-down",
    what: "60 s stabilization",
    change: set(TYPES.hpa, "spec.behavior.scaleDown.stabilizationWindowSeconds", 60),
  },
  {
    policy: "gateway-zone-spread",
    what: "no spread constraints",
    change: set(TYPES.deployment, `${POD}.topologySpreadConstraints`, []),
  },
  {
    policy: "hpa-owns-replicas",
    what: "no ignoreChanges",
    change: (rs) => rs.map((r) => (r.type === TYPES.deployment ? { ...r, ignoreChanges: [] } : r)),
  },
  {
    policy: "gateway-update-strategy",
    what: "Recreate",
    change: set(TYPES.deployment, "spec.strategy", { type: "Recreate" }),
    messages: [
      `${D}: spec.strategy.type is "Recreate": any change to the pod template kills every pod before starting new ones, disconnecting all of the version's clients at once. Fix: use type "RollingUpdate" with maxUnavailable 0 (new versions get their own Deployment anyway).`,
    ],
  },
  {
    policy: "gateway-update-strategy",
    what: "a rolling update with maxUnavailable 100%",
    change: set(TYPES.deployment, "spec.strategy.rollingUpdate.maxUnavailable", "100%"),
    messages: [
      `${D}: spec.strategy.rollingUpdate.maxUnavailable is "100%" with 6 replica(s): a rolling update may take every pod down together, disconnecting all of the version's clients at once. Fix: set maxUnavailable to 0 (and maxSurge to 25%).`,
    ],
  },
  {
    policy: "gateway-update-strategy",
    what: "a rolling update with maxUnavailable equal to the replicas",
    change: set(TYPES.deployment, "spec.strategy.rollingUpdate.maxUnavailable", 6),
    messages: [
      `${D}: spec.strategy.rollingUpdate.maxUnavailable is 6 with 6 replica(s): a rolling update may take every pod down together, disconnecting all of the version's clients at once. Fix: set maxUnavailable to 0 (and maxSurge to 25%).`,
    ],
  },
  {
    policy: "gateway-versioned-deployment",
    what: "one unversioned ws-gateway Deployment (the seed's baseline)",
    change: all(
      set(TYPES.deployment, "metadata.name", "ws-gateway"),
      set(
        TYPES.deployment,
        ["spec", "template", "metadata", "labels", "app.kubernetes.io/version"],
        undefined,
      ),
      set(TYPES.deployment, ["spec", "selector", "matchLabels", "app.kubernetes.io/version"], undefined),
    ),
    messages: [
      `Deployment "ws-gateway": its pod template has no app.kubernetes.io/version label (found nothing): a release would update it in place, and a rolling update cuts clients off and lets them reconnect to old pods that are cut next: several disconnects per client. Fix: declare one Deployment per version, named ws-gateway-<version>, with app.kubernetes.io/version: <version> on its pods and in its selector.`,
    ],
  },
  {
    policy: "gateway-versioned-deployment",
    what: "a versioned Deployment under a fixed name",
    change: set(TYPES.deployment, "metadata.name", "ws-gateway"),
    messages: [
      `Deployment "ws-gateway": serves version "2f9c1ab" under the name "ws-gateway", not "ws-gateway-2f9c1ab": a release would update it in place, and a rolling update cuts clients off and lets them reconnect to old pods that are cut next: several disconnects per client. Fix: name it "ws-gateway-2f9c1ab".`,
    ],
  },
  // traffic
  {
    policy: "ingress-websocket-timeouts",
    what: "60 s read timeout",
    change: set(
      TYPES.ingress,
      ["metadata", "annotations", "nginx.ingress.kubernetes.io/proxy-read-timeout"],
      "60",
      "routes-primary",
    ),
  },
  {
    policy: "canary-ingress-mirrors-primary",
    what: "canary on another host",
    change: set(TYPES.ingress, "spec.rules.0.host", "other.acme.example", "routes-canary"),
  },
  {
    policy: "canary-weight-not-declared",
    what: "declared canary weight",
    change: set(
      TYPES.ingress,
      ["metadata", "annotations", "nginx.ingress.kubernetes.io/canary-weight"],
      "10",
      "routes-canary",
    ),
  },
  {
    policy: "no-version-selector-on-load-balancer",
    what: "stable Service as a LoadBalancer",
    change: set(TYPES.service, "spec.type", "LoadBalancer", "stable-service"),
  },
  {
    policy: "gateway-service-selects-version",
    what: "canary Service without the version label",
    change: set(
      TYPES.service,
      ["spec", "selector", "app.kubernetes.io/version"],
      undefined,
      "canary-service",
    ),
    messages: [
      `Service "ws-gateway-canary": selector {"app.kubernetes.io/name":"ws-gateway"} has no app.kubernetes.io/version: the canary Service would send the new version's share to every version from the first step, whatever the weight. Fix: select app.kubernetes.io/version: <version> beside app.kubernetes.io/name.`,
    ],
  },
  {
    policy: "gateway-service-selects-version",
    what: "stable Service without the version label",
    change: set(
      TYPES.service,
      ["spec", "selector", "app.kubernetes.io/version"],
      undefined,
      "stable-service",
    ),
    messages: [
      `Service "ws-gateway-stable": selector {"app.kubernetes.io/name":"ws-gateway"} has no app.kubernetes.io/version: the stable Service would send new and reconnecting clients to the version being released before promotion, and to retiring versions after it. Fix: select app.kubernetes.io/version: <version> beside app.kubernetes.io/name.`,
    ],
  },
  {
    policy: "ingress-nginx-external-traffic-local",
    what: "Cluster traffic policy",
    change: set(TYPES.helmRelease, [...CV, "service", "externalTrafficPolicy"], "Cluster"),
  },
  // ingress-nginx
  {
    policy: "ingress-nginx-worker-shutdown-timeout",
    what: "120s worker shutdown",
    change: set(TYPES.helmRelease, [...CV, "config", "worker-shutdown-timeout"], "120s"),
  },
  {
    policy: "ingress-nginx-covers-gateway-drain",
    what: "600s worker shutdown against an 1800 s drain",
    change: set(TYPES.helmRelease, [...CV, "config", "worker-shutdown-timeout"], "600s"),
  },
  {
    policy: "ingress-nginx-no-snippets",
    what: "snippets allowed",
    change: set(TYPES.helmRelease, [...CV, "allowSnippetAnnotations"], true),
  },
  {
    policy: "ingress-nginx-chart-pinned",
    what: "chart 4.11.0",
    change: set(TYPES.helmRelease, "version", "4.11.0"),
  },
  {
    policy: "ingress-nginx-replicas",
    what: "2 controllers",
    change: set(TYPES.helmRelease, [...CV, "replicaCount"], 2),
  },
  {
    policy: "ingress-nginx-proxy-timeouts",
    what: 'proxy-read-timeout "3600s" (the controller reads integer seconds only)',
    change: set(TYPES.helmRelease, [...CV, "config", "proxy-read-timeout"], "3600s"),
  },
  {
    policy: "ingress-nginx-values-read-by-chart",
    what: "a misnamed grace key the chart never reads",
    change: set(TYPES.helmRelease, [...CV, "terminateGracePeriodSeconds"], 3675),
  },
  // rollout
  {
    policy: "rollout-schedule",
    what: "a falling weight",
    change: set(TYPES.rollout, "steps", [
      { weight: 50, pauseSeconds: 120 },
      { weight: 25, pauseSeconds: 0 },
    ]),
    messages: [
      'Rollout "rollout": step 2 weight 25 does not rise above step 1 weight 50: clients moved to the canary would be sent back, and reconnect twice. Fix: make every weight larger than the one before.',
    ],
  },
  // pod security
  {
    policy: "pod-run-as-non-root",
    what: "root user",
    change: set(TYPES.deployment, `${POD}.securityContext.runAsUser`, 0),
  },
  {
    policy: "pod-no-privilege-escalation",
    what: "escalation allowed",
    change: set(TYPES.deployment, `${C}.securityContext.allowPrivilegeEscalation`, true),
  },
  {
    policy: "pod-drop-all-capabilities",
    what: "nothing dropped",
    change: set(TYPES.deployment, `${C}.securityContext.capabilities.drop`, []),
  },
  {
    policy: "pod-seccomp-runtime-default",
    what: "unconfined",
    change: set(TYPES.deployment, `${POD}.securityContext.seccompProfile`, { type: "Unconfined" }),
  },
  {
    policy: "pod-no-host-access",
    what: "host network",
    change: set(TYPES.deployment, `${POD}.hostNetwork`, true),
  },
  {
    policy: "pod-read-only-root-filesystem",
    what: "writable root",
    change: set(TYPES.deployment, `${C}.securityContext.readOnlyRootFilesystem`, false),
  },
  {
    policy: "pod-resources",
    what: "no resources",
    change: set(TYPES.deployment, `${C}.resources`, undefined),
  },
  {
    policy: "pod-image-pinned",
    what: "latest",
    change: set(TYPES.deployment, `${C}.image`, "europe-docker.pkg.dev/acme-ws-prod/gw/ws-gateway:latest"),
  },
  { policy: "pod-image-digest", what: "a tag (the render as it is)", change: (rs) => rs },
  // paths, pair and route settings (the stack model)
  {
    policy: "gateway-paths-through-pair",
    what: "the stable Service of type NodePort",
    change: set(TYPES.service, "spec.type", "NodePort", "stable-service"),
    messages: [
      `Service "ws-gateway-stable" → ${D}: type NodePort exposes the gateway pods to outside clients directly, past the ingress controller and the governed pair Ingress "ws-gateway" / Ingress "ws-gateway-canary": no canary weight decides who reaches which version, and a release switching its selector resets connections. Fix: make it type ClusterIP without externalIPs and route clients through the primary Ingress.`,
    ],
  },
  {
    policy: "gateway-canary-pair",
    what: "canary-weight-total 1000 on the canary Ingress",
    change: set(
      TYPES.ingress,
      [...ANN, "nginx.ingress.kubernetes.io/canary-weight-total"],
      "1000",
      "routes-canary",
    ),
    messages: [
      `Ingress "ws-gateway-canary": nginx.ingress.kubernetes.io/canary-weight-total is "1000", not 100: ingress-nginx chooses the canary when random(total) <= weight (docs/facts.md F2), and the engine's weights are percentages, so each step (and promotion's 100) sends another share than the schedule says. Fix: remove the annotation.`,
    ],
  },
  {
    policy: "gateway-route-settings",
    what: "proxy-http-version 1.0 on the primary Ingress",
    change: set(
      TYPES.ingress,
      [...ANN, "nginx.ingress.kubernetes.io/proxy-http-version"],
      "1.0",
      "routes-primary",
    ),
    messages: [
      `Ingress "ws-gateway" (ws.acme.example / (Prefix) → Service "ws-gateway-stable" → ${D}): annotation nginx.ingress.kubernetes.io/proxy-http-version is "1.0": nginx would proxy with HTTP/1.0; only HTTP/1.1 carries the Upgrade handshake, so every WebSocket upgrade fails. Fix: remove the annotation; the controller's defaults are what a WebSocket route needs.`,
    ],
  },
  // GKE
  {
    policy: "gke-private-nodes",
    what: "public nodes",
    change: set(TYPES.cluster, "privateClusterConfig.enablePrivateNodes", false),
  },
  {
    policy: "gke-control-plane-authorized-networks",
    what: "no authorized networks",
    change: set(TYPES.cluster, "masterAuthorizedNetworksConfig", undefined),
  },
  {
    policy: "gke-workload-identity",
    what: "no workload identity",
    change: set(TYPES.cluster, "workloadIdentityConfig", undefined),
  },
  {
    policy: "gke-shielded-nodes",
    what: "unshielded",
    change: set(TYPES.cluster, "enableShieldedNodes", false),
  },
  {
    policy: "gke-node-auto-repair-upgrade",
    what: "no auto-repair",
    change: set(TYPES.nodePool, "management.autoRepair", false),
  },
  {
    policy: "gke-release-channel",
    what: "no channel",
    change: set(TYPES.cluster, "releaseChannel", undefined),
  },
  {
    policy: "gke-network-policy",
    what: "legacy datapath",
    change: set(TYPES.cluster, "datapathProvider", "LEGACY_DATAPATH"),
  },
  {
    policy: "gke-legacy-abac-disabled",
    what: "ABAC on",
    change: set(TYPES.cluster, "enableLegacyAbac", true),
  },
  {
    policy: "gke-no-client-certificate",
    what: "client certificate",
    change: set(TYPES.cluster, "masterAuth.clientCertificateConfig.issueClientCertificate", true),
  },
  {
    policy: "gke-logging-monitoring",
    what: "logging off",
    change: set(TYPES.cluster, "loggingConfig.enableComponents", []),
  },
  { policy: "gke-regional", what: "zonal cluster", change: set(TYPES.cluster, "location", "europe-west1-b") },
  {
    policy: "gke-node-service-account",
    what: "default service account",
    change: set(TYPES.nodePool, "nodeConfig.serviceAccount", "default"),
  },
  {
    policy: "gke-blue-green-upgrades",
    what: "surge upgrades",
    change: set(TYPES.nodePool, "upgradeSettings.strategy", "SURGE"),
  },
  {
    policy: "gke-maintenance-window",
    what: "no window",
    change: set(TYPES.cluster, "maintenancePolicy", undefined),
  },
  {
    policy: "gke-deletion-protection",
    what: "unprotected prod",
    change: set(TYPES.cluster, "deletionProtection", false),
  },
  // disruption causes (their exact messages: test/policies/disruption.test.ts)
  {
    policy: "gateway-safe-from-autoscaler",
    what: "controller pods without safe-to-evict",
    change: set(TYPES.helmRelease, [...CV, "podAnnotations"], {}),
  },
  {
    policy: "gateway-no-spot-capacity",
    what: "gateway pods selecting Spot nodes",
    change: set(TYPES.deployment, `${POD}.nodeSelector`, { "cloud.google.com/gke-spot": "true" }),
  },
  {
    policy: "gateway-priority-class",
    what: "a PriorityClass the stack does not declare",
    change: set(TYPES.deployment, `${POD}.priorityClassName`, "batch"),
  },
  {
    policy: "gateway-scale-down-within-budget",
    what: "no scale-down policies (Kubernetes: 100 % per 15 s)",
    change: set(TYPES.hpa, "spec.behavior.scaleDown.policies", undefined),
  },
  {
    policy: "gateway-drain-within-node-upgrade",
    what: "a grace period beyond the upgrade's hour",
    change: all(
      set(TYPES.deployment, `${C}.env.0.value`, "4000"),
      set(TYPES.deployment, `${POD}.terminationGracePeriodSeconds`, 4040),
    ),
  },
];

async function violationsOf(policy: string, resources: FakeResource[], stack: string): Promise<string[]> {
  const p = allPolicies.filter((x) => x.name === policy);
  return (await runPack(resources, stackPackConfig(REPO_ROOT, stack), stack, p)).map((v) => v.message);
}

describe("one mutation of the rendered program per rule", () => {
  it("GIVEN the pack THEN every rule has a mutation here", () => {
    const covered = new Set(MUTATIONS.map((m) => m.policy));
    assert.deepEqual(
      allPolicies.map((p) => p.name).filter((n) => !covered.has(n)),
      [],
    );
  });

  for (const m of MUTATIONS) {
    it(`GIVEN the rendered ${m.stack ?? "prod"} stack WHEN ${m.what} THEN ${m.policy} reports it`, async () => {
      const stack = m.stack ?? "prod";
      const before = await violationsOf(m.policy, renderedStack(stack), stack);
      const after = await violationsOf(m.policy, m.change(renderedStack(stack)), stack);
      if (m.policy !== "pod-image-digest") assert.deepEqual(before, [], "silent on the unchanged render");
      assert.ok(after.length > 0, `${m.policy} did not catch: ${m.what}`);
      if (m.messages !== undefined) assert.deepEqual(after, m.messages);
    });
  }
});
