/**
 * `npm run status` as a user runs it: the built infra/status.js in a fresh
 * process, KUBECONFIG pointing at a fake API server, reading the canary
 * Ingress the engine annotated.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { renderStatus } from "../../infra/status";
import { FakeKubeApi, NAMESPACE } from "./fakeKubeApi";

const STATUS = path.resolve(__dirname, "..", "..", "infra", "status.js");

function status(
  kubeconfig: string,
  ...args: string[]
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STATUS, ...args], {
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

const RUNNING = {
  version: "v2",
  state: "running",
  phase: "pause",
  step: 2,
  stepCount: 4,
  weight: 25,
  gates: "ok",
  timeLeftSeconds: 270,
  startedAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:05:00.000Z",
};

describe("npm run status", { timeout: 60_000 }, () => {
  let api: FakeKubeApi;
  let dir: string;
  let kubeconfig: string;

  beforeEach(async () => {
    api = await new FakeKubeApi().start();
    dir = mkdtempSync(path.join(tmpdir(), "status-"));
    kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfig, api.kubeconfig());
  });
  afterEach(() => {
    api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("GIVEN a running release with a pause request WHEN status runs THEN it prints version, step, weight, gates, time left and the request, exit 0", async () => {
    // Given
    api.annotations["ws-gateway.io/status"] = JSON.stringify(RUNNING);
    api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "25";
    api.annotations["ws-gateway.io/pause"] = "dashboards";
    // When
    const r = await status(kubeconfig, "--namespace", NAMESPACE);
    // Then
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /version v2: running, phase pause, step 2\/4, weight 25%, gates ok/);
    assert.match(r.out, /scheduled time left 4m30s/);
    assert.match(r.out, /requests: pause "dashboards"/);
  });

  it("GIVEN a canary Ingress no release annotated WHEN status --json runs THEN it prints null and exits 1", async () => {
    const r = await status(kubeconfig, "--namespace", NAMESPACE, "--json");
    assert.equal(r.code, 1);
    assert.equal(r.out.trim(), "null");
  });

  it("GIVEN a namespace without the Ingress WHEN status runs THEN it names the Ingress and the fix, exit 1, no stack trace", async () => {
    const r = await status(kubeconfig, "--namespace", "elsewhere");
    assert.equal(r.code, 1);
    assert.match(r.out, /Ingress elsewhere\/ws-gateway-canary/);
    assert.match(r.out, /kubectl get ingress -n elsewhere/);
    assert.doesNotMatch(r.out + r.err, /\n\s+at /);
  });

  it("GIVEN --stack with a stack that does not exist WHEN status runs THEN it exits 2 naming the stacks there", async () => {
    const r = await status(kubeconfig, "--stack", "nope");
    assert.equal(r.code, 2);
    assert.match(r.err, /--stack nope: no stacks\/Pulumi\.nope\.yaml; stacks here: .*prod/);
  });

  it("GIVEN neither --stack nor --namespace WHEN status runs THEN it exits 2 with the usage", async () => {
    const r = await status(kubeconfig);
    assert.equal(r.code, 2);
    assert.match(r.err, /give exactly one of --stack NAME or --namespace NS\. Usage: npm run status -- /);
  });

  it("GIVEN an aborted release WHEN rendered THEN the message is shown and no time left", () => {
    const text = renderStatus(
      "prod/ws-gateway-canary",
      {
        "ws-gateway.io/status": JSON.stringify({
          ...RUNNING,
          state: "aborted",
          timeLeftSeconds: undefined,
          message: "step 2/4 (weight 25%): gate pods-ready failed",
        }),
        "ws-gateway.io/abort": "bad latency",
      },
      Date.parse("2026-01-01T00:05:10.000Z"),
    );
    assert.match(text, /version v2: aborted/);
    assert.match(text, /step 2\/4 \(weight 25%\): gate pods-ready failed/);
    assert.doesNotMatch(text, /time left/);
    assert.match(text, /updated 10s ago/);
    assert.match(text, /requests: abort "bad latency"/);
  });
});
