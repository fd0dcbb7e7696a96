/**
 * `parseConfigMap`: every config key Pulumi hands the program, namespaced as
 * in a stack file (`ws-gateway:gateway`, `gcp:project`, `kubernetes:context`),
 * with structured values already decoded from their JSON text. This is the
 * entry point of the program and of the tests that feed whole stack files.
 * Keys of other namespaces are examined by `examineNamespaces`; what the
 * program reads of them (`gcp:project`) is checked with the rule of the key
 * it stands in for.
 */
import { ConfigError, show, type Suggestion } from "./errors";
import { parseConfig } from "./load";
import { examineNamespaces } from "./namespaces";
import type { ParseContext } from "./rules";
import { projectId } from "./schema";
import { CONFIG_NAMESPACE, type RawStackConfig, type StackConfig } from "./types";
import { valueAt } from "./walk";

/** The whole stack config map, keys as in a stack file's `config:` block. */
export type StackConfigMap = Readonly<Record<string, unknown>>;

/** The `ws-gateway:*` keys of a config map, by their name inside the namespace. */
export function ownSections(config: StackConfigMap): RawStackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(config)) {
    if (k.startsWith(prefix)) raw[k.slice(prefix.length)] = value;
  }
  return raw;
}

/** Problems of what the program reads from `gcp:project`, with the fix each writes. */
function gcpProjectProblems(
  config: StackConfigMap,
  mode: unknown,
  clusterProject: unknown,
): { problems: string[]; suggestions: (Suggestion | undefined)[] } {
  const problems: string[] = [];
  const suggestions: (Suggestion | undefined)[] = [];
  const gcpProject = config["gcp:project"];
  if (mode !== "gke") return { problems, suggestions };
  if (gcpProject !== undefined && clusterProject === undefined) {
    const r = projectId.safeParse(gcpProject);
    if (!r.success) {
      for (const i of r.error.issues) {
        problems.push(`gcp:project: ${i.message}`);
        const s = (i as { params?: { suggestion?: unknown } }).params?.suggestion;
        suggestions[problems.length - 1] = s === undefined ? undefined : { key: "gcp:project", set: s };
      }
    }
  }
  if (gcpProject === undefined && clusterProject === undefined) {
    problems.push(
      `${CONFIG_NAMESPACE}:cluster.project: is required when gcp:project is not set: a GCP project ID. Fix: set ws-gateway:cluster.project or gcp:project.`,
    );
  }
  if (typeof gcpProject === "string" && typeof clusterProject === "string" && gcpProject !== clusterProject) {
    problems.push(
      `gcp:project: names another project than ws-gateway:cluster.project (got ${show(gcpProject)} and ${show(clusterProject)}): the cluster goes to ${show(clusterProject)} while the Google provider defaults to ${show(gcpProject)}. Fix: set gcp:project to ${show(clusterProject)}, or remove one of the two.`,
    );
    suggestions[problems.length - 1] = { key: "gcp:project", set: clusterProject };
  }
  return { problems, suggestions };
}

/**
 * Validates a whole stack config map; throws ConfigError listing every
 * problem. Findings that do not refuse the config (keys it ignores) go to
 * `context.report`, which the program prints as warnings.
 */
export function parseConfigMap(config: StackConfigMap, context: ParseContext = {}): StackConfig {
  const own = ownSections(config);
  let parsed: StackConfig | undefined;
  let refused: ConfigError | undefined;
  try {
    parsed = parseConfig(own, context);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    refused = e;
  }
  const mode = parsed?.cluster.mode ?? valueAt(own, ["cluster", "mode"]);
  const findings = examineNamespaces(config, {
    mode: mode === "gke" || mode === "existing" ? mode : undefined,
  });
  const clusterProject =
    parsed?.cluster.mode === "gke" ? parsed.cluster.project : valueAt(own, ["cluster", "project"]);
  const gcp = gcpProjectProblems(config, mode, clusterProject);
  const before = refused?.problems ?? [];
  const problems = [...before, ...findings.problems, ...gcp.problems];
  if (problems.length > 0 || parsed === undefined) {
    const suggestions = [
      ...Array.from({ length: before.length }, (_v, i) => refused?.suggestions[i]),
      ...findings.problems.map(() => undefined),
      ...Array.from({ length: gcp.problems.length }, (_v, i) => gcp.suggestions[i]),
    ];
    throw new ConfigError(problems, suggestions);
  }
  for (const note of findings.notes) context.report?.(note);
  if (parsed.cluster.mode === "gke" && parsed.cluster.project === undefined) {
    return { ...parsed, cluster: { ...parsed.cluster, project: config["gcp:project"] as string } };
  }
  return parsed;
}
