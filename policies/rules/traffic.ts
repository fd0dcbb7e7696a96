/**
 * The WebSocket traffic layer: long proxy timeouts, a canary Ingress that
 * ingress-nginx can merge into the primary (docs/facts.md F1), a weight with a single
 * writer (the rollout engine), no selector switching behind a pass-through
 * load balancer, and client-preserving Local traffic on the controller.
 */
import * as k8s from "@pulumi/kubernetes";
import {
  validateResourceOfType,
  type PolicyResource,
  type ReportViolation,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import {
  ANNOTATION_CANARY,
  ANNOTATION_CANARY_WEIGHT,
  ANNOTATION_PROXY_READ_TIMEOUT,
  ANNOTATION_PROXY_SEND_TIMEOUT,
  CANARY_SERVICE,
  LABEL_APP,
  LABEL_VERSION,
  STABLE_SERVICE,
} from "../../components/names";
import { configSchema, knobs } from "../config";
import {
  NGINX_DEFAULT_PROXY_TIMEOUT_SECONDS,
  controllerPath,
  deliveredControllerValues,
  validateIngressNginxRelease,
} from "../lib/chart";
import { TYPES, describe, namespaceOf } from "../lib/kube";
import { gatewayOnly } from "../lib/rule";
import { UNKNOWN, at, isUnknown, knownItems, num, show, stringMap, type Unknown } from "../lib/values";

/**
 * The WebSocket timeout problems of one Ingress's annotations (`subject` names it):
 * shared by ingress-websocket-timeouts and by the route-settings rule, which
 * applies it to every Ingress on a gateway path whatever its labels.
 */
export function websocketTimeoutProblems(
  props: unknown,
  subject: string,
  minProxyTimeoutSeconds: number,
): string[] {
  const out: string[] = [];
  for (const key of [ANNOTATION_PROXY_READ_TIMEOUT, ANNOTATION_PROXY_SEND_TIMEOUT]) {
    const raw = at(props, ["metadata", "annotations", key]);
    // ingress-nginx reads these annotations as integer seconds only
    // (annotations/proxy: GetIntValue); "3600s" fails to parse and the
    // controller-wide proxy timeout silently applies instead.
    const value = raw === undefined ? NGINX_DEFAULT_PROXY_TIMEOUT_SECONDS : num(raw);
    if (isUnknown(value)) continue;
    if (raw !== undefined && (value === undefined || !Number.isInteger(value))) {
      out.push(
        `${subject}: annotation ${key} is ${show(raw)}, not integer seconds: ` +
          `ingress-nginx cannot parse it and uses the controller's own proxy timeout instead. Fix: set it to "${minProxyTimeoutSeconds}".`,
      );
      continue;
    }
    if (value === undefined || value < minProxyTimeoutSeconds) {
      const found =
        raw === undefined ? `not set, so nginx uses ${NGINX_DEFAULT_PROXY_TIMEOUT_SECONDS}` : show(raw);
      out.push(
        `${subject}: annotation ${key} is ${found}, below ${minProxyTimeoutSeconds} s: ` +
          `nginx closes a WebSocket idle for longer. Fix: set it to "${minProxyTimeoutSeconds}".`,
      );
    }
  }
  return out;
}

export const ingressWebsocketTimeouts: ResourceValidationPolicy = {
  name: "ingress-websocket-timeouts",
  description: `Gateway Ingresses set ${ANNOTATION_PROXY_READ_TIMEOUT} and ${ANNOTATION_PROXY_SEND_TIMEOUT} long enough for idle WebSockets.`,
  enforcementLevel: "mandatory",
  configSchema: configSchema("minProxyTimeoutSeconds"),
  validateResource: validateResourceOfType(k8s.networking.v1.Ingress, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const { minProxyTimeoutSeconds } = knobs(args);
      const subject = describe("Ingress", args.props, args.name);
      for (const m of websocketTimeoutProblems(args.props, subject, minProxyTimeoutSeconds)) report(m);
    }),
  ),
};

export const canaryWeightNotDeclared: ResourceValidationPolicy = {
  name: "canary-weight-not-declared",
  description: `No Ingress declares ${ANNOTATION_CANARY_WEIGHT}: the rollout engine is its only writer.`,
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.networking.v1.Ingress, (_p, args, report: ReportViolation) => {
    const annotations = stringMap(at(args.props, "metadata.annotations"));
    if (isUnknown(annotations) || annotations === undefined) return;
    if (!(ANNOTATION_CANARY_WEIGHT in annotations)) return;
    report(
      `${describe("Ingress", args.props, args.name)}: declares ${ANNOTATION_CANARY_WEIGHT} ${show(annotations[ANNOTATION_CANARY_WEIGHT])}: ` +
        `the next \`pulumi up\` would reset the weight the rollout engine set, shifting live traffic. Fix: remove the annotation from the program; the rollout engine writes it.`,
    );
  }),
};

export const noVersionSelectorOnLoadBalancer: ResourceValidationPolicy = {
  name: "no-version-selector-on-load-balancer",
  description: `No Service of type LoadBalancer selects a version label (${LABEL_VERSION}): switching it resets connections on a pass-through load balancer.`,
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.core.v1.Service, (_p, args, report: ReportViolation) => {
    const type = at(args.props, "spec.type");
    const selector = stringMap(at(args.props, "spec.selector"));
    if (type !== "LoadBalancer" || isUnknown(selector) || selector === undefined) return;
    if (!(LABEL_VERSION in selector)) return;
    report(
      `${describe("Service", args.props, args.name)}: type LoadBalancer with selector ${show(selector)} including ${LABEL_VERSION}: ` +
        `a release would switch its backends under the load balancer and reset connections forwarded between nodes. ` +
        `Fix: route through the ingress controller with ClusterIP stable/canary Services, and keep version labels off LoadBalancer selectors.`,
    );
  }),
};

export const gatewayServiceSelectsVersion: ResourceValidationPolicy = {
  name: "gateway-service-selects-version",
  description: `The gateway's stable and canary Services (every ClusterIP Service of the gateway) select one version through ${LABEL_VERSION}, so the canary weight decides who reaches a new version.`,
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.core.v1.Service, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const type = at(args.props, "spec.type");
      const selector = stringMap(at(args.props, "spec.selector"));
      if (isUnknown(type) || isUnknown(selector) || type === "LoadBalancer" || type === "ExternalName")
        return;
      if (
        selector !== undefined &&
        typeof selector[LABEL_VERSION] === "string" &&
        selector[LABEL_VERSION] !== ""
      ) {
        return;
      }
      const name = at(args.props, "metadata.name");
      const role =
        name === CANARY_SERVICE
          ? "the canary Service would send the new version's share to every version from the first step, whatever the weight"
          : name === STABLE_SERVICE
            ? "the stable Service would send new and reconnecting clients to the version being released before promotion, and to retiring versions after it"
            : "it would mix every version's pods behind one address";
      report(
        `${describe("Service", args.props, args.name)}: selector ${show(selector)} has no ${LABEL_VERSION}: ${role}. ` +
          `Fix: select ${LABEL_VERSION}: <version> beside ${LABEL_APP}.`,
      );
    }),
  ),
};

export const ingressNginxExternalTrafficLocal: ResourceValidationPolicy = {
  name: "ingress-nginx-external-traffic-local",
  description:
    "The ingress-nginx controller Service uses externalTrafficPolicy Local: no second hop that a backend change can reset, client IPs kept.",
  enforcementLevel: "mandatory",
  validateResource: validateIngressNginxRelease((props, subject, _args, report) => {
    const c = deliveredControllerValues(props);
    const type = at(c, "service.type");
    const policy = at(c, "service.externalTrafficPolicy");
    if (isUnknown(type) || isUnknown(policy) || type === "ClusterIP") return;
    if (policy === "Local") return;
    report(
      `${subject}: ${controllerPath("service.externalTrafficPolicy")} is ${show(policy)}, not "Local": ` +
        `every node passes the load balancer's health check and forwards to other nodes, where connections can be reset. ` +
        `Fix: set ${controllerPath("service.externalTrafficPolicy")} to "Local".`,
    );
  }),
};

interface Route {
  readonly host: string;
  readonly path: string;
  readonly pathType: string;
}

/** Host/path/pathType of every rule of an Ingress; UNKNOWN if any is unknown. */
function routesOf(ingress: PolicyResource): Route[] | Unknown {
  const out: Route[] = [];
  const rules = at(ingress.props, "spec.rules");
  if (isUnknown(rules)) return rules;
  for (const r of knownItems(rules)) {
    const host = at(r, "host");
    const paths = at(r, "http.paths");
    if (isUnknown(r) || isUnknown(host) || isUnknown(paths)) return UNKNOWN;
    for (const p of knownItems(paths)) {
      const path = at(p, "path");
      const pathType = at(p, "pathType");
      if (isUnknown(p) || isUnknown(path) || isUnknown(pathType)) return UNKNOWN;
      out.push({ host: String(host ?? "*"), path: String(path ?? "/"), pathType: String(pathType ?? "") });
    }
  }
  return out;
}

const routeKey = (r: Route) => `${r.host} ${r.path} (${r.pathType})`;

export const canaryIngressMirrorsPrimary: StackValidationPolicy = {
  name: "canary-ingress-mirrors-primary",
  description:
    "Every canary Ingress has exactly the host, path and pathType of a primary Ingress, and one canary per route; otherwise ingress-nginx ignores it.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const ingresses = args.resources.filter((r) => r.type === TYPES.ingress);
    const isCanary = (i: PolicyResource) => at(i.props, ["metadata", "annotations", ANNOTATION_CANARY]);
    // An Ingress whose canary flag is unknown could be either side of any pair.
    if (ingresses.some((i) => isUnknown(isCanary(i)))) return;
    const primaries = ingresses.filter((i) => isCanary(i) === undefined || isCanary(i) === "false");
    const canaries = ingresses.filter((i) => isCanary(i) === "true");
    const primaryRoutes = new Set<string>();
    for (const p of primaries) {
      const rs = routesOf(p);
      // An unknown primary route could be the one a canary mirrors: judge nothing.
      if (isUnknown(rs) || isUnknown(namespaceOf(p.props))) return;
      for (const r of rs) primaryRoutes.add(`${String(namespaceOf(p.props))}|${routeKey(r)}`);
    }
    const seen = new Map<string, string>();
    for (const c of canaries) {
      const rs = routesOf(c);
      if (isUnknown(rs) || isUnknown(namespaceOf(c.props))) continue;
      const what = describe("Ingress", c.props, c.name);
      for (const r of rs) {
        const k = `${String(namespaceOf(c.props))}|${routeKey(r)}`;
        if (!primaryRoutes.has(k)) {
          report(
            `${what}: canary route ${routeKey(r)} matches no primary Ingress route (primary routes: ${show([...primaryRoutes].map((x) => x.split("|")[1]))}): ` +
              `ingress-nginx merges a canary only into a primary with the same host, path and pathType, so this canary gets no traffic. ` +
              `Fix: give the canary Ingress the primary's host, path and pathType.`,
            c.urn,
          );
        }
        const other = seen.get(k);
        if (other !== undefined) {
          report(
            `${what}: route ${routeKey(r)} already has canary ${other}; ingress-nginx honours one canary per route. Fix: keep a single canary Ingress per route.`,
            c.urn,
          );
        }
        seen.set(k, what);
      }
    }
  },
};

export const trafficPolicies = [
  ingressWebsocketTimeouts,
  canaryIngressMirrorsPrimary,
  canaryWeightNotDeclared,
  noVersionSelectorOnLoadBalancer,
  gatewayServiceSelectsVersion,
  ingressNginxExternalTrafficLocal,
];
