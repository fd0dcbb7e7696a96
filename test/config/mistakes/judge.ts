/**
 * Runs one generated case through the entry point's parser and says what
 * happened: caught (refused naming the key with a fix, or accepted when
 * valid), missed (how), or crashed (an error that is not a ConfigError).
 */
import { ConfigError, parseConfigMap } from "../../../infra/config";
import { stackConfigMap } from "../../helpers/stacks";
import type { ConfigCase } from "./cases";

export type Verdict =
  | { readonly kind: "caught" }
  | { readonly kind: "missed"; readonly how: string }
  | { readonly kind: "crashed"; readonly error: unknown };

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Whether a problem line names the key: the key appears whole, not as the
 * start of a longer key (`ws-gateway:gateway` is not named by
 * `ws-gateway:gateway.image`, nor `...steps` by `...steps[0]`).
 */
export function namesKey(line: string, key: string): boolean {
  return new RegExp(`${escape(key)}(?![\\w.\\[\\]\\-])`, "u").test(line);
}

/** The case's config map: its stack file, deep-cloned, then changed by the case. */
export function caseConfig(c: ConfigCase): Record<string, unknown> {
  return c.mutate(structuredClone(stackConfigMap(c.stack)));
}

export function judge(c: ConfigCase): Verdict {
  const config = caseConfig(c);
  let problems: readonly string[];
  try {
    parseConfigMap(config, { stack: c.stack });
    return c.expect.refused ? { kind: "missed", how: "accepted" } : { kind: "caught" };
  } catch (error) {
    if (!(error instanceof ConfigError)) return { kind: "crashed", error };
    problems = error.problems;
  }
  if (!c.expect.refused) return { kind: "missed", how: `refused a valid config: ${problems.join(" | ")}` };
  const key = c.expect.key;
  const naming = problems.filter((p) => namesKey(p, key));
  if (naming.length === 0)
    return { kind: "missed", how: `refused, but no line names ${key}: ${problems.join(" | ")}` };
  const fixed = naming.filter((p) => p.includes("Fix:"));
  if (fixed.length === 0)
    return { kind: "missed", how: `the line naming ${key} has no Fix: ${naming.join(" | ")}` };
  const names = c.expect.names;
  if (names !== undefined && !fixed.some((p) => p.includes(names)))
    return { kind: "missed", how: `the line naming ${key} does not name ${names}: ${fixed.join(" | ")}` };
  return { kind: "caught" };
}
