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
