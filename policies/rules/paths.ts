/**
 * Every path from outside to a gateway pod goes through the governed
 * primary/canary Ingress pair, the only route whose weight the rollout
 * engine steps and whose canary the gates probe. Read from the stack model
 * (lib/model): any other Ingress (any class, any labels) with a backend on a
 * gateway Service or a rule for the pair's host, any Gateway API route to
 * them, a Service exposing the pods past the controller (LoadBalancer,
 * NodePort, externalIPs), and L4 streams of the controller put clients on a
 * version the weight does not choose, or blind the gates (docs/facts.md F40-F44).
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { CONTROLLER_VALUES_PATH } from "../lib/chart";
import {
  buildModel,
  gatewayServiceNamed,
  inPair,
  pairHosts,
  shown,
  type GatewayService,
  type IngressInfo,
  type IngressRoute,
  type StackModel,
} from "../lib/model";
import { at, isUnknown, show } from "../lib/values";

/** 'Service "ws-gateway-stable" → Deployment "ws-gateway-2f9c1ab"': where a gateway Service leads. */
export function serviceLeads(m: StackModel, s: GatewayService): string {
  const pods = s.selects.map((w) => w.object.subject);
  return pods.length === 0 ? shown(m, s.object) : `${shown(m, s.object)} → ${pods.join(", ")}`;
}

/** "ws.acme.example / (Prefix)": one route of an Ingress. */
export function routeText(r: IngressRoute): string {
  const host = typeof r.host === "string" ? r.host : "*";
  return `${host} ${String(r.path)} (${String(r.pathType)})`;
}

/** 'Ingress "ws-gateway" / Ingress "ws-gateway-canary"': the governed pair, for messages. */
export function pairText(m: StackModel): string {
  const { primary, canary } = m.pair;
  const parts = [primary, canary].filter((i): i is IngressInfo => i !== undefined);
  return parts.length === 0
    ? "the governed pair (not found)"
    : parts.map((i) => i.object.subject).join(" / ");
}

/** Whether the model is settled enough to say which Ingresses are the pair and which are not. */
export function pairKnown(m: StackModel): boolean {
  const e = m.engine;
  return (
    e !== undefined &&
    typeof e.namespace === "string" &&
    typeof e.canaryIngressName === "string" &&
    typeof e.stableServiceName === "string" &&
    !m.ingressesUnknown &&
    !m.servicesUnknown &&
    !m.selectionsUnknown
  );
}

/** The first route of `i` whose backend is a gateway Service, with that Service. */
export function gatewayRouteOf(
  m: StackModel,
  i: IngressInfo,
): { route: IngressRoute | undefined; service: GatewayService } | undefined {
  if (isUnknown(i.routes)) return undefined;
  for (const r of i.routes) {
    const s = gatewayServiceNamed(m, i.object.namespace, r.backend.service);
    if (s !== undefined) return { route: r, service: s };
  }
  const db = i.defaultBackend;
  const s = db === undefined ? undefined : gatewayServiceNamed(m, i.object.namespace, db.service);
  return s === undefined ? undefined : { route: undefined, service: s };
}

function classText(i: IngressInfo): string {
  return typeof i.className === "string"
    ? `class ${JSON.stringify(i.className)}`
    : "no class (the cluster's default controller takes it)";
}

const FIX_ROUTE =
  "Fix: remove it, or serve the path from the primary Ingress with the same host, path and pathType on the canary Ingress.";

function otherIngresses(m: StackModel, report: (message: string, urn: string) => void): void {
  const hosts = pairHosts(m);
  for (const i of m.ingresses) {
    if (inPair(m, i) || isUnknown(i.routes)) continue;
    const where = shown(m, i.object);
    const hit = gatewayRouteOf(m, i);
    if (hit !== undefined) {
      const route = hit.route === undefined ? "its default backend" : `route ${routeText(hit.route)}`;
      report(
        `${where}: ${route} (${classText(i)}) reaches ${serviceLeads(m, hit.service)} outside the governed pair ${pairText(m)}: ` +
          `clients on it skip the canary weight the rollout engine steps and the canary the gates probe, so they land on a version nobody chose for them. ${FIX_ROUTE}`,
        i.object.resource.urn,
      );
      continue;
    }
    const claimed = i.routes.find((r) => typeof r.host === "string" && hosts.has(r.host));
    if (claimed === undefined) continue;
    report(
      `${where}: route ${routeText(claimed)} (${classText(i)}) claims host ${String(claimed.host)}, which the governed pair ${pairText(m)} serves: ` +
        `ingress-nginx gives a longer or Exact path precedence and keeps the oldest Ingress on a shared path, and another class's controller answers the host on its own address, ` +
        `so clients reach a backend the canary weight does not decide. Fix: give it another host, or remove it.`,
      i.object.resource.urn,
    );
  }
}

function gatewayApiRoutes(m: StackModel, report: (message: string, urn: string) => void): void {
  const hosts = pairHosts(m);
  for (const r of m.gatewayApiRoutes) {
    const svc = r.backends
      .map(([ns, name]) => gatewayServiceNamed(m, ns, name))
      .find((s): s is GatewayService => s !== undefined);
    const host = r.hostnames.find((h) => hosts.has(h));
    if (svc === undefined && host === undefined) continue;
    const what = svc !== undefined ? `sends traffic to ${serviceLeads(m, svc)}` : `claims host ${host ?? ""}`;
    report(
      `${shown(m, r.object)}: a Gateway API route ${what} past ingress-nginx and the governed pair ${pairText(m)}: ` +
        `no canary weight or header decides it, and the gates never see it. Fix: remove the route; serve the gateway only through the primary Ingress.`,
      r.object.resource.urn,
    );
  }
}

/** Service types that open the selected pods to outside clients. */
const EXPOSING_TYPES: ReadonlySet<string> = new Set(["LoadBalancer", "NodePort"]);

function directServices(m: StackModel, report: (message: string, urn: string) => void): void {
  for (const s of m.gatewayServices) {
    if (s.selects.length === 0 || isUnknown(s.type) || isUnknown(s.externalIPs)) continue;
    const how = EXPOSING_TYPES.has(s.type)
      ? `type ${s.type}`
      : s.externalIPs.length > 0
        ? `externalIPs ${show(s.externalIPs)}`
        : undefined;
    if (how === undefined) continue;
    report(
      `${serviceLeads(m, s)}: ${how} exposes the gateway pods to outside clients directly, past the ingress controller and the governed pair ${pairText(m)}: ` +
        `no canary weight decides who reaches which version, and a release switching its selector resets connections. ` +
        `Fix: make it type ClusterIP without externalIPs and route clients through the primary Ingress.`,
      s.object.resource.urn,
    );
  }
}

/** Controller flags naming a ConfigMap of L4 streams the pack cannot read. */
const STREAM_FLAGS = ["tcp-services-configmap", "udp-services-configmap"] as const;

function l4Streams(m: StackModel, report: (message: string, urn: string) => void): void {
  for (const c of m.controllers) {
    const urn = (c.release as PolicyResource).urn;
    if (!isUnknown(c.l4)) {
      for (const s of c.l4) {
        const svc = s.namespace === undefined ? undefined : gatewayServiceNamed(m, s.namespace, s.service);
        if (svc === undefined) continue;
        report(
          `${c.subject}: values.${s.protocol}["${s.port}"] ${show(s.target)} streams ${s.protocol.toUpperCase()} port ${s.port} to ${serviceLeads(m, svc)}: ` +
            `an L4 stream passes no Ingress, so no canary weight or header decides it and the per-route timeouts do not apply. ` +
            `Fix: remove values.${s.protocol}["${s.port}"]; serve the gateway only through the primary Ingress.`,
          urn,
        );
      }
    }
    for (const flag of STREAM_FLAGS) {
      const v = at(c.controller, ["extraArgs", flag]);
      if (typeof v !== "string") continue;
      report(
        `${c.subject}: ${CONTROLLER_VALUES_PATH}.extraArgs["${flag}"] is ${show(v)}: the controller streams every port that ConfigMap lists straight to its Services, past every Ingress, ` +
          `and the pack cannot see whether one is a gateway Service. Fix: remove the flag; declare an L4 stream in values.${flag.slice(0, 3)} instead, where the pack checks it does not reach the gateway.`,
        urn,
      );
    }
  }
}

export const gatewayPathsThroughPair: StackValidationPolicy = {
  name: "gateway-paths-through-pair",
  description:
    "Every path from outside to a gateway pod goes through the governed primary/canary Ingress pair: no other Ingress (any class), Gateway API route or L4 stream reaches the gateway Services or claims the pair's host, and no Service exposes the gateway pods directly.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const m = buildModel(args.resources);
    directServices(m, report);
    l4Streams(m, report);
    // Telling the pair from the rest needs every Ingress, Service and selector known.
    if (!pairKnown(m)) return;
    otherIngresses(m, report);
    gatewayApiRoutes(m, report);
  },
};

export const pathPolicies = [gatewayPathsThroughPair];
