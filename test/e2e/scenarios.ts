/**
 * The end-to-end scenarios: each a real `pulumi up` / `preview` / `destroy`
 * of the program against the local control plane, checked against what the
 * watcher recorded and what the CLI printed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import {
  ANNOTATION_CANARY_WEIGHT,
  CANARY_INGRESS,
  CANARY_SERVICE,
  LABEL_APP,
  APP_NAME,
  STABLE_SERVICE,
  versionedName,
} from "../../components/names";
import { ANNOTATION_ABORT, abortClearCommand } from "../../components/rollout/abortAnnotation";
import { identityWarning } from "../../components/rollout/gates";
import { INGRESS_NGINX_CHART, ingressNginxReleaseArgs } from "../../components/ingress/ingressNginx";
import { parseConfig } from "../../infra/config";
import { ingressNginxArgs } from "../../infra/program";
import { startChartRepo } from "./chartRepo";
import type { ControlPlane } from "./controlplane";
import { ApiError, kubeRequest } from "./kube";
import type { ClusterWatcher, Record_ } from "./watcher";
import { STACK, type CliResult, type Workspace } from "./workspace";

export interface ScenarioResult {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail: string;
}

export interface ScenarioContext {
  readonly ws: Workspace;
  readonly cp: ControlPlane;
  readonly watcher: ClusterWatcher;
  readonly gatewayPort: number;
  readonly only: string[] | undefined;
  readonly results: ScenarioResult[];
  readonly log: (line: string) => void;
}

const NS = APP_NAME;
/** The e2e stack's schedule (stacks/Pulumi.e2e.yaml), read back from the file so the checks follow it. */
interface StackSteps {
  weight: number;
  pause?: string;
}

/** The start of what a release says when rollout.gates.versionIdentity is off (up to its first comma). */
const IDENTITY_OFF_WARNING = (
  identityWarning({
    intervalSeconds: 1,
    versionIdentity: "off",
    handshake: { url: "ws://127.0.0.1/", timeoutSeconds: 1, message: "ping" },
  }) ?? fail("identityWarning says nothing with versionIdentity off")
).split(",")[0];

function fail(message: string): never {
  throw new Error(message);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

function tail(output: string, lines = 25): string {
  return output.trimEnd().split("\n").slice(-lines).join("\n");
}

function expectOk(r: CliResult, what: string): void {
  if (r.code !== 0) fail(`${what} exited ${r.code} (log ${r.log}):\n${tail(r.output)}`);
}

function seconds(duration: string | undefined): number {
  if (duration === undefined) return 0;
  let total = 0;
  for (const m of duration.matchAll(/(\d+)([hms])/g)) {
    total += Number(m[1]) * (m[2] === "h" ? 3600 : m[2] === "m" ? 60 : 1);
  }
  return total;
}

async function get(ctx: ScenarioContext, p: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await kubeRequest(ctx.cp.target, "GET", p)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

async function selectorOf(ctx: ScenarioContext, service: string): Promise<string | undefined> {
  const svc = (await get(ctx, `/api/v1/namespaces/${NS}/services/${service}`)) as
    { spec?: { selector?: Record<string, string> } } | undefined;
  return svc?.spec?.selector?.["app.kubernetes.io/version"];
}

async function canaryAnnotations(ctx: ScenarioContext): Promise<Record<string, string>> {
  const ing = (await get(ctx, `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/${CANARY_INGRESS}`)) as
    { metadata?: { annotations?: Record<string, string> } } | undefined;
  return ing?.metadata?.annotations ?? {};
}

async function deployment(
  ctx: ScenarioContext,
  version: string,
): Promise<{ spec?: { replicas?: number }; metadata?: { managedFields?: unknown[] } } | undefined> {
  return (await get(ctx, `/apis/apps/v1/namespaces/${NS}/deployments/${versionedName(version)}`)) as
    { spec?: { replicas?: number } } | undefined;
}

/** Reads and rewrites the stack file (structured values the CLI writes too). */
function editStack(ctx: ScenarioContext, edit: (config: Record<string, unknown>) => void): void {
  const doc = (yaml.load(fs.readFileSync(ctx.ws.stackFile, "utf8")) ?? {}) as {
    config?: Record<string, unknown>;
  };
  const config = doc.config ?? {};
  edit(config);
  doc.config = config;
  fs.writeFileSync(ctx.ws.stackFile, yaml.dump(doc, { lineWidth: 200 }));
}

function section(config: Record<string, unknown>, name: string): Record<string, unknown> {
  const key = `ws-gateway:${name}`;
  const value = (config[key] ?? {}) as Record<string, unknown>;
  config[key] = value;
  return value;
}

function stackSteps(ctx: ScenarioContext): StackSteps[] {
  let steps: StackSteps[] = [];
  editStack(ctx, (c) => {
    steps = section(c, "rollout").steps as StackSteps[];
  });
  return steps;
}

function distinctWeights(records: Record_[]): { weight: string; t: number }[] {
  const out: { weight: string; t: number }[] = [];
  for (const r of records) {
    if (r.kind !== "Ingress" || r.name !== CANARY_INGRESS || r.weight === undefined) continue;
    if (out[out.length - 1]?.weight !== r.weight) out.push({ weight: r.weight, t: r.t });
  }
  return out;
}

function first(records: Record_[], match: (r: Record_) => boolean, what: string): Record_ {
  return records.find(match) ?? fail(`no ${what} in events.jsonl`);
}

/** JSON with object keys sorted, so two values compare by content. */
function canonical(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : x !== null && typeof x === "object"
        ? Object.fromEntries(
            Object.entries(x)
              .filter(([, y]) => y !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, y]) => [k, sort(y)]),
          )
        : x;
  return JSON.stringify(sort(v));
}

const iso = (t: number): string => new Date(t).toISOString().slice(11, 23);

/** Searches the exported state for the canary-weight annotation on any Pulumi-managed object. */
async function weightInState(ctx: ScenarioContext): Promise<string[]> {
  const r = await ctx.ws.pulumi(["stack", "export", "--stack", STACK], "stack-export");
  expectOk(r, "pulumi stack export");
  const state = JSON.parse(r.stdout) as {
    deployment?: { resources?: { urn: string; type: string; inputs?: unknown; outputs?: unknown }[] };
  };
  const hits: string[] = [];
  for (const res of state.deployment?.resources ?? []) {
    if (res.type.startsWith("pulumi:") || res.type.startsWith("pulumi-nodejs:")) continue;
    for (const [where, value] of [
      ["inputs", res.inputs],
      ["outputs", res.outputs],
    ] as const) {
      if (JSON.stringify(value ?? {}).includes(ANNOTATION_CANARY_WEIGHT)) hits.push(`${res.urn} (${where})`);
    }
  }
  return hits;
}

/**
 * A release: the new Deployment available before the canary selector moves,
 * the weight reset first, the weights in schedule order with their pauses,
 * the stable selector after the last step, the previous version deleted after
 * promotion with background propagation and without the update waiting.
 */
async function checkRelease(
  ctx: ScenarioContext,
  from: string,
  to: string,
  since: number,
  upEnded: number,
  resumeFrom?: number,
): Promise<string> {
  const ev = ctx.watcher.since(since);
  const steps = stackSteps(ctx);
  const avail = first(
    ev,
    (r) =>
      r.kind === "Deployment" &&
      r.name === versionedName(to) &&
      (r.replicas ?? 0) > 0 &&
      (r.availableReplicas ?? 0) >= (r.replicas ?? 0),
    `available ${versionedName(to)}`,
  );
  const canary = first(
    ev,
    (r) => r.kind === "Service" && r.name === CANARY_SERVICE && r.selectorVersion === to,
    `canary selector -> ${to}`,
  );
  check(
    avail.t <= canary.t,
    `the canary selector moved to ${to} at ${iso(canary.t)}, before ${versionedName(to)} was available (${iso(avail.t)})`,
  );
  const before = ctx.watcher.records.filter(
    (r) => r.kind === "Ingress" && r.name === CANARY_INGRESS && r.t <= canary.t && r.weight !== undefined,
  );
  const weightAtSwitch = before[before.length - 1]?.weight;
  if (resumeFrom === undefined) {
    check(
      weightAtSwitch === undefined || weightAtSwitch === "0",
      `the canary weight was ${weightAtSwitch} when the canary selector moved to ${to}, not 0`,
    );
  }
  const weights = distinctWeights(ev.filter((r) => r.t >= canary.t));
  const expected = steps
    .map((s) => String(s.weight))
    .filter((w) => resumeFrom === undefined || Number(w) > resumeFrom);
  const seen = weights.map((w) => w.weight).filter((w) => w !== "0");
  check(
    JSON.stringify(seen) === JSON.stringify(expected),
    `weights after the canary switch were [${seen.join(", ")}], schedule [${expected.join(", ")}]`,
  );
  const pauses: string[] = [];
  for (let i = 0; i + 1 < weights.length; i++) {
    const w = weights[i];
    const next = weights[i + 1];
    if (w === undefined || next === undefined || w.weight === "0") continue;
    const step = steps.find((s) => String(s.weight) === w.weight);
    const held = (next.t - w.t) / 1000;
    const pause = seconds(step?.pause);
    // The watcher sees both changes through the same API server; allow 0.3 s of delivery skew.
    check(held >= pause - 0.3, `weight ${w.weight} held ${held.toFixed(1)}s, less than its pause ${pause}s`);
    pauses.push(`${w.weight}%: ${held.toFixed(1)}s (pause ${pause}s)`);
  }
  const lastWeight = weights[weights.length - 1];
  const stable = first(
    ev,
    (r) => r.kind === "Service" && r.name === STABLE_SERVICE && r.selectorVersion === to,
    `stable selector -> ${to}`,
  );
  check(
    lastWeight !== undefined && lastWeight.weight === "100" && lastWeight.t <= stable.t,
    `the stable selector moved to ${to} at ${iso(stable.t)} before the last step (weight 100)`,
  );
  let retire = "";
  if (from !== to) {
    const gone = first(
      ev,
      (r) => r.kind === "Deployment" && r.name === versionedName(from) && r.type === "DELETED",
      `deletion of ${versionedName(from)}`,
    );
    check(
      gone.t >= stable.t,
      `${versionedName(from)} was deleted at ${iso(gone.t)}, before promotion (${iso(stable.t)})`,
    );
    const foreground = ev.find(
      (r) => r.kind === "Deployment" && r.name === versionedName(from) && r.deleting === true && r.t < gone.t,
    );
    check(
      foreground === undefined,
      `${versionedName(from)} sat in deletion (foreground propagation) from ${iso(foreground?.t ?? 0)}`,
    );
    const podGone = ev.filter((r) => r.kind === "Pod" && r.version === from && r.type === "DELETED");
    const lastPod = podGone[podGone.length - 1];
    check(
      podGone.every((p) => p.t >= gone.t),
      `a ${from} pod vanished before its Deployment: not background propagation`,
    );
    const stillThere = lastPod === undefined || lastPod.t > upEnded;
    check(
      stillThere,
      `every ${from} pod was gone (${iso(lastPod?.t ?? 0)}) before pulumi up ended (${iso(upEnded)}): the update waited for the drain`,
    );
    retire = `; ${versionedName(from)} deleted ${iso(gone.t)} (background: Deployment gone first, its pods draining until ${lastPod === undefined ? "after the run" : iso(lastPod.t)}, update ended ${iso(upEnded)})`;
  }
  return (
    `${versionedName(to)} available ${iso(avail.t)} <= canary selector ${iso(canary.t)}; weights ${weights.map((w) => `${w.weight}@${iso(w.t)}`).join(" ")}; ` +
    `pauses ${pauses.join(", ")}; stable selector ${iso(stable.t)}` +
    retire
  );
}

async function up(ctx: ScenarioContext, label: string, onLine?: (line: string) => void): Promise<CliResult> {
  return ctx.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK, "--diff"], label, onLine);
}

async function release(ctx: ScenarioContext, from: string, to: string, label: string): Promise<string> {
  expectOk(await ctx.ws.configSet("gateway.version", to), "pulumi config set gateway.version");
  const since = Date.now();
  const r = await up(ctx, label);
  expectOk(r, `pulumi up (${from} -> ${to})`);
  const ended = Date.now();
  // The e2e data plane is one reference gateway naming one version, so identity is off: the release must say so.
  check(
    r.output.includes(IDENTITY_OFF_WARNING),
    `the release does not say identity is off:\n${tail(r.output)}`,
  );
  await new Promise((res) => setTimeout(res, 1500));
  check((await selectorOf(ctx, STABLE_SERVICE)) === to, `stable Service does not select ${to}`);
  return `pulumi up ${r.seconds.toFixed(1)}s; ` + (await checkRelease(ctx, from, to, since, ended));
}

export async function runScenarios(ctx: ScenarioContext): Promise<void> {
  const { ws } = ctx;
  const run = async (name: string, body: () => Promise<string>): Promise<void> => {
    if (ctx.only !== undefined && !ctx.only.includes(name)) return;
    ctx.log(`scenario ${name}`);
    const started = Date.now();
    let result: ScenarioResult;
    try {
      const detail = await body();
      result = { name, ok: true, seconds: (Date.now() - started) / 1000, detail };
    } catch (err) {
      result = {
        name,
        ok: false,
        seconds: (Date.now() - started) / 1000,
        detail: err instanceof Error ? err.message : String(err),
      };
    }
    ctx.results.push(result);
    ctx.log(`${result.ok ? "PASS" : "FAIL"} ${name} (${result.seconds.toFixed(1)}s): ${result.detail}`);
  };

  // The stack: the repository's stack file, the handshake pointed at the reference gateway.
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

  await run("first-release", async () => {
    const r = await up(ctx, "up-v1");
    expectOk(r, "pulumi up (first release v1)");
    const stable = await selectorOf(ctx, STABLE_SERVICE);
    const canary = await selectorOf(ctx, CANARY_SERVICE);
    check(
      stable === "v1" && canary === "v1",
      `Services select stable=${stable} canary=${canary}, expected v1 and v1`,
    );
    const d = await deployment(ctx, "v1");
    check(d !== undefined, `${versionedName("v1")} missing`);
    const outputs = await ws.pulumi(["stack", "output", "--json", "--stack", STACK], "outputs");
    expectOk(outputs, "pulumi stack output");
    const o = JSON.parse(outputs.stdout) as { rolloutOutcome?: string; stableVersion?: string };
    check(o.rolloutOutcome === "promoted", `rolloutOutcome is ${o.rolloutOutcome}, expected promoted`);
    return `pulumi up ${r.seconds.toFixed(1)}s; both Services select v1; rolloutOutcome promoted`;
  });

  await run("release-v2", async () => {
    const detail = await release(ctx, "v1", "v2", "up-v2");
    const hits = await weightInState(ctx);
    check(hits.length === 0, `canary-weight annotation found in state: ${hits.join(", ")}`);
    return `${detail}; no Pulumi-managed object carries ${ANNOTATION_CANARY_WEIGHT} in state`;
  });

  await run("hold-then-resume", async () => {
    const full = stackSteps(ctx);
    const holdAt = full[full.length - 2]?.weight ?? fail("the e2e schedule needs at least two steps");
    editStack(ctx, (c) => {
      const gw = section(c, "gateway");
      gw.version = "v3";
      const ro = section(c, "rollout");
      ro.steps = full.slice(0, -1);
      ro.stableVersion = "v2";
    });
    const r1 = await up(ctx, "up-v3-hold");
    expectOk(r1, "pulumi up (v3, held)");
    const weight = (await canaryAnnotations(ctx))[ANNOTATION_CANARY_WEIGHT];
    const stable = await selectorOf(ctx, STABLE_SERVICE);
    const canary = await selectorOf(ctx, CANARY_SERVICE);
    check(weight === String(holdAt), `held weight is ${weight}, expected ${holdAt}`);
    check(stable === "v2" && canary === "v3", `held: stable=${stable} canary=${canary}, expected v2 and v3`);
    check((await deployment(ctx, "v2")) !== undefined, "v2 was deleted during the hold");
    editStack(ctx, (c) => {
      const ro = section(c, "rollout");
      ro.steps = full;
      delete ro.stableVersion;
    });
    const since = Date.now();
    const lines: string[] = [];
    const r2 = await up(ctx, "up-v3-resume", (l) => lines.push(l));
    expectOk(r2, "pulumi up (v3, resume)");
    const ended = Date.now();
    await new Promise((res) => setTimeout(res, 1500));
    const weights = distinctWeights(ctx.watcher.since(since)).map((w) => w.weight);
    check(
      !weights.includes("0") && weights[0] !== String(full[0]?.weight),
      `resume restarted the schedule: weights ${weights.join(", ")}`,
    );
    check((await selectorOf(ctx, STABLE_SERVICE)) === "v3", "stable does not select v3 after the resume");
    const ev = ctx.watcher.since(since);
    const gone = ev.find(
      (r) => r.kind === "Deployment" && r.name === versionedName("v2") && r.type === "DELETED",
    );
    check(gone !== undefined, "v2 not deleted after promotion of v3");
    check(gone.t <= ended + 1000, "v2 deleted after the update ended");
    return `held at ${holdAt}% (stable v2, canary v3, up ${r1.seconds.toFixed(1)}s); resumed without reset: weights ${weights.join(", ")}; v3 promoted, v2 deleted (up ${r2.seconds.toFixed(1)}s)`;
  });

  await run("autoscaler-owned-replicas", async () => {
    const name = versionedName("v3");
    const before = await deployment(ctx, "v3");
    const minReplicas = before?.spec?.replicas ?? fail(`${name} missing`);
    const scaled = minReplicas + 2;
    // The HPA controller writes replicas through the scale subresource as kube-controller-manager.
    await kubeRequest(
      ctx.cp.target,
      "PATCH",
      `/apis/apps/v1/namespaces/${NS}/deployments/${name}/scale?fieldManager=kube-controller-manager`,
      {
        body: { spec: { replicas: scaled } },
        contentType: "application/merge-patch+json",
      },
    );
    editStack(ctx, (c) => {
      const gw = section(c, "gateway");
      const res = (gw.resources ?? {}) as Record<string, unknown>;
      res.memoryRequest = "96Mi";
      gw.resources = res;
    });
    const since = Date.now();
    const r = await up(ctx, "up-v3-inplace");
    expectOk(r, "pulumi up (in-place change of the serving Deployment)");
    const live = (await deployment(ctx, "v3")) as
      | {
          metadata?: { uid?: string };
          spec?: {
            replicas?: number;
            template?: { spec?: { containers?: { resources?: { requests?: Record<string, string> } }[] } };
          };
        }
      | undefined;
    const uidBefore = (before as { metadata?: { uid?: string } } | undefined)?.metadata?.uid;
    check(
      live?.metadata?.uid === uidBefore,
      `${name} was replaced (uid ${uidBefore} -> ${live?.metadata?.uid}), not updated in place`,
    );
    const memory = live?.spec?.template?.spec?.containers?.[0]?.resources?.requests?.memory;
    check(memory === "96Mi", `${name} memory request is ${memory} after the update, expected 96Mi`);
    check(!/conflict/i.test(r.output), `server-side apply conflict:\n${tail(r.output)}`);
    await new Promise((res) => setTimeout(res, 2000));
    const after = await deployment(ctx, "v3");
    check(
      after?.spec?.replicas === scaled,
      `replicas are ${after?.spec?.replicas} after pulumi up, expected the autoscaler's ${scaled}`,
    );
    const resets = ctx.watcher
      .since(since)
      .filter(
        (e) =>
          e.kind === "Deployment" && e.name === name && e.replicas !== undefined && e.replicas !== scaled,
      );
    check(
      resets.length === 0,
      `replicas went to ${resets.map((e) => e.replicas).join(", ")} during the update`,
    );
    return `scaled ${name} ${minReplicas} -> ${scaled} via /scale as kube-controller-manager; in-place update (memoryRequest 96Mi) in ${r.seconds.toFixed(1)}s: no conflict, replicas stayed ${scaled}`;
  });

  await run("abort-annotation", async () => {
    // Longer pauses so the abort lands mid-step.
    const full = stackSteps(ctx);
    editStack(ctx, (c) => {
      section(c, "gateway").version = "v4";
      section(c, "rollout").steps = full.map((s) => (s.pause === undefined ? s : { ...s, pause: "1m" }));
    });
    const since = Date.now();
    const reason = "e2e abort";
    const annotate = (async () => {
      const firstStep = await ctx.watcher.waitFor(
        (r) =>
          r.kind === "Ingress" && r.name === CANARY_INGRESS && r.weight !== undefined && r.weight !== "0",
        300_000,
        since,
      );
      await kubeRequest(
        ctx.cp.target,
        "PATCH",
        `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/${CANARY_INGRESS}`,
        {
          body: { metadata: { annotations: { [ANNOTATION_ABORT]: reason } } },
          contentType: "application/merge-patch+json",
        },
      );
      return firstStep;
    })();
    const withdraw = (): Promise<unknown> =>
      // Withdraw the request, as the message says (also when a check below fails).
      kubeRequest(
        ctx.cp.target,
        "PATCH",
        `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/${CANARY_INGRESS}`,
        {
          body: { metadata: { annotations: { [ANNOTATION_ABORT]: null } } },
          contentType: "application/merge-patch+json",
        },
      );
    const r = await up(ctx, "up-v4-abort");
    const step = await annotate;
    let errorLine = "";
    try {
      check(r.code !== 0, "pulumi up succeeded despite the abort annotation");
      const gate = `gate abort-request failed: measured abort requested: ${JSON.stringify(reason)}, threshold no ${ANNOTATION_ABORT} annotation on the canary Ingress; canary weight set back to 0`;
      const fix = `remove it with: ${abortClearCommand({ name: CANARY_INGRESS, namespace: NS })}`;
      // The engine's own line (its progress output) and the CLI's error line carry the same text.
      const engineLine = r.output
        .split("\n")
        .find((l) => l.includes(`[ws-gateway rollout v4] warning: `) && l.includes(gate));
      errorLine = r.output.split("\n").find((l) => l.startsWith("error: ") && l.includes(gate)) ?? "";
      check(
        engineLine !== undefined && errorLine !== "",
        `the CLI output lacks the engine's message (${gate}):\n${tail(r.output)}`,
      );
      const engineText = engineLine.slice(engineLine.indexOf("warning: ") + "warning: ".length).trim();
      check(
        errorLine.slice("error: ".length).trim() === engineText,
        `the CLI's error differs from the engine's message:\n  ${errorLine}\n  ${engineText}`,
      );
      check(errorLine.includes(fix), `the message lacks the way out: ${fix}`);
      const weight = (await canaryAnnotations(ctx))[ANNOTATION_CANARY_WEIGHT];
      check(weight === "0", `weight after abort is ${weight}, expected 0`);
      check(
        (await selectorOf(ctx, STABLE_SERVICE)) === "v3",
        "the stable selector changed during an aborted release",
      );
    } finally {
      await withdraw();
    }
    return `abort requested at weight ${step.weight}%; pulumi up failed in ${r.seconds.toFixed(1)}s with: ${errorLine.trim()}; weight 0, stable v3`;
  });

  await run("api-server-outage", async () => {
    const since = Date.now();
    let stopped = 0;
    let restarted = 0;
    const outage = (async () => {
      await ctx.watcher.waitFor(
        (r) =>
          r.kind === "Ingress" && r.name === CANARY_INGRESS && r.weight !== undefined && r.weight !== "0",
        300_000,
        since,
      );
      await ctx.cp.stopApiserver();
      stopped = Date.now();
      await new Promise((res) => setTimeout(res, 15_000));
      await ctx.cp.startApiserver();
      restarted = Date.now();
    })();
    const r = await up(ctx, "up-v4-outage");
    await outage;
    // The engine retries API failures within its budget: a short outage is either ridden out
    // (the update succeeds, each failed call shown as a warning) or fails the update; then a re-run must finish it.
    const shown = r.output
      .split("\n")
      .filter((l) => /^error|warning: gate|warning: step/.test(l.replace(/^\[ws-gateway rollout \S+\] /, "")))
      .map((l) => l.trim());
    check(shown.length > 0, `the outage left no line for the user:\n${tail(r.output)}`);
    check(
      !/\n\s+at .+\(.+:\d+:\d+\)/.test(r.output),
      `the CLI output carries a stack trace:\n${tail(r.output)}`,
    );
    check(
      !r.output.includes("[object Object]"),
      `the message lost its cause ("[object Object]"):\n${tail(r.output)}`,
    );
    check(
      shown.some((l) => /connection refused|ECONNREFUSED|no answer/.test(l)),
      `no line names the API failure:\n${shown.slice(0, 4).join("\n")}`,
    );
    const outcome =
      r.code === 0
        ? `pulumi up rode it out in ${r.seconds.toFixed(1)}s`
        : `pulumi up failed after ${r.seconds.toFixed(1)}s`;
    let rerunText = "no re-run needed";
    if (r.code !== 0) {
      const rerun = await up(ctx, "up-v4-rerun");
      expectOk(rerun, "pulumi up re-run after the outage");
      rerunText = `re-run: pulumi up ${rerun.seconds.toFixed(1)}s, v4 promoted`;
    }
    check((await selectorOf(ctx, STABLE_SERVICE)) === "v4", "stable does not select v4 after the outage");
    return (
      `API server down ${((restarted - stopped) / 1000).toFixed(0)}s mid-step; ${outcome}; the user saw ${shown.length} lines, first: ${shown[0] ?? ""}; last: ${shown[shown.length - 1] ?? ""}; ` +
      rerunText
    );
  });

  await run("rollback-v1", async () => {
    const full = stackSteps(ctx);
    editStack(ctx, (c) => {
      section(c, "rollout").steps = [{ weight: 100 }];
    });
    const detail = await release(ctx, "v4", "v1", "up-rollback-v1");
    editStack(ctx, (c) => {
      section(c, "rollout").steps = full.map((s) => (s.pause === undefined ? s : { ...s, pause: "1m" }));
    });
    return `emergency schedule [100]: ${detail}`;
  });

  await run("preview-policy-pack", async () => {
    const pack = path.join(ws.repo, "policies");
    const packConfig = path.join(ws.repo, "policies", "stack-config", `${STACK}.json`);
    const clean = await ws.pulumi(
      ["preview", "--stack", STACK, "--policy-pack", pack, "--policy-pack-config", packConfig],
      "preview-pack",
    );
    expectOk(clean, "pulumi preview --policy-pack (e2e stack)");
    check(!/mandatory/.test(clean.output), `the e2e stack has policy violations:\n${tail(clean.output)}`);
    const saved = fs.readFileSync(ws.stackFile, "utf8");
    const repo = await startChartRepo(path.join(ws.workdir, "tmp"), INGRESS_NGINX_CHART, "4.15.1");
    let broken: CliResult;
    try {
      // A stack that installs a single controller: the chart then renders no PDB.
      editStack(ctx, (c) => {
        const ing = section(c, "ingress");
        Object.assign(ing, {
          controller: "install",
          controllerReplicas: 1,
          serviceType: "NodePort",
          chartRepository: repo.url,
        });
      });
      broken = await ws.pulumi(
        ["preview", "--stack", STACK, "--policy-pack", pack, "--policy-pack-config", packConfig],
        "preview-pack-broken",
      );
    } finally {
      fs.writeFileSync(ws.stackFile, saved);
      await repo.close();
    }
    check(broken.code !== 0, "the broken variant (one ingress controller) passed the policy pack");
    const violation =
      broken.output.split("\n").find((l) => /mandatory/.test(l) && /ingress-nginx-pdb/.test(l)) ??
      broken.output.split("\n").find((l) => /ingress-nginx-pdb/.test(l)) ??
      "";
    check(violation !== "", `no mandatory ingress-nginx-pdb violation shown:\n${tail(broken.output)}`);
    const message = broken.output.split("\n").find((l) => /replicaCount is 1/.test(l)) ?? "";
    return `clean preview in ${clean.seconds.toFixed(1)}s; one-controller variant rejected: ${violation.trim()} ${message.trim()}`;
  });

  await run("ingress-chart-values", async () => {
    const saved = fs.readFileSync(ws.stackFile, "utf8");
    const repo = await startChartRepo(path.join(ws.workdir, "tmp"), INGRESS_NGINX_CHART, "4.15.1");
    let r: CliResult;
    let rawConfig: Record<string, unknown> = {};
    try {
      editStack(ctx, (c) => {
        Object.assign(section(c, "ingress"), {
          controller: "install",
          controllerReplicas: 2,
          serviceType: "NodePort",
          chartRepository: repo.url,
        });
        rawConfig = structuredClone(c);
      });
      r = await ws.pulumi(["preview", "--json", "--stack", STACK], "preview-chart-json");
    } finally {
      fs.writeFileSync(ws.stackFile, saved);
      await repo.close();
    }
    expectOk(r, "pulumi preview --json (ingress.controller install)");
    const plan = JSON.parse(r.stdout) as {
      steps?: { op: string; urn: string; newState?: { type: string; inputs?: Record<string, unknown> } }[];
    };
    const release = (plan.steps ?? []).find((st) => st.newState?.type === "kubernetes:helm.sh/v3:Release");
    check(
      release !== undefined,
      `no kubernetes:helm.sh/v3:Release in the preview (${(plan.steps ?? []).length} steps)`,
    );
    const sent = release.newState?.inputs ?? {};
    const raw = Object.fromEntries(
      ["cluster", "ingress", "gateway", "rollout"].map((k) => [k, rawConfig[`ws-gateway:${k}`]]),
    );
    const declared = ingressNginxReleaseArgs(ingressNginxArgs(parseConfig(raw)));
    const values = sent.values as { controller?: Record<string, unknown> } | undefined;
    const ctl = values?.controller ?? {};
    const cfg = (ctl.config ?? {}) as Record<string, string>;
    const svc = (ctl.service ?? {}) as Record<string, unknown>;
    const declaredJson = canonical(declared.values);
    const sentJson = canonical(values);
    check(
      sentJson === declaredJson,
      `the release's values differ from what the program declares:\n sent     ${sentJson}\n declared ${declaredJson}`,
    );
    check(
      sent.chart === declared.chart && sent.version === declared.version,
      `chart ${String(sent.chart)}@${String(sent.version)}, declared ${declared.chart}@${declared.version}`,
    );
    const spread = (ctl.topologySpreadConstraints ?? []) as {
      topologyKey?: string;
      whenUnsatisfiable?: string;
    }[];
    return (
      `the engine sends ${declared.chart}@${declared.version} with controller values equal to the program's: ` +
      `worker-shutdown-timeout ${cfg["worker-shutdown-timeout"]}, proxy-read-timeout ${cfg["proxy-read-timeout"]}, proxy-send-timeout ${cfg["proxy-send-timeout"]}, ` +
      `terminationGracePeriodSeconds ${String(ctl.terminationGracePeriodSeconds)}, replicaCount ${String(ctl.replicaCount)}, PDB minAvailable ${String(ctl.minAvailable)}, ` +
      `zone spread ${spread.map((x) => `${x.topologyKey}/${x.whenUnsatisfiable}`).join(",")}, externalTrafficPolicy ${String(svc.externalTrafficPolicy)}`
    );
  });

  await run("invalid-config", async () => {
    const saved = fs.readFileSync(ws.stackFile, "utf8");
    expectOk(await ws.configSet("gateway.drainSeconds", "0"), "pulumi config set drainSeconds 0");
    const r = await ws.pulumi(["preview", "--stack", STACK], "preview-invalid");
    fs.writeFileSync(ws.stackFile, saved);
    check(r.code !== 0, "pulumi preview accepted drainSeconds 0");
    const header = "Invalid stack configuration (1 problem); nothing was changed:";
    check(r.output.includes(header), `no clean config message:\n${tail(r.output)}`);
    const line = r.output.split("\n").find((l) => l.includes("ws-gateway:gateway.drainSeconds:")) ?? "";
    check(line !== "", "the message does not name ws-gateway:gateway.drainSeconds");
    // The CLI shows the error once in the progress line and once under Diagnostics.
    const diagnostics = r.output.slice(r.output.indexOf("Diagnostics:"));
    const count = diagnostics.split(header).length - 1;
    check(count === 1, `the message appears ${count} times under Diagnostics`);
    check(!/\n\s+at .+:\d+:\d+\)?\n/.test(r.output), `stack trace in the output:\n${tail(r.output)}`);
    return `one message: ${header} ${line.trim()}`;
  });

  await run("destroy", async () => {
    const r = await ws.pulumi(["destroy", "--yes", "--skip-preview", "--stack", STACK], "destroy");
    expectOk(r, "pulumi destroy");
    const left: string[] = [];
    for (const p of [
      `/apis/apps/v1/deployments?labelSelector=${LABEL_APP}=${APP_NAME}`,
      `/api/v1/services?labelSelector=${LABEL_APP}=${APP_NAME}`,
      `/apis/networking.k8s.io/v1/ingresses?labelSelector=${LABEL_APP}=${APP_NAME}`,
      `/apis/autoscaling/v2/horizontalpodautoscalers?labelSelector=${LABEL_APP}=${APP_NAME}`,
      `/apis/policy/v1/poddisruptionbudgets?labelSelector=${LABEL_APP}=${APP_NAME}`,
    ]) {
      const list = (await kubeRequest(ctx.cp.target, "GET", p)) as {
        items: { metadata: { name: string } }[];
      };
      left.push(...list.items.map((i) => `${p.split("?")[0]}/${i.metadata.name}`));
    }
    const ns = await get(ctx, `/api/v1/namespaces/${NS}`);
    if (ns !== undefined) left.push(`namespace ${NS}`);
    check(left.length === 0, `left after destroy: ${left.join(", ")}`);
    const state = await ws.pulumi(["stack", "--stack", STACK, "--show-urns"], "stack-after-destroy");
    const remaining = (state.output.match(/urn:pulumi:/g) ?? []).length;
    check(remaining === 0, `the stack still holds ${remaining} resources`);
    return `pulumi destroy ${r.seconds.toFixed(1)}s; no Deployment, Service, Ingress, HPA, PDB or namespace left; stack empty`;
  });
}
