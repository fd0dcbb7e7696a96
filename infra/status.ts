/**
 * `npm run status -- --stack NAME [--watch] [--json]` (or `--namespace NS
 * [--context CTX]`): where a release is, read from the cluster, so it works
 * from any terminal while `pulumi up` runs anywhere. It reads the canary
 * Ingress once (every 2 s with --watch): the status annotation the engine
 * keeps (components/rollout/releaseStatus.ts), the weight, and the
 * operator's requests (abort, pause, promote).
 *
 * Exit codes: 0 shown, 1 nothing to show (no Ingress, no status, API
 * failure), 2 usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ANNOTATION_CANARY_WEIGHT, CANARY_INGRESS } from "../components/names";
import { ANNOTATION_ABORT } from "../components/rollout/abortAnnotation";
import { isApiError } from "../components/rollout/apiError";
import { KubeClient } from "../components/rollout/kubeClient";
import { formatDuration } from "../components/rollout/messages";
import { ANNOTATION_STATUS, type ReleaseStatus } from "../components/rollout/releaseStatus";
import { steeringIn } from "../components/rollout/steering";
import { parseConfig } from "./config";

export interface StatusArgs {
  readonly namespace: string;
  readonly context: string | undefined;
  readonly watch: boolean;
  readonly json: boolean;
}

export const STATUS_USAGE =
  "npm run status -- --stack NAME [--context CTX] [--watch] [--json] | --namespace NS [--context CTX] [--watch] [--json]";

const WATCH_EVERY_MS = 2_000;

export class UsageError extends Error {}

/** The gateway namespace and kube context of a stack file (stacks/Pulumi.NAME.yaml), through the config's own defaults. */
export function stackTarget(root: string, stack: string): { namespace: string; context: string | undefined } {
  const file = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = fs
      .readdirSync(path.join(root, "stacks"))
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((n): n is string => n !== undefined);
    throw new UsageError(
      `--stack ${stack}: no stacks/Pulumi.${stack}.yaml; stacks here: ${known.join(", ")}`,
    );
  }
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (key.startsWith("ws-gateway:")) raw[key.slice("ws-gateway:".length)] = value;
  }
  const config = parseConfig(raw);
  const context = config.cluster.mode === "existing" ? config.cluster.kubeContext : undefined;
  return { namespace: config.gateway.namespace, context };
}

export function parseStatusArgs(argv: readonly string[], root: string): StatusArgs | "help" {
  let stack: string | undefined;
  let namespace: string | undefined;
  let context: string | undefined;
  let watch = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v === "" || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--help" || a === "-h") return "help";
    else if (a === "--stack") stack = value();
    else if (a === "--namespace") namespace = value();
    else if (a === "--context") context = value();
    else if (a === "--watch") watch = true;
    else if (a === "--json") json = true;
    else throw new UsageError(`unknown argument ${a}`);
  }
  if ((stack === undefined) === (namespace === undefined)) {
    throw new UsageError("give exactly one of --stack NAME or --namespace NS");
  }
  const target =
    stack === undefined ? { namespace: namespace ?? "", context: undefined } : stackTarget(root, stack);
  return { namespace: target.namespace, context: context ?? target.context, watch, json };
}

/** What the canary Ingress says, as one block of text. */
export function renderStatus(
  ingress: string,
  annotations: Readonly<Record<string, string>>,
  nowMs: number,
): string {
  const lines = [`release on ${ingress}`];
  const text = annotations[ANNOTATION_STATUS];
  let status: ReleaseStatus | undefined;
  try {
    status = text === undefined ? undefined : (JSON.parse(text) as ReleaseStatus);
  } catch {
    lines.push(`  the ${ANNOTATION_STATUS} annotation is not JSON: ${JSON.stringify(text)}`);
  }
  const weight = annotations[ANNOTATION_CANARY_WEIGHT] ?? "0";
  if (status === undefined) {
    lines.push(`  no release recorded yet (no ${ANNOTATION_STATUS} annotation); canary weight ${weight}%`);
  } else {
    const updated = Math.max(0, (nowMs - Date.parse(status.updatedAt)) / 1000);
    lines.push(
      `  version ${status.version}: ${status.state}, phase ${status.phase}, step ${status.step}/${status.stepCount}, weight ${weight}%` +
        (status.gates === undefined ? "" : `, gates ${status.gates}`),
    );
    if (status.timeLeftSeconds !== undefined)
      lines.push(`  scheduled time left ${formatDuration(status.timeLeftSeconds)}`);
    if (status.paused !== undefined)
      lines.push(`  paused${status.paused === "" ? "" : `: ${status.paused}`}`);
    if (status.message !== undefined) lines.push(`  ${status.message}`);
    lines.push(`  started ${status.startedAt}, updated ${formatDuration(Math.round(updated))} ago`);
  }
  const steering = steeringIn(annotations);
  const requests = [
    ...(Object.hasOwn(annotations, ANNOTATION_ABORT)
      ? [`abort ${JSON.stringify(annotations[ANNOTATION_ABORT])}`]
      : []),
    ...(steering.pause === undefined ? [] : [`pause ${JSON.stringify(steering.pause)}`]),
    ...(steering.promote === undefined ? [] : [`promote ${steering.promote}`]),
  ];
  lines.push(`  requests: ${requests.length === 0 ? "none" : requests.join(", ")}`);
  return lines.join("\n");
}

export async function runStatus(args: StatusArgs, out: (text: string) => void): Promise<number> {
  const client = new KubeClient({
    ...(args.context === undefined ? {} : { kubeContext: args.context }),
    timeoutMs: 10_000,
  });
  const ns = encodeURIComponent(args.namespace);
  const where = `${args.namespace}/${CANARY_INGRESS}`;
  for (;;) {
    let annotations: Record<string, string>;
    try {
      const doc = (await client.request({
        method: "GET",
        path: `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${CANARY_INGRESS}`,
        what: `Ingress ${where}`,
        notFoundFix: `check --namespace (or the stack's gateway.namespace) and that the stack was deployed: kubectl get ingress -n ${args.namespace}`,
      })) as { metadata?: { annotations?: Record<string, string> } } | undefined;
      annotations = doc?.metadata?.annotations ?? {};
    } catch (error) {
      out(
        `status: ${isApiError(error) ? `${error.summary}${error.fix === "" ? "" : `; ${error.fix}`}` : String(error)}`,
      );
      return 1;
    }
    const text = annotations[ANNOTATION_STATUS];
    if (args.json) out(text ?? "null");
    else out(renderStatus(where, annotations, Date.now()));
    const state = text === undefined ? undefined : (JSON.parse(text) as { state?: string }).state;
    if (!args.watch || state === undefined || !["running", "paused"].includes(state)) {
      return text === undefined ? 1 : 0;
    }
    await new Promise((resolve) => setTimeout(resolve, WATCH_EVERY_MS));
  }
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, "..", "..");
  let args: StatusArgs | "help";
  try {
    args = parseStatusArgs(process.argv.slice(2), root);
  } catch (error) {
    // A usage mistake, or a stack file the config validation refuses (its message names the key).
    console.error(
      `status: ${error instanceof Error ? error.message : String(error)}. Usage: ${STATUS_USAGE}`,
    );
    process.exit(2);
  }
  if (args === "help") {
    console.log(
      `Usage: ${STATUS_USAGE}\n\nShows where a release is, from the canary Ingress (docs/operations.md).`,
    );
    return;
  }
  process.exit(await runStatus(args, (text) => console.log(text)));
}

if (require.main === module) void main();
