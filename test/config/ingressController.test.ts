/**
 * ingress.controller: "install" (the default) installs ingress-nginx;
 * "existing" uses the one the cluster already runs and installs nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, INGRESS_INSTALL_ONLY_KEYS, parseConfig, type RawStackConfig } from "../../infra/config";
import { createProgram, loadStackConfig } from "../../infra/program";
import { installMocks, setStackConfig, settle } from "../helpers/mocks";
import { rawStackConfig, stackConfigMap } from "../helpers/stacks";

function problemsOf(raw: RawStackConfig): readonly string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.fail("expected a ConfigError");
}

const local = (): RawStackConfig => structuredClone(rawStackConfig("local"));

describe("ingress.controller", () => {
  it("GIVEN no ingress.controller WHEN parsed THEN the stack installs the controller", () => {
    assert.equal(parseConfig(local()).ingress.controller, "install");
  });

  it('GIVEN ingress.controller "existing" WHEN parsed THEN it is kept', () => {
    const raw = local();
    const ingress = { host: "ws.localtest.me", controller: "existing" };
    assert.equal(parseConfig({ ...raw, ingress }).ingress.controller, "existing");
  });

  it("GIVEN an unknown ingress.controller WHEN parsed THEN one message names the key, the value and the choices", () => {
    const raw = local();
    const problems = problemsOf({ ...raw, ingress: { host: "ws.localtest.me", controller: "helm" } });
    assert.deepEqual(problems, [
      'ws-gateway:ingress.controller: must be one of install, existing (got "helm"). Fix: use "install" to let this stack install ingress-nginx, "existing" when the cluster already runs it.',
    ]);
  });

  for (const k of INGRESS_INSTALL_ONLY_KEYS) {
    it(`GIVEN ingress.controller "existing" WHEN ingress.${k} is set THEN it is refused as install-only`, () => {
      const raw = local();
      const values: Record<(typeof INGRESS_INSTALL_ONLY_KEYS)[number], unknown> = {
        namespace: "ingress-nginx",
        controllerReplicas: 3,
        chartVersion: "4.15.1",
        workerShutdownTimeout: "1h",
        serviceType: "NodePort",
        loadBalancerIP: "203.0.113.10",
      };
      const value = values[k];
      const problems = problemsOf({
        ...raw,
        ingress: { host: "ws.localtest.me", controller: "existing", [k]: value },
      });
      assert.ok(
        problems.includes(
          `ws-gateway:ingress.${k}: applies to ingress.controller "install" only (got ${JSON.stringify(value)} with controller "existing"): this stack does not manage that controller. Fix: remove it, or set ingress.controller to "install".`,
        ),
        problems.join("\n"),
      );
    });
  }

  it('GIVEN the local stack with ingress.controller "existing" WHEN the program runs THEN no controller or controller namespace is registered and the routes still are', async () => {
    const config = structuredClone(stackConfigMap("local"));
    config["ws-gateway:ingress"] = { host: "ws.localtest.me", controller: "existing" };
    installMocks("local");
    setStackConfig(config);
    createProgram(loadStackConfig());
    const resources = await settle();
    assert.deepEqual(
      resources
        .filter((r) => /ingress-nginx|IngressController|helm/i.test(`${r.type} ${r.name}`))
        .map((r) => r.name),
      [],
    );
    assert.deepEqual(
      resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.name),
      ["gateway-namespace"],
    );
    assert.equal(resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress").length, 2);
  });
});
