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
} from "@pulumi/policy";
import { ANNOTATION_DELETION_PROPAGATION, ENV_DRAIN_SECONDS } from "../../components/names";
import { configSchema, knobs } from "../config";
import { containersOf, describe, envValue, type ContainerRef } from "../lib/kube";
import { gatewayOnly } from "../lib/rule";
import { UNKNOWN, at, isUnknown, num, show, type Unknown } from "../lib/values";

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
        if (isUnknown(raw)) continue;
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

/** The part of a probe that decides what it measures: its handler, not its timing. */
function probeHandler(probe: unknown): unknown {
  for (const key of ["httpGet", "tcpSocket", "exec", "grpc"]) {
    const h = at(probe, key);
    if (h !== undefined) return { [key]: h };
  }
  return undefined;
}

function sameJson(a: unknown, b: unknown): boolean | Unknown {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return UNKNOWN;
  }
}

export const gatewayReadinessProbe: ResourceValidationPolicy = {
  name: "gateway-readiness-probe",
  description:
    "Gateway containers have a readiness probe distinct from liveness, so a draining pod leaves the routes without being restarted.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const what = describe("Deployment", args.props, args.name);
      for (const c of drainingContainers(podOf(args))) {
        const readiness = at(c.container, "readinessProbe");
        const liveness = at(c.container, "livenessProbe");
        if (isUnknown(readiness) || isUnknown(liveness)) continue;
        if (readiness === undefined || readiness === null) {
          report(
            `${what}: ${c.label} has no readiness probe (found readinessProbe: nothing). ` +
              `Fix: add a readinessProbe that fails as soon as the gateway starts draining (e.g. httpGet /readyz).`,
          );
          continue;
        }
        if (liveness === undefined || liveness === null) continue;
        const same = sameJson(probeHandler(readiness), probeHandler(liveness));
        if (same === true) {
          report(
            `${what}: ${c.label} readiness and liveness probes check the same thing (found ${show(probeHandler(readiness))} for both): ` +
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

export const drainPolicies = [
  gatewayPreStopHook,
  gatewayDrainSeconds,
  gatewayTerminationGrace,
  gatewayReadinessProbe,
  gatewayBackgroundDeletion,
];
