/**
 * The model of a stack: computed once from every rendered resource (a stack
 * policy's `args.resources`) and the ingress-nginx chart values the release
 * delivers. Rules state invariants over it instead of reading objects by
 * their labels.
 *
 * - `engine`: what the rollout engine's resource governs (namespace, version,
 *   stable version, canary Ingress, stable Service).
 * - `workloads`: the gateway Deployments, found by what creates them (the
 *   versioned Deployment of each version the engine names), each with its pod
 *   template and every object that selects its pods (Service, PDB) or targets
 *   it (HPA, VPA, KEDA ScaledObject), whatever labels those carry.
 * - `services`: every Service; `gatewayServices`: those that select a gateway
 *   pod, or that the engine names as the stable Service.
 * - `ingresses`: every Ingress, parsed; `pair`: the governed primary/canary
 *   pair (the canary is the Ingress the engine writes the weight on, the
 *   primary the program's fixed primary Ingress in the same namespace);
 *   `gatewayIngresses`: every Ingress with a backend on a gateway Service.
 * - `gatewayApiRoutes`: HTTPRoute/GRPCRoute/TCPRoute/... objects.
 * - `controllers`: each ingress-nginx release with its delivered values, the
 *   class it serves and its L4 streams.
 *
 * Stable API: `buildModel(resources)` and the types below. Values the engine
 * does not know yet stay UNKNOWN; a rule never reports from an unknown.
 */
import type { PolicyResource } from "@pulumi/policy";
import { PRIMARY_INGRESS } from "../../../components/names";
import { deliveredValues, isIngressNginxRelease, releaseSubject } from "../chart";
import { TYPES } from "../kube";
import { at, isUnknown, stringMap, type Unknown } from "../values";
import { DEFAULT_NAMESPACE, sameObject, subjectIn, type KubeObject } from "./objects";
import {
  backendsOf,
  gatewayApiRoute,
  ingressInfo,
  isGatewayApiRoute,
  l4RoutesOf,
  serviceInfo,
  type GatewayApiRoute,
  type IngressInfo,
  type L4Route,
  type ServiceInfo,
} from "./routes";
import { engineOf, gatewayWorkloads, selectsPods, type Engine, type GatewayWorkload } from "./workloads";

export * from "./objects";
export * from "./routes";
export * from "./workloads";

/** The chart's default IngressClass name (values.yaml controller.ingressClassResource.name). */
export const CHART_DEFAULT_CLASS = "nginx";

/** An ingress-nginx release: the class its controller serves and the L4 streams it proxies. */
export interface ControllerInfo {
  readonly release: PolicyResource;
  /** 'Helm release "ingress-nginx"'. */
  readonly subject: string;
  /** Delivered `values.controller`. */
  readonly controller: unknown;
  /** The IngressClass the controller serves (controller.ingressClassResource.name). */
  readonly className: string | Unknown;
  readonly l4: readonly L4Route[] | Unknown;
}

/** A Service that selects gateway pods (or the engine names as the stable Service). */
export interface GatewayService extends ServiceInfo {
  /** The workloads whose pods it selects. */
  readonly selects: readonly GatewayWorkload[];
}

export interface StackModel {
  readonly engine: Engine | undefined;
  readonly workloads: readonly GatewayWorkload[];
  readonly services: readonly ServiceInfo[];
  readonly gatewayServices: readonly GatewayService[];
  /** True while a Service's name or namespace is unknown: "no such Service" cannot be told. */
  readonly servicesUnknown: boolean;
  /** True while a Service selector or a gateway pod template's labels are unknown: "selects nothing" cannot be told. */
  readonly selectionsUnknown: boolean;
  /** True while an Ingress's name, namespace, class, canary flag, rules or annotations are unknown. */
  readonly ingressesUnknown: boolean;
  readonly ingresses: readonly IngressInfo[];
  readonly pair: { readonly primary: IngressInfo | undefined; readonly canary: IngressInfo | undefined };
  /** Ingresses (any class, any labels) with a backend on a gateway Service. */
  readonly gatewayIngresses: readonly IngressInfo[];
  readonly gatewayApiRoutes: readonly GatewayApiRoute[];
  readonly controllers: readonly ControllerInfo[];
  /** The gateway's namespace (the engine's), for messages. */
  readonly namespace: string | Unknown | undefined;
}

/** The Service `name` in `namespace`, if the stack declares it. */
export function serviceNamed(
  m: Pick<StackModel, "services">,
  namespace: string | Unknown,
  name: string | Unknown | undefined,
): ServiceInfo | undefined {
  if (isUnknown(namespace) || typeof name !== "string") return undefined;
  return m.services.find((s) => sameObject(s.object, namespace, name));
}

/** The gateway Service `name` in `namespace`, if it is one. */
export function gatewayServiceNamed(
  m: Pick<StackModel, "gatewayServices">,
  namespace: string | Unknown,
  name: string | Unknown | undefined,
): GatewayService | undefined {
  if (isUnknown(namespace) || typeof name !== "string") return undefined;
  return m.gatewayServices.find((s) => sameObject(s.object, namespace, name));
}

function controllerOf(r: PolicyResource): ControllerInfo {
  const values = deliveredValues(r.props);
  const controller = isUnknown(values) ? values : values?.controller;
  const cls = at(controller, "ingressClassResource.name");
  return {
    release: r,
    subject: releaseSubject(r.props, r.name),
    controller,
    className: isUnknown(cls) ? cls : typeof cls === "string" ? cls : CHART_DEFAULT_CLASS,
    l4: isUnknown(values) ? values : l4RoutesOf(values ?? {}),
  };
}

/** The model of one stack. */
export function buildModel(resources: readonly PolicyResource[]): StackModel {
  const engine = engineOf(resources);
  const workloads = gatewayWorkloads(resources, engine);
  const serviceResources = resources.filter((r) => r.type === TYPES.service);
  const services = serviceResources.map(serviceInfo);
  const gatewayServices: GatewayService[] = [];
  serviceResources.forEach((r, i) => {
    const info = services[i] as ServiceInfo;
    const selected = workloads.filter(
      (w) => w.object.namespace === info.object.namespace && selectsPods(r, w.podLabels) === true,
    );
    const named =
      engine !== undefined &&
      typeof engine.namespace === "string" &&
      typeof engine.stableServiceName === "string" &&
      sameObject(info.object, engine.namespace, engine.stableServiceName);
    if (selected.length > 0 || named) gatewayServices.push({ ...info, selects: selected });
  });
  const ingresses = resources.filter((r) => r.type === TYPES.ingress).map(ingressInfo);
  const inNs = (i: IngressInfo, name: string | Unknown): boolean =>
    engine !== undefined &&
    typeof engine.namespace === "string" &&
    typeof name === "string" &&
    sameObject(i.object, engine.namespace, name);
  const canary = engine === undefined ? undefined : ingresses.find((i) => inNs(i, engine.canaryIngressName));
  const primary = engine === undefined ? undefined : ingresses.find((i) => inNs(i, PRIMARY_INGRESS));
  const gatewayIngresses = ingresses.filter((i) => {
    const bs = backendsOf(i);
    if (isUnknown(bs)) return false;
    return bs.some(
      (b) => gatewayServiceNamed({ gatewayServices }, i.object.namespace, b.service) !== undefined,
    );
  });
  return {
    engine,
    workloads,
    services,
    gatewayServices,
    servicesUnknown: services.some((s) => isUnknown(s.object.name) || isUnknown(s.object.namespace)),
    selectionsUnknown:
      workloads.some((w) => isUnknown(w.podLabels)) ||
      serviceResources.some((r) => isUnknown(stringMap(at(r.props, "spec.selector")))),
    ingressesUnknown: ingresses.some(
      (i) =>
        isUnknown(i.object.name) ||
        isUnknown(i.object.namespace) ||
        isUnknown(i.className) ||
        isUnknown(i.canary) ||
        isUnknown(i.routes) ||
        isUnknown(i.annotations) ||
        i.routes.some(
          (r) =>
            isUnknown(r.host) ||
            isUnknown(r.path) ||
            isUnknown(r.pathType) ||
            isUnknown(r.backend.service) ||
            isUnknown(r.backend.port),
        ),
    ),
    ingresses,
    pair: { primary, canary },
    gatewayIngresses,
    gatewayApiRoutes: resources.filter((r) => isGatewayApiRoute(r.type)).map(gatewayApiRoute),
    controllers: resources
      .filter((r) => r.type === TYPES.helmRelease && isIngressNginxRelease(r.props) === true)
      .map(controllerOf),
    namespace: engine?.namespace ?? workloads[0]?.object.namespace,
  };
}

/** The hosts the governed pair serves (lower-cased); hostless rules are left out. */
export function pairHosts(m: StackModel): Set<string> {
  const out = new Set<string>();
  for (const i of [m.pair.primary, m.pair.canary]) {
    if (i === undefined || isUnknown(i.routes)) continue;
    for (const r of i.routes) if (typeof r.host === "string") out.add(r.host);
  }
  return out;
}

/** The object's subject, with its namespace when it is not the gateway's. */
export function shown(m: StackModel, o: KubeObject): string {
  return subjectIn(o, m.namespace ?? DEFAULT_NAMESPACE);
}

/** Whether `o` is one of the governed pair. */
export function inPair(m: StackModel, i: IngressInfo): boolean {
  return i === m.pair.primary || i === m.pair.canary;
}
