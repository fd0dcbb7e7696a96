/**
 * Leaf rules. Each one carries its own "allowed" text and "fix" so every
 * message is complete on its own.
 */
import { z } from "zod";
import { versionedName } from "../../components/names";
import { formatDuration, parseDuration } from "./duration";
import { message } from "./errors";

/** What a leaf expects, so a value YAML typed differently gets a YAML fix. */
export type Expect = "text" | "integer" | "number" | "boolean" | "duration" | "other";

const YAML_BOOLEAN_WORDS = /^(true|false|yes|no|on|off|y|n)$/i;
const NUMERIC_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

/**
 * The YAML fix for a value YAML read as another type than the key takes
 * (quotes around a number, a bare number where text or a duration is meant,
 * a boolean written as a word in quotes); undefined when the type is right.
 */
export function yamlHint(expect: Expect, v: unknown): string | undefined {
  switch (expect) {
    case "text":
      if (typeof v === "number" || typeof v === "boolean") {
        return typeof v === "number"
          ? `YAML reads the unquoted value as the number ${String(v)} (dropping leading zeros, trailing zeros and exponents); quote it exactly as written, e.g. "${String(v)}"`
          : `YAML reads the unquoted value as the boolean ${String(v)}; quote it: "${String(v)}"`;
      }
      return undefined;
    case "integer":
    case "number":
      if (typeof v === "string" && NUMERIC_TEXT.test(v)) {
        return `the quotes make YAML read ${JSON.stringify(v)} as text; write the number without quotes: ${v.trim()}`;
      }
      return undefined;
    case "boolean":
      if (typeof v === "string" && YAML_BOOLEAN_WORDS.test(v)) {
        const b = /^(true|yes|on|y)$/i.test(v);
        return `${JSON.stringify(v)} is text here; write ${String(b)} without quotes`;
      }
      if (v === 0 || v === 1) return `write ${String(v === 1)} rather than ${String(v)}`;
      return undefined;
    case "duration":
      if (typeof v === "number")
        return `a bare number has no unit; write it as a duration in quotes: "${v}s"`;
      return undefined;
    case "other":
      return undefined;
  }
}

/**
 * A leaf whose value is checked by `accept`; `accept` returns the parsed value
 * or undefined. `missing` is the fix when the key is absent (required leaves).
 */
export function leaf<T>(
  allowed: string,
  fix: string,
  accept: (v: unknown) => T | undefined,
  options: { readonly expect?: Expect; readonly missing?: string } = {},
) {
  return z.unknown().transform((v, ctx): T => {
    const parsed = v === undefined ? undefined : accept(v);
    if (parsed === undefined) {
      const hint = v === undefined ? undefined : yamlHint(options.expect ?? "other", v);
      ctx.addIssue({ code: "custom", message: message(allowed, v, hint ?? fix, options.missing) });
      return z.NEVER;
    }
    return parsed;
  });
}

export function intIn(min: number, max: number, fix: string, unit = "") {
  const u = unit === "" ? "" : ` ${unit}`;
  return leaf(
    `an integer from ${min} to ${max}${u}`,
    fix,
    (v) => (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : undefined),
    { expect: "integer" },
  );
}

export function oneOf<T extends string>(values: readonly T[], fix: string, missing?: string) {
  return leaf(
    `one of ${values.join(", ")}`,
    fix,
    (v) => (typeof v === "string" && (values as readonly string[]).includes(v) ? (v as T) : undefined),
    { expect: "text", missing },
  );
}

export function matching(re: RegExp, allowed: string, fix: string, missing?: string) {
  return leaf(allowed, fix, (v) => (typeof v === "string" && re.test(v) ? v : undefined), {
    expect: "text",
    missing,
  });
}

export function bool(fix: string) {
  return leaf("true or false", fix, (v) => (typeof v === "boolean" ? v : undefined), { expect: "boolean" });
}

export function duration(minSeconds: number, maxSeconds: number, fix: string) {
  return leaf(
    `a duration like "90s", "2m" or "1h30m" between ${formatDuration(minSeconds)} and ${formatDuration(maxSeconds)}`,
    fix,
    (v) => {
      if (typeof v !== "string") return undefined;
      const s = parseDuration(v);
      return s !== undefined && s >= minSeconds && s <= maxSeconds ? s : undefined;
    },
    { expect: "duration" },
  );
}

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

/** The message for unknown keys of a map whose keys are `allowed`. */
export function unknownKeysMessage(unknown: readonly string[], allowed: readonly string[]): string {
  const named = unknown
    .map((k) => {
      const near = closest(k, allowed);
      return near === undefined ? JSON.stringify(k) : `${JSON.stringify(k)} (did you mean "${near}"?)`;
    })
    .join(", ");
  return (
    `unknown key${unknown.length === 1 ? "" : "s"} ${named}: ${unknown.length === 1 ? "its" : "their"} settings would be ignored. ` +
    `Allowed keys: ${allowed.join(", ")}. Fix: correct the spelling or remove ${unknown.length === 1 ? "it" : "them"}.`
  );
}

/** An object with a fixed set of keys; unknown keys are reported with the keys that are allowed. */
export function section<S extends z.ZodRawShape>(shape: S, what: string) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? unknownKeysMessage(iss.keys, allowed)
        : message(
            `a map of ${what} with keys ${allowed.join(", ")}`,
            iss.input,
            "write it as an indented YAML map of key: value lines",
          ),
  });
}

export function list<T extends z.ZodType>(item: T, what: string, min: number, max: number, missing?: string) {
  return z
    .array(item, {
      error: (iss) =>
        message(
          `a list of ${what}`,
          iss.input,
          typeof iss.input === "string" && iss.input.includes(",")
            ? `YAML reads a comma-separated line as one text; write a list in brackets: [${iss.input
                .split(",")
                .map((x) => x.trim())
                .join(", ")}]`
            : 'write it as a YAML list: one "- item" line per entry, or [a, b]',
          missing,
        ),
    })
    .check(
      z.superRefine((v, ctx) => {
        if (v.length < min || v.length > max) {
          ctx.addIssue({
            code: "custom",
            message: `must hold ${min} to ${max} ${what} (got ${v.length}). Fix: add or remove entries.`,
          });
        }
      }),
    );
}

// ---------------------------------------------------------------------------
// Rules shared by several keys

/** DNS-1123 label characters; the Deployment name `ws-gateway-<version>` must stay a valid label (63 chars). */
const VERSION_MAX = 63 - versionedName("").length;
const VERSION_RE = new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${VERSION_MAX - 2}}[a-z0-9])?$`);
const VERSION_FIX =
  'use the image tag, lower-case letters, digits and "-", e.g. a short git SHA "2f9c1ab" or "v1-4-2"';

export function version(fixKey: string, missing?: string) {
  return leaf(
    `a DNS-1123 label fragment: 1 to ${VERSION_MAX} lower-case letters, digits or "-", starting and ending with a letter or digit, not "latest"`,
    `${VERSION_FIX} in ${fixKey}`,
    (v) => (typeof v === "string" && VERSION_RE.test(v) && v !== "latest" ? v : undefined),
    { expect: "text", missing },
  );
}

export const DNS_NAME_RE =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const DNS_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const SEMVER_RE = /^\d+\.\d+\.\d+$/;
export const REGION_RE = /^[a-z]+-[a-z]+\d+$/;
export const ZONE_RE = /^[a-z]+-[a-z]+\d+-[a-z]$/;
