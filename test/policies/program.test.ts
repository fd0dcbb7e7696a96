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
import { POD_STACK_BASE, podStackConfigMap } from "../helpers/podStack";
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
async function renderStack(
  stack: string,
  preview = false,
  config: Record<string, unknown> = stackConfigMap(stack),
): Promise<FakeResource[]> {
  installMocks(stack, preview);
  setStackConfig(config);
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

  for (const preview of [false, true]) {
    it(`GIVEN a stack using every gateway.pod key rendered ${preview ? "for preview" : "for update"} WHEN every policy runs THEN it adds no finding to its base stack's`, async () => {
      const base = await runPack(
        await renderStack(POD_STACK_BASE, preview),
        stackPackConfig(REPO_ROOT, POD_STACK_BASE),
        POD_STACK_BASE,
      );
      const resources = await renderStack(POD_STACK_BASE, preview, podStackConfigMap());
      const all = await runPack(resources, stackPackConfig(REPO_ROOT, POD_STACK_BASE), POD_STACK_BASE);
      const pod = at(resources.find((r) => r.type === TYPES.deployment)?.props, "spec.template.spec");
      assert.equal((at(pod, "initContainers") as unknown[]).length, 1, "the native sidecar is rendered");
      assert.equal((at(pod, "containers") as unknown[]).length, 2, "the regular sidecar is rendered");
      assert.deepEqual(show(all), show(base));
    });
  }

  it("GIVEN the stack using every gateway.pod key WHEN its regular sidecar loses DRAIN_SECONDS THEN gateway-sidecar-drain catches it", async () => {
    const rs = replace(
      await renderStack(POD_STACK_BASE, false, podStackConfigMap()),
      TYPES.deployment,
      (d) => ({
        ...d,
        props: withValue(d.props, "spec.template.spec.containers.1.env", []),
      }),
    );
    assert.deepEqual(show(mandatory(await runPack(rs, {}, POD_STACK_BASE))), [
      `gateway-sidecar-drain: Deployment "ws-gateway-2f9c1ab": container "log-shipper" receives SIGTERM with container "gateway" but has no ${ENV_DRAIN_SECONDS} (found nothing): it would stop at once while the gateway drains over 1800 s. Fix: declare it under ws-gateway:gateway.pod.sidecars, which gives it the drain contract (native: true stops it after the gateway), or set env ${ENV_DRAIN_SECONDS} to "1800" and drain over it.`,
    ]);
  });

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
    const rs = replace(await renderStack("prod"), TYPES.helmRelease, (c) => ({
      ...c,
      props: withValue(c.props, ["values", "controller", "config", "worker-shutdown-timeout"], "300s"),
    }));
    assert.deepEqual(show(mandatory(await runPack(rs, {}, "prod"))), [
      `ingress-nginx-covers-gateway-drain: Helm release "ingress-nginx": values.controller.config["worker-shutdown-timeout"] is "300s", shorter than ${ENV_DRAIN_SECONDS} 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s.`,
    ]);
  });

  it("GIVEN the rendered prod stack WHEN its controller values sit where the old component took them THEN the pack sees the chart defaults they leave", async () => {
    const rs = replace(await renderStack("prod"), TYPES.helmRelease, (c) => {
      const values = at(c.props, ["values", "controller"]) as Json;
      return {
        ...c,
        props: withValue(
          withValue(c.props, ["helmOptions", "values", "controller"], values),
          ["values"],
          undefined,
        ),
      };
    });
    const R = 'Helm release "ingress-nginx"';
    assert.deepEqual(show(mandatory(await runPack(rs, {}, "prod"))), [
      `ingress-nginx-pdb: ${R}: values.controller.replicaCount is 1, so the chart renders no PodDisruptionBudget and a node drain can take every controller (and every connection) at once. Fix: run at least 2 controller replicas (3 on a regional cluster).`,
      `ingress-nginx-external-traffic-local: ${R}: values.controller.service.externalTrafficPolicy is nothing, not "Local": every node passes the load balancer's health check and forwards to other nodes, where connections can be reset. Fix: set values.controller.service.externalTrafficPolicy to "Local".`,
      `ingress-nginx-worker-shutdown-timeout: ${R}: values.controller.config["worker-shutdown-timeout"] is not set, so nginx uses 240s, below the minimum drain 300 s: an nginx reload would cut every connection still open after 240 s. Fix: set it to at least "300s".`,
      `ingress-nginx-covers-gateway-drain: ${R}: values.controller.config["worker-shutdown-timeout"] is not set, so nginx uses 240s, shorter than ${ENV_DRAIN_SECONDS} 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s.`,
      `ingress-nginx-replicas: ${R}: values.controller.replicaCount is not set (the chart uses 1), below 3. Fix: set values.controller.replicaCount to at least 3 (one per zone).`,
      `ingress-nginx-replicas: ${R}: values.controller.topologySpreadConstraints has no topology.kubernetes.io/zone constraint (found nothing): replicas could share a zone and fail together. Fix: add {maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: <controller pod labels>}.`,
      `ingress-nginx-proxy-timeouts: ${R}: values.controller.config["proxy-read-timeout"] is not set, so nginx uses 60, below 3600 s: nginx closes a WebSocket idle for longer. Fix: set it to "3600".`,
      `ingress-nginx-proxy-timeouts: ${R}: values.controller.config["proxy-send-timeout"] is not set, so nginx uses 60, below 3600 s: nginx closes a WebSocket idle for longer. Fix: set it to "3600".`,
      `ingress-nginx-one-at-a-time: ${R}: values.controller.extraArgs.shutdown-grace-period is not set (the controller uses 0), below 5 s: a stopping controller refuses new connections before the load balancer has taken it out, so clients reconnecting then fail. Fix: set values.controller.extraArgs.shutdown-grace-period to at least "5".`,
    ]);
  });

  it("GIVEN the rendered local stack WHEN checked without its stack-config THEN the single best-effort controller and the two-pod gateway are caught", async () => {
    const found = show(mandatory(await runPack(await renderStack("local"), {}, "local")));
    assert.deepEqual(found, [
      `ingress-nginx-pdb: Helm release "ingress-nginx": values.controller.replicaCount is 1, so the chart renders no PodDisruptionBudget and a node drain can take every controller (and every connection) at once. Fix: run at least 2 controller replicas (3 on a regional cluster).`,
      `gateway-hpa-replicas: HorizontalPodAutoscaler "ws-gateway-2f9c1ab": minReplicas is 2, below 3: one disruption could drop every connection of the version. Fix: set minReplicas to at least 3.`,
      `ingress-nginx-replicas: Helm release "ingress-nginx": values.controller.replicaCount is 1, below 3. Fix: set values.controller.replicaCount to at least 3 (one per zone).`,
      `ingress-nginx-replicas: Helm release "ingress-nginx": values.controller.topologySpreadConstraints spreads over topology.kubernetes.io/zone with whenUnsatisfiable "ScheduleAnyway", not "DoNotSchedule": the scheduler may still put replicas in one zone, where they fail together. Fix: set whenUnsatisfiable to "DoNotSchedule" (on a cluster without zones, such as kind, set requireZoneSpread to false instead).`,
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
