/**
 * The end-to-end scenarios in the order they run. Each starts from what the
 * previous ones left (the versions in the comments below); `--only` runs a
 * subset in this order, and a scenario whose starting version is missing
 * fails saying which version it found.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { STACK } from "../workspace";
import { abortAnnotation } from "./abort";
import { autoscalerOwnedReplicas } from "./autoscaler";
import { destroy } from "./destroy";
import { outageLong, outageShort } from "./outage";
import { ingressChartValues, invalidConfig, previewPolicyPack } from "./previews";
import { firstRelease, holdThenResume, releaseV2, rollbackToV1 } from "./releases";
import { secondEngineRefused } from "./secondEngine";
import { expectOk, type Scenario, type ScenarioContext, type ScenarioResult } from "./support";

export type { ScenarioContext, ScenarioResult } from "./support";

/** Every scenario, in run order; the versions chain from one to the next. */
export const SCENARIOS: readonly Scenario[] = [
  firstRelease, // v1
  releaseV2, // v1 -> v2
  holdThenResume, // v2 -> v3 (held, then resumed)
  autoscalerOwnedReplicas, // v3 in place
  abortAnnotation("v3", "v4"), // v4 aborted, v3 serves
  outageShort("v3", "v4"), // v3 -> v4 through a short outage
  outageLong("v4", "v5"), // v5 fails, v4 serves
  // A new version: v5's pods are still draining from that abort, and a Deployment replaces a
  // terminating pod only once it has exited, so v5 would have no Ready pod for a while.
  secondEngineRefused("v4", "v6"), // refused, then v4 -> v6
  rollbackToV1("v6"), // v6 -> v1 with the emergency schedule
  previewPolicyPack,
  ingressChartValues,
  invalidConfig,
  destroy,
];

/** Initialises the stack from stacks/Pulumi.e2e.yaml, gates pointed at the reference gateway. */
async function initStack(ctx: ScenarioContext): Promise<void> {
  const { ws } = ctx;
  fs.copyFileSync(path.join(ws.repo, "stacks", `Pulumi.${STACK}.yaml`), ws.stackFile);
  expectOk(
    await ws.pulumi(["stack", "init", STACK, "--secrets-provider", "passphrase"], "stack-init"),
    "pulumi stack init",
  );
  expectOk(
    await ws.configSet("rollout.gates.handshake.url", `ws://127.0.0.1:${ctx.gatewayPort}/`),
    "pulumi config set handshake url",
  );
  // Every version's pods are one local reference gateway that names a single version, so the
  // probes cannot prove which version answered; the releases must say so (checked in release()).
  expectOk(
    await ws.configSet("rollout.gates.versionIdentity", "off"),
    "pulumi config set versionIdentity off",
  );
}

/** Runs the scenarios (all, or those named in `only`, in run order) and appends one result each. */
export async function runScenarios(
  ctx: ScenarioContext,
  only: readonly string[] | undefined,
  results: ScenarioResult[],
): Promise<void> {
  await initStack(ctx);
  for (const scenario of SCENARIOS) {
    if (only !== undefined && !only.includes(scenario.name)) continue;
    ctx.log(`scenario ${scenario.name}: ${scenario.summary}`);
    const started = Date.now();
    let result: ScenarioResult;
    try {
      const detail = await scenario.run(ctx);
      result = { name: scenario.name, ok: true, seconds: (Date.now() - started) / 1000, detail };
    } catch (err) {
      result = {
        name: scenario.name,
        ok: false,
        seconds: (Date.now() - started) / 1000,
        detail: err instanceof Error ? err.message : String(err),
      };
    }
    results.push(result);
    ctx.log(
      `${result.ok ? "PASS" : "FAIL"} ${scenario.name} (${result.seconds.toFixed(1)}s): ${result.detail}`,
    );
  }
}
