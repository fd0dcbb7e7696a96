/** The error a bad stack config raises, and the pieces every message is built from. */
import * as pulumi from "@pulumi/pulumi";
import { showValue } from "../../components/shared/units";
import { CONFIG_NAMESPACE } from "./types";

/**
 * The value a problem's fix writes, as data: `set` writes `value` at `key`
 * (a full config key such as `ws-gateway:rollout.gates.interval`), `remove`
 * deletes the key. A test applies it and parses again: that rule then passes.
 */
export type Suggestion =
  | { readonly key: string; readonly set: unknown }
  | {
      readonly key: string;
      readonly remove: true;
      /** The key is a top-level name taken literally (`pulumi config rm` without --path), not a path. */
      readonly literal?: true;
    };

/**
 * Thrown by `parseConfig`; `problems` holds one line per problem, each naming
 * the key, the value, what is allowed and "Fix: ..."; `suggestions[i]` is the
 * value the fix of `problems[i]` writes, where the fix writes one.
 * A `pulumi.RunError`, so `pulumi up` prints the message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly problems: readonly string[],
    readonly suggestions: readonly (Suggestion | undefined)[] = [],
  ) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Renders a received value for a message: strings quoted, nothing as "nothing". */
export const show = showValue;

/**
 * One problem's text. A missing value gets its own fix (`missingFix`: how to
 * add the key), never the fix text of a wrong value.
 */
export function message(allowed: string, value: unknown, fix: string, missingFix?: string): string {
  return value === undefined
    ? `is required: ${allowed}. Fix: ${missingFix ?? "add this key to the stack file"}.`
    : `must be ${allowed} (got ${show(value)}). Fix: ${fix}.`;
}

/**
 * A map key `pulumi config set --path` takes after a dot: anything without the
 * path syntax's own characters (dots, brackets, quotes) or spaces; others
 * (label keys like "kubernetes.io/arch") go in brackets.
 */
const PLAIN_SEGMENT = /^[^.[\]"\s]+$/;

/**
 * The full config key of a path inside the ws-gateway namespace, e.g.
 * `ws-gateway:rollout.steps[0].pause`, or
 * `ws-gateway:gateway.pod.nodeSelector["kubernetes.io/arch"]` for a map key
 * holding dots or slashes (the form `pulumi config set --path` reads).
 */
export function key(path: readonly PropertyKey[]): string {
  let out = CONFIG_NAMESPACE + ":";
  path.forEach((p, i) => {
    const t = String(p);
    out +=
      typeof p === "number"
        ? `[${p}]`
        : i > 0 && !PLAIN_SEGMENT.test(t)
          ? `[${JSON.stringify(t)}]`
          : i === 0
            ? t
            : `.${t}`;
  });
  return out;
}
