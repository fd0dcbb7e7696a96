/**
 * Every key Pulumi hands the program is examined: namespaces close to the
 * project's name are refused, kubernetes:* keys the explicit providers
 * ignore are refused with the key that does the job, gcp:project is checked
 * with cluster.project's rule, and keys the program ignores are reported.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { CONFIG_NAMESPACE } from "../../infra/config";
import { REPO_ROOT } from "../helpers/stacks";
import { parseMap, refused, stackWith } from "./parseMap";

describe("keys of other namespaces", () => {
  it("GIVEN Pulumi.yaml THEN the config namespace is the project's name", () => {
    const project = yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
      name: string;
    };
    assert.equal(CONFIG_NAMESPACE, project.name);
  });

  for (const ns of ["ws-gatway", "ws_gateway", "wsgateway", "WS-Gateway", "ws-gateways", "ws\u2011gateway"]) {
    it(`GIVEN the gateway settings under ${JSON.stringify(ns)} WHEN parsed THEN they are refused with a move to ws-gateway:gateway`, () => {
      // given: `pulumi config set --path '<ns>:gateway.version' 3d4e5f6` on the local stack
      const config = stackWith("local", { [`${ns}:gateway`]: { version: "3d4e5f6" } });
      // when
      const problems = refused(config);
      // then
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.ok(problems[0]?.startsWith(`${ns}:gateway: is in namespace ${JSON.stringify(ns)}`), problems[0]);
      assert.match(problems[0] ?? "", /not this project's "ws-gateway" \(the name in Pulumi\.yaml\)/);
      assert.match(problems[0] ?? "", /Fix: move its settings under ws-gateway:gateway /);
    });
  }

  it("GIVEN a non-breaking hyphen in the namespace WHEN parsed THEN the message names the character", () => {
    const problems = refused(stackWith("local", { "ws\u2011gateway:gateway": { version: "v2" } }));
    assert.match(problems[0] ?? "", /character 3 is U\+2011 NON-BREAKING HYPHEN/);
  });

  it("GIVEN a section name used as the namespace WHEN parsed THEN it is refused with the full key", () => {
    const problems = refused(stackWith("local", { "gateway:version": "v2" }));
    assert.match(problems[0] ?? "", /^gateway:version: .*Fix: move its settings under ws-gateway:gateway /);
  });

  it("GIVEN kubernetes:context WHEN parsed THEN it is refused: the explicit providers ignore it; the fix is cluster.kubeContext", () => {
    const problems = refused(stackWith("local", { "kubernetes:context": "kind-other" }));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /^kubernetes:context: is ignored by this program \(got "kind-other"\)/);
    assert.match(problems[0] ?? "", /Fix: set ws-gateway:cluster\.kubeContext/);
  });

  for (const k of ["kubernetes:kubeconfig", "kubernetes:namespace", "kubernetes:enableServerSideApply"]) {
    it(`GIVEN ${k} WHEN parsed THEN it is refused with a fix`, () => {
      const problems = refused(stackWith("local", { [k]: "x" }));
      assert.match(problems[0] ?? "", new RegExp(`^${k}: is ignored by this program .* Fix: \\S`));
    });
  }

  it("GIVEN gcp:project that is a display name WHEN a GKE stack is parsed THEN cluster.project's rule refuses it", () => {
    const problems = refused(stackWith("dev", { "gcp:project": "ACME WS Dev" }));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /^gcp:project: must be a GCP project ID/);
  });

  it("GIVEN gcp:project and cluster.project naming different projects WHEN parsed THEN both are shown and one is to change", () => {
    const config = stackWith("dev", {});
    config["ws-gateway:cluster"] = { ...(config["ws-gateway:cluster"] as object), project: "acme-ws-other" };
    const problems = refused(config);
    assert.deepEqual(problems, [
      'gcp:project: names another project than ws-gateway:cluster.project (got "acme-ws-dev" and "acme-ws-other"): the cluster goes to "acme-ws-other" while the Google provider defaults to "acme-ws-dev". Fix: set gcp:project to "acme-ws-other", or remove one of the two.',
    ]);
  });

  it("GIVEN gcp:project on an existing-cluster stack WHEN parsed THEN it is accepted and reported as ignored", () => {
    const r = parseMap(stackWith("local", { "gcp:project": "acme-ws-dev" }));
    assert.ok(r.ok);
    assert.deepEqual(r.notes, [
      'gcp:project: is ignored: with ws-gateway:cluster.mode "existing" the program creates no GCP resources (got "acme-ws-dev"). Remove it unless another program reads this stack.',
    ]);
  });

  it("GIVEN a key of an unrelated namespace WHEN parsed THEN it is accepted and reported as not read", () => {
    const r = parseMap(stackWith("local", { "aws:region": "eu-west-1" }));
    assert.ok(r.ok);
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0] ?? "", /^aws:region: is not read by this program/);
  });

  it("GIVEN the stack files as committed WHEN parsed THEN nothing is refused and nothing reported", () => {
    for (const stack of ["dev", "prod", "local", "e2e"]) {
      const r = parseMap(stackWith(stack, {}));
      assert.ok(r.ok, stack);
      assert.deepEqual(r.notes, [], stack);
    }
  });
});
