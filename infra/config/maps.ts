/**
 * Maps and lists of the config: sections with a fixed set of keys (unknown
 * keys reported with the ones allowed and the nearest), lists with bounds,
 * and the JSON text `pulumi config set --path` stores for either.
 */
import { z } from "zod";
import { asciiRepair, describeCharacters } from "./characters";
import { message } from "./errors";

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] ?? 0;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] ?? 0;
      d[j] = Math.min(
        (d[j] ?? 0) + 1,
        (d[j - 1] ?? 0) + 1,
        prev + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return d[b.length] ?? 0;
}

/** The allowed key closest to `unknown`, when it is close enough to be a misspelling. */
export function closest(unknown: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of allowed) {
    const dist = distance(unknown, k);
    if (dist < bestD) {
      best = k;
      bestD = dist;
    }
  }
  const lowerHit = allowed.find((k) => k.toLowerCase() === unknown.toLowerCase());
  if (lowerHit !== undefined) return lowerHit;
  return best !== undefined && bestD <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}

/** The message for one unknown key of a map whose keys are `allowed` (the line names the key in full). */
export function unknownKeyMessage(unknown: string, allowed: readonly string[], parent = "this map"): string {
  const near = closest(asciiRepair(unknown), allowed);
  const chars = describeCharacters(unknown);
  const notes = [chars, near === undefined ? undefined : `did you mean "${near}"?`].filter(
    (x) => x !== undefined,
  );
  return (
    `is not a key of ${parent}${notes.length === 0 ? "" : ` (${notes.join("; ")})`}: its settings would be ignored. ` +
    `Allowed keys: ${allowed.join(", ")}. Fix: ${near === undefined ? "remove it" : `rename it to ${near}, or remove it`}.`
  );
}

/** The message for unknown keys of a map whose keys are `allowed`. */
export function unknownKeysMessage(unknown: readonly string[], allowed: readonly string[]): string {
  return unknown.map((k) => unknownKeyMessage(k, allowed)).join(" ");
}

/**
 * `pulumi config set --path` stores a list or a map given on the command line
 * as text (only true, false and integers get a type of their own), so a key
 * that takes a list or a map reads JSON text as the value it spells.
 */
function decodeJsonText(open: "{" | "[") {
  return (v: unknown): unknown => {
    if (typeof v !== "string" || !v.trim().startsWith(open)) return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  };
}

/** Why JSON text does not parse, for a message. */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return "";
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * For JSON text pasted with characters JSON does not take (typographic
 * quotes, non-breaking spaces, zero-width characters): which ones, where,
 * and the ASCII text when that parses.
 */
function jsonTypography(text: string): string | undefined {
  const t = text.trim();
  const chars = describeCharacters(t);
  const repaired = asciiRepair(t);
  if (chars === undefined || !/^[[{]/.test(repaired)) return undefined;
  const parses = jsonError(repaired) === "";
  return `the text holds characters JSON does not take (${chars})${parses ? `; write it in plain ASCII: '${repaired}'` : "; write the quotes, spaces and dashes in plain ASCII"}`;
}

/** An object with a fixed set of keys; unknown keys are reported with the keys that are allowed. */
export function section<S extends z.ZodRawShape>(shape: S, what: string) {
  const allowed = Object.keys(shape);
  return z.preprocess(
    decodeJsonText("{"),
    z.strictObject(shape, {
      error: (iss) =>
        iss.code === "unrecognized_keys"
          ? unknownKeysMessage(iss.keys, allowed)
          : message(
              `a map of ${what} with keys ${allowed.join(", ")}`,
              iss.input,
              typeof iss.input === "string" && jsonTypography(iss.input) !== undefined
                ? (jsonTypography(iss.input) ?? "")
                : typeof iss.input === "string" && iss.input.trim().startsWith("{")
                  ? `this is text that is not JSON (${jsonError(iss.input.trim())}); with pulumi config set --path write the map as JSON, e.g. '{"${allowed[0] ?? "key"}": ...}', or in the stack file as an indented YAML map`
                  : "write it as an indented YAML map of key: value lines",
            ),
    }),
  );
}

/** The text of a list written as `[a, b]` (YAML flow style) or `a, b`, item by item. */
function listItems(text: string): string[] {
  const t = text.trim();
  const inner = t.startsWith("[") && t.endsWith("]") ? t.slice(1, -1) : t;
  return inner
    .split(",")
    .map((x) => x.trim().replace(/^["']|["']$/g, ""))
    .filter((x) => x !== "");
}

export function list<T extends z.ZodType>(item: T, what: string, min: number, max: number, missing?: string) {
  const listFix = (input: unknown): string => {
    const typographic = typeof input === "string" ? jsonTypography(input) : undefined;
    if (typographic !== undefined) return typographic;
    if (typeof input === "string" && input.trim().startsWith("[")) {
      return `this is text that is not JSON (${jsonError(input.trim())}), as pulumi config set --path stores a list; write the list as JSON: ${JSON.stringify(listItems(input))} (quote every text), or in the stack file without quotes`;
    }
    if (typeof input === "string" && input.includes(",")) {
      return `YAML reads a comma-separated line as one text; write a list in brackets: [${listItems(input).join(", ")}]`;
    }
    return 'write it as a YAML list: one "- item" line per entry, or [a, b]';
  };
  return z.preprocess(
    decodeJsonText("["),
    z
      .array(item, { error: (iss) => message(`a list of ${what}`, iss.input, listFix(iss.input), missing) })
      .check(
        z.superRefine((v, ctx) => {
          if (v.length < min || v.length > max) {
            ctx.addIssue({
              code: "custom",
              message: `must hold ${min} to ${max} ${what} (got ${v.length}). Fix: ${v.length < min ? "add" : "remove"} entries to hold ${min} to ${max}.`,
            });
          }
        }),
      ),
  );
}
