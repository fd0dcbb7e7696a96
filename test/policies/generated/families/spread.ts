/** Spread that exists in declaration but cannot spread the pods over zones in fact. */
import { listAt, objAt, onController, onNodePool, onPodSpec, type Json, type Mutation } from "../model";

const SPREAD =
  "Kubernetes topology spread constraints: skew is counted over the nodes the pod may use (nodeSelector and required affinity filter them first, nodeAffinityPolicy Honor)";
const ZONE = "topology.kubernetes.io/zone";

const spread = (m: Omit<Mutation, "family">): Mutation => ({ ...m, family: "zone-spread" });

const zoneConstraint = (s: Json): Json => {
  const c = listAt(s, ["topologySpreadConstraints"]).find((t) => t.topologyKey === ZONE);
  if (c === undefined) throw new Error("no zone constraint");
  return c;
};

export const SPREAD_MUTATIONS: readonly Mutation[] = [
  spread({
    id: "spread-node-selector-one-zone",
    stack: "prod",
    description:
      "a nodeSelector pins the gateway pods to europe-west1-b: every pod in one zone, the spread is met trivially",
    source: SPREAD,
    apply: onPodSpec((s) => {
      s.nodeSelector = { [ZONE]: "europe-west1-b" };
    }),
  }),
  spread({
    id: "spread-node-selector-one-zone-dev",
    stack: "dev",
    description: "a nodeSelector pins the gateway pods to europe-west1-c",
    source: SPREAD,
    apply: onPodSpec((s) => {
      s.nodeSelector = { [ZONE]: "europe-west1-c" };
    }),
  }),
  spread({
    id: "spread-required-affinity-one-zone",
    stack: "prod",
    description: "a required node affinity admits only europe-west1-d",
    source: SPREAD,
    apply: onPodSpec((s) => {
      s.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: ZONE, operator: "In", values: ["europe-west1-d"] }] },
            ],
          },
        },
      };
    }),
  }),
  spread({
    id: "spread-pod-affinity-same-zone",
    stack: "prod",
    description:
      "a required pod affinity to its own pods on the zone key: every pod joins the first one's zone",
    source: "Kubernetes inter-pod affinity (requiredDuringScheduling, topologyKey zone)",
    apply: onPodSpec((s) => {
      const selector = structuredClone(zoneConstraint(s).labelSelector);
      s.affinity = {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: ZONE }],
        },
      };
    }),
  }),
  spread({
    id: "spread-max-skew-huge",
    stack: "prod",
    description: "the zone constraint's maxSkew is 30: with 6 to 30 pods it never constrains anything",
    source: SPREAD,
    apply: onPodSpec((s) => {
      zoneConstraint(s).maxSkew = 30;
    }),
  }),
  spread({
    id: "spread-selector-matches-nothing",
    stack: "prod",
    description: "the zone constraint counts pods labelled app: other: it sees zero gateway pods everywhere",
    source: SPREAD,
    apply: onPodSpec((s) => {
      zoneConstraint(s).labelSelector = { matchLabels: { app: "other" } };
    }),
  }),
  spread({
    id: "spread-zone-constraint-removed",
    stack: "dev",
    description: "only the hostname constraint is left: pods may share a zone",
    source: SPREAD,
    apply: onPodSpec((s) => {
      s.topologySpreadConstraints = listAt(s, ["topologySpreadConstraints"]).filter(
        (t) => t.topologyKey !== ZONE,
      );
    }),
  }),
  spread({
    id: "spread-zone-key-typo",
    stack: "prod",
    description: "the zone constraint uses failure-domain.beta.kubernetes.io/zonee, a label no node carries",
    source: `${SPREAD}; nodes without the topology key are not counted`,
    apply: onPodSpec((s) => {
      zoneConstraint(s).topologyKey = "failure-domain.beta.kubernetes.io/zonee";
    }),
  }),
  spread({
    id: "spread-node-pool-one-zone",
    stack: "prod",
    description: "the gateway node pool's nodeLocations is one zone: the pool itself pins every pod to it",
    source: "GKE node pools: nodeLocations lists the zones that get nodes",
    apply: onNodePool((p) => {
      p.nodeLocations = ["europe-west1-b"];
    }),
  }),
  spread({
    id: "spread-node-pool-one-zone-dev",
    stack: "dev",
    description: "the dev node pool's nodeLocations is one zone",
    source: "GKE node pools: nodeLocations lists the zones that get nodes",
    apply: onNodePool((p) => {
      p.nodeLocations = ["europe-west1-c"];
    }),
  }),
  spread({
    id: "spread-controller-schedule-anyway-prod",
    stack: "prod",
    description: "the controller's zone spread is ScheduleAnyway in prod",
    source: "docs/ingress-controller.md (DoNotSchedule on every regional stack)",
    apply: onController((c) => {
      (listAt(c, ["topologySpreadConstraints"])[0] as Json).whenUnsatisfiable = "ScheduleAnyway";
    }),
  }),
  spread({
    id: "spread-controller-node-selector-zone",
    stack: "prod",
    description: "controller.nodeSelector pins every controller to one zone",
    source: SPREAD,
    apply: onController((c) => {
      c.nodeSelector = { "kubernetes.io/os": "linux", [ZONE]: "europe-west1-b" };
    }),
  }),
  spread({
    id: "spread-controller-max-skew-3",
    stack: "prod",
    description: "the controller's zone constraint has maxSkew 3: three controllers may share a zone",
    source: SPREAD,
    apply: onController((c) => {
      (listAt(c, ["topologySpreadConstraints"])[0] as Json).maxSkew = 3;
    }),
  }),
  spread({
    id: "spread-controller-selector-matches-nothing",
    stack: "dev",
    description: "the controller's zone constraint selects pods labelled app: other",
    source: SPREAD,
    apply: onController((c) => {
      objAt(listAt(c, ["topologySpreadConstraints"])[0] as Json, []).labelSelector = {
        matchLabels: { app: "other" },
      };
    }),
  }),
];
