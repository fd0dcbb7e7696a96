/**
 * The shape of a generated config case and the edits that build one from a
 * stack file, the way a person (or `pulumi config set`) changes a stack.
 */
import type { StackConfigMap } from "../../../infra/config";

/** A stack file the case starts from (`stacks/Pulumi.<stack>.yaml`). */
export type StackName = "dev" | "prod" | "local" | "e2e";

/** What the parser must do with the case. */
export type Expectation =
  | {
      readonly refused: true;
      /** The config key the problem's line must name. */
      readonly key: string;
      /** Text that line must also hold, e.g. the code point of a look-alike character ("U+0430"). */
      readonly names?: string;
    }
  | { readonly refused: false };

/** A mutable copy of a stack's config map; edits change it in place. */
export type ConfigMap = Record<string, unknown>;

/** One edit of a config map. */
export type Mutation = (config: ConfigMap) => ConfigMap;

export interface ConfigCase {
  /** Stable, unique, kebab-case. */
  readonly id: string;
  readonly family: string;
  readonly description: string;
  /** The doc section or consumer rule the case comes from. */
  readonly source: string;
  readonly stack: StackName;
  readonly mutate: Mutation;
  readonly expect: Expectation;
}

/** A case without its family; each family file adds its own. */
export type FamilyCase = Omit<ConfigCase, "family">;

/** Tags every case of a family with its name. */
export function family(name: string, cases: readonly FamilyCase[]): ConfigCase[] {
  return cases.map((c) => ({ ...c, family: name }));
}

type Segment = string | number;

/**
 * Splits a `pulumi config set --path` key into the top-level config key and
 * the path inside it: `ws-gateway:rollout.steps[0].pause` is
 * `ws-gateway:rollout` and `["steps", 0, "pause"]`.
 */
export function splitPath(path: string): { top: string; segments: Segment[] } {
  const colon = path.indexOf(":");
  const rest = path.slice(colon + 1);
  const end = rest.search(/[.[]/);
  const top = end === -1 ? path : path.slice(0, colon + 1 + end);
  const segments: Segment[] = [];
  const re = /\.([^.[]+)|\[(\d+)\]/g;
  for (const m of (end === -1 ? "" : rest.slice(end)).matchAll(re)) {
    segments.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  return { top, segments };
}

function container(
  config: ConfigMap,
  path: string,
  create: boolean,
): { parent: Record<string | number, unknown>; last: Segment } | undefined {
  const { top, segments } = splitPath(path);
  if (segments.length === 0) return { parent: config, last: top };
  let parent: Record<string | number, unknown> = config;
  const all: Segment[] = [top, ...segments];
  for (let i = 0; i < all.length - 1; i++) {
    const k = all[i];
    let next = parent[k];
    if (next === null || typeof next !== "object") {
      if (!create) return undefined;
      next = typeof all[i + 1] === "number" ? [] : {};
      parent[k] = next;
    }
    parent = next as Record<string | number, unknown>;
  }
  return { parent, last: all[all.length - 1] };
}

/** Sets a value at a `--path`-style key, creating maps and lists on the way (as the CLI does). */
export function set(path: string, value: unknown): Mutation {
  return (config) => {
    const at = container(config, path, true);
    if (at) at.parent[at.last] = value;
    return config;
  };
}

/** Removes the value at a `--path`-style key (`pulumi config rm --path`). */
export function del(path: string): Mutation {
  return (config) => {
    const at = container(config, path, false);
    if (at) {
      if (Array.isArray(at.parent) && typeof at.last === "number") at.parent.splice(at.last, 1);
      else delete at.parent[at.last];
    }
    return config;
  };
}

/** Sets a top-level key exactly as written, dots and all (`pulumi config set` without `--path`). */
export function flat(key: string, value: unknown): Mutation {
  return (config) => {
    config[key] = value;
    return config;
  };
}

/** Reads the value at a `--path`-style key. */
export function get(config: StackConfigMap, path: string): unknown {
  const { top, segments } = splitPath(path);
  let v: unknown = config[top];
  for (const s of segments) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

/** Changes a value from what the stack file holds (e.g. appends a character). */
export function edit(path: string, change: (value: unknown) => unknown): Mutation {
  return (config) => set(path, change(get(config, path)))(config);
}

/** Applies edits in order. */
export function all(...mutations: Mutation[]): Mutation {
  return (config) => mutations.reduce((c, m) => m(c), config);
}

export const refused = (key: string, names?: string): Expectation =>
  names === undefined ? { refused: true, key } : { refused: true, key, names };

/** A case that sets one `ws-gateway:` key to `value` and expects that key refused. */
export function refusedAt(
  id: string,
  description: string,
  key: string,
  value: unknown,
  source: string,
  stack: FamilyCase["stack"] = "prod",
): FamilyCase {
  return {
    id,
    description,
    source,
    stack,
    mutate: set(`ws-gateway:${key}`, value),
    expect: refused(`ws-gateway:${key}`),
  };
}

/** The code point of the first character outside printable ASCII, written U+XXXX. */
export function firstNonAscii(text: string): string {
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || cp > 0x7e) return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  throw new Error(`no non-ASCII character in ${JSON.stringify(text)}`);
}
export const accepted: Expectation = { refused: false };
