/**
 * What every end-to-end scenario shares: the context it runs in, the checks
 * that fail it with a sentence, reads of the live cluster, edits of the stack
 * file, and the `pulumi up` every release goes through.
 */
import * as fs from "node:fs";
import * as yaml from "js-yaml";
import { APP_NAME, CANARY_INGRESS, LABEL_VERSION, versionedName } from "../../../components/names";
import { identityWarning } from "../../../components/rollout/gates";
import type { ControlPlane } from "../controlplane";
import { ApiError, kubeRequest } from "../kube";
import type { ClusterWatcher, Record_ } from "../watcher";
import { STACK, type CliResult, type Workspace } from "../workspace";

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
  readonly log: (line: string) => void;
}

/**
 * One scenario: GIVEN what the earlier scenarios left on the cluster and in
 * the stack, WHEN it runs the CLI, THEN `run` resolves with what it measured
 * or throws with the broken expectation.
 */
export interface Scenario {
  readonly name: string;
  /** One line for `--help` and the docs: what it does and what it checks. */
  readonly summary: string;
  readonly run: (ctx: ScenarioContext) => Promise<string>;
}

/** The gateway namespace (the program's default). */
export const NS = APP_NAME;

export function fail(message: string): never {
  throw new Error(message);
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

export function tail(output: string, lines = 25): string {
  return output.trimEnd().split("\n").slice(-lines).join("\n");
}

export function expectOk(r: CliResult, what: string): void {
  if (r.code !== 0) fail(`${what} exited ${r.code} (log ${r.log}):\n${tail(r.output)}`);
}

/** Seconds of a duration the stack file writes ("1m", "90s", "1h30m"). */
export function seconds(duration: string | undefined): number {
  if (duration === undefined) return 0;
  let total = 0;
  for (const m of duration.matchAll(/(\d+)([hms])/g)) {
    total += Number(m[1]) * (m[2] === "h" ? 3600 : m[2] === "m" ? 60 : 1);
  }
  return total;
}

export const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

export const iso = (t: number): string => new Date(t).toISOString().slice(11, 23);

/** The start of what a release says when rollout.gates.versionIdentity is off (up to its first comma). */
export const IDENTITY_OFF_WARNING = (
  identityWarning({
    intervalSeconds: 1,
    versionIdentity: "off",
    handshake: { url: "ws://127.0.0.1/", timeoutSeconds: 1, message: "ping" },
  }) ?? fail("identityWarning says nothing with versionIdentity off")
).split(",")[0];

// ---- the live cluster ------------------------------------------------------

export async function get(ctx: ScenarioContext, p: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await kubeRequest(ctx.cp.target, "GET", p)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

export async function selectorOf(ctx: ScenarioContext, service: string): Promise<string | undefined> {
  const svc = (await get(ctx, `/api/v1/namespaces/${NS}/services/${service}`)) as
    { spec?: { selector?: Record<string, string> } } | undefined;
  return svc?.spec?.selector?.[LABEL_VERSION];
}

const CANARY_INGRESS_PATH = `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/${CANARY_INGRESS}`;

export async function canaryAnnotations(ctx: ScenarioContext): Promise<Record<string, string>> {
  const ing = (await get(ctx, CANARY_INGRESS_PATH)) as
    { metadata?: { annotations?: Record<string, string> } } | undefined;
  return ing?.metadata?.annotations ?? {};
}

/** Sets (a string) or removes (null) one annotation of the canary Ingress, as an operator's kubectl would. */
export async function annotateCanary(ctx: ScenarioContext, key: string, value: string | null): Promise<void> {
  await kubeRequest(ctx.cp.target, "PATCH", CANARY_INGRESS_PATH, {
    body: { metadata: { annotations: { [key]: value } } },
    contentType: "application/merge-patch+json",
  });
}

export interface LiveDeployment {
  readonly metadata?: { uid?: string };
  readonly spec?: {
    replicas?: number;
    template?: { spec?: { containers?: { resources?: { requests?: Record<string, string> } }[] } };
  };
}

export async function deployment(ctx: ScenarioContext, version: string): Promise<LiveDeployment | undefined> {
  return (await get(ctx, `/apis/apps/v1/namespaces/${NS}/deployments/${versionedName(version)}`)) as
    LiveDeployment | undefined;
}

// ---- the stack file --------------------------------------------------------

/** The e2e stack's schedule (stacks/Pulumi.e2e.yaml), read back from the file so the checks follow it. */
export interface StackStep {
  weight: number;
  pause?: string;
}

/** Reads and rewrites the stack file (structured values the CLI writes too). */
export function editStack(ctx: ScenarioContext, edit: (config: Record<string, unknown>) => void): void {
  const doc = (yaml.load(fs.readFileSync(ctx.ws.stackFile, "utf8")) ?? {}) as {
    config?: Record<string, unknown>;
  };
  const config = doc.config ?? {};
  edit(config);
  doc.config = config;
  fs.writeFileSync(ctx.ws.stackFile, yaml.dump(doc, { lineWidth: 200 }));
}

/** The `ws-gateway:NAME` object of the stack config, created when absent. */
export function section(config: Record<string, unknown>, name: string): Record<string, unknown> {
  const key = `ws-gateway:${name}`;
  const value = (config[key] ?? {}) as Record<string, unknown>;
  config[key] = value;
  return value;
}

/** Runs `body` and puts the stack file back as it was, whatever happens. */
export async function withStackRestored<T>(ctx: ScenarioContext, body: () => Promise<T>): Promise<T> {
  const saved = fs.readFileSync(ctx.ws.stackFile, "utf8");
  try {
    return await body();
  } finally {
    fs.writeFileSync(ctx.ws.stackFile, saved);
  }
}

export function stackSteps(ctx: ScenarioContext): StackStep[] {
  let steps: StackStep[] = [];
  editStack(ctx, (c) => {
    steps = section(c, "rollout").steps as StackStep[];
  });
  return steps;
}

// ---- what the watcher saw --------------------------------------------------

/** The canary weight's changes, in order. */
export function distinctWeights(records: readonly Record_[]): { weight: string; t: number }[] {
  const out: { weight: string; t: number }[] = [];
  for (const r of records) {
    if (r.kind !== "Ingress" || r.name !== CANARY_INGRESS || r.weight === undefined) continue;
    if (out[out.length - 1]?.weight !== r.weight) out.push({ weight: r.weight, t: r.t });
  }
  return out;
}

export function first(records: readonly Record_[], match: (r: Record_) => boolean, what: string): Record_ {
  return records.find(match) ?? fail(`no ${what} in events.jsonl`);
}

/** The first record of a canary weight other than 0 since `since` (the release's first step). */
export function firstStepAfter(ctx: ScenarioContext, since: number, timeoutMs = 300_000): Promise<Record_> {
  return ctx.watcher.waitFor(
    (r) => r.kind === "Ingress" && r.name === CANARY_INGRESS && r.weight !== undefined && r.weight !== "0",
    timeoutMs,
    since,
  );
}

/** JSON with object keys sorted, so two values compare by content. */
export function canonical(v: unknown): string {
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

// ---- the CLI ---------------------------------------------------------------

/** `pulumi up` of the e2e stack; `env` overrides the CLI's environment (another kubeconfig). */
export function up(
  ctx: ScenarioContext,
  label: string,
  onLine?: (line: string) => void,
  env?: Readonly<Record<string, string>>,
): Promise<CliResult> {
  return ctx.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK, "--diff"], label, onLine, env);
}

/** Fails when the CLI output carries a stack trace or a cause lost to "[object Object]". */
export function checkCleanOutput(r: CliResult): void {
  check(
    !/\n\s+at .+\(.+:\d+:\d+\)/.test(r.output),
    `the CLI output carries a stack trace:\n${tail(r.output)}`,
  );
  check(
    !r.output.includes("[object Object]"),
    `the message lost its cause ("[object Object]"):\n${tail(r.output)}`,
  );
}

/** The lines a user reads about a failing or retried call: errors and the engine's warnings. */
export function failureLines(output: string): string[] {
  return output
    .split("\n")
    .filter((l) => /^error|warning: /.test(l.replace(/^\s*\[ws-gateway rollout \S+\] /, "").trim()))
    .map((l) => l.trim());
}
