/**
 * Characters that look right: Cyrillic letters that render like Latin ones
 * (U+0430 a, U+0435 e, U+043E o, U+0410 A), the non-breaking hyphen U+2011,
 * the en dash U+2013, the zero-width space U+200B, the no-break space U+00A0,
 * the byte order mark U+FEFF, typographic quotes U+201C/U+201D, the division
 * slash U+2215, fullwidth digits and commas (U+FF11, U+FF0C). Every consumer
 * here (DNS, Kubernetes names, image references, RRULE, PromQL string
 * literals, JSON) takes only the ASCII character they imitate
 * (https://www.unicode.org/reports/tr39/ on confusables). Pasted from chat,
 * a word processor or a web page, they pass the eye and fail at the consumer.
 * Escapes keep this file ASCII so the characters are visible in review.
 * Each case also asks the line to name the character's code point (U+XXXX).
 */
import { edit, family, firstNonAscii, flat, refused, set, type FamilyCase } from "../mutate";

const issue = "issue: any non-ASCII or invisible character in a key or an ASCII-only value is named";
const at = (
  id: string,
  description: string,
  key: string,
  value: string,
  stack: FamilyCase["stack"] = "prod",
): FamilyCase => ({
  id,
  description,
  source: issue,
  stack,
  mutate: set(`ws-gateway:${key}`, value),
  expect: refused(`ws-gateway:${key}`, firstNonAscii(value)),
});

export const characterCases = family("invisible-and-lookalike", [
  at(
    "chr-host-cyrillic-a",
    "host ws.\u0430cme.example with a Cyrillic a",
    "ingress.host",
    "ws.\u0430cme.example",
  ),
  at("chr-host-zero-width", "host with a zero-width space", "ingress.host", "ws.acme\u200B.example"),
  at("chr-host-nbsp", "host with a trailing no-break space", "ingress.host", "ws.acme.example\u00A0"),
  at(
    "chr-host-nb-hyphen",
    "host ws.acme\u2011corp.example with a non-breaking hyphen",
    "ingress.host",
    "ws.acme\u2011corp.example",
  ),
  at("chr-ns-nb-hyphen", "gateway.namespace ws\u2011gateway", "gateway.namespace", "ws\u2011gateway"),
  at("chr-ns-cyrillic-e", "gateway.namespace ws-gat\u0435way", "gateway.namespace", "ws-gat\u0435way"),
  at(
    "chr-version-zero-width",
    "version with a trailing zero-width space",
    "gateway.version",
    "2f9c1ab\u200B",
  ),
  at("chr-version-bom", "version starting with a byte order mark", "gateway.version", "\uFEFF2f9c1ab"),
  at(
    "chr-image-cyrillic-o",
    "image europe-d\u043Ecker.pkg.dev/...",
    "gateway.image",
    "europe-d\u043Ecker.pkg.dev/acme-ws-prod/gw/ws-gateway",
  ),
  at(
    "chr-image-nbsp",
    "image with a no-break space",
    "gateway.image",
    "europe-docker.pkg.dev/acme-ws-prod/gw/ws-gateway\u00A0",
  ),
  at("chr-path-zero-width", "path /ws with a zero-width space", "ingress.path", "/ws\u200B", "dev"),
  at(
    "chr-tls-secret-en-dash",
    "tlsSecretName ws\u2013acme\u2013tls with en dashes",
    "ingress.tlsSecretName",
    "ws\u2013acme\u2013tls",
  ),
  at(
    "chr-rrule-fullwidth-comma",
    "BYDAY=SA\uFF0CSU with a fullwidth comma",
    "cluster.maintenanceWindow.recurrence",
    "FREQ=WEEKLY;BYDAY=SA\uFF0CSU",
  ),
  at(
    "chr-channel-cyrillic-a",
    "releaseChannel ST\u0410BLE with a Cyrillic A",
    "cluster.releaseChannel",
    "ST\u0410BLE",
  ),
  at("chr-mode-cyrillic-e", "cluster.mode gk\u0435", "cluster.mode", "gk\u0435", "dev"),
  at(
    "chr-cidr-division-slash",
    "cidr 10.20.0.0\u221516 with a division slash",
    "cluster.masterAuthorizedNetworks[0].cidr",
    "10.20.0.0\u221516",
  ),
  at("chr-zone-nb-hyphen", "zone europe-west1\u2011b", "cluster.zones[0]", "europe-west1\u2011b"),
  at(
    "chr-pause-fullwidth-digit",
    "pause \uFF11m with a fullwidth 1",
    "rollout.steps[0].pause",
    "\uFF11m",
    "dev",
  ),
  at(
    "chr-lb-ip-nbsp",
    "loadBalancerIP with a trailing no-break space",
    "ingress.loadBalancerIP",
    "34.0.0.10\u00A0",
  ),
  at(
    "chr-kube-context-zero-width",
    "kubeContext kind-ws-gateway with a zero-width space",
    "cluster.kubeContext",
    "kind-ws-gateway\u200B",
    "local",
  ),
  at(
    "chr-prom-url-zero-width",
    "prometheus.url with a zero-width space",
    "rollout.gates.prometheus.url",
    "http://prometheus.monitoring.svc:9090\u200B",
  ),
  {
    id: "chr-prom-query-smart-quotes",
    description: "the PromQL query with typographic quotes around the label value",
    source: `${issue}; PromQL string literals use ASCII quotes`,
    stack: "prod",
    mutate: edit("ws-gateway:rollout.gates.prometheus.query", (q) =>
      String(q).replace(/"ws-gateway-canary"/g, "\u201Cws-gateway-canary\u201D"),
    ),
    expect: refused("ws-gateway:rollout.gates.prometheus.query", "U+201C"),
  },
  {
    id: "chr-steps-json-smart-quotes",
    description: "the emergency schedule pasted with typographic quotes: '[{\u201Cweight\u201D:100}]'",
    source: `${issue}; docs/operations.md emergency schedule is JSON text`,
    stack: "prod",
    mutate: set("ws-gateway:rollout.steps", "[{\u201Cweight\u201D:100}]"),
    expect: refused("ws-gateway:rollout.steps", "U+201C"),
  },
  {
    id: "chr-key-cyrillic-e",
    description: "key ws-gateway:gat\u0435way with a Cyrillic e",
    source: issue,
    stack: "dev",
    mutate: flat("ws-gateway:gat\u0435way", { version: "3d4e5f6" }),
    expect: refused("ws-gateway:gat\u0435way", "U+0435"),
  },
  {
    id: "chr-namespace-nb-hyphen",
    description: "key ws\u2011gateway:gateway: the namespace with a non-breaking hyphen",
    source: issue,
    stack: "prod",
    mutate: flat("ws\u2011gateway:gateway", { version: "3d4e5f6" }),
    expect: refused("ws\u2011gateway:gateway", "U+2011"),
  },
  {
    id: "chr-nested-key-zero-width",
    description: "gateway.version\u200B: a nested key with a zero-width space",
    source: issue,
    stack: "prod",
    mutate: set("ws-gateway:gateway.version\u200B", "3d4e5f6"),
    expect: refused("ws-gateway:gateway.version\u200B", "U+200B"),
  },
]);
