/**
 * Leaf rules. Each one carries its own "allowed" text and "fix" so every
 * message is complete on its own.
 */
import { z } from "zod";
import { versionedName } from "../../components/names";
import { parseDuration } from "./duration";
import { message } from "./errors";

/** A leaf whose value is checked by `accept`; `accept` returns the parsed value or undefined. */
export function leaf<T>(allowed: string, fix: string, accept: (v: unknown) => T | undefined) {
  return z.unknown().transform((v, ctx): T => {
    const parsed = v === undefined ? undefined : accept(v);
    if (parsed === undefined) {
      ctx.addIssue({ code: "custom", message: message(allowed, v, fix) });
      return z.NEVER;
    }
    return parsed;
  });
}

export function intIn(min: number, max: number, fix: string, unit = "") {
  const u = unit === "" ? "" : ` ${unit}`;
  return leaf(`an integer from ${min} to ${max}${u}`, fix, (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : undefined,
  );
}

export function oneOf<T extends string>(values: readonly T[], fix: string) {
  return leaf(`one of ${values.join(", ")}`, fix, (v) =>
    typeof v === "string" && (values as readonly string[]).includes(v) ? (v as T) : undefined,
  );
}

export function matching(re: RegExp, allowed: string, fix: string) {
  return leaf(allowed, fix, (v) => (typeof v === "string" && re.test(v) ? v : undefined));
}

export function bool(fix: string) {
  return leaf("true or false", fix, (v) => (typeof v === "boolean" ? v : undefined));
}

export function duration(minSeconds: number, maxSeconds: number, fix: string) {
  return leaf(
    `a duration like "90s", "2m" or "1h30m" between ${minSeconds}s and ${maxSeconds}s`,
    fix,
    (v) => {
      if (typeof v !== "string") return undefined;
      const s = parseDuration(v);
      return s !== undefined && s >= minSeconds && s <= maxSeconds ? s : undefined;
    },
  );
}

/** An object with a fixed set of keys; unknown keys are reported with the keys that are allowed. */
export function section<S extends z.ZodRawShape>(shape: S, what: string) {
  const keys = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown key${iss.keys.length === 1 ? "" : "s"} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}. ` +
          `Allowed keys: ${keys}. Fix: remove ${iss.keys.length === 1 ? "it" : "them"} or correct the spelling.`
        : message(`a map of ${what} with keys ${keys}`, iss.input, `write it as a YAML map`),
  });
}

export function list<T extends z.ZodType>(item: T, what: string, min: number, max: number) {
  return z
    .array(item, { error: (iss) => message(`a list of ${what}`, iss.input, "write it as a YAML list") })
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

export function version(fixKey: string) {
  return leaf(
    `a DNS-1123 label fragment: 1 to ${VERSION_MAX} lower-case letters, digits or "-", starting and ending with a letter or digit, not "latest"`,
    `${VERSION_FIX} in ${fixKey}`,
    (v) => (typeof v === "string" && VERSION_RE.test(v) && v !== "latest" ? v : undefined),
  );
}

export const DNS_NAME_RE =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const DNS_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
export const CIDR_RE = /^(?:\d{1,3}\.){3}\d{1,3}\/(?:\d|[12]\d|3[0-2])$/;
export const QUANTITY_RE = /^\d+(?:\.\d+)?(?:m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
export const SEMVER_RE = /^\d+\.\d+\.\d+$/;
export const REGION_RE = /^[a-z]+-[a-z]+\d+$/;
export const ZONE_RE = /^[a-z]+-[a-z]+\d+-[a-z]$/;
