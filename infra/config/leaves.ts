/**
 * Leaf rules. Each one carries its own "allowed" text and "fix" so every
 * message is complete on its own.
 */
import { z } from "zod";
import { versionedName } from "../../components/names";
import { formatDuration, parseDuration } from "./duration";
import { asciiRepair, describeCharacters } from "./characters";
import { message, show } from "./errors";
import { closest } from "./maps";

/** What a leaf expects, so a value YAML typed differently gets a YAML fix. */
export type Expect = "text" | "integer" | "number" | "boolean" | "duration" | "other";

const YAML_BOOLEAN_WORDS = /^(true|false|yes|no|on|off|y|n)$/i;
const NUMERIC_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

/** A YAML fix: the text of the fix and the value it writes. */
export interface YamlHint {
  readonly text: string;
  readonly value: unknown;
}

/**
 * The YAML fix for a value YAML read as another type than the key takes
 * (quotes around a number, a bare number where text or a duration is meant,
 * a boolean written as a word in quotes); undefined when the type is right.
 * The hint is only a fix when the value it writes passes the key's rule: the
 * leaf checks that before it uses it.
 */
export function yamlHint(expect: Expect, v: unknown): YamlHint | undefined {
  switch (expect) {
    case "text":
      if (typeof v === "number") {
        return {
          text: `YAML reads the unquoted value as the number ${String(v)} (dropping leading zeros, trailing zeros and exponents); quote it exactly as written, e.g. "${String(v)}" (with pulumi config set --path, add --type string)`,
          value: String(v),
        };
      }
      if (typeof v === "boolean") {
        return {
          text: `YAML reads the unquoted value as the boolean ${String(v)}; quote it: "${String(v)}"`,
          value: String(v),
        };
      }
      return undefined;
    case "integer":
    case "number":
      if (typeof v === "string" && NUMERIC_TEXT.test(v)) {
        return {
          text: `the quotes make YAML read ${JSON.stringify(v)} as text; write the number without quotes: ${v.trim()} (with pulumi config set --path, add --type ${expect === "integer" ? "int" : "float"})`,
          value: Number(v.trim()),
        };
      }
      return undefined;
    case "boolean":
      if (typeof v === "string" && YAML_BOOLEAN_WORDS.test(v)) {
        const b = /^(true|yes|on|y)$/i.test(v);
        return { text: `${JSON.stringify(v)} is text here; write ${String(b)} without quotes`, value: b };
      }
      if (v === 0 || v === 1)
        return { text: `write ${String(v === 1)} rather than ${String(v)}`, value: v === 1 };
      return undefined;
    case "duration":
      if (typeof v === "number")
        return {
          text: `a bare number has no unit; write it as a duration in quotes: "${v}s"`,
          value: `${v}s`,
        };
      return undefined;
    case "other":
      return undefined;
  }
}

/** What a rule says about a value: the parsed value, or why not and the rule's own fix. */
export type Verdict<T> = { readonly ok: T } | { readonly why?: string; readonly fix?: string };

/** Options of a rule leaf. */
export interface RuleOptions {
  /** How YAML should have typed the value; picks the YAML fix. */
  readonly expect?: Expect;
  /** The fix when the key is absent (required leaves). */
  readonly missing?: string;
  /** Whether the value must be ASCII (default: every text leaf but free text). */
  readonly ascii?: boolean;
  /** A valid value near the wrong one (a clamped number, the closest word), tried first. */
  readonly near?: (v: unknown) => unknown;
}

/** Quoted examples a fix or an allowed text names, e.g. `"2m"` in 'a duration like "2m"'. */
function quotedExamples(...texts: readonly string[]): string[] {
  return texts.flatMap((t) => [...t.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? ""));
}

/** Unquoted examples a fix names after "e.g.", as YAML would read them (`e.g. 1800` is the number). */
function plainExamples(text: string): unknown[] {
  return [...text.matchAll(/e\.g\. ([^\s,;"()]+[^\s,;"().])/g)].map((m) => {
    const t = m[1] ?? "";
    return /^-?\d+(\.\d+)?$/.test(t) && !/^\d+\.\d+\.\d+$/.test(t) ? Number(t) : t;
  });
}

/** The fix text ends with the suggested value unless it names it already. */
function withExample(fix: string, suggestion: unknown): string {
  if (suggestion === undefined) return fix;
  const shown = show(suggestion);
  return fix.includes(shown) || fix.includes(`e.g. ${String(suggestion)}`) ? fix : `${fix}, e.g. ${shown}`;
}

/**
 * A leaf over a rule: a value the rule accepts parses; any other gets one
 * message naming the value, why (the rule's reason, the characters that are
 * not what they look like), what is allowed and a fix whose value passes the
 * rule (a YAML fix, the ASCII the value meant, a near value, the rule's own
 * example), carried as the issue's `suggestion` too.
 */
export function rule<T>(
  allowed: string,
  fix: string,
  evaluate: (v: unknown) => Verdict<T>,
  options: RuleOptions = {},
) {
  const ascii = options.ascii ?? true;
  // A character that only looks right is refused in every text value, whatever the rule's own check says.
  const charactersOf = (x: unknown) => (typeof x === "string" ? describeCharacters(x, !ascii) : undefined);
  const passes = (x: unknown): boolean =>
    x !== undefined && "ok" in evaluate(x) && charactersOf(x) === undefined;
  return z.unknown().transform((v, ctx): T => {
    if (v === undefined) {
      ctx.addIssue({ code: "custom", message: message(allowed, v, fix, options.missing) });
      return z.NEVER;
    }
    const verdict = evaluate(v);
    const chars = charactersOf(v);
    if ("ok" in verdict && chars === undefined) return verdict.ok;
    const own = ("fix" in verdict ? verdict.fix : undefined) ?? fix;
    const hint = yamlHint(options.expect ?? "other", v);
    const repaired = typeof v === "string" && chars !== undefined ? asciiRepair(v) : undefined;
    let text: string;
    let suggestion: unknown;
    if (hint !== undefined && passes(hint.value)) {
      text = hint.text;
      suggestion = hint.value;
    } else if (repaired !== undefined && passes(repaired)) {
      text = `write it in plain ASCII: ${show(repaired)}`;
      suggestion = repaired;
    } else {
      suggestion = [...plainExamples(own), options.near?.(v), ...quotedExamples(own, allowed)].find(passes);
      text = withExample(own, suggestion);
    }
    // A YAML fix that would still be refused is no fix; the reason says what YAML read.
    const yamlRead =
      hint !== undefined && !passes(hint.value)
        ? `YAML reads ${typeof v === "string" ? `${show(v)} as text` : `the unquoted value as the ${typeof v} ${show(v)}`}, and written as ${show(hint.value)} it would not pass either`
        : undefined;
    const why = ["why" in verdict ? verdict.why : undefined, chars, yamlRead]
      .filter((x) => x !== undefined)
      .join("; ");
    ctx.addIssue({
      code: "custom",
      message: `must be ${allowed} (got ${show(v)}${why === "" ? "" : `: ${why}`}). Fix: ${text}.`,
      params: suggestion === undefined ? {} : { suggestion },
    });
    return z.NEVER;
  });
}

/**
 * A leaf whose value is checked by `accept`; `accept` returns the parsed value
 * or undefined. `missing` is the fix when the key is absent (required leaves).
 */
export function leaf<T>(
  allowed: string,
  fix: string,
  accept: (v: unknown) => T | undefined,
  options: RuleOptions = {},
) {
  return rule(
    allowed,
    fix,
    (v): Verdict<T> => {
      const parsed = accept(v);
      return parsed === undefined ? {} : { ok: parsed };
    },
    options,
  );
}

export function intIn(min: number, max: number, fix: string, unit = "") {
  const u = unit === "" ? "" : ` ${unit}`;
  return leaf(
    `an integer from ${min} to ${max}${u}`,
    fix,
    (v) => (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : undefined),
    {
      expect: "integer",
      near: (v) =>
        typeof v === "number" && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : undefined,
    },
  );
}

export function oneOf<T extends string>(values: readonly T[], fix: string, missing?: string) {
  return leaf(
    `one of ${values.join(", ")}`,
    fix,
    (v) => (typeof v === "string" && (values as readonly string[]).includes(v) ? (v as T) : undefined),
    {
      expect: "text",
      missing,
      near: (v) => (typeof v === "string" ? closest(asciiRepair(v), values) : undefined),
    },
  );
}

export function matching(
  re: RegExp,
  allowed: string,
  fix: string,
  missing?: string,
  near?: (v: string) => string | undefined,
) {
  return leaf(allowed, fix, (v) => (typeof v === "string" && re.test(v) ? v : undefined), {
    expect: "text",
    missing,
    near: (v) => (typeof v === "string" ? near?.(asciiRepair(v)) : undefined),
  });
}

/** The host name a URL-ish or mistyped host most likely meant: lower case, no scheme, port, path or trailing dot. */
export function nearHost(v: string): string {
  return v
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
    .replace(/[/:?#].*$/, "")
    .replace(/\.+$/, "");
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
    {
      expect: "duration",
      near: (v) => {
        const s = typeof v === "string" ? parseDuration(asciiRepair(v).replace(/\s+/g, "")) : undefined;
        return s === undefined ? undefined : formatDuration(Math.min(maxSeconds, Math.max(minSeconds, s)));
      },
    },
  );
}

export { closest, list, section, unknownKeysMessage } from "./maps";

// ---------------------------------------------------------------------------
// Rules shared by several keys

/** DNS-1123 label characters; the Deployment name `ws-gateway-<version>` must stay a valid label (63 chars). */
const VERSION_MAX = 63 - versionedName("").length;
const VERSION_RE = new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${VERSION_MAX - 2}}[a-z0-9])?$`);
const VERSION_FIX =
  'use the image tag, lower-case letters, digits and "-", e.g. a short git SHA "2f9c1ab" or "v1-4-2"';

/**
 * Tags registries move to newer images: a release named by one would not
 * pin what runs, and a node pulling later could start another image.
 */
export const MUTABLE_TAGS: readonly string[] = [
  "latest",
  "stable",
  "main",
  "master",
  "dev",
  "develop",
  "edge",
  "nightly",
  "canary",
  "head",
  "current",
  "release",
  "prod",
  "production",
  "staging",
];

/**
 * A major-only tag (`1`, `22`): registries move it to every release of that
 * major version, like the words above. Longer digit-only tags (dates such
 * as `20240101`, build numbers) name one build.
 */
export const MAJOR_ONLY_TAG_RE = /^\d{1,3}$/;

export function version(fixKey: string, missing?: string) {
  return rule<string>(
    `a DNS-1123 label fragment: 1 to ${VERSION_MAX} lower-case letters, digits or "-", starting and ending with a letter or digit, not a tag that moves (${MUTABLE_TAGS.join(", ")}, or a major-only number like "1")`,
    `${VERSION_FIX} in ${fixKey}`,
    (v) => {
      if (typeof v !== "string" || !VERSION_RE.test(v)) return {};
      if (MAJOR_ONLY_TAG_RE.test(v)) {
        return {
          why: `a major-only tag moves to every ${v}.x release`,
          fix: `name one build: the full version with "-" for dots, e.g. "${v}-4-2", or the image's git SHA, in ${fixKey}`,
        };
      }
      if (MUTABLE_TAGS.includes(v)) return {};
      return { ok: v };
    },
    {
      expect: "text",
      missing,
      near: (v) =>
        typeof v === "string"
          ? asciiRepair(v)
              .toLowerCase()
              .replace(/[^a-z0-9-]+/g, "-")
              .replace(/^-+|-+$/g, "")
          : undefined,
    },
  );
}

export const DNS_NAME_RE =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const DNS_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const SEMVER_RE = /^\d+\.\d+\.\d+$/;
export const REGION_RE = /^[a-z]+-[a-z]+\d+$/;
export const ZONE_RE = /^[a-z]+-[a-z]+\d+-[a-z]$/;
