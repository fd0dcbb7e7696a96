/** Shared fakes of the config tests that feed whole stack config maps. */
import assert from "node:assert/strict";
import { ConfigError, parseConfigMap, type StackConfig } from "../../infra/config";
import type { Suggestion } from "../../infra/config/errors";
import { stackConfigMap } from "../helpers/stacks";

export type ConfigMap = Record<string, unknown>;

/** What parsing a config map produced: the problems and suggestions, or the config and the notes. */
export type Outcome =
  | {
      readonly ok: false;
      readonly problems: readonly string[];
      readonly suggestions: readonly (Suggestion | undefined)[];
    }
  | { readonly ok: true; readonly config: StackConfig; readonly notes: readonly string[] };

export function parseMap(config: ConfigMap, stack = "test"): Outcome {
  const notes: string[] = [];
  try {
    return { ok: true, config: parseConfigMap(config, { stack, report: (n) => notes.push(n) }), notes };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, problems: e.problems, suggestions: e.suggestions };
    throw e;
  }
}

/** The problems of a config map that must be refused. */
export function refused(config: ConfigMap): readonly string[] {
  const r = parseMap(config);
  assert.ok(!r.ok, "expected the config to be refused");
  return r.problems;
}

/** A stack file's config map with some keys replaced (undefined deletes). */
export function stackWith(stack: string, changes: ConfigMap): ConfigMap {
  const out: ConfigMap = { ...structuredClone(stackConfigMap(stack)) };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** `ws-gateway:rollout.steps[0].pause` (or a bracketed map key, `nodeSelector["kubernetes.io/arch"]`) as its top key and the steps below it. */
export function splitKey(key: string): { top: string; rest: (string | number)[] } {
  const colon = key.indexOf(":");
  const parts = [...key.slice(colon + 1).matchAll(/\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)|\[(\d+)\]/g)].map(
    (m) =>
      m[1] !== undefined ? (JSON.parse(m[1]) as string) : m[3] !== undefined ? Number(m[3]) : (m[2] ?? ""),
  );
  const [first, ...rest] = parts;
  return { top: `${key.slice(0, colon)}:${String(first)}`, rest };
}

/** The config map with a suggestion applied: the value written at its key, or the key removed. */
export function applySuggestion(config: ConfigMap, s: Suggestion): ConfigMap {
  const out = structuredClone(config);
  if ("literal" in s) {
    delete out[s.key];
    return out;
  }
  const { top, rest } = splitKey(s.key);
  if (rest.length === 0) {
    if ("remove" in s) delete out[top];
    else out[top] = s.set;
    return out;
  }
  let node = (out[top] ??= {}) as Record<string | number, unknown>;
  rest.slice(0, -1).forEach((p, i) => {
    node = (node[p] ??= typeof rest[i + 1] === "number" ? [] : {}) as Record<string | number, unknown>;
  });
  const last = rest[rest.length - 1] as string | number;
  if ("remove" in s) delete node[last];
  else node[last] = s.set;
  return out;
}
