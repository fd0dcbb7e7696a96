/**
 * The pack against the real program: every stack file rendered under mocks,
 * every registered resource fed to every resource policy and the whole set to
 * every stack policy, with the stack's --policy-pack-config from
 * policies/stack-config. No mandatory violation may appear; deliberately
 * broken variants of the rendered stack must be caught.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ENV_DRAIN_SECONDS } from "../../components/names";
import { createProgram, loadStackConfig } from "../../infra/program";
import { TYPES } from "../../policies/lib/kube";
import { at } from "../../policies/lib/values";
import { installMocks, setStackConfig, settle } from "../helpers/mocks";
import { REPO_ROOT, stackConfigMap, stackNames } from "../helpers/stacks";
import type { Json } from "./fixtures";
import { UNKNOWN_VALUE, mandatory, runPack, stackPackConfig, withValue, type FakeResource } from "./harness";

/** Preview renders carry Pulumi's Unknown objects; the policy host sees the engine's sentinel instead. */
function toEngineValues(v: unknown): unknown {
  if (pulumi.isUnknown(v)) return UNKNOWN_VALUE;
  if (Array.isArray(v)) return v.map(toEngineValues);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toEngineValues(x)]));
  }
  return v;
}

/** Renders a stack and returns its resources as the policy host would see them, resource options included. */
async function renderStack(stack: string, preview = false): Promise<FakeResource[]> {
  installMocks(stack, preview);
  setStackConfig(stackConfigMap(stack));
  createProgram(loadStackConfig());
  const registered = await settle();
  return registered.map((r) => ({
    type: r.type,
    name: r.name,
    props: toEngineValues(r.inputs) as Json,
    ignoreChanges: r.ignoreChanges,
  }));
}

function replace(rs: readonly FakeResource[], type: string, change: (r: FakeResource) => FakeResource) {
  return rs.map((r) => (r.type === type ? change(r) : r));
}

const show = (vs: { policy: string; message: string }[]) => vs.map((v) => `${v.policy}: ${v.message}`);

describe("policy pack on the rendered program", () => {
  for (const stack of stackNames()) {
    for (const preview of [false, true]) {
      it(`GIVEN stacks/Pulumi.${stack}.yaml rendered ${preview ? "for preview (unknown outputs)" : "for update"} WHEN every policy runs THEN no mandatory violation`, async (t) => {
        const resources = await renderStack(stack, preview);
        const all = await runPack(resources, stackPackConfig(REPO_ROOT, stack), stack);
        t.diagnostic(`${resources.length} resources, ${all.length} advisory finding(s)`);
        assert.ok(resources.some((r) => r.type === TYPES.deployment));
        assert.deepEqual(show(mandatory(all)), []);
      });
    }
  }

  it("GIVEN the rendered prod stack WHEN the gateway grace period is 30 s THEN gateway-termination-grace catches it", async () => {
    const rs = replace(await renderStack("prod"), TYPES.deployment, (d) => ({
      ...d,
      props: withValue(d.props, "spec.template.spec.terminationGracePeriodSeconds", 30),
    }));
    assert.deepEqual(show(mandatory(await runPack(rs, {}, "prod"))), [
      `gateway-termination-grace: Deployment "ws-gateway-2f9c1ab": terminationGracePeriodSeconds is 30, below preStop 10 + ${ENV_DRAIN_SECONDS} 1800 + margin 5 = 1815 for container "gateway": the kubelet would kill the pod while it still holds connections. Fix: set terminationGracePeriodSeconds to at least 1815.`,
    ]);
  });

  it("GIVEN the rendered prod stack WHEN worker-shutdown-timeout is 300s against a 1800 s drain THEN ingress-nginx-covers-gateway-drain catches it", async () => {
    const rs = replace(await renderStack("prod"), TYPES.ingressController, (c) => ({
      ...c,
      props: withValue(
        c.props,
        ["helmOptions", "values", "controller", "config", "worker-shutdown-timeout"],
        "300s",
      ),
    }));
    assert.deepEqual(show(mandatory(await runPack(rs, {}, "prod"))), [
      `ingress-nginx-covers-gateway-drain: IngressController: helmOptions.values.controller.config["worker-shutdown-timeout"] is "300s", shorter than ${ENV_DRAIN_SECONDS} 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s.`,
    ]);
  });

  it("GIVEN the rendered prod stack WHEN its controller values move to the typed controller argument with its grace key THEN the pack catches the shadowing and the unread key", async () => {
    const rs = replace(await renderStack("prod"), TYPES.ingressController, (c) => {
      const values = at(c.props, ["helmOptions", "values", "controller"]) as Json;
      const { terminationGracePeriodSeconds, ...rest } = values;
      return {
        ...c,
        props: withValue(c.props, ["controller"], {
          ...rest,
          terminateGracePeriodSeconds: terminationGracePeriodSeconds,
        }),
      };
    });
    assert.deepEqual(show(mandatory(await runPack(rs, {}, "prod"))), [
      `ingress-nginx-worker-shutdown-timeout: IngressController: the typed controller.terminateGracePeriodSeconds is 3675, a key the chart never reads (the chart reads controller.terminationGracePeriodSeconds): it does not set the controller pods' grace period. Fix: remove it and set helmOptions.values.controller.terminationGracePeriodSeconds instead.`,
      `ingress-nginx-worker-shutdown-timeout: IngressController: helmOptions.values.controller.terminationGracePeriodSeconds is not set, so the chart uses 300, below shutdown-grace-period 15 + worker-shutdown-timeout 3600 = 3615: a stopping controller would be killed with connections open. Fix: set helmOptions.values.controller.terminationGracePeriodSeconds to at least 3615.`,
      `ingress-nginx-values-not-shadowed: IngressController: the typed controller argument is set together with helmOptions.values.controller: the component replaces helmOptions.values.controller with it as a whole, so none of helmOptions.values.controller's keys reach the chart. Fix: move every key into helmOptions.values.controller and remove the typed controller argument.`,
    ]);
  });

  it("GIVEN the rendered local stack WHEN checked without its stack-config THEN the single best-effort controller and the two-pod gateway are caught", async () => {
    const found = show(mandatory(await runPack(await renderStack("local"), {}, "local")));
    assert.deepEqual(found, [
      `ingress-nginx-pdb: IngressController: helmOptions.values.controller.replicaCount is 1, so the chart renders no PodDisruptionBudget and a node drain can take every controller (and every connection) at once. Fix: run at least 2 controller replicas (3 on a regional cluster).`,
      `gateway-hpa-replicas: HorizontalPodAutoscaler "ws-gateway-2f9c1ab": minReplicas is 2, below 3: one disruption could drop every connection of the version. Fix: set minReplicas to at least 3.`,
      `ingress-nginx-replicas: IngressController: helmOptions.values.controller.replicaCount is 1, below 3. Fix: set helmOptions.values.controller.replicaCount to at least 3 (one per zone).`,
      `ingress-nginx-replicas: IngressController: helmOptions.values.controller.topologySpreadConstraints spreads over topology.kubernetes.io/zone with whenUnsatisfiable "ScheduleAnyway", not "DoNotSchedule": the scheduler may still put replicas in one zone, where they fail together. Fix: set whenUnsatisfiable to "DoNotSchedule" (on a cluster without zones, such as kind, set requireZoneSpread to false instead).`,
    ]);
  });

  it("GIVEN the rendered prod stack WHEN the gateway Deployment loses ignoreChanges THEN hpa-owns-replicas catches it", async () => {
    const rs = replace(await renderStack("prod"), TYPES.deployment, (d) => ({ ...d, ignoreChanges: [] }));
    const found = show(mandatory(await runPack(rs, {}, "prod")));
    assert.equal(found.length, 1);
    assert.match(
      found[0] ?? "",
      /^hpa-owns-replicas: Deployment "ws-gateway-2f9c1ab": sets spec.replicas 6 while/,
    );
  });
});
