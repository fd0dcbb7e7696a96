/**
 * The gateway drain contract (docs/drain-contract.md): a terminating pod leaves the
 * routes (preStop), fails readiness, closes its connections spread over
 * DRAIN_SECONDS, and is not killed before it is done; a retired version is
 * deleted without Pulumi waiting for that drain.
 */
import * as k8s from "@pulumi/kubernetes";
import {
  validateResourceOfType,
  type ReportViolation,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { ANNOTATION_DELETION_PROPAGATION, ENV_DRAIN_SECONDS } from "../../components/names";
import { configSchema, knobs } from "../config";
import { TYPES, containersOf, describe, envValue, isGatewayObject, type ContainerRef } from "../lib/kube";
import { gatewayOnly } from "../lib/rule";
import { UNKNOWN, at, isUnknown, knownItems, num, seconds, show, type Unknown } from "../lib/values";

/** Kubernetes' grace period when the pod spec sets none. */
const DEFAULT_GRACE_SECONDS = 30;

/** Seconds a preStop hook waits: its sleep, 0 for other handlers (their duration is not knowable). */
export function preStopSeconds(container: unknown): number | Unknown | undefined {
  const preStop = at(container, "lifecycle.preStop");
  if (isUnknown(preStop)) return UNKNOWN;
  if (preStop === undefined || preStop === null) return undefined;
  const sleep = at(preStop, "sleep.seconds");
  if (isUnknown(sleep)) return UNKNOWN;
  const n = num(sleep);
  return n === undefined ? 0 : n;
}

/** Containers that carry DRAIN_SECONDS; when none does, every regular container (so absence is reported). */
function drainingContainers(pod: unknown): ContainerRef[] {
  const regular = containersOf(pod).filter((c) => !c.init);
  const carrying = regular.filter((c) => envValue(c.container, ENV_DRAIN_SECONDS) !== undefined);
  return carrying.length > 0 ? carrying : regular;
}

/**
 * Where a container's DRAIN_SECONDS comes from when the pack cannot read it:
 * a ConfigMap, Secret or field reference, or (when no env entry names it) an
 * envFrom source. Undefined when it is a literal, absent, or not known yet.
 */
export function drainReference(container: unknown): string | undefined {
  const env = at(container, "env");
  if (isUnknown(env)) return undefined;
  for (const e of knownItems(env)) {
    if (at(e, "name") !== ENV_DRAIN_SECONDS) continue;
    const from = at(e, "valueFrom");
    if (from === undefined || from === null || isUnknown(from)) return undefined;
    const cm = at(from, "configMapKeyRef");
    const secret = at(from, "secretKeyRef");
    if (cm !== undefined && !isUnknown(cm))
      return `ConfigMap ${show(at(cm, "name"))} key ${show(at(cm, "key"))}`;
    if (secret !== undefined && !isUnknown(secret)) {
      return `Secret ${show(at(secret, "name"))} key ${show(at(secret, "key"))}`;
    }
    return `a reference (${show(from)})`;
  }
  const envFrom = at(container, "envFrom");
  if (isUnknown(envFrom)) return undefined;
  const sources = knownItems(envFrom).map((src) => {
    const cm = at(src, "configMapRef.name");
    const secret = at(src, "secretRef.name");
    return cm !== undefined ? `ConfigMap ${show(cm)}` : `Secret ${show(secret)}`;
  });
  return sources.length === 0 ? undefined : `envFrom (${sources.join(", ")})`;
}

function podOf(args: ResourceValidationArgs): unknown {
  return at(args.props, "spec.template.spec");
}

export const gatewayPreStopHook: ResourceValidationPolicy = {
  name: "gateway-prestop-hook",
  description:
    "Gateway containers have a preStop hook long enough for endpoint removal to propagate before SIGTERM.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minPreStopSeconds"),
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const { minPreStopSeconds } = knobs(args);
      const what = describe("Deployment", args.props, args.name);
      for (const c of containersOf(podOf(args)).filter((x) => !x.init)) {
        const s = preStopSeconds(c.container);
        if (isUnknown(s)) continue;
        if (s === undefined) {
          report(
            `${what}: ${c.label} has no preStop hook (found lifecycle.preStop: nothing). ` +
              `Fix: add lifecycle.preStop.sleep.seconds of at least ${minPreStopSeconds} so the pod leaves every route before SIGTERM.`,
          );
        } else if (s < minPreStopSeconds && at(c.container, "lifecycle.preStop.sleep") !== undefined) {
          report(
            `${what}: ${c.label} preStop sleep is ${s} s, below the minimum ${minPreStopSeconds} s. ` +
              `Fix: raise lifecycle.preStop.sleep.seconds to at least ${minPreStopSeconds}.`,
          );
        }
      }
    }),
  ),
};

export const gatewayDrainSeconds: ResourceValidationPolicy = {
  name: "gateway-drain-seconds",
  description:
    "Gateway containers receive DRAIN_SECONDS, at least the configured minimum (or exactly the configured drain).",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minDrainSeconds", "drainSeconds"),
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const { minDrainSeconds, drainSeconds } = knobs(args);
      const what = describe("Deployment", args.props, args.name);
      for (const c of drainingContainers(podOf(args))) {
        const raw = envValue(c.container, ENV_DRAIN_SECONDS);
        // Taken from a ConfigMap or Secret: unverifiable here, reported by gateway-drain-verifiable.
        if (isUnknown(raw) || (raw === undefined && drainReference(c.container) !== undefined)) continue;
        const value = raw === undefined ? undefined : num(raw);
        if (raw === undefined) {
          report(
            `${what}: ${c.label} has no ${ENV_DRAIN_SECONDS} environment variable (found nothing). ` +
              `Fix: set env ${ENV_DRAIN_SECONDS} to the seconds over which the gateway closes its connections, e.g. "1800".`,
          );
        } else if (value === undefined || isUnknown(value) || !Number.isInteger(value) || value < 0) {
          report(
            `${what}: ${c.label} ${ENV_DRAIN_SECONDS} is not a whole number of seconds (found ${show(raw)}). ` +
              `Fix: set it to an integer like "1800".`,
          );
        } else if (drainSeconds !== undefined && value !== drainSeconds) {
          report(
            `${what}: ${c.label} ${ENV_DRAIN_SECONDS} is ${value}, not the configured drain ${drainSeconds}. ` +
              `Fix: set ws-gateway:gateway.drainSeconds to ${drainSeconds}, or change the policy's drainSeconds.`,
          );
        } else if (value < minDrainSeconds) {
          report(
            `${what}: ${c.label} ${ENV_DRAIN_SECONDS} is ${value}, below the minimum ${minDrainSeconds}: ` +
              `reconnects would arrive faster than clients back off. Fix: raise ws-gateway:gateway.drainSeconds to at least ${minDrainSeconds}.`,
          );
        }
      }
    }),
  ),
};

export const gatewayTerminationGrace: ResourceValidationPolicy = {
  name: "gateway-termination-grace",
  description:
    "Gateway pods' terminationGracePeriodSeconds covers preStop + DRAIN_SECONDS + a margin, so no draining pod is killed.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minTerminationMarginSeconds"),
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const { minTerminationMarginSeconds } = knobs(args);
      const what = describe("Deployment", args.props, args.name);
      const pod = podOf(args);
      const graceRaw = at(pod, "terminationGracePeriodSeconds");
      const grace = graceRaw === undefined ? DEFAULT_GRACE_SECONDS : num(graceRaw);
      if (isUnknown(grace) || grace === undefined) return;
      for (const c of drainingContainers(pod)) {
        const pre = preStopSeconds(c.container);
        const drainRaw = envValue(c.container, ENV_DRAIN_SECONDS);
        const drain = drainRaw === undefined ? 0 : num(drainRaw);
        if (isUnknown(pre) || isUnknown(drain) || drain === undefined) continue;
        const needed = (pre ?? 0) + drain + minTerminationMarginSeconds;
        if (grace < needed) {
          const found =
            graceRaw === undefined ? `not set, so Kubernetes uses ${DEFAULT_GRACE_SECONDS}` : `${grace}`;
          report(
            `${what}: terminationGracePeriodSeconds is ${found}, below preStop ${pre ?? 0} + ${ENV_DRAIN_SECONDS} ${drain} + margin ${minTerminationMarginSeconds} = ${needed} for ${c.label}: ` +
              `the kubelet would kill the pod while it still holds connections. Fix: set terminationGracePeriodSeconds to at least ${needed}.`,
          );
        }
      }
    }),
  ),
};

/** A probe port as the kubelet resolves it: a number, or a named container port's number. */
function resolvePort(port: unknown, container: unknown): number | string | Unknown | undefined {
  if (isUnknown(port)) return UNKNOWN;
  const n = num(port);
  if (typeof n === "number") return n;
  if (typeof port !== "string") return undefined;
  const ports = at(container, "ports");
  if (isUnknown(ports)) return UNKNOWN;
  for (const p of knownItems(ports)) {
    if (at(p, "name") === port) {
      const cp = num(at(p, "containerPort"));
      return typeof cp === "number" || isUnknown(cp) ? cp : port;
    }
  }
  // A name no port declares: the kubelet fails the probe; compare it as written.
  return port;
}

/**
 * What a probe checks, as the kubelet sees it: the handler and the endpoint it
 * hits (scheme, host, resolved port and path for HTTP; port for TCP; port and
 * service for gRPC; the command for exec), not its timing or how it is written.
 */
export function probeEndpoint(probe: unknown, container: unknown): string | Unknown | undefined {
  const http = at(probe, "httpGet");
  const tcp = at(probe, "tcpSocket");
  const grpc = at(probe, "grpc");
  const exec = at(probe, "exec");
  if ([http, tcp, grpc, exec].some(isUnknown)) return UNKNOWN;
  if (http !== undefined && http !== null) {
    const port = resolvePort(at(http, "port"), container);
    const scheme = at(http, "scheme");
    const host = at(http, "host");
    const path = at(http, "path");
    if ([port, scheme, host, path].some(isUnknown)) return UNKNOWN;
    const p = typeof path === "string" && path !== "" ? path : "/";
    const normalized = (p.startsWith("/") ? p : `/${p}`).replace(/\/{2,}/g, "/");
    return `${typeof scheme === "string" ? scheme.toUpperCase() : "HTTP"} GET ${typeof host === "string" ? host : ""}:${String(port)}${normalized}`;
  }
  if (tcp !== undefined && tcp !== null) {
    const port = resolvePort(at(tcp, "port"), container);
    return isUnknown(port) ? UNKNOWN : `TCP :${String(port)}`;
  }
  if (grpc !== undefined && grpc !== null) {
    const port = resolvePort(at(grpc, "port"), container);
    const service = at(grpc, "service");
    if (isUnknown(port) || isUnknown(service)) return UNKNOWN;
    return `gRPC :${String(port)} service ${JSON.stringify(typeof service === "string" ? service : "")}`;
  }
  if (exec !== undefined && exec !== null) {
    const command = at(exec, "command");
    return isUnknown(command) ? UNKNOWN : `exec ${JSON.stringify(command ?? [])}`;
  }
  return undefined;
}

export const gatewayReadinessProbe: ResourceValidationPolicy = {
  name: "gateway-readiness-probe",
  description:
    "Gateway pods have a readiness probe (a pod is Ready only while every container is), and no container probes readiness and liveness on one endpoint, so a draining pod leaves the routes without being restarted.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const what = describe("Deployment", args.props, args.name);
      const draining = drainingContainers(podOf(args));
      // A pod is Ready only while every container is: one readiness probe that fails on drain takes it off the routes.
      const probed = draining.some((c) => {
        const r = at(c.container, "readinessProbe");
        return isUnknown(r) || (r !== undefined && r !== null);
      });
      for (const c of draining) {
        const readiness = at(c.container, "readinessProbe");
        const liveness = at(c.container, "livenessProbe");
        if (isUnknown(readiness) || isUnknown(liveness)) continue;
        if (readiness === undefined || readiness === null) {
          if (probed) continue;
          report(
            `${what}: ${c.label} has no readiness probe (found readinessProbe: nothing). ` +
              `Fix: add a readinessProbe that fails as soon as the gateway starts draining (e.g. httpGet /readyz).`,
          );
          continue;
        }
        if (liveness === undefined || liveness === null) continue;
        const r = probeEndpoint(readiness, c.container);
        const l = probeEndpoint(liveness, c.container);
        if (isUnknown(r) || isUnknown(l) || r === undefined) continue;
        if (r === l) {
          report(
            `${what}: ${c.label} readiness and liveness probes check the same endpoint (both ${r}): ` +
              `a draining pod would fail liveness and be restarted, cutting every connection at once. Fix: probe readiness on its own endpoint (e.g. /readyz) and liveness on another (e.g. /livez).`,
          );
        }
      }
    }),
  ),
};

export const gatewayBackgroundDeletion: ResourceValidationPolicy = {
  name: "gateway-background-deletion",
  description: `Gateway Deployments are deleted with background propagation (${ANNOTATION_DELETION_PROPAGATION}), so retiring a version does not block \`pulumi up\` for the drain.`,
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const value = at(args.props, ["metadata", "annotations", ANNOTATION_DELETION_PROPAGATION]);
      if (isUnknown(value) || value === "background") return;
      report(
        `${describe("Deployment", args.props, args.name)}: annotation ${ANNOTATION_DELETION_PROPAGATION} is ${show(value)}, not "background": ` +
          `Pulumi would wait in the foreground until every pod of the retired version has drained. Fix: set metadata.annotations["${ANNOTATION_DELETION_PROPAGATION}"] to "background".`,
      );
    }),
  ),
};

export const gatewayDrainVerifiable: ResourceValidationPolicy = {
  name: "gateway-drain-verifiable",
  description: `Reports (advisory) a gateway ${ENV_DRAIN_SECONDS} taken from a ConfigMap or Secret: its value only exists in the cluster, so the drain, grace and soak rules cannot check it.`,
  enforcementLevel: "advisory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const what = describe("Deployment", args.props, args.name);
      for (const c of containersOf(podOf(args)).filter((x) => !x.init)) {
        const from = drainReference(c.container);
        if (from === undefined) continue;
        report(
          `${what}: ${c.label} takes ${ENV_DRAIN_SECONDS} from ${from}, which only the cluster can read: the pack cannot check it against the minimum drain, the pod grace period, the node-upgrade soak or nginx's worker-shutdown-timeout. ` +
            `Fix: set ${ENV_DRAIN_SECONDS} as a literal env value (ws-gateway:gateway.drainSeconds does), or check those four by hand.`,
        );
      }
    }),
  ),
};

/** Seconds a gateway Deployment's pod may take to stop: its grace period, or preStop + drain when that is longer. */
export function stopSeconds(props: unknown): number | undefined {
  const pod = at(props, "spec.template.spec");
  const graceRaw = at(pod, "terminationGracePeriodSeconds");
  const grace = graceRaw === undefined ? DEFAULT_GRACE_SECONDS : num(graceRaw);
  if (isUnknown(grace) || grace === undefined) return undefined;
  let longest = grace;
  for (const c of drainingContainers(pod)) {
    const pre = preStopSeconds(c.container);
    const drain = num(envValue(c.container, ENV_DRAIN_SECONDS) ?? 0);
    if (isUnknown(pre) || isUnknown(drain) || drain === undefined) continue;
    longest = Math.max(longest, (pre ?? 0) + drain);
  }
  return longest;
}

export const nodeUpgradeCoversGatewayDrain: StackValidationPolicy = {
  name: "node-upgrade-covers-gateway-drain",
  description:
    "Blue-green node pool soaks last at least as long as the gateway Deployments' pods take to stop (their real grace period, preStop and DRAIN_SECONDS), so a node upgrade never deletes a node whose gateway pods are still draining.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    let needed = 0;
    let by = "";
    for (const d of args.resources.filter(
      (r) => r.type === TYPES.deployment && isGatewayObject(r.props) === true,
    )) {
      const s = stopSeconds(d.props);
      if (s !== undefined && s > needed) {
        needed = s;
        by = describe("Deployment", d.props, d.name);
      }
    }
    if (needed === 0) return;
    for (const p of args.resources.filter((r) => r.type === TYPES.nodePool)) {
      if (at(p.props, "upgradeSettings.strategy") !== "BLUE_GREEN") continue; // gke-blue-green-upgrades reports it
      for (const path of ["standardRolloutPolicy.batchSoakDuration", "nodePoolSoakDuration"]) {
        const raw = at(p.props, `upgradeSettings.blueGreenSettings.${path}`);
        const value = raw === undefined ? 0 : seconds(raw);
        if (isUnknown(value) || (value !== undefined && value >= needed)) continue;
        report(
          `NodePool ${JSON.stringify(p.name)}: upgradeSettings.blueGreenSettings.${path} is ${show(raw)}, shorter than the ${needed} s the pods of ${by} may take to stop (grace period, preStop and ${ENV_DRAIN_SECONDS}): ` +
            `the old nodes would be deleted while those pods still drain, cutting their remaining clients at once. Fix: set it to at least "${needed}s" (the program derives it from the gateway's grace period).`,
          p.urn,
        );
      }
    }
  },
};

export const drainPolicies = [
  gatewayPreStopHook,
  gatewayDrainSeconds,
  gatewayTerminationGrace,
  gatewayReadinessProbe,
  gatewayBackgroundDeletion,
  gatewayDrainVerifiable,
  nodeUpgradeCoversGatewayDrain,
];
