/**
 * URLs, each checked against what its consumer does with it: the handshake
 * and survival gates open a WebSocket to it (`ws://`, `wss://`, any path and
 * query); the Prometheus gate appends `/api/v1/query` to a base URL
 * (`http://`, `https://`, no query or fragment, not an API endpoint); Helm
 * pulls the chart from a repository (`https://`, `oci://`, and `http://` on
 * loopback only, where no network carries the chart). Parsing is WHATWG URL
 * (Node's `URL`, what `fetch` and the WebSocket client use), so a port
 * outside 1-65535 or a missing host is refused here, not at the first gate
 * (docs/facts.md F53).
 */
import type { Checked } from "./formats";

/** What a URL consumer accepts. */
interface UrlRule {
  /** Schemes in the order the fix prefers them. */
  readonly schemes: readonly string[];
  /** Whether a query string or fragment is allowed (a base URL takes neither). */
  readonly query: boolean;
  /** A path the consumer appends itself: a URL that already ends in it is the endpoint, not the base. */
  readonly appends?: RegExp;
  /** Schemes allowed only towards a loopback host (the machine running the program). */
  readonly loopbackOnly?: readonly string[];
  /** An example the fix names. */
  readonly example: string;
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const PORT_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*):(\d*)(?=[/?#]|$)/;

/** Whether a URL host is the local machine: localhost, 127.0.0.0/8 or [::1]. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(h) || h === "[::1]";
}

/** The URL with its port removed, e.g. for a port out of range. */
function withoutPort(text: string, port: string): string {
  return text.replace(`:${port}`, "");
}

/** The schemes a rule takes, as a message lists them. */
function schemeList(rule: UrlRule): string {
  return rule.schemes
    .map((s) => `${s}://${rule.loopbackOnly?.includes(s) === true ? " (loopback only)" : ""}`)
    .join(", ");
}

function checkUrl(rule: UrlRule, text: string): Checked<string> {
  const scheme = SCHEME_RE.exec(text);
  const first = rule.schemes[0] ?? "https";
  if (scheme === null) {
    return {
      why: `it has no scheme (allowed: ${schemeList(rule)})`,
      fix: `write it with its scheme, e.g. "${first}://${text.replace(/^\/+/, "")}"`,
    };
  }
  const name = scheme[1] ?? "";
  const rest = text.slice(scheme[0].length);
  if (!rule.schemes.includes(name)) {
    const lower = name.toLowerCase();
    const swap =
      rule.schemes.find((s) => s === lower) ?? rule.schemes.find((s) => s.startsWith(lower[0] ?? ""));
    return {
      why: `the scheme ${name}:// is not one this key takes (${schemeList(rule)})`,
      fix: `write it as "${swap ?? first}://${rest}"`,
    };
  }
  const port = PORT_RE.exec(text)?.[1];
  if (port !== undefined && (port === "" || Number(port) < 1 || Number(port) > 65535)) {
    return {
      why: `port ${port === "" ? "(empty)" : port} is outside 1-65535`,
      fix: `use the port the service listens on, or drop it for the scheme's default: "${withoutPort(text, port)}"`,
    };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { why: "it does not parse as a URL", fix: `write it like "${rule.example}"` };
  }
  if (url.hostname === "") {
    return { why: "it names no host", fix: `write the host after ${name}://, e.g. "${rule.example}"` };
  }
  if (url.username !== "" || url.password !== "") {
    return {
      why: "it carries a user name or password, which a stack file would keep in plain text",
      fix: `remove the credentials: "${text.replace(/\/\/[^/?#@]*@/, "//")}"`,
    };
  }
  const base = `${name}://${url.host}${url.pathname}`;
  if (!rule.query && (url.search !== "" || url.hash !== "" || text.includes("?") || text.includes("#"))) {
    return {
      why: "it carries a query or fragment; the consumer appends its own path and query",
      fix: `write the base URL alone: "${base}"`,
    };
  }
  if (rule.appends !== undefined) {
    const m = rule.appends.exec(url.pathname);
    if (m !== null) {
      return {
        why: `it ends in the API path "${m[0]}", which the gate appends itself`,
        fix: `write the base URL: "${name}://${url.host}${url.pathname.slice(0, m.index) || ""}"`,
      };
    }
  }
  if (rule.loopbackOnly?.includes(name) === true && !isLoopbackHost(url.hostname)) {
    const secure = rule.schemes.find((s) => !(rule.loopbackOnly ?? []).includes(s)) ?? first;
    return {
      why: `${name}:// is allowed towards loopback only (localhost, 127.0.0.1); across a network the chart could be changed in transit`,
      fix: `use ${secure}://: "${secure}://${rest}"`,
    };
  }
  return { ok: text };
}

const WEBSOCKET: UrlRule = { schemes: ["wss", "ws"], query: true, example: "wss://ws.example.com/" };
const PROMETHEUS: UrlRule = {
  schemes: ["http", "https"],
  query: false,
  appends: /\/api\/v1(\/.*)?$/,
  example: "http://prometheus.monitoring:9090",
};
const CHART_REPOSITORY: UrlRule = {
  schemes: ["https", "oci", "http"],
  query: false,
  loopbackOnly: ["http"],
  example: "https://charts.example.com/ingress-nginx",
};

/** A WebSocket URL the gates can open. */
export const websocketUrl = (text: string): Checked<string> => checkUrl(WEBSOCKET, text);
/** A Prometheus base URL: the gate queries `<url>/api/v1/query`. */
export const prometheusBaseUrl = (text: string): Checked<string> => checkUrl(PROMETHEUS, text);
/** Where Helm pulls the chart: an https:// repository, an oci:// registry path, http:// on loopback. */
export const chartRepositoryUrl = (text: string): Checked<string> => checkUrl(CHART_REPOSITORY, text);
