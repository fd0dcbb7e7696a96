/**
 * Causes, other than a release, that close gateway connections and that the
 * program itself configures: the cluster autoscaler, spot and preemptible
 * capacity, node upgrades and pool deletion, preemption by priority.
 */
import {
  TYPE,
  add,
  drainTo,
  soaks,
  listAt,
  objAt,
  onCluster,
  onController,
  onNodePool,
  onPodMeta,
  onPodSpec,
  onValues,
  resource,
  seq,
  type Json,
  type Mutation,
} from "../model";

const SPOT =
  "GKE Spot VMs and preemptible VMs: about 30 s of notice before the node goes, whatever the pod's grace period";
const CA =
  'cluster autoscaler: on scale-down it gives a pod at most max-graceful-termination-sec (600 s on GKE), then removes the node; safe-to-evict "false" keeps it off the list';
const UPGRADE = "docs/facts.md F22 (node upgrades drain within limits: surge about an hour, then force)";

const cause = (m: Omit<Mutation, "family">): Mutation => ({ ...m, family: "disruption-causes" });

export const DISRUPTION: readonly Mutation[] = [
  cause({
    id: "cause-spot-node-pool",
    stack: "prod",
    description: "the gateway node pool runs on Spot VMs",
    source: SPOT,
    apply: onNodePool((p) => {
      objAt(p, ["nodeConfig"]).spot = true;
    }),
  }),
  cause({
    id: "cause-spot-node-pool-dev",
    stack: "dev",
    description: "the dev gateway node pool runs on Spot VMs",
    source: SPOT,
    apply: onNodePool((p) => {
      objAt(p, ["nodeConfig"]).spot = true;
    }),
  }),
  cause({
    id: "cause-preemptible-node-pool",
    stack: "prod",
    description: "the gateway node pool is preemptible (24 h lifetime, 30 s notice)",
    source: SPOT,
    apply: onNodePool((p) => {
      objAt(p, ["nodeConfig"]).preemptible = true;
    }),
  }),
  cause({
    id: "cause-pods-select-spot-nodes",
    stack: "prod",
    description: "the gateway pods select cloud.google.com/gke-spot nodes (another pool of the cluster)",
    source: SPOT,
    apply: onPodSpec((s) => {
      s.nodeSelector = { "cloud.google.com/gke-spot": "true" };
      s.tolerations = [
        { key: "cloud.google.com/gke-spot", operator: "Equal", value: "true", effect: "NoSchedule" },
      ];
    }),
  }),
  cause({
    id: "cause-pods-prefer-preemptible-nodes",
    stack: "prod",
    description: "the gateway pods prefer cloud.google.com/gke-preemptible nodes and tolerate their taint",
    source: SPOT,
    apply: onPodSpec((s) => {
      s.affinity = {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              preference: {
                matchExpressions: [{ key: "cloud.google.com/gke-preemptible", operator: "Exists" }],
              },
            },
          ],
        },
      };
      s.tolerations = [{ key: "cloud.google.com/gke-preemptible", operator: "Exists", effect: "NoSchedule" }];
    }),
  }),
  cause({
    id: "cause-safe-to-evict-true",
    stack: "prod",
    description:
      'the gateway pods declare themselves safe-to-evict "true" (even an emptyDir no longer holds the autoscaler back): a scale-down cuts a 1800 s drain at 600 s',
    source: CA,
    apply: onPodMeta((m) => {
      objAt(m, ["annotations"])["cluster-autoscaler.kubernetes.io/safe-to-evict"] = "true";
    }),
  }),
  cause({
    id: "cause-drain-beyond-autoscaler-cap",
    stack: "dev",
    description:
      'dev drains 900 s (grace and node soaks raised to match) on an autoscaling pool, without safe-to-evict "false": a scale-down cuts at 600 s',
    source: CA,
    apply: seq(
      drainTo(900, 940),
      soaks(940, 1540),
      // The program renders safe-to-evict "false"; this variant is the pod without it.
      onPodMeta((m) => {
        delete objAt(m, ["annotations"])["cluster-autoscaler.kubernetes.io/safe-to-evict"];
      }),
    ),
  }),
  cause({
    id: "cause-optimize-utilization-profile",
    stack: "prod",
    description:
      "the cluster autoscaler profile is OPTIMIZE_UTILIZATION: aggressive scale-down of nodes holding gateway pods",
    source: `${CA}; GKE autoscaling profiles (optimize-utilization removes underused nodes faster)`,
    apply: onCluster((p) => {
      objAt(p, ["clusterAutoscaling"]).autoscalingProfile = "OPTIMIZE_UTILIZATION";
    }),
  }),
  cause({
    id: "cause-low-priority-class",
    stack: "prod",
    description: "the gateway pods run under a PriorityClass of value -10: any pending pod may preempt them",
    source:
      "Kubernetes pod priority and preemption: the scheduler evicts lower-priority pods, giving them their grace period but ignoring PDBs where it must",
    apply: seq(
      add(
        resource(TYPE.priorityClass, "batch-low", () => ({
          apiVersion: "scheduling.k8s.io/v1",
          kind: "PriorityClass",
          metadata: { name: "low" },
          value: -10,
          globalDefault: false,
        })),
      ),
      onPodSpec((s) => {
        s.priorityClassName = "low";
      }),
    ),
  }),
  cause({
    id: "cause-pool-deletion-ignores-pdb",
    stack: "prod",
    description:
      "nodeDrainConfigs.respectPdbDuringNodePoolDeletion false: deleting the pool evicts every gateway pod at once",
    source: UPGRADE,
    apply: onNodePool((p) => {
      (listAt(p, ["nodeDrainConfigs"])[0] as Json).respectPdbDuringNodePoolDeletion = false;
    }),
  }),
  cause({
    id: "cause-pdb-timeout-short",
    stack: "prod",
    description:
      "nodeDrainConfigs.pdbTimeoutDuration 60s: a node drain ignores the gateway PDB after a minute",
    source: UPGRADE,
    apply: onNodePool((p) => {
      (listAt(p, ["nodeDrainConfigs"])[0] as Json).pdbTimeoutDuration = "60s";
    }),
  }),
  cause({
    id: "cause-surge-upgrades",
    stack: "prod",
    description:
      "node upgrades switch to SURGE: each node's gateway pods are drained together, forced after about an hour",
    source: UPGRADE,
    apply: onNodePool((p) => {
      p.upgradeSettings = { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 };
    }),
  }),
  cause({
    id: "cause-batch-soak-short",
    stack: "prod",
    description:
      "blue-green batch soak 60 s: the next batch drains before the previous one's clients have moved",
    source: UPGRADE,
    apply: soaks(60, 2440),
  }),
  cause({
    id: "cause-drain-beyond-upgrade-hour",
    stack: "prod",
    description:
      "a 4000 s drain (grace, soaks and the controller's timeout raised to match): beyond the node upgrade's one-hour limit",
    source: UPGRADE,
    apply: seq(
      drainTo(4000, 4040),
      soaks(4040, 4640),
      onController((c) => {
        objAt(c, ["config"])["worker-shutdown-timeout"] = "4100s";
        c.terminationGracePeriodSeconds = 4185;
      }),
    ),
  }),
  cause({
    id: "cause-controller-on-spot",
    stack: "prod",
    description:
      "the controllers select Spot nodes: every connection passes through a pod with 30 s of notice",
    source: SPOT,
    apply: onController((c) => {
      c.nodeSelector = { "cloud.google.com/gke-spot": "true" };
      c.tolerations = [{ key: "cloud.google.com/gke-spot", operator: "Exists", effect: "NoSchedule" }];
    }),
  }),
  cause({
    id: "cause-controller-safe-to-evict",
    stack: "prod",
    description:
      'the controller pods declare themselves safe-to-evict "true": a scale-down cuts their 3625 s shutdown at 600 s',
    source: CA,
    apply: onValues((v) => {
      objAt(v, ["controller", "podAnnotations"])["cluster-autoscaler.kubernetes.io/safe-to-evict"] = "true";
    }),
  }),
];
