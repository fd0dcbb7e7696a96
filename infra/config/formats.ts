/**
 * What a value means, not only its shape: Kubernetes quantities per resource
 * kind, IPv4 addresses and CIDRs with real ranges, calendar dates, GKE
 * recurrence rules and container image references. Each check returns the
 * parsed value or a reason the leaf puts in its message.
 */
import { asciiRepair } from "./characters";
import { rule } from "./leaves";

export type Checked<T> = { readonly ok: T } | { readonly why: string; readonly fix: string };

/**
 * A text leaf over a check that explains itself: a wrong value's message
 * carries the check's own reason and fix; a value of another YAML type gets
 * the YAML fix; a missing one `missing`.
 */
export function checked<T>(
  allowed: string,
  check: (v: string) => Checked<T>,
  missing?: string,
  near?: (v: string) => string | undefined,
) {
  return rule<T>(allowed, "write it as text", (v) => (typeof v === "string" ? check(v) : {}), {
    expect: "text",
    missing,
    near: (v) => (typeof v === "string" ? near?.(asciiRepair(v)) : undefined),
  });
}

/** The repository an image reference most likely meant: no scheme, tag or digest, lower-case path. */
export function nearImage(v: string): string {
  const noScheme = v
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, "")
    .replace(/@.*$/, "");
  const parts = noScheme.split("/").filter((p) => p !== "");
  const last = parts.length - 1;
  return parts
    .map((p, i) => (i === last ? p.replace(/:.*$/, "") : p))
    .map((p, i) => (i === 0 && parts.length > 1 && /[.:]/.test(p) ? p : p.toLowerCase()))
    .join("/");
}

/** The RRULE a near miss meant: upper-case keys and values, day names as two letters, each once. */
export function nearRrule(v: string): string {
  return v
    .trim()
    .toUpperCase()
    .replace(/^RRULE:/, "")
    .split(";")
    .map((part) => {
      const [k, val] = part.split("=");
      if (k !== "BYDAY" || val === undefined) return part;
      const days = val.split(",").map((d) => DAY_NAMES[d] ?? d);
      return `BYDAY=${[...new Set(days)].join(",")}`;
    })
    .join(";");
}

// ---------------------------------------------------------------------------
// Kubernetes quantities (k8s.io/apimachinery resource.Quantity)

const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const FACTOR: Readonly<Record<string, number>> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A quantity's value in base units (cores, bytes); undefined when it is not a quantity. */
export function quantityValue(text: string): { value: number; suffix: string } | undefined {
  const m = QUANTITY.exec(text);
  if (m === null) return undefined;
  const suffix = m[2] ?? "";
  return { value: Number(m[1]) * (FACTOR[suffix] ?? 1), suffix };
}

/** CPU: cores ("0.5", "2") or millicores ("250m"), from 10m to 64 cores. */
export function cpuQuantity(text: string): Checked<number> {
  const q = quantityValue(text);
  if (q === undefined) {
    return {
      why: "not a Kubernetes quantity",
      fix: 'write cores like "1" or "0.5", or millicores like "250m"',
    };
  }
  if (q.suffix !== "" && q.suffix !== "m") {
    return {
      why: `the suffix "${q.suffix}" is a memory unit; for CPU it would mean ${q.value} cores`,
      fix: `write CPU in cores ("1") or millicores ("250m")${q.suffix === "M" || q.suffix === "Mi" ? '; for 250 millicores write "250m"' : ""}`,
    };
  }
  if (q.value < 0.01 || q.value > 64) {
    return { why: `it is ${q.value} cores, outside 10m to 64`, fix: 'pick a CPU amount like "250m" or "2"' };
  }
  return { ok: q.value };
}

/** Memory: bytes with a binary (Ki, Mi, Gi, Ti) or decimal (k, M, G, T) suffix, from 16Mi to 1Ti. */
export function memoryQuantity(text: string): Checked<number> {
  const q = quantityValue(text);
  if (q === undefined) {
    return { why: "not a Kubernetes quantity", fix: 'write memory like "512Mi" or "1Gi"' };
  }
  if (q.suffix === "m") {
    return {
      why: `"m" means thousandths, so this is ${q.value} bytes`,
      fix: `write mebibytes with "Mi", e.g. "${text.slice(0, -1)}Mi"`,
    };
  }
  if (q.suffix === "") {
    return {
      why: `a number without a unit counts bytes, so this is ${q.value} bytes`,
      fix: `add a unit, e.g. "${text}Mi"`,
    };
  }
  if (q.value < 16 * 2 ** 20 || q.value > 2 ** 40) {
    return {
      why: `it is ${q.value} bytes, outside 16Mi to 1Ti`,
      fix: 'pick a memory amount like "512Mi" or "2Gi"',
    };
  }
  return { ok: q.value };
}

// ---------------------------------------------------------------------------
// IPv4

/** The 32-bit value of a dotted-quad address; undefined unless four decimal octets 0-255 without leading zeros. */
export function ipv4Value(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let out = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out = out * 256 + n;
  }
  return out;
}

function ipv4Text(value: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(value / 2 ** s) % 256).join(".");
}

export function ipv4Address(text: string): Checked<string> {
  if (ipv4Value(text) === undefined) {
    return {
      why: "not an IPv4 address: four numbers 0-255 without leading zeros, separated by dots",
      fix: 'write the reserved address like "203.0.113.10"',
    };
  }
  return { ok: text };
}

/** A CIDR whose address is its network address (host bits zero), prefix within `minPrefix`..`maxPrefix`. */
export function ipv4Cidr(minPrefix: number, maxPrefix: number): (text: string) => Checked<string> {
  return (text) => {
    const [addr, prefixText, extra] = text.split("/");
    const ip = addr === undefined ? undefined : ipv4Value(addr);
    if (
      ip === undefined ||
      prefixText === undefined ||
      extra !== undefined ||
      !/^\d{1,2}$/.test(prefixText)
    ) {
      return {
        why: "not an IPv4 CIDR: an address with four octets 0-255, a slash and a prefix length",
        fix: 'write it like "10.0.0.0/8"',
      };
    }
    const prefix = Number(prefixText);
    if (prefix < minPrefix || prefix > maxPrefix) {
      return {
        why: `the prefix /${prefix} is outside /${minPrefix} to /${maxPrefix}`,
        fix:
          minPrefix === maxPrefix
            ? `use a /${minPrefix} range`
            : `use a prefix from /${minPrefix} to /${maxPrefix}`,
      };
    }
    const size = 2 ** (32 - prefix);
    if (ip % size !== 0) {
      const network = ip - (ip % size);
      return {
        why: `host bits are set: ${text} is inside ${ipv4Text(network)}/${prefix}`,
        fix: `write the network address: "${ipv4Text(network)}/${prefix}"`,
      };
    }
    return { ok: text };
  };
}

/** RFC 1918 private ranges, where the control plane's range must lie. */
export function isPrivateCidr(text: string): boolean {
  const ip = ipv4Value(text.split("/")[0] ?? "");
  if (ip === undefined) return false;
  const inRange = (base: string, bits: number) => {
    const b = ipv4Value(base) ?? 0;
    return Math.floor(ip / 2 ** (32 - bits)) === Math.floor(b / 2 ** (32 - bits));
  };
  return inRange("10.0.0.0", 8) || inRange("172.16.0.0", 12) || inRange("192.168.0.0", 16);
}

// ---------------------------------------------------------------------------
// Dates

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** An RFC 3339 time that names a real instant (no 30 February, no hour 24). */
export function rfc3339(text: string): Checked<string> {
  const m = RFC3339.exec(text);
  if (m === null) {
    return {
      why: "not an RFC 3339 time",
      fix: 'write date, "T", time of day and zone (Z or an offset like +01:00)',
    };
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offH = m[8] === undefined ? 0 : Number(m[8]);
  const offM = m[9] === undefined ? 0 : Number(m[9]);
  if (month < 1 || month > 12)
    return { why: `month ${month} does not exist`, fix: "use a month from 01 to 12" };
  if (day < 1 || day > daysIn(year, month)) {
    return {
      why: `${year}-${String(month).padStart(2, "0")} has no day ${day}`,
      fix: `use a day from 01 to ${daysIn(year, month)}`,
    };
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return { why: "the time of day is out of range", fix: "use hours 00-23, minutes and seconds 00-59" };
  }
  if (offH > 14 || offM > 59)
    return { why: "the zone offset is out of range", fix: 'use "Z" or an offset like "+01:00"' };
  return { ok: text };
}

// ---------------------------------------------------------------------------
// Recurrence (GKE maintenance windows take an RFC 5545 RRULE)

export const RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
const RRULE_KEYS = ["FREQ", "BYDAY", "INTERVAL", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"];
const DAY_NAMES: Readonly<Record<string, string>> = {
  MON: "MO",
  MONDAY: "MO",
  TUE: "TU",
  TUESDAY: "TU",
  WED: "WE",
  WEDNESDAY: "WE",
  THU: "TH",
  THURSDAY: "TH",
  FRI: "FR",
  FRIDAY: "FR",
  SAT: "SA",
  SATURDAY: "SA",
  SUN: "SU",
  SUNDAY: "SU",
};

export function rrule(text: string): Checked<string> {
  const body = text.startsWith("RRULE:") ? text.slice(6) : text;
  const parts = body.split(";");
  const seen = new Set<string>();
  for (const part of parts) {
    const [k, v, extra] = part.split("=");
    if (k === undefined || v === undefined || extra !== undefined || k === "" || v === "") {
      return {
        why: `"${part}" is not a KEY=VALUE part`,
        fix: 'separate parts with ";", e.g. "FREQ=WEEKLY;BYDAY=SA,SU"',
      };
    }
    if (!RRULE_KEYS.includes(k)) {
      const upper = k.toUpperCase();
      return RRULE_KEYS.includes(upper)
        ? { why: `"${k}" must be upper case`, fix: `write it as ${upper}` }
        : { why: `"${k}" is not an RRULE part`, fix: `use ${RRULE_KEYS.join(", ")}` };
    }
    if (seen.has(k)) return { why: `${k} appears twice`, fix: `keep one ${k}` };
    seen.add(k);
    if (k === "FREQ" && !["DAILY", "WEEKLY", "MONTHLY"].includes(v)) {
      return {
        why: `FREQ=${v} is not a frequency GKE windows use`,
        fix: "use FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY",
      };
    }
    if (k === "BYDAY") {
      const days = v.split(",");
      const dup = days.find((d, i) => days.indexOf(d) !== i);
      if (dup !== undefined) return { why: `BYDAY lists ${dup} twice`, fix: "list each day once" };
      for (const d of days) {
        if ((RRULE_DAYS as readonly string[]).includes(d)) continue;
        const named =
          DAY_NAMES[d.toUpperCase()] ??
          ((RRULE_DAYS as readonly string[]).includes(d.toUpperCase()) ? d.toUpperCase() : undefined);
        return named === undefined
          ? { why: `BYDAY "${d}" is not a day`, fix: `use the two-letter days ${RRULE_DAYS.join(",")}` }
          : {
              why: `BYDAY "${d}" is not how RRULE names a day`,
              fix: `write ${named} (two upper-case letters: ${RRULE_DAYS.join(",")})`,
            };
      }
    }
  }
  if (!seen.has("FREQ"))
    return { why: "FREQ is missing", fix: 'start with FREQ, e.g. "FREQ=WEEKLY;BYDAY=SA,SU"' };
  return { ok: text };
}

// ---------------------------------------------------------------------------
// Container images (distribution reference grammar, without tag or digest)

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::\d{1,5})?$/;

/** An image repository: [registry[:port]/]path, lower-case path components, no scheme, tag or digest. */
export function imageRepository(text: string): Checked<string> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme !== null) {
    return {
      why: `an image reference has no scheme ("${scheme[1]}://")`,
      fix: `write it without the scheme: "${text.slice(scheme[0].length)}"`,
    };
  }
  if (text.includes("@")) {
    return {
      why: "it carries a digest",
      fix: "remove the @sha256:... part; the program pins ws-gateway:gateway.version as the tag",
    };
  }
  const parts = text.split("/");
  const last = parts[parts.length - 1] ?? "";
  if (last.includes(":")) {
    return {
      why: `it carries a tag (":${last.split(":")[1] ?? ""}")`,
      fix: "remove the tag; the tag comes from ws-gateway:gateway.version",
    };
  }
  const first = parts[0] ?? "";
  const hasRegistry =
    parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry && !HOST.test(first)) {
    return {
      why: `registry "${first}" is not a host name with an optional port`,
      fix: 'write a registry like "europe-docker.pkg.dev" or "localhost:5001"',
    };
  }
  const path = hasRegistry ? parts.slice(1) : parts;
  for (const c of path) {
    if (c === "") return { why: "it has an empty path component", fix: 'remove the extra "/"' };
    if (!PATH_COMPONENT.test(c)) {
      return c.toLowerCase() !== c && PATH_COMPONENT.test(c.toLowerCase())
        ? {
            why: `path component "${c}" has upper-case letters`,
            fix: `write it in lower case: "${c.toLowerCase()}"`,
          }
        : {
            why: `path component "${c}" is not lower-case letters and digits joined by ".", "_" or "-"`,
            fix: 'start and end each path component with a letter or digit, e.g. "ws-gateway"',
          };
    }
  }
  if (text.length > 255)
    return { why: "it is longer than 255 characters", fix: "shorten the repository path" };
  return { ok: text };
}
