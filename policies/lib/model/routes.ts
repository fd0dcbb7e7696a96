/**
 * How traffic reaches the gateway pods: Ingress rules (class, host, path,
 * pathType, backend Service and port), Services (type, ports, selector,
 * externalIPs), Gateway API routes, and the L4 streams the ingress-nginx
 * controller proxies (chart values `tcp`/`udp`). Read once per stack.
 */
import type { PolicyResource } from "@pulumi/policy";
import { ANNOTATION_CANARY } from "../../../components/names";
import { TYPES } from "../kube";
import { UNKNOWN, at, entries, isUnknown, knownItems, stringMap, type Unknown } from "../values";
import { objectOf, type KubeObject } from "./objects";

/** The legacy annotation that still selects a controller (ingress-nginx honours it before spec.ingressClassName). */
export const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";

/** A Service port: its number, name and where it sends traffic. */
export interface ServicePort {
  readonly port: number | Unknown | undefined;
  readonly name: string | Unknown | undefined;
  readonly targetPort: number | string | Unknown | undefined;
}

export interface ServiceInfo {
  readonly object: KubeObject;
  /** spec.type ("ClusterIP" when unset). */
  readonly type: string | Unknown;
  readonly ports: readonly ServicePort[] | Unknown;
  readonly externalIPs: readonly string[] | Unknown;
}

/** The backend of an Ingress path (or its defaultBackend). */
export interface Backend {
  readonly service: string | Unknown | undefined;
  readonly port: number | string | Unknown | undefined;
}

/** One host/path of an Ingress. */
export interface IngressRoute {
  /** The rule's host, lower-cased; undefined for a rule without host (every host). */
  readonly host: string | Unknown | undefined;
  readonly path: string | Unknown;
  readonly pathType: string | Unknown;
  readonly backend: Backend;
}

export interface IngressInfo {
  readonly object: KubeObject;
  /** spec.ingressClassName, else the legacy annotation; undefined when neither (the cluster's default class). */
  readonly className: string | Unknown | undefined;
  /** Where the class came from, for messages. */
  readonly classField: string;
  /** The canary annotation: true for "true", false when absent or anything else, UNKNOWN while unknown. */
  readonly canary: boolean | Unknown;
  readonly annotations: Readonly<Record<string, string>> | Unknown;
  readonly routes: readonly IngressRoute[] | Unknown;
  readonly defaultBackend: Backend | undefined;
  /** Whether spec.tls lists any host. */
  readonly tls: boolean | Unknown;
}

const num = (v: unknown): number | Unknown | undefined =>
  isUnknown(v) ? UNKNOWN : typeof v === "number" ? v : undefined;
const str = (v: unknown): string | Unknown | undefined =>
  isUnknown(v) ? UNKNOWN : typeof v === "string" ? v : undefined;

export function serviceInfo(r: PolicyResource): ServiceInfo {
  const type = at(r.props, "spec.type");
  const rawPorts = at(r.props, "spec.ports");
  const ips = at(r.props, "spec.externalIPs");
  const ports: ServicePort[] | Unknown = isUnknown(rawPorts)
    ? UNKNOWN
    : knownItems(rawPorts).map((p) => {
        const target = at(p, "targetPort");
        return {
          port: num(at(p, "port")),
          name: str(at(p, "name")),
          targetPort:
            isUnknown(target) || typeof target === "number" || typeof target === "string"
              ? target
              : num(at(p, "port")),
        };
      });
  return {
    object: objectOf(r),
    type: isUnknown(type) ? UNKNOWN : typeof type === "string" ? type : "ClusterIP",
    ports,
    externalIPs: isUnknown(ips)
      ? UNKNOWN
      : knownItems(ips).filter((x): x is string => typeof x === "string" && x !== ""),
  };
}

function backendOf(b: unknown): Backend {
  const port = at(b, "service.port");
  const number = at(port, "number");
  const name = at(port, "name");
  return {
    service: str(at(b, "service.name")),
    port: isUnknown(port) || isUnknown(number) || isUnknown(name) ? UNKNOWN : (num(number) ?? str(name)),
  };
}

export function ingressInfo(r: PolicyResource): IngressInfo {
  const p = r.props;
  const spec = at(p, "spec.ingressClassName");
  const legacy = at(p, ["metadata", "annotations", LEGACY_CLASS_ANNOTATION]);
  // ingress-nginx reads the legacy annotation first (internal/ingress/controller/store: IsValid).
  const className = typeof legacy === "string" ? legacy : isUnknown(legacy) ? UNKNOWN : str(spec);
  const classField =
    typeof legacy === "string" ? `annotation ${LEGACY_CLASS_ANNOTATION}` : "spec.ingressClassName";
  const canaryRaw = at(p, ["metadata", "annotations", ANNOTATION_CANARY]);
  const annotations = stringMap(at(p, "metadata.annotations"));
  const rules = at(p, "spec.rules");
  let routes: IngressRoute[] | Unknown = [];
  if (isUnknown(rules)) routes = UNKNOWN;
  else {
    for (const rule of knownItems(rules)) {
      const host = at(rule, "host");
      const paths = at(rule, "http.paths");
      if (isUnknown(rule) || isUnknown(paths)) {
        routes = UNKNOWN;
        break;
      }
      for (const path of knownItems(paths)) {
        const pv = at(path, "path");
        const pt = at(path, "pathType");
        routes.push({
          host: isUnknown(host)
            ? UNKNOWN
            : typeof host === "string" && host !== ""
              ? host.toLowerCase()
              : undefined,
          path: isUnknown(pv) ? UNKNOWN : typeof pv === "string" ? pv : "/",
          pathType: isUnknown(pt) ? UNKNOWN : typeof pt === "string" ? pt : "ImplementationSpecific",
          backend: backendOf(at(path, "backend")),
        });
      }
    }
  }
  const db = at(p, "spec.defaultBackend");
  const tls = at(p, "spec.tls");
  return {
    object: objectOf(r),
    className,
    classField,
    canary: isUnknown(canaryRaw) ? UNKNOWN : canaryRaw === "true",
    annotations: annotations ?? {},
    routes,
    defaultBackend: db === undefined || db === null || isUnknown(db) ? undefined : backendOf(db),
    tls: isUnknown(tls) ? UNKNOWN : knownItems(tls).some((t) => knownItems(at(t, "hosts")).length > 0),
  };
}

/** Every backend an Ingress sends traffic to (path backends and the default backend). */
export function backendsOf(i: IngressInfo): Backend[] | Unknown {
  if (isUnknown(i.routes)) return UNKNOWN;
  return [...i.routes.map((r) => r.backend), ...(i.defaultBackend === undefined ? [] : [i.defaultBackend])];
}

/** A Gateway API route (HTTPRoute, GRPCRoute, TCPRoute, ...): its hostnames and backend Services. */
export interface GatewayApiRoute {
  readonly object: KubeObject;
  readonly hostnames: readonly string[];
  /** Backend Service references as [namespace, name]. */
  readonly backends: readonly [string | Unknown, string][];
}

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";

export function isGatewayApiRoute(type: string): boolean {
  return type.startsWith(`kubernetes:${GATEWAY_API_GROUP}/`) && /Route$/.test(type);
}

export function gatewayApiRoute(r: PolicyResource): GatewayApiRoute {
  const object = objectOf(r);
  const backends: [string | Unknown, string][] = [];
  for (const rule of knownItems(at(r.props, "spec.rules"))) {
    for (const ref of knownItems(at(rule, "backendRefs"))) {
      const kind = at(ref, "kind");
      const name = at(ref, "name");
      const ns = at(ref, "namespace");
      if (typeof name !== "string" || (kind !== undefined && kind !== "Service")) continue;
      backends.push([typeof ns === "string" ? ns : isUnknown(ns) ? UNKNOWN : object.namespace, name]);
    }
  }
  return {
    object,
    hostnames: knownItems(at(r.props, "spec.hostnames"))
      .filter((h): h is string => typeof h === "string")
      .map((h) => h.toLowerCase()),
    backends,
  };
}

/** One L4 stream of the controller: `values.tcp["9000"] = "ns/service:port"`. */
export interface L4Route {
  readonly protocol: "tcp" | "udp";
  readonly port: string;
  /** The value as written. */
  readonly target: string;
  readonly namespace: string | undefined;
  readonly service: string | undefined;
}

/** "ns/name:port[:PROXY][:PROXY]" as the controller parses it (internal/ingress/controller/controller.go getStreamServices). */
export function parseStreamTarget(v: string): { namespace: string; service: string } | undefined {
  const m = /^([^/:\s]+)\/([^/:\s]+):/.exec(v.trim());
  return m === null ? undefined : { namespace: m[1] as string, service: m[2] as string };
}

/** The L4 streams in delivered chart values; UNKNOWN while either map is unknown. */
export function l4RoutesOf(values: unknown): L4Route[] | Unknown {
  const out: L4Route[] = [];
  for (const protocol of ["tcp", "udp"] as const) {
    const es = entries(at(values, protocol));
    if (isUnknown(es)) return UNKNOWN;
    for (const [port, v] of es ?? []) {
      if (isUnknown(v)) return UNKNOWN;
      if (typeof v !== "string") continue;
      const parsed = parseStreamTarget(v);
      out.push({ protocol, port, target: v, namespace: parsed?.namespace, service: parsed?.service });
    }
  }
  return out;
}

export const isService = (r: PolicyResource): boolean => r.type === TYPES.service;
export const isIngress = (r: PolicyResource): boolean => r.type === TYPES.ingress;
