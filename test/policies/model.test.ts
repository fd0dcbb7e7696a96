/**
 * The stack model (policies/lib/model) on the rendered program: the gateway
 * pods are found by the Deployment the engine's version names, and every
 * object that selects, targets or routes to them is attached, whatever its
 * labels.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { versionedName } from "../../components/names";
import { TYPES } from "../../policies/lib/kube";
import { buildModel, pairHosts, type StackModel } from "../../policies/lib/model";
import { renderStack } from "../helpers/render";
import { stackNames } from "../helpers/stacks";
import { renderedStack, type Json } from "./fixtures";
import { asPolicyResources, withValue, type FakeResource } from "./harness";

const NS = "ws-gateway";
const DEPLOYMENT = "ws-gateway-2f9c1ab";
const model = (rs: readonly FakeResource[]): StackModel => buildModel(asPolicyResources(rs));
const names = (os: readonly { subject: string }[]) => os.map((o) => o.subject).sort();

function edit(rs: FakeResource[], type: string, name: string | undefined, path: string, value: unknown) {
  return rs.map((r) =>
    r.type === type && (name === undefined || r.name === name)
      ? { ...r, props: withValue(r.props, path, value) }
      : r,
  );
}

const GENERIC = { app: "ws", "app.kubernetes.io/version": "2f9c1ab" };

/** The gateway, its Services and PDB relabelled as a generic template would (no app.kubernetes.io/name). */
function relabelled(): FakeResource[] {
  let rs = renderedStack("prod");
  rs = edit(rs, TYPES.deployment, undefined, "metadata.labels", GENERIC);
  rs = edit(rs, TYPES.deployment, undefined, "spec.selector.matchLabels", GENERIC);
  rs = edit(rs, TYPES.deployment, undefined, "spec.template.metadata.labels", GENERIC);
  rs = edit(rs, TYPES.pdb, undefined, "metadata.labels", GENERIC);
  rs = edit(rs, TYPES.pdb, undefined, "spec.selector.matchLabels", GENERIC);
  rs = edit(rs, TYPES.hpa, undefined, "metadata.labels", { app: "generic" });
  rs = edit(rs, TYPES.service, undefined, "spec.selector", GENERIC);
  return rs;
}

function plain(type: string, name: string, props: Json): FakeResource {
  return { type, name, props };
}

describe("stack model", () => {
  for (const stack of stackNames()) {
    it(`GIVEN stacks/Pulumi.${stack}.yaml rendered WHEN modelled THEN the released Deployment is the one gateway workload, with its Services, PDB and HPA`, () => {
      const rs = renderedStack(stack);
      const version = String(rs.find((r) => r.type === TYPES.rollout)?.props.version);
      const m = model(rs);
      assert.equal(m.engine?.namespace, NS);
      assert.deepEqual(
        m.workloads.map((w) => [w.object.subject, w.version, w.role]),
        [[`Deployment "${versionedName(version)}"`, version, "release"]],
      );
      const [w] = m.workloads;
      assert.deepEqual(names(w?.selectedBy ?? []), [
        `PodDisruptionBudget "${versionedName(version)}"`,
        'Service "ws-gateway-canary"',
        'Service "ws-gateway-stable"',
      ]);
      assert.deepEqual(names(w?.targetedBy ?? []), [`HorizontalPodAutoscaler "${versionedName(version)}"`]);
      assert.deepEqual(names(m.gatewayServices.map((s) => s.object)), [
        'Service "ws-gateway-canary"',
        'Service "ws-gateway-stable"',
      ]);
    });

    it(`GIVEN stacks/Pulumi.${stack}.yaml rendered WHEN modelled THEN the governed pair is the primary and the engine's canary Ingress, the only routes to the pods`, () => {
      const m = model(renderedStack(stack));
      assert.equal(m.pair.primary?.object.subject, 'Ingress "ws-gateway"');
      assert.equal(m.pair.canary?.object.subject, 'Ingress "ws-gateway-canary"');
      assert.equal(m.pair.canary?.canary, true);
      assert.equal(m.pair.primary?.canary, false);
      assert.deepEqual(names(m.gatewayIngresses.map((i) => i.object)), [
        'Ingress "ws-gateway"',
        'Ingress "ws-gateway-canary"',
      ]);
      assert.equal(pairHosts(m).size, 1);
      assert.deepEqual(m.gatewayApiRoutes, []);
    });
  }

  it("GIVEN the prod stack rendered for preview (unknown outputs) WHEN modelled THEN the workload, its selectors and the pair are still found", async () => {
    const rs = (await renderStack("prod", true)).map((r) => ({ ...r, ignoreChanges: [...r.ignoreChanges] }));
    const m = model(rs);
    assert.deepEqual(
      m.workloads.map((w) => [w.object.subject, w.selectedBy.length, w.targetedBy.length]),
      [[`Deployment "${DEPLOYMENT}"`, 3, 1]],
    );
    assert.equal(m.pair.canary?.object.subject, 'Ingress "ws-gateway-canary"');
  });

  it("GIVEN the prod render WHEN modelled THEN the controller serves class nginx and proxies no L4 stream", () => {
    const m = model(renderedStack("prod"));
    assert.deepEqual(
      m.controllers.map((c) => [c.subject, c.className, c.l4]),
      [['Helm release "ingress-nginx"', "nginx", []]],
    );
  });

  it("GIVEN the gateway and its selectors relabelled from a generic template WHEN modelled THEN the same pods and the same selecting objects are found", () => {
    const m = model(relabelled());
    assert.equal(m.workloads.length, 1);
    assert.deepEqual(m.workloads[0]?.podLabels, GENERIC);
    assert.deepEqual(names(m.workloads[0]?.selectedBy ?? []), [
      `PodDisruptionBudget "${DEPLOYMENT}"`,
      'Service "ws-gateway-canary"',
      'Service "ws-gateway-stable"',
    ]);
    assert.deepEqual(names(m.workloads[0]?.targetedBy ?? []), [`HorizontalPodAutoscaler "${DEPLOYMENT}"`]);
  });

  it("GIVEN a Deployment carrying the gateway's labels but no version the engine names WHEN modelled THEN it is not a gateway workload", () => {
    const rs = renderedStack("prod");
    const d = rs.find((r) => r.type === TYPES.deployment) as FakeResource;
    const copy = { ...d, name: "lookalike", props: withValue(d.props, "metadata.name", "lookalike") };
    const m = model([...rs, copy]);
    assert.deepEqual(
      m.workloads.map((w) => w.object.subject),
      [`Deployment "${DEPLOYMENT}"`],
    );
  });

  it("GIVEN a held schedule (rollout.stableVersion) and the stable version's Deployment WHEN modelled THEN both versions are gateway workloads", () => {
    const rs = renderedStack("prod");
    const d = rs.find((r) => r.type === TYPES.deployment) as FakeResource;
    const old = {
      ...d,
      name: "gateway-1a2b3c4-deployment",
      props: withValue(d.props, "metadata.name", "ws-gateway-1a2b3c4"),
    };
    const held = edit([...rs, old], TYPES.rollout, undefined, "stableVersion", "1a2b3c4");
    assert.deepEqual(
      model(held).workloads.map((w) => [w.object.subject, w.role]),
      [
        [`Deployment "${DEPLOYMENT}"`, "release"],
        ['Deployment "ws-gateway-1a2b3c4"', "stable"],
      ],
    );
  });

  it("GIVEN a VPA, a KEDA ScaledObject and a Service without our labels aimed at the gateway WHEN modelled THEN each is attached to the workload", () => {
    const rs = renderedStack("prod");
    const ref = { apiVersion: "apps/v1", kind: "Deployment", name: DEPLOYMENT };
    const extra = [
      plain("kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler", "vpa", {
        metadata: { name: "vpa", namespace: NS },
        spec: { targetRef: ref, updatePolicy: { updateMode: "Auto" } },
      }),
      plain("kubernetes:keda.sh/v1alpha1:ScaledObject", "keda", {
        metadata: { name: "keda", namespace: NS },
        spec: { scaleTargetRef: { name: DEPLOYMENT } },
      }),
      plain(TYPES.service, "lb", {
        metadata: { name: "ws-public", namespace: NS },
        spec: { type: "LoadBalancer", selector: { "app.kubernetes.io/version": "2f9c1ab" } },
      }),
      plain(TYPES.hpa, "elsewhere", {
        metadata: { name: "elsewhere", namespace: "other" },
        spec: { scaleTargetRef: ref },
      }),
    ];
    const m = model([...rs, ...extra]);
    assert.deepEqual(names(m.workloads[0]?.targetedBy ?? []), [
      `HorizontalPodAutoscaler "${DEPLOYMENT}"`,
      'ScaledObject "keda"',
      'VerticalPodAutoscaler "vpa"',
    ]);
    assert.ok(m.gatewayServices.some((s) => s.object.name === "ws-public" && s.type === "LoadBalancer"));
  });

  it("GIVEN an Ingress without our labels routing another path to the stable Service WHEN modelled THEN it is a gateway Ingress outside the pair", () => {
    const rs = renderedStack("prod");
    const extra = plain(TYPES.ingress, "generic", {
      metadata: { name: "generic", namespace: NS },
      spec: {
        rules: [
          {
            host: "WS.acme.example",
            http: {
              paths: [
                {
                  path: "/ws",
                  pathType: "Prefix",
                  backend: { service: { name: "ws-gateway-stable", port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    });
    const m = model([...rs, extra]);
    const found = m.gatewayIngresses.find((i) => i.object.name === "generic");
    assert.ok(found !== undefined);
    assert.equal(found.className, undefined);
    assert.deepEqual(found.routes, [
      {
        host: "ws.acme.example",
        path: "/ws",
        pathType: "Prefix",
        backend: { service: "ws-gateway-stable", port: 80 },
      },
    ]);
  });

  it("GIVEN L4 streams in the controller's values WHEN modelled THEN each names its Service", () => {
    const rs = edit(renderedStack("prod"), TYPES.helmRelease, undefined, "values.tcp", {
      "9000": "ws-gateway/ws-gateway-stable:80",
    });
    assert.deepEqual(model(rs).controllers[0]?.l4, [
      {
        protocol: "tcp",
        port: "9000",
        target: "ws-gateway/ws-gateway-stable:80",
        namespace: "ws-gateway",
        service: "ws-gateway-stable",
      },
    ]);
  });
});
