/**
 * No per-route nginx setting on a gateway path breaks the WebSocket upgrade,
 * the timeouts or the canary decision. Applies to every Ingress the model
 * puts on a gateway path (the governed pair and any Ingress with a backend on
 * a gateway Service), whatever its labels. ingress-nginx ignores the
 * non-canary annotations of a canary Ingress except session affinity,
 * upstream-hash-by and load-balance (user-guide/nginx-configuration/annotations
 * § Canary), so a canary Ingress is held only to the affinity setting
 * (docs/facts.md F42).
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { NGINX_ANNOTATION_PREFIX } from "../../components/names";
import { configSchema, knobs } from "../config";
import { isGatewayObject } from "../lib/kube";
import { buildModel, type IngressInfo, type StackModel } from "../lib/model";
import { at, isUnknown, show } from "../lib/values";
import { gatewayRouteOf, routeText, serviceLeads } from "./paths";
import { websocketTimeoutProblems } from "./traffic";

/** One class of route setting: what it breaks, given the annotation's value and the Ingress. */
interface Setting {
  /** The annotation key after the nginx prefix. */
  readonly key: string;
  /** Whether a canary Ingress's value counts (ingress-nginx reads it there too). */
  readonly onCanary: boolean;
  /** Why the value breaks the route, or undefined when it does not. */
  readonly breaks: (value: string, i: IngressInfo, m: StackModel) => string | undefined;
  readonly fix: string;
}

const REMOVE = "Fix: remove the annotation; the controller's defaults are what a WebSocket route needs.";
const NO_101 =
  "a WebSocket client does not follow redirects: anything but 101 Switching Protocols fails the handshake (RFC 6455 §4.1)";

/** Whether a controller flag is on in every ingress-nginx release (or unknown: no release in the stack). */
function flagOn(m: StackModel, flag: string): boolean {
  if (m.controllers.length === 0) return true;
  return m.controllers.some((c) => {
    const v = at(c.controller, ["extraArgs", flag]);
    return typeof v === "string" ? v !== "false" : v === true;
  });
}

export const ROUTE_SETTINGS: readonly Setting[] = [
  {
    key: "proxy-http-version",
    onCanary: false,
    breaks: (v) =>
      v.trim() === "1.1"
        ? undefined
        : `nginx would proxy with HTTP/${v}; only HTTP/1.1 carries the Upgrade handshake, so every WebSocket upgrade fails`,
    fix: REMOVE,
  },
  {
    key: "connection-proxy-header",
    onCanary: false,
    breaks: () =>
      `it replaces the Connection header nginx sends upstream ("upgrade" when the client asks for one), so the gateway never sees an upgrade request`,
    fix: REMOVE,
  },
  {
    key: "backend-protocol",
    onCanary: false,
    breaks: (v) =>
      v.trim().toUpperCase() === "HTTP"
        ? undefined
        : `nginx would speak ${v} to the gateway's plain-HTTP WebSocket port, and every handshake fails`,
    fix: REMOVE,
  },
  {
    key: "app-root",
    onCanary: false,
    breaks: (v) => `nginx answers "/" with a redirect to ${v}; ${NO_101}`,
    fix: REMOVE,
  },
  {
    key: "permanent-redirect",
    onCanary: false,
    breaks: () => `every request on the route gets a 301; ${NO_101}`,
    fix: REMOVE,
  },
  {
    key: "temporal-redirect",
    onCanary: false,
    breaks: () => `every request on the route gets a 302; ${NO_101}`,
    fix: REMOVE,
  },
  {
    key: "force-ssl-redirect",
    onCanary: false,
    breaks: (v, i) =>
      v === "true" && i.tls === false
        ? `the route has no TLS, so every ws:// handshake gets a 308 to https; ${NO_101}`
        : undefined,
    fix: "Fix: remove the annotation, or give the Ingress a TLS secret and publish wss:// URLs.",
  },
  {
    key: "ssl-passthrough",
    onCanary: false,
    breaks: (v, _i, m) =>
      v === "true" && flagOn(m, "enable-ssl-passthrough")
        ? `with --enable-ssl-passthrough the controller hands the TLS stream to the plain-HTTP pods as L4 and "invalidates all the other annotations": no path, timeout or canary applies`
        : undefined,
    fix: REMOVE,
  },
  {
    key: "service-upstream",
    onCanary: false,
    breaks: (v) =>
      v === "true"
        ? `nginx connects to the Service's cluster IP instead of the pods, so promotion's selector change makes the dataplane reset every flow whose pod left the Service`
        : undefined,
    fix: REMOVE,
  },
  {
    key: "affinity",
    onCanary: true,
    breaks: () =>
      `session affinity makes canary routing sticky (affinity-canary-behavior "sticky" by default): a client once sent to the canary keeps going there whatever the weight, even after an abort sets it to 0`,
    fix: "Fix: remove session affinity from both Ingresses of the pair.",
  },
  {
    key: "limit-connections",
    onCanary: false,
    breaks: (v) =>
      `it caps each client address at ${v} concurrent connections; WebSockets stay open, so clients behind a shared address are refused and the reconnect wave of a drain fails`,
    fix: REMOVE,
  },
];

/** Annotations injecting raw nginx configuration (configuration-snippet, server-snippet, auth-snippet, ...). */
const SNIPPET = /-snippet$/;

function snippetBreak(key: string): string {
  return (
    `${key} injects raw nginx configuration into the gateway's route: the controller runs with snippets off and annotations-risk-level High, ` +
    `so its admission refuses the Ingress (or drops the setting), and with snippets on, one bad snippet breaks the upgrade or every reload`
  );
}

function pathOf(m: StackModel, i: IngressInfo): string {
  const hit = gatewayRouteOf(m, i);
  if (hit === undefined) return i.object.subject;
  const route = hit.route === undefined ? "default backend" : routeText(hit.route);
  return `${i.object.subject} (${route} → ${serviceLeads(m, hit.service)})`;
}

export const gatewayRouteSettings: StackValidationPolicy = {
  name: "gateway-route-settings",
  description:
    "No nginx annotation on an Ingress of a gateway path (the governed pair and any Ingress routing to a gateway Service, whatever its labels) breaks the WebSocket upgrade, the idle timeouts or the canary decision.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minProxyTimeoutSeconds"),
  validateStack: (args, report) => {
    const { minProxyTimeoutSeconds } = knobs(args);
    const m = buildModel(args.resources);
    const onPath = new Set<IngressInfo>(m.gatewayIngresses);
    for (const i of [m.pair.primary, m.pair.canary]) if (i !== undefined) onPath.add(i);
    for (const i of onPath) {
      if (isUnknown(i.annotations) || isUnknown(i.canary)) continue;
      const where = pathOf(m, i);
      const urn = i.object.resource.urn;
      for (const [key, value] of Object.entries(i.annotations)) {
        if (!key.startsWith(NGINX_ANNOTATION_PREFIX)) continue;
        const short = key.slice(NGINX_ANNOTATION_PREFIX.length);
        if (SNIPPET.test(short) && !i.canary) {
          report(
            `${where}: annotation ${key}: ${snippetBreak(short)}. Fix: remove it; use a documented annotation for the setting.`,
            urn,
          );
          continue;
        }
        const s = ROUTE_SETTINGS.find((x) => x.key === short);
        if (s === undefined || (i.canary && !s.onCanary)) continue;
        const why = s.breaks(value, i, m);
        if (why !== undefined) report(`${where}: annotation ${key} is ${show(value)}: ${why}. ${s.fix}`, urn);
      }
      // Labelled Ingresses are held to the timeouts by ingress-websocket-timeouts; the model adds the rest.
      if (isGatewayObject(i.object.resource.props) === false) {
        for (const msg of websocketTimeoutProblems(
          i.object.resource.props,
          i.object.subject,
          minProxyTimeoutSeconds,
        )) {
          report(msg, urn);
        }
      }
    }
  },
};

export const routePolicies = [gatewayRouteSettings];
