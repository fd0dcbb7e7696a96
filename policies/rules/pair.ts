/**
 * The governed pair is well formed: the rollout engine (and its weight reset)
 * aim at a canary Ingress; primary and canary share one class, the one the
 * stack's ingress-nginx serves; every primary route has its canary mirror;
 * the primary sends clients to the stable Service and the canary to the
 * released version; each backend is a declared Service port that the pods
 * serve; and the canary decision is the engine's weight out of 100 plus the
 * header the gates send, nothing else (docs/facts.md F1, F2, F6).
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import {
  ANNOTATION_CANARY,
  ANNOTATION_CANARY_BY_HEADER,
  CANARY_HEADER,
  CANARY_HEADER_ALWAYS,
  CANARY_INGRESS,
  NGINX_ANNOTATION_PREFIX,
} from "../../components/names";
import { containersOf } from "../lib/kube";
import {
  buildModel,
  gatewayServiceNamed,
  pairHosts,
  serviceNamed,
  shown,
  type Backend,
  type IngressInfo,
  type ServiceInfo,
  type StackModel,
} from "../lib/model";
import { at, isUnknown, knownItems, show } from "../lib/values";
import { pairKnown, pairText, routeText, serviceLeads } from "./paths";

type Report = (message: string, urn: string) => void;

const A = (key: string): string => `${NGINX_ANNOTATION_PREFIX}${key}`;
export const ANNOTATION_CANARY_WEIGHT_TOTAL = A("canary-weight-total");
export const ANNOTATION_CANARY_BY_HEADER_VALUE = A("canary-by-header-value");
export const ANNOTATION_CANARY_BY_HEADER_PATTERN = A("canary-by-header-pattern");
export const ANNOTATION_CANARY_BY_COOKIE = A("canary-by-cookie");
/** The weight total the engine's percentages assume (ingress-nginx's default). */
const WEIGHT_TOTAL = 100;

function engineAims(m: StackModel, report: Report): boolean {
  const e = m.engine;
  if (e === undefined) return false;
  const what = `Rollout ${JSON.stringify(e.rollout.name)}`;
  const { canary } = m.pair;
  if (canary === undefined) {
    report(
      `${what}: canaryIngressName ${show(e.canaryIngressName)} names no Ingress in namespace ${String(e.namespace)}: the engine would step a weight no route reads. ` +
        `Fix: set it to the canary Ingress's name ("${CANARY_INGRESS}").`,
      e.rollout.urn,
    );
    return false;
  }
  if (canary.canary !== true) {
    const flag = isUnknown(canary.annotations) ? undefined : canary.annotations[ANNOTATION_CANARY];
    report(
      `${what}: the engine writes the canary weight on ${canary.object.subject}, whose ${ANNOTATION_CANARY} is ${show(flag)}, not "true": ` +
        `ingress-nginx reads canary-weight only on a canary Ingress, and an Ingress that is not one is a main route of its own, ` +
        `so the schedule decides nothing and the gates judge a canary no client is sent to. ` +
        `Fix: aim canaryIngressName at the canary Ingress ("${CANARY_INGRESS}") and keep ${ANNOTATION_CANARY} "true" on it.`,
      e.rollout.urn,
    );
    return false;
  }
  if (
    e.weightReset !== undefined &&
    typeof e.resetIngressName === "string" &&
    e.resetIngressName !== e.canaryIngressName
  ) {
    report(
      `CanaryWeightReset ${JSON.stringify(e.weightReset.name)}: resets the weight on Ingress ${JSON.stringify(e.resetIngressName)} while the rollout steps ${canary.object.subject}: ` +
        `the canary Service would select the new version while the old weight still sends clients to it. Fix: give both the same canaryIngressName.`,
      e.weightReset.urn,
    );
  }
  return true;
}

function classes(m: StackModel, primary: IngressInfo, canary: IngressInfo, report: Report): void {
  for (const i of [primary, canary]) {
    if (i.className === undefined) {
      report(
        `${i.object.subject}: names no ingress class (neither spec.ingressClassName nor ${"kubernetes.io/ingress.class"}): the cluster's default controller takes it (GKE's own on GKE), ` +
          `which reads none of the canary annotations. Fix: set spec.ingressClassName to the controller's class on both Ingresses of ${pairText(m)}.`,
        i.object.resource.urn,
      );
    }
  }
  if (
    typeof primary.className === "string" &&
    typeof canary.className === "string" &&
    primary.className !== canary.className
  ) {
    report(
      `${canary.object.subject}: ${canary.classField} is ${show(canary.className)} but the primary ${primary.object.subject} has ${show(primary.className)}: ` +
        `a canary is merged only into a main Ingress of the same controller, so this canary gets no traffic. Fix: give both the same class.`,
      canary.object.resource.urn,
    );
  }
  for (const c of m.controllers) {
    if (typeof c.className !== "string") continue;
    for (const i of [primary, canary]) {
      if (typeof i.className !== "string" || i.className === c.className) continue;
      report(
        `${i.object.subject}: ${i.classField} is ${show(i.className)}, but the stack's ingress-nginx (${c.subject}) serves class ${show(c.className)}: ` +
          `another controller serves this Ingress, reads none of the canary annotations and the engine's weight, and answers on its own address. ` +
          `Fix: set it to ${show(c.className)}.`,
        i.object.resource.urn,
      );
    }
  }
}

function canaryDecision(canary: IngressInfo, report: Report): void {
  if (isUnknown(canary.annotations)) return;
  const a = canary.annotations;
  const what = canary.object.subject;
  const urn = canary.object.resource.urn;
  const total = a[ANNOTATION_CANARY_WEIGHT_TOTAL];
  if (total !== undefined && Number(total) !== WEIGHT_TOTAL) {
    report(
      `${what}: ${ANNOTATION_CANARY_WEIGHT_TOTAL} is ${show(total)}, not ${WEIGHT_TOTAL}: ingress-nginx chooses the canary when random(total) <= weight (docs/facts.md F2), ` +
        `and the engine's weights are percentages, so each step (and promotion's 100) sends another share than the schedule says. Fix: remove the annotation.`,
      urn,
    );
  }
  const header = a[ANNOTATION_CANARY_BY_HEADER];
  if (header !== CANARY_HEADER) {
    report(
      `${what}: ${ANNOTATION_CANARY_BY_HEADER} is ${show(header)}, not ${show(CANARY_HEADER)}: the gates send ${CANARY_HEADER}: ${CANARY_HEADER_ALWAYS} to reach the canary whatever the weight, ` +
        `so at weight 0 they would probe the stable version and pass a broken canary. Fix: set ${ANNOTATION_CANARY_BY_HEADER} to "${CANARY_HEADER}".`,
      urn,
    );
  }
  const value = a[ANNOTATION_CANARY_BY_HEADER_VALUE];
  if (value !== undefined && value !== CANARY_HEADER_ALWAYS) {
    report(
      `${what}: ${ANNOTATION_CANARY_BY_HEADER_VALUE} is ${show(value)}: ingress-nginx then routes to the canary only for that exact value, and the gates send "${CANARY_HEADER_ALWAYS}". ` +
        `Fix: remove the annotation.`,
      urn,
    );
  }
  const pattern = a[ANNOTATION_CANARY_BY_HEADER_PATTERN];
  if (value === undefined && pattern !== undefined && !matches(pattern, CANARY_HEADER_ALWAYS)) {
    report(
      `${what}: ${ANNOTATION_CANARY_BY_HEADER_PATTERN} is ${show(pattern)}, which does not match "${CANARY_HEADER_ALWAYS}", the value the gates send: they would probe the stable version. ` +
        `Fix: remove the annotation.`,
      urn,
    );
  }
  const cookie = a[ANNOTATION_CANARY_BY_COOKIE];
  if (cookie !== undefined) {
    report(
      `${what}: ${ANNOTATION_CANARY_BY_COOKIE} is ${show(cookie)}: a client sending that cookie "always" reaches the canary and "never" stays off it, before the weight is read, ` +
        `so an abort's weight 0 does not take those clients off a failing version and promotion does not move the others. Fix: remove the annotation.`,
      urn,
    );
  }
}

function matches(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return false;
  }
}

const routeKey = (r: { host: unknown; path: unknown; pathType: unknown }) =>
  `${String(r.host ?? "*")} ${String(r.path)} ${String(r.pathType)}`;

function mirrors(primary: IngressInfo, canary: IngressInfo, report: Report): void {
  if (isUnknown(primary.routes) || isUnknown(canary.routes)) return;
  const have = new Set(canary.routes.map(routeKey));
  for (const r of primary.routes) {
    if (have.has(routeKey(r))) continue;
    report(
      `${primary.object.subject}: route ${routeText(r)} has no mirror on the canary ${canary.object.subject}: ingress-nginx merges a canary only into the same host, path and pathType, ` +
        `so clients on this route never see the canary weight and promotion moves them all at once. Fix: add the same host, path and pathType to the canary Ingress, or remove the route.`,
      primary.object.resource.urn,
    );
  }
}

function portServed(m: StackModel, s: ServiceInfo, backend: Backend): string | undefined {
  if (isUnknown(s.ports) || isUnknown(backend.port) || backend.port === undefined) return undefined;
  if (s.ports.some((p) => isUnknown(p.port) || isUnknown(p.name) || isUnknown(p.targetPort)))
    return undefined;
  const port = s.ports.find((p) =>
    typeof backend.port === "number" ? p.port === backend.port : p.name === backend.port,
  );
  if (port === undefined) {
    const exposed = s.ports.map((p) =>
      p.name === undefined ? String(p.port) : `${String(p.port)} (${String(p.name)})`,
    );
    return `names port ${show(backend.port)} of ${shown(m, s.object)}, which exposes only ${exposed.join(", ") || "no port"}: the route has no endpoints and every handshake gets a 503`;
  }
  const target = port.targetPort;
  const svc = gatewayServiceNamed(m, s.object.namespace, s.object.name);
  if (svc === undefined || isUnknown(target) || target === undefined) return undefined;
  for (const w of svc.selects) {
    const ports = containersOf(w.podSpec)
      .filter((c) => !c.init)
      .flatMap((c) => knownItems(at(c.container, "ports")));
    if (ports.some((p) => isUnknown(p) || isUnknown(at(p, "containerPort")) || isUnknown(at(p, "name"))))
      continue;
    // Kubernetes sends a numeric targetPort whether or not a container declares it; only a declared list can disagree.
    const served =
      typeof target === "number"
        ? ports.length === 0 || ports.some((p) => at(p, "containerPort") === target)
        : ports.some((p) => at(p, "name") === target);
    if (!served) {
      const declared = ports.map(
        (p) => `${String(at(p, "containerPort"))} (${String(at(p, "name") ?? "unnamed")})`,
      );
      return `reaches ${shown(m, s.object)} whose targetPort ${show(target)} no container of ${w.object.subject} serves (its ports: ${declared.join(", ")}): every connection is refused`;
    }
  }
  return undefined;
}

function backends(m: StackModel, primary: IngressInfo, canary: IngressInfo, report: Report): void {
  const e = m.engine;
  if (e === undefined || typeof e.stableServiceName !== "string") return;
  for (const [i, role] of [
    [primary, "primary"],
    [canary, "canary"],
  ] as const) {
    if (isUnknown(i.routes)) continue;
    for (const r of i.routes) {
      const name = r.backend.service;
      if (typeof name !== "string") continue;
      const urn = i.object.resource.urn;
      const where = `${i.object.subject}: route ${routeText(r)}`;
      if (role === "primary" && name !== e.stableServiceName) {
        report(
          `${where} sends clients to Service ${JSON.stringify(name)}, not the stable Service ${JSON.stringify(e.stableServiceName)} that promotion points at the released version: ` +
            `the canary weight then decides nothing about who reaches which version. Fix: point the primary Ingress's backend at "${e.stableServiceName}".`,
          urn,
        );
        continue;
      }
      if (role === "canary" && name === e.stableServiceName) {
        report(
          `${where} sends the canary share to the stable Service ${JSON.stringify(name)}: the canary gets no client and the gates test the stable version. ` +
            `Fix: point the canary Ingress's backend at the canary Service.`,
          urn,
        );
        continue;
      }
      const s = serviceNamed(m, i.object.namespace, name);
      if (s === undefined) {
        report(
          `${where} names Service ${JSON.stringify(name)}, which the stack does not declare: the route has no endpoints and every handshake gets a 503. ` +
            `Fix: name a Service the stack declares (the ${role === "primary" ? "stable" : "canary"} Service).`,
          urn,
        );
        continue;
      }
      if (role === "canary") {
        const g = gatewayServiceNamed(m, s.object.namespace, s.object.name);
        const release = g?.selects.some((w) => w.role === "release") === true;
        if (!release && m.workloads.some((w) => w.role === "release")) {
          report(
            `${where} sends the canary share to ${g === undefined ? shown(m, s.object) : serviceLeads(m, g)}, which does not select the pods of the version being released (${String(e.version)}): ` +
              `the weight and the gates would move clients to a version that was not tested. Fix: point the canary Ingress at the Service selecting ${String(e.version)}.`,
            urn,
          );
          continue;
        }
      }
      const problem = portServed(m, s, r.backend);
      if (problem !== undefined) {
        report(
          `${where} ${problem}. Fix: make the backend port, the Service's port and targetPort and the gateway's containerPort agree.`,
          urn,
        );
      }
    }
  }
}

/** Hosts that reach a process on the probing machine itself, not a cluster route (the end-to-end probe override). */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

function gateHost(m: StackModel, report: Report): void {
  const e = m.engine;
  if (e === undefined) return;
  const url = at(e.rollout.props, "gates.handshake.url");
  if (typeof url !== "string") return;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return; // the config check refuses it before any resource exists
  }
  const hosts = pairHosts(m);
  if (hosts.size === 0 || hosts.has(host) || LOOPBACK.test(host)) return;
  report(
    `Rollout ${JSON.stringify(e.rollout.name)}: gates.handshake.url ${show(url)} probes host ${host}, which the governed pair ${pairText(m)} does not serve (it serves ${[...hosts].join(", ")}): ` +
      `the handshake and survival gates would judge another route than the one the canary weight steps, and pass a broken canary. ` +
      `Fix: unset rollout.gates.handshake.url (it defaults to the route's public URL) or point it at ${[...hosts][0] ?? "the route's host"}.`,
    e.rollout.urn,
  );
}

export const gatewayCanaryPair: StackValidationPolicy = {
  name: "gateway-canary-pair",
  description:
    "The governed primary/canary pair is well formed: the engine aims at a canary Ingress, both share the controller's class, every primary route has its canary mirror, backends are the stable and canary Services on ports the pods serve, and the canary is chosen only by the engine's weight out of 100 and the gates' header.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const m = buildModel(args.resources);
    if (!pairKnown(m)) return;
    if (!engineAims(m, report)) return;
    const { primary, canary } = m.pair;
    if (primary === undefined || canary === undefined) return;
    classes(m, primary, canary, report);
    canaryDecision(canary, report);
    mirrors(primary, canary, report);
    backends(m, primary, canary, report);
    gateHost(m, report);
  },
};

export const pairPolicies = [gatewayCanaryPair];
