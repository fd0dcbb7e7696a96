/**
 * Config errors as a `pulumi up` user sees them: the program entry point runs
 * under @pulumi/pulumi's cmd/run (the process the nodejs language host starts),
 * talking gRPC to a test resource monitor and engine.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig } from "../../infra/config";
import { runUnderLanguageHost } from "../helpers/langhost";
import { rawStackConfig, stackConfigMap } from "../helpers/stacks";

/** The local stack's config with one section replaced. */
function localWith(section: string, value: unknown): Record<string, unknown> {
  return { ...stackConfigMap("local"), [`ws-gateway:${section}`]: value };
}

function expectedMessage(raw: Parameters<typeof parseConfig>[0]): string {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("the config was expected to be invalid");
}

describe("config errors under the language host", () => {
  it("GIVEN a stack with two config mistakes WHEN `pulumi up` runs the program THEN the user sees one message listing both, once, without a stack trace, and nothing is registered", async () => {
    const gateway = {
      ...(stackConfigMap("local")["ws-gateway:gateway"] as object),
      drainSeconds: "30m",
      drainSecond: 1800,
    };
    const run = await runUnderLanguageHost("local", localWith("gateway", gateway));
    const errors = run.logs.filter((l) => l.severity === "error");
    assert.equal(errors.length, 1, JSON.stringify(run.logs));
    const expected = expectedMessage({ ...rawStackConfig("local"), gateway });
    assert.equal(errors[0]?.message, expected);
    assert.match(
      expected,
      /^Invalid stack configuration \(2 problems\); nothing was changed:\n {2}- ws-gateway:gateway/,
    );
    const everything = run.logs.map((l) => l.message).join("\n") + run.stdout + run.stderr;
    assert.doesNotMatch(everything, /\n\s+at /, "no stack frame reaches the user");
    assert.doesNotMatch(everything, /unhandled exception/);
    assert.equal(everything.split("ws-gateway:gateway.drainSeconds:").length - 1, 1, "printed once");
    // 32: "exited after logging a user-actionable message", so the CLI adds no generic error of its own.
    assert.equal(run.exitCode, 32);
    assert.deepEqual(
      run.registered.filter((r) => !r.startsWith("pulumi:pulumi:Stack::")),
      [],
      "no resource is registered before the config is valid",
    );
  });

  it("GIVEN a misspelt top-level key in the stack file WHEN `pulumi up` runs THEN it is reported with a suggestion, not ignored", async () => {
    const config = { ...stackConfigMap("local"), "ws-gateway:gateways": { drainSeconds: 600 } };
    const run = await runUnderLanguageHost("local", config);
    assert.deepEqual(
      run.logs.filter((l) => l.severity === "error").map((l) => l.message),
      [
        "Invalid stack configuration (1 problem); nothing was changed:\n" +
          "  - ws-gateway:gateways: is not a key of this program (did you mean ws-gateway:gateway?); its settings would be ignored. Allowed keys: ws-gateway:cluster, ws-gateway:ingress, ws-gateway:gateway, ws-gateway:rollout, ws-gateway:disruption. Fix: move its settings under ws-gateway:gateway.",
      ],
    );
    assert.equal(run.exitCode, 32);
  });

  it("GIVEN a GKE stack without any project WHEN `pulumi up` runs THEN the missing project is one clean message", async () => {
    const config = { ...stackConfigMap("dev") };
    delete config["gcp:project"];
    const cluster = { ...(config["ws-gateway:cluster"] as Record<string, unknown>) };
    delete cluster.project;
    config["ws-gateway:cluster"] = cluster;
    const run = await runUnderLanguageHost("dev", config);
    const errors = run.logs.filter((l) => l.severity === "error");
    assert.deepEqual(
      errors.map((e) => e.message),
      [
        "Invalid stack configuration (1 problem); nothing was changed:\n" +
          "  - ws-gateway:cluster.project: is required when gcp:project is not set: a GCP project ID. Fix: set ws-gateway:cluster.project or gcp:project.",
      ],
    );
    assert.doesNotMatch(run.stderr + run.stdout, /\n\s+at /);
    assert.equal(run.exitCode, 32);
  });

  it("GIVEN the local stack as committed WHEN `pulumi preview` runs the program THEN it logs no error and registers the release", async () => {
    const run = await runUnderLanguageHost("local", stackConfigMap("local"), { dryRun: true });
    assert.deepEqual(
      run.logs.filter((l) => l.severity === "error"),
      [],
      run.stderr,
    );
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(
      run.registered.includes("pulumi-nodejs:dynamic/ws-gateway:CanaryRollout::rollout"),
      run.registered.join("\n"),
    );
  });
});
