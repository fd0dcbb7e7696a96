/**
 * Autoscalers and disruption budgets over the gateway pods: how many may act,
 * whether they target anything, whether they can reach the replicas a
 * promotion hands them, and PDB arithmetic as Kubernetes does it
 * (percentages of the expected pods, rounded up).
 */
import {
  TYPE,
  add,
  gatewayFacts,
  objAt,
  onDeployment,
  onHpa,
  onPdb,
  remove,
  resource,
  type Json,
  type Mutation,
} from "../model";

const PDB =
  "Kubernetes PDB: minAvailable and maxUnavailable percentages are taken of the expected pods and rounded up; maxUnavailable 0 or minAvailable = replicas blocks every eviction";
const HPA = "Kubernetes HPA (autoscaling/v2): behavior.scaleDown, selectPolicy, minReplicas <= maxReplicas";
const TWO =
  "Kubernetes autoscalers: two controllers writing one Deployment's replicas overwrite each other; VPA in Auto/Recreate evicts pods to resize them";

const budget = (m: Omit<Mutation, "family">): Mutation => ({ ...m, family: "autoscalers-budgets" });

const scaleDown = (p: Json): Json => objAt(p, ["spec", "behavior", "scaleDown"]);

const vpa = (updateMode: string) =>
  resource(TYPE.vpa, `gateway-vpa-${updateMode.toLowerCase()}`, (rs) => {
    const g = gatewayFacts(rs);
    return {
      apiVersion: "autoscaling.k8s.io/v1",
      kind: "VerticalPodAutoscaler",
      metadata: { name: g.name, namespace: g.namespace },
      spec: {
        targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: g.name },
        updatePolicy: { updateMode },
      },
    };
  });

export const BUDGETS: readonly Mutation[] = [
  budget({
    id: "budget-second-hpa-labelled",
    stack: "prod",
    description: "a second HPA (with our labels) on the gateway Deployment, scaling on memory",
    source: TWO,
    apply: add(
      resource(TYPE.hpa, "gateway-memory-hpa", (rs) => {
        const hpa = structuredClone(rs.find((r) => r.type === TYPE.hpa)?.props ?? {}) as Json;
        objAt(hpa, ["metadata"]).name = "ws-gateway-memory";
        objAt(hpa, ["spec"]).metrics = [
          {
            type: "Resource",
            resource: { name: "memory", target: { type: "Utilization", averageUtilization: 70 } },
          },
        ];
        return hpa;
      }),
    ),
  }),
  budget({
    id: "budget-vpa-auto",
    stack: "prod",
    description:
      "a VerticalPodAutoscaler in Auto mode on the gateway Deployment: it evicts pods to resize them",
    source: TWO,
    apply: add(vpa("Auto")),
  }),
  budget({
    id: "budget-vpa-recreate",
    stack: "dev",
    description: "a VerticalPodAutoscaler in Recreate mode on the gateway Deployment",
    source: TWO,
    apply: add(vpa("Recreate")),
  }),
  budget({
    id: "budget-keda-scale-to-zero",
    stack: "prod",
    description:
      "a KEDA ScaledObject with minReplicaCount 0 on the gateway Deployment: it scales the version to zero",
    source: `${TWO}; KEDA ScaledObject minReplicaCount 0 deactivates the target`,
    apply: add(
      resource(TYPE.scaledObject, "gateway-keda", (rs) => {
        const g = gatewayFacts(rs);
        return {
          apiVersion: "keda.sh/v1alpha1",
          kind: "ScaledObject",
          metadata: { name: g.name, namespace: g.namespace },
          spec: {
            scaleTargetRef: { name: g.name },
            minReplicaCount: 0,
            maxReplicaCount: 30,
            triggers: [{ type: "cpu", metricType: "Utilization", metadata: { value: "60" } }],
          },
        };
      }),
    ),
  }),
  budget({
    id: "budget-hpa-targets-nothing",
    stack: "prod",
    description:
      "the HPA targets Deployment ws-gateway-old, which does not exist: the version can never grow",
    source: HPA,
    apply: onHpa((p) => {
      objAt(p, ["spec", "scaleTargetRef"]).name = "ws-gateway-old";
    }),
  }),
  budget({
    id: "budget-hpa-targets-statefulset",
    stack: "dev",
    description: "the HPA's scaleTargetRef kind is StatefulSet: it targets nothing",
    source: HPA,
    apply: onHpa((p) => {
      objAt(p, ["spec", "scaleTargetRef"]).kind = "StatefulSet";
    }),
  }),
  budget({
    id: "budget-hpa-max-equals-min",
    stack: "prod",
    description:
      "maxReplicas equal to minReplicas (6): after promotion the version cannot grow to carry every client",
    source: HPA,
    apply: onHpa((p) => {
      objAt(p, ["spec"]).maxReplicas = 6;
    }),
  }),
  budget({
    id: "budget-hpa-max-below-min",
    stack: "prod",
    description: "maxReplicas 3 below minReplicas 6: the API refuses the HPA in the middle of a release",
    source: HPA,
    apply: onHpa((p) => {
      objAt(p, ["spec"]).maxReplicas = 3;
    }),
  }),
  budget({
    id: "budget-hpa-min-one",
    stack: "prod",
    description: "HPA minReplicas 1",
    source: HPA,
    apply: onHpa((p) => {
      objAt(p, ["spec"]).minReplicas = 1;
    }),
  }),
  budget({
    id: "budget-hpa-min-zero",
    stack: "dev",
    description: "HPA minReplicas 0 (scale to zero)",
    source: HPA,
    apply: onHpa((p) => {
      objAt(p, ["spec"]).minReplicas = 0;
    }),
  }),
  budget({
    id: "budget-hpa-no-behavior",
    stack: "prod",
    description:
      "the HPA loses its behavior: defaults scale down 100 % of the surplus every 15 s after 300 s",
    source: "docs/facts.md F18",
    apply: onHpa((p) => {
      delete objAt(p, ["spec"]).behavior;
    }),
  }),
  budget({
    id: "budget-hpa-stabilization-zero",
    stack: "prod",
    description: "scale-down stabilization window 0",
    source: "docs/facts.md F18",
    apply: onHpa((p) => {
      scaleDown(p).stabilizationWindowSeconds = 0;
    }),
  }),
  budget({
    id: "budget-hpa-percent-policy",
    stack: "prod",
    description: "scale-down policy 100 % per 15 s",
    source: "docs/facts.md F18",
    apply: onHpa((p) => {
      scaleDown(p).policies = [{ type: "Percent", value: 100, periodSeconds: 15 }];
    }),
  }),
  budget({
    id: "budget-hpa-select-max-fast-policy",
    stack: "prod",
    description:
      "a second scale-down policy (10 pods per 60 s) with selectPolicy Max: the faster policy wins",
    source: `${HPA}; selectPolicy Max picks the policy allowing the largest change`,
    apply: onHpa((p) => {
      const sd = scaleDown(p);
      sd.selectPolicy = "Max";
      (sd.policies as Json[]).push({ type: "Pods", value: 10, periodSeconds: 60 });
    }),
  }),
  budget({
    id: "budget-pdb-max-unavailable-100-percent",
    stack: "prod",
    description: "PDB maxUnavailable 100 %: every pod may be evicted at once",
    source: PDB,
    apply: onPdb((p) => {
      objAt(p, ["spec"]).maxUnavailable = "100%";
    }),
  }),
  budget({
    id: "budget-pdb-max-unavailable-84-percent",
    stack: "prod",
    description: "PDB maxUnavailable 84 %: with 6 pods ceil(5.04) = 6 may leave at once",
    source: PDB,
    apply: onPdb((p) => {
      objAt(p, ["spec"]).maxUnavailable = "84%";
    }),
  }),
  budget({
    id: "budget-pdb-max-unavailable-50-percent-dev",
    stack: "dev",
    description: "PDB maxUnavailable 50 % with 3 pods: ceil(1.5) = 2 of 3 at once",
    source: PDB,
    apply: onPdb((p) => {
      objAt(p, ["spec"]).maxUnavailable = "50%";
    }),
  }),
  budget({
    id: "budget-pdb-min-available-10-percent",
    stack: "prod",
    description: "PDB minAvailable 10 %: ceil(0.6) = 1 of 6 must stay, 5 may leave at once",
    source: PDB,
    apply: onPdb((p) => {
      const spec = objAt(p, ["spec"]);
      delete spec.maxUnavailable;
      spec.minAvailable = "10%";
    }),
  }),
  budget({
    id: "budget-pdb-min-available-one-at-scale",
    stack: "prod",
    description: "PDB minAvailable 1 in prod: at 30 pods, 29 may be evicted at once",
    source: PDB,
    apply: onPdb((p) => {
      const spec = objAt(p, ["spec"]);
      delete spec.maxUnavailable;
      spec.minAvailable = 1;
    }),
  }),
  budget({
    id: "budget-pdb-max-unavailable-five",
    stack: "prod",
    description: "PDB maxUnavailable 5 with 6 pods minimum",
    source: PDB,
    apply: onPdb((p) => {
      objAt(p, ["spec"]).maxUnavailable = 5;
    }),
  }),
  budget({
    id: "budget-pdb-blocks-all",
    stack: "prod",
    description:
      "PDB maxUnavailable 0: no eviction ever passes, so node upgrades force-evict after their timeout",
    source: `${PDB}; docs/facts.md F22 (surge upgrades honour PDBs for about an hour, then force)`,
    apply: onPdb((p) => {
      objAt(p, ["spec"]).maxUnavailable = 0;
    }),
  }),
  budget({
    id: "budget-pdb-min-available-100-percent",
    stack: "dev",
    description: "PDB minAvailable 100 %: blocks every eviction",
    source: PDB,
    apply: onPdb((p) => {
      const spec = objAt(p, ["spec"]);
      delete spec.maxUnavailable;
      spec.minAvailable = "100%";
    }),
  }),
  budget({
    id: "budget-pdb-selects-other-version",
    stack: "prod",
    description: "the PDB selects version 0000000: the gateway pods have no budget",
    source: PDB,
    apply: onPdb((p) => {
      objAt(p, ["spec", "selector", "matchLabels"])["app.kubernetes.io/version"] = "0000000";
    }),
  }),
  budget({
    id: "budget-pdb-removed",
    stack: "local",
    description: "no PDB for the gateway pods",
    source: "docs/facts.md F17",
    apply: remove(TYPE.pdb),
  }),
  budget({
    id: "budget-second-pdb-labelled",
    stack: "prod",
    description:
      "a second PDB (our labels) selects the same pods: the eviction API refuses pods with two budgets",
    source:
      "Kubernetes eviction API (pkg/registry/core/pod/storage/eviction.go): more than one PodDisruptionBudget for a pod answers 500 and evicts nothing",
    apply: add(
      resource(TYPE.pdb, "gateway-extra-pdb", (rs) => {
        const pdb = structuredClone(rs.find((r) => r.type === TYPE.pdb)?.props ?? {}) as Json;
        objAt(pdb, ["metadata"]).name = "ws-gateway-extra";
        return pdb;
      }),
    ),
  }),
  budget({
    id: "budget-deployment-max-unavailable-all",
    stack: "prod",
    description: "the gateway Deployment's rolling update allows 100 % unavailable",
    source: "Kubernetes Deployment rollingUpdate.maxUnavailable",
    apply: onDeployment((d) => {
      objAt(d, ["spec", "strategy", "rollingUpdate"]).maxUnavailable = "100%";
    }),
  }),
  budget({
    id: "budget-deployment-recreate",
    stack: "dev",
    description: "the gateway Deployment uses the Recreate strategy",
    source: "Kubernetes Deployment strategy Recreate (every pod killed before new ones start)",
    apply: onDeployment((d) => {
      objAt(d, ["spec"]).strategy = { type: "Recreate" };
    }),
  }),
];
