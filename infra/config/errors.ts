/** The error a bad stack config raises, and the pieces every message is built from. */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "./types";

/**
 * Thrown by `parseConfig`; `problems` holds one line per problem.
 * A `pulumi.RunError`, so `pulumi up` prints the message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Renders a received value for a message: strings quoted, nothing as "nothing". */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function message(allowed: string, value: unknown, fix: string): string {
  return value === undefined
    ? `is required: ${allowed}. Fix: ${fix}.`
    : `must be ${allowed} (got ${show(value)}). Fix: ${fix}.`;
}

/** The full config key of a path inside the ws-gateway namespace, e.g. `ws-gateway:rollout.steps[0].pause`. */
export function key(path: readonly PropertyKey[]): string {
  let out = CONFIG_NAMESPACE + ":";
  path.forEach((p, i) => {
    out += typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`;
  });
  return out;
}
