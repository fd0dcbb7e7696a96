/**
 * A container's environment as the kubelet resolves it: envFrom sources first
 * (in order, a later source overriding an earlier one, each key with its
 * prefix), then every env entry in order, a later entry of the same name
 * replacing an earlier one (the API server accepts duplicates and the last
 * wins); a literal value expands $(VAR) from the variables defined before it,
 * "$$" escapes a "$", and a reference to an undefined variable stays as
 * written. A value the pack cannot read (valueFrom, an unknown) is kept as
 * the reference it comes from.
 */
import { UNKNOWN, at, isUnknown, items, knownItems, show, type Unknown } from "../values";

/** Reads a key of a ConfigMap the stack declares: its value, undefined when absent, UNKNOWN when unknowable. */
export type ConfigMapLookup = (
  namespace: string | undefined,
  name: string,
  key: string,
) => string | Unknown | undefined;

/** One resolved variable: a literal value, or the reference only the cluster can read. */
export type EnvVar =
  | { readonly kind: "literal"; readonly value: string; readonly from?: string }
  | { readonly kind: "reference"; readonly from: string };

/** The variables by name, or UNKNOWN when the env list itself is not known yet. */
export type ResolvedEnv = ReadonlyMap<string, EnvVar | Unknown>;

/** Expands $(VAR) as the kubelet does; UNKNOWN when a referenced variable is not readable. */
export function expand(text: string, env: ReadonlyMap<string, EnvVar | Unknown>): string | Unknown {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "$" && text[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    if (ch === "$" && text[i + 1] === "(") {
      const end = text.indexOf(")", i + 2);
      if (end > 0) {
        const name = text.slice(i + 2, end);
        const v = env.get(name);
        if (v === undefined) out += text.slice(i, end + 1);
        else if (isUnknown(v) || v.kind === "reference") return UNKNOWN;
        else out += v.value;
        i = end;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

function referenceOf(from: unknown): string {
  const cm = at(from, "configMapKeyRef");
  const secret = at(from, "secretKeyRef");
  if (cm !== undefined && !isUnknown(cm))
    return `ConfigMap ${show(at(cm, "name"))} key ${show(at(cm, "key"))}`;
  if (secret !== undefined && !isUnknown(secret)) {
    return `Secret ${show(at(secret, "name"))} key ${show(at(secret, "key"))}`;
  }
  return `a reference (${show(from)})`;
}

/**
 * The container's resolved environment. `lookup` reads ConfigMaps the stack
 * declares, so a value kept there is checked like a literal; without it every
 * reference stays a reference.
 */
export function resolveEnv(
  container: unknown,
  namespace: string | undefined = undefined,
  lookup: ConfigMapLookup | undefined = undefined,
): ResolvedEnv | Unknown {
  const env = new Map<string, EnvVar | Unknown>();
  const envFrom = items(at(container, "envFrom"));
  const list = items(at(container, "env"));
  if (isUnknown(envFrom) || isUnknown(list)) return UNKNOWN;
  for (const src of envFrom ?? []) {
    const cm = at(src, "configMapRef.name");
    const secret = at(src, "secretRef.name");
    const prefix = at(src, "prefix");
    const label = cm !== undefined ? `ConfigMap ${show(cm)}` : `Secret ${show(secret)}`;
    // Keys of an envFrom source are only known in the cluster: record the source under a wildcard.
    env.set(`${typeof prefix === "string" ? prefix : ""}*`, {
      kind: "reference",
      from: `envFrom (${label})`,
    });
  }
  for (const e of list ?? []) {
    const name = at(e, "name");
    if (isUnknown(e) || isUnknown(name)) return UNKNOWN;
    if (typeof name !== "string") continue;
    const value = at(e, "value");
    const from = at(e, "valueFrom");
    if (isUnknown(value) || isUnknown(from)) {
      env.set(name, UNKNOWN);
    } else if (typeof value === "string") {
      const v = expand(value, env);
      env.set(name, isUnknown(v) ? UNKNOWN : { kind: "literal", value: v });
    } else if (from !== undefined && from !== null) {
      const cmName = at(from, "configMapKeyRef.name");
      const cmKey = at(from, "configMapKeyRef.key");
      const found =
        lookup !== undefined && typeof cmName === "string" && typeof cmKey === "string"
          ? lookup(namespace, cmName, cmKey)
          : undefined;
      if (typeof found === "string")
        env.set(name, { kind: "literal", value: found, from: referenceOf(from) });
      else env.set(name, { kind: "reference", from: referenceOf(from) });
    } else {
      env.set(name, { kind: "literal", value: "" });
    }
  }
  return env;
}

/** Every name the env list declares more than once, with the values in order (the last is the one used). */
export function duplicateEnv(container: unknown): { name: string; values: string[] }[] {
  const seen = new Map<string, string[]>();
  for (const e of knownItems(at(container, "env"))) {
    const name = at(e, "name");
    if (typeof name !== "string") continue;
    const v = at(e, "value");
    seen.set(name, [...(seen.get(name) ?? []), typeof v === "string" ? JSON.stringify(v) : "a reference"]);
  }
  return [...seen.entries()].filter(([, vs]) => vs.length > 1).map(([name, values]) => ({ name, values }));
}

/** The variable as the container sees it; undefined when neither env nor envFrom defines it (an envFrom source might). */
export function variable(env: ResolvedEnv, name: string): EnvVar | Unknown | undefined {
  return env.get(name);
}
