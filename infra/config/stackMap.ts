/**
 * `parseConfigMap`: every config key Pulumi hands the program, namespaced as
 * in a stack file (`ws-gateway:gateway`, `gcp:project`, `kubernetes:context`),
 * with structured values already decoded from their JSON text. This is the
 * entry point of the program and of the tests that feed whole stack files.
 */
import { ConfigError } from "./errors";
import { parseConfig } from "./load";
import type { ParseContext } from "./rules";
import { CONFIG_NAMESPACE, type RawStackConfig, type StackConfig } from "./types";

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

/** Validates a whole stack config map; throws ConfigError listing every problem. */
export function parseConfigMap(config: StackConfigMap, context: ParseContext = {}): StackConfig {
  const parsed = parseConfig(ownSections(config), context);
  if (parsed.cluster.mode === "gke" && parsed.cluster.project === undefined) {
    const gcpProject = config["gcp:project"];
    if (typeof gcpProject !== "string" || gcpProject === "") {
      throw new ConfigError([
        `${CONFIG_NAMESPACE}:cluster.project: is required when gcp:project is not set: a GCP project ID. Fix: set ws-gateway:cluster.project or gcp:project.`,
      ]);
    }
    return { ...parsed, cluster: { ...parsed.cluster, project: gcpProject } };
  }
  return parsed;
}
