/**
 * The disruption rules (policies/rules/disruption.ts) through the real
 * rendered program: the prod render carries every protection and passes;
 * each unprotected variant of it is refused with its exact message.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ANNOTATION_SAFE_TO_EVICT, GATEWAY_PRIORITY_CLASS } from "../../components/shared/budget";
import { TYPES } from "../../policies/lib/kube";
import { at } from "../../policies/lib/values";
import { renderStack, renderStackSync } from "../helpers/render";
import { REPO_ROOT, stackConfigMap } from "../helpers/stacks";
import type { Json } from "./fixtures";
import { mandatory, runPack, stackPackConfig, withValue, type FakeResource } from "./harness";

const PRIORITY_CLASS = "kubernetes:scheduling.k8s.io/v1:PriorityClass";

/** A fresh copy of the prod render. */
const prod = (): FakeResource[] =>
  renderStackSync("prod").map((r) => ({ ...r, props: structuredClone(r.props) as Json }));

const one = (rs: readonly FakeResource[], type: string): FakeResource => {
  const found = rs.filter((r) => r.type === type);
  assert.equal(found.length, 1, type);
  return found[0] as FakeResource;
};

function change(rs: FakeResource[], type: string, edit: (props: Json) => Json): FakeResource[] {
  return rs.map((r) => (r.type === type ? { ...r, props: edit(r.props as Json) } : r));
}

/** The mandatory findings of the disruption rules on `rs`, as "policy: message". */
async function findings(rs: FakeResource[]): Promise<string[]> {
  const all = mandatory(await runPack(rs, stackPackConfig(REPO_ROOT, "prod"), "prod"));
  return all.map((v) => `${v.policy}: ${v.message}`);
}

describe("disruption protections in the prod render", () => {
  it("GIVEN the prod render THEN gateway and controller pods carry safe-to-evict false and the gateway pods a declared PriorityClass", () => {
    const rs = prod();
    const d = one(rs, TYPES.deployment).props;
    assert.equal(at(d, ["spec", "template", "metadata", "annotations", ANNOTATION_SAFE_TO_EVICT]), "false");
    assert.equal(at(d, "spec.template.spec.priorityClassName"), GATEWAY_PRIORITY_CLASS.name);
    const pc = one(rs, PRIORITY_CLASS).props;
    assert.deepEqual(
      [at(pc, "metadata.name"), at(pc, "value"), at(pc, "preemptionPolicy"), at(pc, "globalDefault")],
      [GATEWAY_PRIORITY_CLASS.name, GATEWAY_PRIORITY_CLASS.value, "PreemptLowerPriority", false],
    );
    const c = one(rs, TYPES.helmRelease).props;
    assert.equal(at(c, ["values", "controller", "podAnnotations", ANNOTATION_SAFE_TO_EVICT]), "false");
  });

  it("GIVEN the prod render THEN the Deployment carries the derived budget and the HPA keeps one pod per 600 s", () => {
    const rs = prod();
    // 30 pods × 5000 connections / 1800 s = 83.3, rounded up.
    assert.deepEqual(one(rs, TYPES.deployment).props.metadata, {
      ...(one(rs, TYPES.deployment).props.metadata as Json),
      annotations: {
        "pulumi.com/deletionPropagationPolicy": "background",
        "ws-gateway.io/reconnects-per-second": "84",
        "ws-gateway.io/connections-per-pod": "5000",
      },
    });
    assert.deepEqual(at(one(rs, TYPES.hpa).props, "spec.behavior.scaleDown"), {
      stabilizationWindowSeconds: 3600,
      selectPolicy: "Min",
      policies: [{ type: "Pods", value: 1, periodSeconds: 600 }],
    });
  });
});

describe("disruption rules on unprotected variants of the prod render", () => {
  it("GIVEN the prod render WHEN the gateway pods lose safe-to-evict false THEN gateway-safe-from-autoscaler refuses it", async () => {
    const rs = change(prod(), TYPES.deployment, (p) =>
      withValue(p, ["spec", "template", "metadata", "annotations", ANNOTATION_SAFE_TO_EVICT], "true"),
    );
    assert.deepEqual(await findings(rs), [
      `gateway-safe-from-autoscaler: Deployment "ws-gateway-2f9c1ab": its pods may take 1840 s to stop, but a cluster autoscaler scale-down gives them at most 600 s before it deletes the node, cutting every client still on them at once (found ${ANNOTATION_SAFE_TO_EVICT}: "true"). Fix: set the pod template's metadata.annotations["${ANNOTATION_SAFE_TO_EVICT}"] to "false" (the program does).`,
    ]);
  });

  it("GIVEN the prod render WHEN the node pool runs on Spot VMs THEN gateway-no-spot-capacity refuses it", async () => {
    const rs = change(prod(), TYPES.nodePool, (p) => withValue(p, "nodeConfig.spot", true));
    assert.deepEqual(await findings(rs), [
      'gateway-no-spot-capacity: NodePool "ws-gateway-gateway": nodeConfig.spot true, and no taint keeps gateway pods off it: Spot and preemptible nodes go 30 s after their notice and give pods about 15 s, so every client on such a node is cut at once. Fix: remove ws-gateway:cluster.nodePool.spot (standard VMs), or set ws-gateway:disruption.acceptSpotCuts to true if those cuts are acceptable.',
    ]);
  });

  it("GIVEN the prod stack WHEN it sets a Spot pool and accepts Spot cuts THEN the render passes every rule", async () => {
    const config = stackConfigMap("prod");
    const cluster = structuredClone(config["ws-gateway:cluster"]) as Json;
    (cluster.nodePool as Json).spot = true;
    const rs = await renderStack("prod", false, {
      ...config,
      "ws-gateway:cluster": cluster,
      "ws-gateway:disruption": { acceptSpotCuts: true },
    });
    assert.equal(at(one(rs, TYPES.nodePool).props, "nodeConfig.spot"), true);
    assert.deepEqual(await findings(rs), []);
  });

  it("GIVEN the prod render WHEN the gateway pods lose their priority class THEN gateway-priority-class refuses it", async () => {
    const rs = change(prod(), TYPES.deployment, (p) =>
      withValue(p, "spec.template.spec.priorityClassName", undefined),
    );
    assert.deepEqual(await findings(rs), [
      'gateway-priority-class: Deployment "ws-gateway-2f9c1ab": its pods have no priorityClassName, so they run at priority 0 like any batch pod, and a pending pod of higher priority may preempt them, cutting their clients without the drain. Fix: set the pod template\'s priorityClassName to a PriorityClass the stack declares with a value above 0 (the program declares "ws-gateway").',
    ]);
  });

  it("GIVEN the prod render WHEN a VerticalPodAutoscaler in Auto mode targets the gateway THEN gateway-one-autoscaler refuses it", async () => {
    const rs = prod();
    const name = at(one(rs, TYPES.deployment).props, "metadata.name");
    rs.push({
      type: "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler",
      name: "gateway-vpa",
      props: {
        metadata: { name: "gateway-vpa", namespace: "ws-gateway" },
        spec: {
          targetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
          updatePolicy: { updateMode: "Auto" },
        },
      },
    });
    assert.deepEqual(await findings(rs), [
      `gateway-one-autoscaler: VerticalPodAutoscaler "gateway-vpa" runs in updateMode "Auto" on Deployment "ws-gateway-2f9c1ab": it evicts running pods to resize them, whenever it decides, outside the release and the disruption budget's pacing. Fix: set spec.updatePolicy.updateMode to "Off" (recommendations only) or "Initial".`,
    ]);
  });

  it("GIVEN the prod render WHEN the HPA may remove 4 pods a minute THEN gateway-scale-down-within-budget refuses it with the pace the budget allows", async () => {
    const rs = change(prod(), TYPES.hpa, (p) =>
      withValue(p, "spec.behavior.scaleDown.policies", [{ type: "Pods", value: 4, periodSeconds: 60 }]),
    );
    const found = (await findings(rs)).filter((f) => f.startsWith("gateway-scale-down-within-budget"));
    assert.deepEqual(found, [
      'gateway-scale-down-within-budget: HorizontalPodAutoscaler "ws-gateway-2f9c1ab": its scale-down allows 4 pod(s) every 60 s; with each pod closing 5000 connections over DRAIN_SECONDS 1800 s that is 333.33 reconnects/s, above the budget 84 of Deployment "ws-gateway-2f9c1ab". Fix: set spec.behavior.scaleDown.policies to [{type: "Pods", value: 1, periodSeconds: 600}] with selectPolicy "Min" (the program derives it from ws-gateway:disruption.reconnectsPerSecond).',
    ]);
  });

  it("GIVEN the prod render WHEN node drains stop honouring the gateway PDB THEN gateway-drain-within-node-upgrade refuses both settings", async () => {
    const rs = change(prod(), TYPES.nodePool, (p) =>
      withValue(p, "nodeDrainConfigs", [
        { respectPdbDuringNodePoolDeletion: false, pdbTimeoutDuration: "60s" },
      ]),
    );
    assert.deepEqual(await findings(rs), [
      'gateway-drain-within-node-upgrade: NodePool "ws-gateway-gateway": nodeDrainConfigs[0].respectPdbDuringNodePoolDeletion is false: deleting the pool evicts every gateway pod at once, ignoring their PDB. Fix: set it to true.',
      'gateway-drain-within-node-upgrade: NodePool "ws-gateway-gateway": nodeDrainConfigs[0].pdbTimeoutDuration is "60s", shorter than the 1840 s the pods of Deployment "ws-gateway-2f9c1ab" may take to stop: a node drain would ignore the gateway PDB before they finish. Fix: remove pdbTimeoutDuration, or set it to at least "1840s".',
    ]);
  });
});
