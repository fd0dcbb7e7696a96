/** Reads the stack files under stacks/ the way Pulumi does: `config:` map of namespaced keys. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import type { RawStackConfig } from "../../infra/config";

/** Repository root, from dist/test/helpers or test/helpers. */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`Pulumi.yaml not found above ${__dirname}`);
    dir = up;
  }
  return dir;
})();

export const STACKS_DIR = path.join(REPO_ROOT, "stacks");

/** Names of every stack file, e.g. ["dev", "local", "prod"]. */
export function stackNames(): string[] {
  return fs
    .readdirSync(STACKS_DIR)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The `config:` map of a stack file, keys as written (e.g. "ws-gateway:gateway"). */
export function stackConfigMap(stack: string): Record<string, unknown> {
  const doc = yaml.load(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return doc.config ?? {};
}

/** The raw `ws-gateway:*` sections of a stack file, as parseConfig takes them. */
export function rawStackConfig(stack: string): RawStackConfig {
  const c = stackConfigMap(stack);
  return {
    cluster: c["ws-gateway:cluster"],
    ingress: c["ws-gateway:ingress"],
    gateway: c["ws-gateway:gateway"],
    rollout: c["ws-gateway:rollout"],
  };
}
