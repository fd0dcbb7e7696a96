/** Availability rules: PDBs, HPAs, zone spread, one writer for replicas. */
import { describe, it } from "node:test";
import {
  gatewayHpaReplicas,
  gatewayHpaSlowScaleDown,
  gatewayPdb,
  gatewayZoneSpread,
  hpaOwnsReplicas,
  ingressNginxPdb,
} from "../../policies/rules/availability";
import { change, controller, deployment, hpa, pdb, stableService, valuesPath, withProps } from "./fixtures";
import { UNKNOWN_VALUE, expectNotApplicable, expectResource, expectStack, withValue } from "./harness";

const H = 'HorizontalPodAutoscaler "ws-gateway-2f9c1ab"';
const D = 'Deployment "ws-gateway-2f9c1ab"';

describe("availability rules", () => {
  it("GIVEN the gateway's Deployment, HPA, PDB and the controller THEN every availability rule passes", async () => {
    const stack = [deployment(), hpa(), pdb(), controller()];
    await expectStack(gatewayPdb, stack, []);
    await expectStack(hpaOwnsReplicas, stack, []);
    await expectResource(ingressNginxPdb, controller(), []);
    await expectResource(gatewayHpaReplicas, hpa(), []);
    await expectResource(gatewayHpaSlowScaleDown, hpa(), []);
    await expectResource(gatewayZoneSpread, deployment(), []);
  });

  it("GIVEN other resource types THEN the resource rules do not apply", async () => {
    await expectNotApplicable(ingressNginxPdb, deployment());
    await expectNotApplicable(gatewayHpaReplicas, deployment());
    await expectNotApplicable(gatewayHpaSlowScaleDown, stableService());
    await expectNotApplicable(gatewayZoneSpread, hpa());
  });

  it("GIVEN no PDB, a PDB for another version, or a blocking PDB THEN gateway-pdb reports it", async () => {
    await expectStack(
      gatewayPdb,
      [deployment(), hpa()],
      [
        `${D}: no PodDisruptionBudget selects its pods (found 0 PDB(s), none matching labels {"app.kubernetes.io/component":"gateway","app.kubernetes.io/managed-by":"pulumi","app.kubernetes.io/name":"ws-gateway","app.kubernetes.io/version":"2f9c1ab"}): a node drain could evict them all at once. Fix: add a PDB with maxUnavailable 1 selecting the version's labels.`,
      ],
    );
    const otherVersion = change(
      pdb(),
      ["spec", "selector", "matchLabels", "app.kubernetes.io/version"],
      "1a2b3c4",
    );
    await expectStack(
      gatewayPdb,
      [deployment(), hpa(), otherVersion],
      [
        `${D}: no PodDisruptionBudget selects its pods (found 1 PDB(s), none matching labels {"app.kubernetes.io/component":"gateway","app.kubernetes.io/managed-by":"pulumi","app.kubernetes.io/name":"ws-gateway","app.kubernetes.io/version":"2f9c1ab"}): a node drain could evict them all at once. Fix: add a PDB with maxUnavailable 1 selecting the version's labels.`,
      ],
    );
    await expectStack(
      gatewayPdb,
      [deployment(), hpa(), change(pdb(), "spec.maxUnavailable", 0)],
      [
        `PodDisruptionBudget "ws-gateway-2f9c1ab" for ${D} allows no eviction (found maxUnavailable 0): node drains and GKE upgrades would stall, then force-evict. Fix: set maxUnavailable to 1.`,
      ],
    );
    const minAvailable6 = withProps(
      pdb(),
      withValue(withValue(pdb().props, "spec.maxUnavailable", undefined), "spec.minAvailable", 6),
    );
    await expectStack(
      gatewayPdb,
      [deployment(), hpa(), minAvailable6],
      [
        `PodDisruptionBudget "ws-gateway-2f9c1ab" for ${D} has minAvailable 6, not below the 6 pod(s) it may run with: it blocks every eviction. Fix: use maxUnavailable 1 instead of minAvailable.`,
      ],
    );
    await expectStack(gatewayPdb, [deployment(), hpa(), change(pdb(), "spec.selector", UNKNOWN_VALUE)], []);
  });

  it("GIVEN one controller replica, maxUnavailable 0 or minAvailable equal to the replicas THEN ingress-nginx-pdb reports it", async () => {
    await expectResource(ingressNginxPdb, change(controller(), valuesPath("replicaCount"), 1), [
      `Helm release "ingress-nginx": values.controller.replicaCount is 1, so the chart renders no PodDisruptionBudget and a node drain can take every controller (and every connection) at once. Fix: run at least 2 controller replicas (3 on a regional cluster).`,
    ]);
    await expectResource(ingressNginxPdb, change(controller(), valuesPath("maxUnavailable"), 0), [
      `Helm release "ingress-nginx": values.controller.maxUnavailable is 0, which blocks every eviction. Fix: set values.controller.maxUnavailable to 1 or use minAvailable 2.`,
    ]);
    await expectResource(ingressNginxPdb, change(controller(), valuesPath("minAvailable"), 3), [
      `Helm release "ingress-nginx": values.controller.minAvailable is 3, not below values.controller.replicaCount 3: the PodDisruptionBudget blocks every eviction. Fix: set values.controller.minAvailable to 2.`,
    ]);
    // A replica count outside `values` never reaches the chart: its single default replica is what it gets.
    await expectResource(
      ingressNginxPdb,
      change(change(controller(), valuesPath("replicaCount"), undefined), "controller", { replicaCount: 3 }),
      [
        `Helm release "ingress-nginx": values.controller.replicaCount is 1, so the chart renders no PodDisruptionBudget and a node drain can take every controller (and every connection) at once. Fix: run at least 2 controller replicas (3 on a regional cluster).`,
      ],
    );
    await expectResource(
      ingressNginxPdb,
      change(controller(), valuesPath("replicaCount"), UNKNOWN_VALUE),
      [],
    );
    await expectResource(ingressNginxPdb, change(controller(), "controller", UNKNOWN_VALUE), []);
  });

  it("GIVEN minReplicas below the minimum, or maxReplicas not above it THEN gateway-hpa-replicas reports it", async () => {
    await expectResource(gatewayHpaReplicas, change(hpa(), "spec.minReplicas", undefined), [
      `${H}: minReplicas is not set (Kubernetes uses 1), below 3: one disruption could drop every connection of the version. Fix: set minReplicas to at least 3.`,
    ]);
    await expectResource(gatewayHpaReplicas, change(hpa(), "spec.maxReplicas", 6), [
      `${H}: maxReplicas 6 is not above minReplicas 6, so the gateway cannot scale out under load. Fix: raise maxReplicas above 6.`,
    ]);
    await expectResource(
      gatewayHpaReplicas,
      hpa(),
      [
        `${H}: minReplicas is 6, below 9: one disruption could drop every connection of the version. Fix: set minReplicas to at least 9.`,
      ],
      { "gateway-hpa-replicas": { minGatewayReplicas: 9 } },
    );
    await expectResource(gatewayHpaReplicas, change(hpa(), "spec.minReplicas", UNKNOWN_VALUE), []);
  });

  it("GIVEN a short stabilization window or a fast scale-down policy THEN gateway-hpa-slow-scale-down reports it", async () => {
    await expectResource(
      gatewayHpaSlowScaleDown,
      change(hpa(), "spec.behavior.scaleDown.stabilizationWindowSeconds", undefined),
      [
        `${H}: spec.behavior.scaleDown.stabilizationWindowSeconds is not set (Kubernetes uses 300), below 1800. Fix: set it to at least 1800 (3600 is the maximum).`,
      ],
    );
    await expectResource(
      gatewayHpaSlowScaleDown,
      change(hpa(), "spec.behavior.scaleDown.policies", [{ type: "Percent", value: 100, periodSeconds: 15 }]),
      [
        `${H}: scale-down is not limited to 2 pod(s) per 300 s (found selectPolicy "Min", policies [{"type":"Percent","value":100,"periodSeconds":15}]). Fix: set spec.behavior.scaleDown.policies to [{type: "Pods", value: 1, periodSeconds: 600}] with selectPolicy "Min".`,
      ],
    );
    const maxOfTwo = change(hpa(), "spec.behavior.scaleDown", {
      stabilizationWindowSeconds: 3600,
      policies: [
        { type: "Pods", value: 1, periodSeconds: 600 },
        { type: "Pods", value: 10, periodSeconds: 60 },
      ],
    });
    await expectResource(gatewayHpaSlowScaleDown, maxOfTwo, [
      `${H}: scale-down is not limited to 2 pod(s) per 300 s (found selectPolicy nothing, policies [{"type":"Pods","value":1,"periodSeconds":600},{"type":"Pods","value":10,"periodSeconds":60}]). Fix: set spec.behavior.scaleDown.policies to [{type: "Pods", value: 1, periodSeconds: 600}] with selectPolicy "Min".`,
    ]);
    await expectResource(
      gatewayHpaSlowScaleDown,
      change(hpa(), "spec.behavior.scaleDown.selectPolicy", "Disabled"),
      [],
    );
    await expectResource(
      gatewayHpaSlowScaleDown,
      change(hpa(), "spec.behavior.scaleDown.policies", UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN no zone constraint, or one selecting other pods THEN gateway-zone-spread reports it", async () => {
    const hostOnly = change(deployment(), "spec.template.spec.topologySpreadConstraints", [
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { a: "b" } },
      },
    ]);
    await expectResource(gatewayZoneSpread, hostOnly, [
      `${D}: no topologySpreadConstraint on topology.kubernetes.io/zone selects its pods (found [{"maxSkew":1,"topologyKey":"kubernetes.io/hostname","whenUnsatisfiable":"ScheduleAnyway","labelSelector":{"matchLabels":{"a":"b"}}}]): a zone outage could take most of a version's connections. Fix: add {maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: {matchLabels: <pod labels>}}.`,
    ]);
    const wrongSelector = change(
      deployment(),
      ["spec", "template", "spec", "topologySpreadConstraints", 0, "labelSelector"],
      { matchLabels: { app: "x" } },
    );
    await expectResource(
      gatewayZoneSpread,
      change(wrongSelector, ["spec", "template", "spec", "topologySpreadConstraints", 1], undefined),
      [
        `${D}: no topologySpreadConstraint on topology.kubernetes.io/zone selects its pods (found [{"labelSelector":{"matchLabels":{"app":"x"}},"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway"}]): a zone outage could take most of a version's connections. Fix: add {maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: {matchLabels: <pod labels>}}.`,
      ],
    );
    await expectResource(
      gatewayZoneSpread,
      change(deployment(), "spec.template.spec.topologySpreadConstraints", UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN an HPA-scaled Deployment declaring spec.replicas without ignoreChanges THEN hpa-owns-replicas reports it", async () => {
    await expectStack(
      hpaOwnsReplicas,
      [{ ...deployment(), ignoreChanges: [] }, hpa()],
      [
        `${D}: sets spec.replicas 6 while ${H} scales it, and ignoreChanges is []: every update would reset the pod count and kill scaled-out pods with their clients. Fix: add ignoreChanges: ["spec.replicas"] to the Deployment's resource options, or stop declaring spec.replicas.`,
      ],
    );
    await expectStack(
      hpaOwnsReplicas,
      [change({ ...deployment(), ignoreChanges: [] }, "spec.replicas", undefined), hpa()],
      [],
    );
    await expectStack(hpaOwnsReplicas, [{ ...deployment(), ignoreChanges: [] }], []);
    await expectStack(
      hpaOwnsReplicas,
      [change({ ...deployment(), ignoreChanges: [] }, "spec.replicas", UNKNOWN_VALUE), hpa()],
      [],
    );
  });
});
