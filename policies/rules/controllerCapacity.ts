/**
 * How many ingress-nginx controllers may go at once, by every route the
 * chart values open: the Deployment's rolling update, its
 * PodDisruptionBudget (at every replica count its autoscaler allows), the
 * chart's HPA or KEDA scaler; and the settings every connection passes
 * through: the shutdown grace before nginx stops accepting, the Service that
 * holds the load balancer, the HTTP version nginx speaks upstream.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { configSchema, knobs } from "../config";
import { CONTROLLER_VALUES_PATH, controllerReplicas } from "../lib/chart";
import { TYPES } from "../lib/kube";
import { buildModel } from "../lib/model";
import { disruptionsAllowed } from "../lib/pods/evictors";
import { at, isUnknown, num, seconds, show } from "../lib/values";

/** A Deployment's rolling update defaults (apps/v1): 25% unavailable (rounded down), 25% surge. */
const DEFAULT_MAX_UNAVAILABLE = "25%";
/** The chart's controller PDB default when neither key is set. */
const CHART_DEFAULT_MIN_AVAILABLE = 1;
/** The controller's --shutdown-grace-period default (seconds): it stops accepting at once. */
const CONTROLLER_DEFAULT_SHUTDOWN_GRACE = 0;
/** The HTTP version WebSocket proxying needs upstream (nginx proxy_http_version). */
const WEBSOCKET_HTTP_VERSION = "1.1";

const P = CONTROLLER_VALUES_PATH;

/** Pods a Deployment maxUnavailable stands for (percentages round down for Deployments). */
function deploymentUnavailable(v: unknown, n: number): number | undefined {
  if (typeof v === "string") {
    const pct = /^(\d+)%$/.exec(v);
    if (pct !== null) return Math.floor((Number(pct[1]) * n) / 100);
  }
  const x = num(v);
  return typeof x === "number" ? x : undefined;
}

/** Whether a scale-down behaviour removes at most `maxPods` pods per at least `minPeriod` seconds. */
function slowScaleDown(down: unknown, maxPods: number, minPeriod: number): boolean {
  if (down === undefined || down === null) return false;
  const select = at(down, "selectPolicy");
  if (select === "Disabled") return true;
  const policies = at(down, "policies");
  if (!Array.isArray(policies) || policies.length === 0) return false;
  const slow = (policies as unknown[]).map((p) => {
    const value = num(at(p, "value"));
    const period = num(at(p, "periodSeconds"));
    return (
      at(p, "type") === "Pods" &&
      typeof value === "number" &&
      typeof period === "number" &&
      value <= maxPods &&
      period >= minPeriod
    );
  });
  return select === "Min" ? slow.includes(true) : slow.every((x) => x);
}

export const ingressNginxOneAtATime: StackValidationPolicy = {
  name: "ingress-nginx-one-at-a-time",
  description:
    "At most one ingress-nginx controller goes at once, by every route (rolling update, PDB at every replica count, the chart's HPA or KEDA scaler, which keep the minimum and scale down slowly); nginx keeps accepting for a shutdown grace, the controller Service stays a LoadBalancer on GKE, and nginx proxies HTTP/1.1 so WebSockets upgrade.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(
    "minControllerReplicas",
    "minPreStopSeconds",
    "maxScaleDownPods",
    "minScaleDownPeriodSeconds",
  ),
  validateStack: (args, report) => {
    const k = knobs(args);
    const onGke = args.resources.some((r) => r.type === TYPES.cluster);
    for (const ctl of buildModel(args.resources).controllers) {
      const c = ctl.controller;
      if (isUnknown(c)) continue;
      const what = ctl.subject;
      const urn = ctl.release.urn;
      const { autoscaling, raw } = controllerReplicas(c);
      const min = num(raw ?? 1);
      const max = num(autoscaling ? at(c, "autoscaling.maxReplicas") : (raw ?? 1));
      if (typeof min !== "number" || typeof max !== "number") continue;

      const strategy = at(c, "updateStrategy");
      const type = at(strategy, "type");
      if (type === "Recreate") {
        report(
          `${what}: ${P}.updateStrategy.type is "Recreate": a chart upgrade stops every controller before starting new ones, cutting every connection of the stack at once. ` +
            `Fix: set ${P}.updateStrategy to {type: "RollingUpdate", rollingUpdate: {maxUnavailable: 1}}.`,
          urn,
        );
      } else if (!isUnknown(strategy) && !isUnknown(type)) {
        const maxU = at(strategy, "rollingUpdate.maxUnavailable") ?? DEFAULT_MAX_UNAVAILABLE;
        const n = isUnknown(maxU) ? undefined : deploymentUnavailable(maxU, min);
        if (n !== undefined && n > 1) {
          report(
            `${what}: ${P}.updateStrategy.rollingUpdate.maxUnavailable ${show(maxU)} lets a chart upgrade stop ${n} of ${min} controllers at once: their clients all reconnect together onto the rest. ` +
              `Fix: set ${P}.updateStrategy.rollingUpdate.maxUnavailable to 1.`,
            urn,
          );
        }
      }

      // The chart renders a PDB from 2 replicas (or an autoscaler minimum of 2); maxUnavailable replaces minAvailable.
      const maxUPdb = at(c, "maxUnavailable");
      const minAPdb = at(c, "minAvailable");
      if (min >= 2 && !isUnknown(maxUPdb) && !isUnknown(minAPdb)) {
        const spec =
          maxUPdb !== undefined
            ? { maxUnavailable: maxUPdb }
            : { minAvailable: minAPdb ?? CHART_DEFAULT_MIN_AVAILABLE };
        for (let n = min; n <= Math.max(min, max); n++) {
          const allowed = disruptionsAllowed({ spec }, n);
          if (typeof allowed !== "number" || allowed <= 1) continue;
          const key = maxUPdb !== undefined ? "maxUnavailable" : "minAvailable";
          report(
            `${what}: the controller PodDisruptionBudget (${P}.${key} ${show(maxUPdb ?? minAPdb ?? CHART_DEFAULT_MIN_AVAILABLE)}) lets a node drain evict ${allowed} of ${n} controllers at once${autoscaling ? ` (the autoscaler may run ${min} to ${max})` : ""}. ` +
              `Fix: set ${P}.maxUnavailable to 1 (it stays 1 at every replica count).`,
            urn,
          );
          break;
        }
      }

      for (const [scaler, enabled, minKey, downKey] of [
        ["autoscaling", autoscaling, "autoscaling.minReplicas", "autoscaling.behavior.scaleDown"],
        ["keda", at(c, "keda.enabled") === true, "keda.minReplicas", "keda.behavior.scaleDown"],
      ] as const) {
        if (!enabled) continue;
        const m = num(at(c, minKey) ?? 1);
        if (typeof m === "number" && m < k.minControllerReplicas) {
          report(
            `${what}: ${P}.${minKey} is ${m}, below ${k.minControllerReplicas}: the chart's ${scaler} scaler may remove controllers (and every connection on them) down to ${m}. ` +
              `Fix: set ${P}.${minKey} to at least ${k.minControllerReplicas}.`,
            urn,
          );
        }
        const down = at(c, downKey);
        if (!isUnknown(down) && !slowScaleDown(down, k.maxScaleDownPods, k.minScaleDownPeriodSeconds)) {
          report(
            `${what}: ${P}.${downKey} is ${show(down)}: with the default behaviour the ${scaler} scaler removes every surplus controller within seconds of its window, each cut dropping all its connections. ` +
              `Fix: set ${P}.${downKey} to {stabilizationWindowSeconds: 3600, selectPolicy: "Min", policies: [{type: "Pods", value: 1, periodSeconds: 600}]}, or disable ${P}.${scaler}.`,
            urn,
          );
        }
      }
      const graceRaw = at(c, "extraArgs.shutdown-grace-period");
      const grace = isUnknown(graceRaw) ? undefined : seconds(graceRaw ?? CONTROLLER_DEFAULT_SHUTDOWN_GRACE);
      if (typeof grace === "number" && grace < k.minPreStopSeconds) {
        report(
          `${what}: ${P}.extraArgs.shutdown-grace-period is ${graceRaw === undefined ? `not set (the controller uses ${CONTROLLER_DEFAULT_SHUTDOWN_GRACE})` : show(graceRaw)}, below ${k.minPreStopSeconds} s: a stopping controller refuses new connections before the load balancer has taken it out, so clients reconnecting then fail. ` +
            `Fix: set ${P}.extraArgs.shutdown-grace-period to at least "${k.minPreStopSeconds}".`,
          urn,
        );
      }

      const svcType = at(c, "service.type") ?? "LoadBalancer";
      if (onGke && !isUnknown(svcType) && svcType !== "LoadBalancer") {
        report(
          `${what}: ${P}.service.type is ${show(svcType)} on a GKE stack: changing it from LoadBalancer releases the load balancer and its address, cutting every connection and the clients' way back. ` +
            `Fix: keep ${P}.service.type "LoadBalancer".`,
          urn,
        );
      }

      const httpVersion = at(c, ["config", "proxy-http-version"]);
      if (
        httpVersion !== undefined &&
        !isUnknown(httpVersion) &&
        String(httpVersion) !== WEBSOCKET_HTTP_VERSION
      ) {
        report(
          `${what}: ${P}.config.proxy-http-version is ${show(httpVersion)}: nginx proxies every route with HTTP/${String(httpVersion)}, which has no Upgrade, so no WebSocket connects. ` +
            `Fix: remove it (the default is "${WEBSOCKET_HTTP_VERSION}").`,
          urn,
        );
      }
    }
  },
};

export const controllerCapacityPolicies = [ingressNginxOneAtATime];
