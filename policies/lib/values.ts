/**
 * Reading resource properties without ever mistaking an unknown for a violation.
 *
 * During `pulumi preview` a property computed from another resource's output
 * is not known yet. The policy host wraps every resource's properties in
 * @pulumi/policy's unknown-checking proxy: reading such a property throws
 * `UnknownValueError`, and a rule that lets it escape is skipped as a whole
 * (reported as advisory "can't run during preview"). Reading through `at()`
 * instead turns that error, or a raw unknown sentinel, into `UNKNOWN`, so a
 * rule skips only the check that depends on the unknown value and still runs
 * every other check. Every check below follows one convention: `UNKNOWN`
 * never produces a violation; `undefined` means "not set" and may.
 */
import * as pulumi from "@pulumi/pulumi";
import { UnknownValueError } from "@pulumi/policy";
import { parseDuration, showValue } from "../../components/shared/units";

/** A value that will only be known after the update runs. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/** `UnknownValueError` is exported at run time but left out of the package's type declarations. */
const UnknownError = UnknownValueError as unknown as abstract new (...args: never[]) => Error;

export function isUnknownError(e: unknown): boolean {
  return e instanceof UnknownError;
}

/** The engine's string sentinel for an unknown value, seen when properties are not proxied. */
const RAW_UNKNOWN: string = pulumi.runtime.unknownValue;

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

function guard(read: () => unknown): unknown {
  try {
    const v = read();
    return v === RAW_UNKNOWN ? UNKNOWN : v;
  } catch (e) {
    if (isUnknownError(e)) return UNKNOWN;
    throw e;
  }
}

/**
 * The value at `path` ("spec.template.spec" or ["metadata", "annotations", key]),
 * `undefined` when any step is missing, `UNKNOWN` when any step is unknown.
 */
export function at(root: unknown, path: string | readonly (string | number)[]): unknown {
  const keys = typeof path === "string" ? (path === "" ? [] : path.split(".")) : path;
  let v: unknown = guard(() => root);
  for (const k of keys) {
    if (v === UNKNOWN) return UNKNOWN;
    if (v === undefined || v === null || typeof v !== "object") return undefined;
    const obj = v as Record<string | number, unknown>;
    v = guard(() => obj[k]);
  }
  return v;
}

/** Elements of an array (each read through the guard); `undefined` when not an array. */
export function items(v: unknown): unknown[] | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  if (!Array.isArray(v)) return undefined;
  const arr = v as unknown[];
  const n = guard(() => arr.length);
  if (typeof n !== "number") return UNKNOWN;
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(at(arr, [i]));
  return out;
}

/** Elements of an array, or an empty list when the array is unknown or missing. */
export function knownItems(v: unknown): unknown[] {
  const list = items(v);
  return Array.isArray(list) ? list : [];
}

/** Entries of a map-like object; values read through the guard. */
export function entries(v: unknown): [string, unknown][] | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  if (v === undefined || v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
  return Object.keys(v).map((k) => [k, at(v, [k])]);
}

/** A string map (labels, selectors); `UNKNOWN` if the map or any value is unknown. */
export function stringMap(v: unknown): Record<string, string> | Unknown | undefined {
  const es = entries(v);
  if (es === UNKNOWN || es === undefined) return es;
  const out: Record<string, string> = {};
  for (const [k, val] of es) {
    if (val === UNKNOWN) return UNKNOWN;
    if (typeof val === "string") out[k] = val;
  }
  return out;
}

/** A number, or a decimal integer written as a string ("3600"); `undefined` when absent or not numeric. */
export function num(v: unknown): number | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/**
 * Seconds from a number (seconds) or a duration text: "1800", "1800s", "30m",
 * "1h30m". `undefined` when absent or unreadable.
 */
export function seconds(v: unknown): number | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  const n = num(v);
  if (n !== undefined) return n;
  return typeof v === "string" ? parseDuration(v) : undefined;
}

/** A value shown in a violation message: strings quoted, absence as "nothing". */
export function show(v: unknown): string {
  return v === UNKNOWN ? "an unknown value" : showValue(v);
}
