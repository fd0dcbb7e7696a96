/**
 * The pod-level model (policies/lib/pods) on the rendered program: each
 * stack's gateway pods have a termination path that drains on SIGTERM, their
 * environment resolves as the kubelet resolves it, their zones come from the
 * node pools, and their budgets are counted as the disruption controller
 * counts them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ENV_DRAIN_SECONDS } from "../../components/names";
import { TYPES } from "../../policies/lib/kube";
import { resolveEnv } from "../../policies/lib/pods/env";
import { disruptionsAllowed } from "../../policies/lib/pods/evictors";
import { reachableZones, zonePileUp } from "../../policies/lib/pods/spread";
import { pid1Problem, portOwner, preStopOf, terminationPath } from "../../policies/lib/pods/termination";
import { gatewayDeployments, selectingServices } from "../../policies/lib/pods/workloads";
import { at } from "../../policies/lib/values";
import { stackNames } from "../helpers/stacks";
import { renderedStack } from "./fixtures";
import { asPolicyResources } from "./harness";

const podOf = (stack: string): unknown => {
  const d = renderedStack(stack).find((r) => r.type === TYPES.deployment);
  return at(d?.props, "spec.template.spec");
};

describe("pod model: the termination path of every rendered stack", () => {
  for (const stack of stackNames()) {
    it(`GIVEN the ${stack} render WHEN its gateway pod's path is built THEN the container the Services target drains, runs as PID 1 and sleeps before SIGTERM`, () => {
      const rs = asPolicyResources(renderedStack(stack));
      const [d] = gatewayDeployments(rs);
      assert.ok(d !== undefined);
      const path = terminationPath(at(d.props, "spec.template.spec"));
      const services = selectingServices(rs, d);
      assert.ok(services.length >= 2, "the stable and canary Services select the pods");
      for (const s of services) {
        const owner = portOwner(path, at(s.props, "spec.ports.0.targetPort"));
        assert.equal(typeof owner === "object" ? owner.name : owner, "gateway");
      }
      const gateway = path[0];
      assert.equal(pid1Problem(gateway?.argv), undefined);
      assert.equal(gateway?.stopSignal, "SIGTERM");
      assert.equal((gateway?.preStop as { kind: string }).kind, "sleep");
    });
  }
});

describe("pod model: environment, PID 1 and hooks as the kubelet sees them", () => {
  it("GIVEN DRAIN_SECONDS given twice WHEN resolved THEN the last entry wins", () => {
    const env = resolveEnv({
      env: [
        { name: ENV_DRAIN_SECONDS, value: "1800" },
        { name: ENV_DRAIN_SECONDS, value: "30" },
      ],
    });
    assert.deepEqual(env === undefined ? undefined : (env as Map<string, unknown>).get(ENV_DRAIN_SECONDS), {
      kind: "literal",
      value: "30",
    });
  });

  it("GIVEN a value referring to an earlier variable with $(VAR) and $$ WHEN resolved THEN it is expanded and the escape kept", () => {
    const env = resolveEnv({
      env: [
        { name: "BASE", value: "1800" },
        { name: "D", value: "$(BASE)" },
        { name: "E", value: "$$(BASE)" },
      ],
    }) as Map<string, unknown>;
    assert.deepEqual(
      [env.get("D"), env.get("E")],
      [
        { kind: "literal", value: "1800" },
        { kind: "literal", value: "$(BASE)" },
      ],
    );
  });

  it("GIVEN DRAIN_SECONDS from a ConfigMap the stack declares WHEN resolved with the stack's lookup THEN its value is read", () => {
    const env = resolveEnv(
      {
        env: [
          { name: ENV_DRAIN_SECONDS, valueFrom: { configMapKeyRef: { name: "settings", key: "drain" } } },
        ],
      },
      "ws-gateway",
      (_ns, name, key) => (name === "settings" && key === "drain" ? "60" : undefined),
    ) as Map<string, unknown>;
    assert.deepEqual(env.get(ENV_DRAIN_SECONDS), {
      kind: "literal",
      value: "60",
      from: 'ConfigMap "settings" key "drain"',
    });
  });

  it("GIVEN shells and package runners as PID 1 WHEN judged THEN only an exec'd script or the program itself forwards SIGTERM", () => {
    assert.notEqual(pid1Problem(["sh", "-c", "node server.js"]), undefined);
    assert.notEqual(pid1Problem(["/bin/bash", "-c", "cd /app && node server.js"]), undefined);
    assert.notEqual(pid1Problem(["npm", "start"]), undefined);
    assert.equal(pid1Problem(["sh", "-c", "cd /app && exec node server.js"]), undefined);
    assert.equal(pid1Problem(["node", "server.js"]), undefined);
  });

  it("GIVEN preStop handlers WHEN read THEN sleep and exec sleep N are bounded sleeps and anything else is not", () => {
    assert.deepEqual(preStopOf({ lifecycle: { preStop: { exec: { command: ["sleep", "10"] } } } }), {
      kind: "sleep",
      seconds: 10,
    });
    assert.equal(
      (preStopOf({ lifecycle: { preStop: { exec: { command: ["/bin/kill", "1"] } } } }) as { kind: string })
        .kind,
      "other",
    );
    assert.equal(
      (preStopOf({ lifecycle: { preStop: { httpGet: { path: "/drain" } } } }) as { kind: string }).kind,
      "other",
    );
  });

  it("GIVEN a native sidecar WHEN the path is built THEN it is on the path and a plain init container is not", () => {
    const path = terminationPath({
      containers: [{ name: "gateway" }],
      initContainers: [{ name: "setup" }, { name: "proxy", restartPolicy: "Always" }],
    });
    assert.deepEqual(
      path.map((c) => c.label),
      ['container "gateway"', 'sidecar "proxy"'],
    );
  });
});

describe("pod model: zones and budgets", () => {
  it("GIVEN the prod render WHEN the gateway pod's zones are computed THEN they are the node pool's three zones", () => {
    const zones = reachableZones(asPolicyResources(renderedStack("prod")), podOf("prod"));
    assert.deepEqual(zones instanceof Set ? [...zones].sort() : zones, [
      "europe-west1-b",
      "europe-west1-c",
      "europe-west1-d",
    ]);
  });

  it("GIVEN maxSkew 1, 2 and 30 over 3 zones WHEN 6 pods pile up THEN one zone holds 2, 3 and 6", () => {
    assert.deepEqual(
      [1, 2, 30].map((s) => zonePileUp(s, 6, 3).most),
      [2, 3, 6],
    );
  });

  it("GIVEN PDB percentages WHEN counted as the disruption controller does THEN both round up", () => {
    const pdb = (spec: Record<string, unknown>) => ({ spec });
    assert.equal(disruptionsAllowed(pdb({ maxUnavailable: "84%" }), 6), 6);
    assert.equal(disruptionsAllowed(pdb({ maxUnavailable: "50%" }), 3), 2);
    assert.equal(disruptionsAllowed(pdb({ minAvailable: "10%" }), 6), 5);
    assert.equal(disruptionsAllowed(pdb({ minAvailable: 1 }), 30), 29);
    assert.equal(disruptionsAllowed(pdb({ maxUnavailable: 1 }), 30), 1);
  });
});
