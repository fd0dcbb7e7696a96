/**
 * Value rules that match their consumer: the path ingress-nginx admits for a
 * Prefix route, tags that do not move, namespaces the program can own.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { refused, stackWith, type ConfigMap } from "./parseMap";

function localWith(section: string, key: string, value: unknown): ConfigMap {
  const config = stackWith("local", {});
  config[`ws-gateway:${section}`] = { ...(config[`ws-gateway:${section}`] as object), [key]: value };
  return config;
}

describe("rules of the consumers", () => {
  it("GIVEN a path with a dot WHEN parsed THEN it is refused as ingress-nginx refuses it, and the fix drops the dot", () => {
    const [problem] = refused(localWith("ingress", "path", "/ws.v1"));
    assert.match(
      problem ?? "",
      /^ws-gateway:ingress\.path: must be an absolute URL path like "\/" or "\/ws" of letters, digits, "_", "-" and "\/" \(got "\/ws\.v1"\)/,
    );
    assert.ok(problem?.endsWith(', e.g. "/wsv1".'), problem);
  });

  for (const tag of ["stable", "main", "nightly"]) {
    it(`GIVEN version ${JSON.stringify(tag)} WHEN parsed THEN it is refused as a tag that moves`, () => {
      const [problem] = refused(localWith("gateway", "version", tag));
      assert.match(problem ?? "", /not a tag that moves \(latest, stable, main/);
      assert.match(problem ?? "", new RegExp(`\\(got "${tag}"\\)`));
    });
  }

  it("GIVEN a version with dots and capitals WHEN parsed THEN the fix writes the label it meant", () => {
    const [problem] = refused(localWith("gateway", "version", "V1.4.2"));
    assert.ok(problem?.endsWith(', e.g. "v1-4-2".') || problem?.includes('"v1-4-2"'), problem);
  });

  it("GIVEN the gateway in the default namespace WHEN parsed THEN it is refused: the program owns its namespace", () => {
    const problems = refused(localWith("gateway", "namespace", "default"));
    assert.deepEqual(problems, [
      'ws-gateway:gateway.namespace: must not be "default", a namespace every cluster already has: the program creates and owns its namespace, so the create fails or a destroy would take it (got "default"). Fix: use the default "ws-gateway" or a namespace of your own.',
    ]);
  });

  it("GIVEN the controller installed into the default namespace WHEN parsed THEN it is refused", () => {
    const [problem] = refused(localWith("ingress", "namespace", "default"));
    assert.match(problem ?? "", /^ws-gateway:ingress\.namespace: must not be "default"/);
  });
});

describe("relations the deployment relies on", () => {
  it("GIVEN a GKE stack that expects an existing controller WHEN parsed THEN it is refused with both values", () => {
    const config = stackWith("dev", {});
    config["ws-gateway:ingress"] = {
      ...(config["ws-gateway:ingress"] as object),
      controller: "existing",
      controllerReplicas: undefined,
    };
    const problems = refused(config);
    assert.ok(
      problems.includes(
        'ws-gateway:ingress.controller: must be "install" with cluster.mode "gke" (got "existing" with mode "gke"): the cluster this stack creates runs no ingress-nginx until the stack installs it, so the routes would have no controller. Fix: set ingress.controller to "install" (or remove it; "install" is the default).',
      ),
      problems.join("\n"),
    );
  });

  it("GIVEN a gate interval longer than a pause WHEN parsed THEN it is refused naming the pause", () => {
    const config = stackWith("local", {});
    const rollout = structuredClone(config["ws-gateway:rollout"]) as { gates: Record<string, unknown> };
    rollout.gates.interval = "3m";
    config["ws-gateway:rollout"] = rollout;
    assert.deepEqual(refused(config), [
      'ws-gateway:rollout.gates.interval: must fit in every pause so each step runs gates (got interval "3m" with steps[0].pause "2m"). Fix: set rollout.gates.interval to "2m" or less.',
    ]);
  });
});
