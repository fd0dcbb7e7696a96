/**
 * Kubernetes' own syntax rules for the names a pod spec carries, as
 * k8s.io/apimachinery/pkg/util/validation states them (docs/facts.md):
 * environment variable names, DNS-1123 labels and subdomains, qualified
 * names (label and annotation keys), label values, IANA service names
 * (port names), ConfigMap and Secret keys. Each check returns the value or
 * why not with a fix whose value passes the same check.
 */
import type { Checked } from "./formats";

/** IsDNS1123Label: 1-63 lower-case letters, digits and "-", starting and ending with a letter or digit. */
export const DNS1123_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** IsDNS1123Subdomain: dot-separated labels, 253 characters at most. */
export const DNS1123_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** IsEnvVarName before relaxed names (every supported Kubernetes version takes it): C identifier with "-" and ".". */
export const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** IsConfigMapKey: letters, digits, "-", "_" and ".", at most 253, not "." or "..". */
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** The name part of a qualified name: 1-63 alphanumerics, "-", "_" or ".", alphanumeric at both ends. */
const QUALIFIED_NAME_PART = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
/** IsValidLabelValue: empty, or like a qualified name part. */
const LABEL_VALUE = /^(?:|[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
/** IsValidPortName (IANA_SVC_NAME): 1-15 lower-case alphanumerics and "-", a letter at least, no "--", no "-" at an end. */
const PORT_NAME = /^(?!-)(?!.*--)(?=.*[a-z])[a-z0-9-]{1,15}(?<!-)$/;

/** A value as a DNS-1123 label, the way a person most likely meant it. */
export function asLabel(v: string, fallback: string): string {
  const t = v
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return DNS1123_LABEL.test(t) ? t : fallback;
}

/** A value as a DNS-1123 subdomain. */
export function asSubdomain(v: string, fallback: string): string {
  const t = v
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 253);
  return DNS1123_SUBDOMAIN.test(t) ? t : fallback;
}

export function dnsLabel(fallback: string) {
  return (v: string): Checked<string> =>
    DNS1123_LABEL.test(v)
      ? { ok: v }
      : {
          why: v.length > 63 ? "it is longer than 63 characters" : "Kubernetes takes DNS-1123 labels only",
          fix: `use lower-case letters, digits and "-", e.g. "${asLabel(v, fallback)}"`,
        };
}

export function dnsSubdomain(fallback: string) {
  return (v: string): Checked<string> =>
    DNS1123_SUBDOMAIN.test(v)
      ? { ok: v }
      : {
          why:
            v.length > 253 ? "it is longer than 253 characters" : "Kubernetes takes DNS-1123 subdomains only",
          fix: `use lower-case letters, digits, "-" and ".", e.g. "${asSubdomain(v, fallback)}"`,
        };
}

/** The environment variable a name most likely meant: upper case, "_" for other characters. */
export function asEnvName(v: string): string {
  const t = v.replace(/[^-._a-zA-Z0-9]+/g, "_").replace(/^[0-9]/, "_$&");
  return ENV_VAR_NAME.test(t) ? t : "MY_SETTING";
}

export function envVarName(v: string): Checked<string> {
  return ENV_VAR_NAME.test(v)
    ? { ok: v }
    : {
        why: /^[0-9]/.test(v)
          ? "it starts with a digit"
          : 'Kubernetes takes letters, digits, "_", "-" and ".", not starting with a digit',
        fix: `rename it, e.g. "${asEnvName(v)}"`,
      };
}

export function keyOfData(v: string): Checked<string> {
  return CONFIG_MAP_KEY.test(v) && v !== "." && v !== ".."
    ? { ok: v }
    : {
        why: 'a ConfigMap or Secret key is 1-253 letters, digits, "-", "_" or "."',
        fix: `use the key as the object stores it, e.g. "${v.replace(/[^-._a-zA-Z0-9]+/g, "_").replace(/^\.+$/, "key") || "key"}"`,
      };
}

/**
 * IsQualifiedName (label and annotation keys): an optional DNS-1123
 * subdomain prefix and "/", then a name part of 1-63 characters.
 */
export function qualifiedName(v: string): Checked<string> {
  const slash = v.lastIndexOf("/");
  const prefix = slash >= 0 ? v.slice(0, slash) : undefined;
  const name = slash >= 0 ? v.slice(slash + 1) : v;
  const fixedName =
    name
      .replace(/[^-A-Za-z0-9_.]+/g, "-")
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "")
      .slice(0, 63)
      .replace(/[^A-Za-z0-9]+$/, "") || "name";
  if (prefix !== undefined && !DNS1123_SUBDOMAIN.test(prefix)) {
    const p = asSubdomain(prefix, "example.com");
    return {
      why: `its prefix "${prefix}" is not a DNS-1123 subdomain`,
      fix: `write the prefix in lower case with letters, digits, "-" and ".", e.g. "${p}/${QUALIFIED_NAME_PART.test(name) ? name : fixedName}"`,
    };
  }
  if (!QUALIFIED_NAME_PART.test(name)) {
    return {
      why:
        name.length > 63
          ? "the part after the prefix is longer than 63 characters"
          : 'the name is 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
      fix: `write it like "${prefix === undefined ? "" : `${prefix}/`}${fixedName}"`,
    };
  }
  return { ok: v };
}

export function labelValue(v: string): Checked<string> {
  return LABEL_VALUE.test(v)
    ? { ok: v }
    : {
        why:
          v.length > 63
            ? "a label value is at most 63 characters"
            : 'a label value is empty or letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
        fix: `write it like "${v
          .replace(/[^-A-Za-z0-9_.]+/g, "-")
          .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "")
          .slice(0, 63)
          .replace(/[^A-Za-z0-9]+$/, "")}"`,
      };
}

export function portName(v: string): Checked<string> {
  return PORT_NAME.test(v)
    ? { ok: v }
    : {
        why: 'a port name (IANA service name) is 1-15 lower-case letters, digits and "-", with a letter, no "--" and no "-" at either end',
        fix: `name it like "${asLabel(v, "metrics").slice(0, 15).replace(/-+$/, "").replace(/--+/g, "-") || "metrics"}"`,
      };
}

/** An absolute path without ":" (the kubelet refuses it in a mount path) and without ".." steps. */
export function absolutePath(v: string): Checked<string> {
  if (!v.startsWith("/"))
    return { why: "a mount path is absolute", fix: `start it with a slash, e.g. "/${v}"` };
  if (v.includes(":"))
    return { why: 'a mount path may not hold ":"', fix: `remove the ":", e.g. "${v.replace(/:/g, "")}"` };
  if (v.split("/").includes(".."))
    return {
      why: 'a mount path may not step up with ".."',
      fix: `write the path without "..", e.g. "${
        v
          .split("/")
          .filter((p) => p !== "..")
          .join("/") || "/data"
      }"`,
    };
  return { ok: v };
}

/** A path inside a volume (subPath, item paths): relative, without ".." steps. */
export function relativePath(v: string): Checked<string> {
  if (v.startsWith("/") || v === "")
    return {
      why: "it is a path inside the volume, relative and not empty",
      fix: `write it without the leading "/", e.g. "${v.replace(/^\/+/, "") || "file"}"`,
    };
  if (v.split("/").includes(".."))
    return {
      why: 'it may not step up with ".."',
      fix: `write it without "..", e.g. "${
        v
          .split("/")
          .filter((p) => p !== "..")
          .join("/") || "file"
      }"`,
    };
  return { ok: v };
}

/** Whether one absolute path is the other or lies beneath it (either way round). */
export function overlaps(a: string, b: string): boolean {
  const norm = (p: string) => (p.endsWith("/") && p !== "/" ? p.replace(/\/+$/, "") : p);
  const x = norm(a);
  const y = norm(b);
  const under = (p: string, q: string) => p === q || p.startsWith(q === "/" ? "/" : `${q}/`);
  return under(x, y) || under(y, x);
}
