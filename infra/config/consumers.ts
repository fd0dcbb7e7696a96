/**
 * Value checks named after the consumer whose rule they state: the host of
 * a Kubernetes Ingress rule, and the UTC times GKE keeps for a maintenance
 * window.
 */
import type { Checked } from "./formats";
import { ipv4Value, rfc3339 } from "./formats";
import { DNS_NAME_RE, nearHost } from "./leaves";

/**
 * An Ingress rule's host: a DNS-1123 subdomain that is not an IP address
 * (docs/facts.md F49; k8s.io/kubernetes pkg/apis/networking/validation `validateIngressRules`:
 * "must be a DNS name, not an IP address"); wildcards are refused too, as no
 * client or handshake gate can connect to one.
 */
export function ingressHost(text: string): Checked<string> {
  if (ipv4Value(text) !== undefined || /^\[?[0-9a-f:]+\]?$/i.test(text)) {
    return {
      why: "Kubernetes refuses an IP address as an Ingress host",
      fix: 'use the DNS name whose A record points at that address, e.g. "ws.example.com"',
    };
  }
  if (!DNS_NAME_RE.test(text)) {
    const near = nearHost(text);
    return {
      why: 'not a DNS-1123 subdomain (lower-case labels of letters, digits and "-", joined by dots)',
      fix:
        near !== text && DNS_NAME_RE.test(near) && ipv4Value(near) === undefined
          ? near === text.toLowerCase()
            ? `write it in lower case: "${near}"`
            : `write the host alone: "${near}"`
          : 'use lower-case letters, digits, "-" and dots, without scheme, port or path, e.g. "ws.example.com"',
    };
  }
  return { ok: text };
}

/** The same instant written in UTC, the way GKE stores it ("2026-01-03T02:00:00Z"). */
function inUtc(text: string): string {
  return new Date(Date.parse(text)).toISOString().replace(/\.000Z$/, "Z");
}

/**
 * An RFC 3339 time in UTC ("Z"): the provider takes maintenance-window times
 * in "Zulu" format (docs/facts.md F50; pinned @pulumi/gcp `ClusterMaintenancePolicyRecurringWindow`),
 * GKE returns them in UTC (any other spelling is a diff on every preview),
 * and a weekly BYDAY applies to UTC weekdays.
 */
export function utcTime(text: string): Checked<string> {
  const r = rfc3339(text);
  if (!("ok" in r)) {
    return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)
      ? r
      : { why: r.why, fix: 'write date, "T", time of day and "Z" (UTC), e.g. "2026-01-03T02:00:00Z"' };
  }
  if (!text.endsWith("Z")) {
    const utc = inUtc(text);
    const shifted = utc.slice(0, 10) !== text.slice(0, 10);
    return {
      why: `the offset ${text.slice(19).replace(/^\.\d+/, "")} is not "Z": GKE keeps the window in UTC and applies BYDAY to UTC weekdays`,
      fix: `write the same instant in UTC: "${utc}"${shifted ? " (the UTC date differs: check that BYDAY still names the days you meant)" : ""}`,
    };
  }
  return { ok: text };
}
