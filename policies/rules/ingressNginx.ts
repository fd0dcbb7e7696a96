/**
 * The ingress-nginx controller, checked on the IngressController component's
 * own inputs: the objects its Helm release installs are invisible to policies
 * (docs/facts.md F28). Every check reads the controller values the chart will actually
 * receive (lib/chart.ts): a typed `controller` argument replaces
 * helmOptions.values.controller wholesale. An nginx reload closes every old
 * worker's connections when worker-shutdown-timeout expires (docs/facts.md F8), so it
 * must cover the gateway drain.
 */
import * as nginx from "@pulumi/kubernetes-ingress-nginx";
import {
  validateResourceOfType,
  type ReportViolation,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import {
  FINAL_INGRESS_NGINX_CHART,
  MIN_SAFE_INGRESS_NGINX_CHART,
} from "../../components/ingress/ingressNginx";
import { ENV_DRAIN_SECONDS } from "../../components/names";
import { configSchema, knobs } from "../config";
import {
  CONTROLLER_VALUES_PATH,
  chartControllerValues,
  controllerPath,
  shadowedValueKeys,
  typedController,
  controllerReplicas,
} from "../lib/chart";
import { TYPES, containersOf, describe, envValue, isGatewayObject } from "../lib/kube";
import { at, isUnknown, knownItems, num, seconds, show, type Unknown } from "../lib/values";

/** ingress-nginx defaults (docs/facts.md F8, F10): worker-shutdown-timeout 240 s, chart grace period 300 s. */
const NGINX_DEFAULT_WORKER_SHUTDOWN_SECONDS = 240;
const CHART_DEFAULT_GRACE_SECONDS = 300;
const WST = "worker-shutdown-timeout";
const ZONE_KEY = "topology.kubernetes.io/zone";
/** The chart's grace-period key (templates/controller-deployment.yaml). */
const GRACE_KEY = "terminationGracePeriodSeconds";
/** The typed argument's misnamed grace key: the chart has no value by this name. */
const MISNAMED_GRACE_KEY = "terminateGracePeriodSeconds";
const WST_PATH = `${CONTROLLER_VALUES_PATH}.config["${WST}"]`;

/** worker-shutdown-timeout in seconds (nginx default when unset); undefined when unreadable. */
function workerShutdownSeconds(controller: unknown): number | Unknown | undefined {
  const raw = at(controller, ["config", WST]);
  return raw === undefined ? NGINX_DEFAULT_WORKER_SHUTDOWN_SECONDS : seconds(raw);
}

function shownWst(controller: unknown): string {
  const raw = at(controller, ["config", WST]);
  return raw === undefined ? `not set, so nginx uses ${NGINX_DEFAULT_WORKER_SHUTDOWN_SECONDS}s` : show(raw);
}

export const ingressNginxWorkerShutdownTimeout: ResourceValidationPolicy = {
  name: "ingress-nginx-worker-shutdown-timeout",
  description: `The controller's ${WST} covers the gateway drain, and its pods' grace period covers ${WST}.`,
  enforcementLevel: "mandatory",
  configSchema: configSchema("minDrainSeconds", "drainSeconds"),
  validateResource: validateResourceOfType(nginx.IngressController, (_p, args, report: ReportViolation) => {
    const { minDrainSeconds, drainSeconds } = knobs(args);
    // The typed argument's grace key looks right, but no chart template reads it.
    const misnamed = at(typedController(args.props), MISNAMED_GRACE_KEY);
    if (misnamed !== undefined && !isUnknown(misnamed)) {
      report(
        `IngressController: the typed controller.${MISNAMED_GRACE_KEY} is ${show(misnamed)}, a key the chart never reads (the chart reads controller.${GRACE_KEY}): ` +
          `it does not set the controller pods' grace period. Fix: remove it and set ${controllerPath(GRACE_KEY)} instead.`,
      );
    }
    const c = chartControllerValues(args.props);
    const wst = workerShutdownSeconds(c);
    if (isUnknown(wst)) return;
    const floor = drainSeconds ?? minDrainSeconds;
    const floorName = drainSeconds === undefined ? "the minimum drain" : "the configured drain";
    if (wst === undefined) {
      report(
        `IngressController: ${WST_PATH} is not a duration (found ${shownWst(c)}). Fix: write it as "<seconds>s", e.g. "${floor}s".`,
      );
      return;
    }
    if (wst < floor) {
      report(
        `IngressController: ${WST_PATH} is ${shownWst(c)}, below ${floorName} ${floor} s: ` +
          `an nginx reload would cut every connection still open after ${wst} s. Fix: set it to at least "${floor}s".`,
      );
    }
    const graceRaw = at(c, GRACE_KEY);
    const grace = num(graceRaw ?? CHART_DEFAULT_GRACE_SECONDS);
    const shutdownGrace = num(at(c, ["extraArgs", "shutdown-grace-period"]) ?? 0);
    if (typeof grace !== "number" || typeof shutdownGrace !== "number") return;
    if (grace < shutdownGrace + wst) {
      report(
        `IngressController: ${controllerPath(GRACE_KEY)} is ${graceRaw === undefined ? `not set, so the chart uses ${CHART_DEFAULT_GRACE_SECONDS}` : grace}, ` +
          `below shutdown-grace-period ${shutdownGrace} + ${WST} ${wst} = ${shutdownGrace + wst}: a stopping controller would be killed with connections open. ` +
          `Fix: set ${controllerPath(GRACE_KEY)} to at least ${shutdownGrace + wst}.`,
      );
    }
  }),
};

export const ingressNginxCoversGatewayDrain: StackValidationPolicy = {
  name: "ingress-nginx-covers-gateway-drain",
  description: `The controller's ${WST} is at least the longest ${ENV_DRAIN_SECONDS} of the stack's gateway Deployments.`,
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    let longest: { seconds: number; what: string } | undefined;
    for (const d of args.resources) {
      if (d.type !== TYPES.deployment || isGatewayObject(d.props) !== true) continue;
      for (const c of containersOf(at(d.props, "spec.template.spec"))) {
        const v = num(envValue(c.container, ENV_DRAIN_SECONDS));
        if (typeof v === "number" && (longest === undefined || v > longest.seconds)) {
          longest = { seconds: v, what: describe("Deployment", d.props, d.name) };
        }
      }
    }
    if (longest === undefined) return;
    for (const r of args.resources.filter((x) => x.type === TYPES.ingressController)) {
      const c = chartControllerValues(r.props);
      // A component's recorded state may hold its outputs only; without its inputs there is nothing to compare.
      if (c === undefined || isUnknown(c)) continue;
      const wst = workerShutdownSeconds(c);
      if (typeof wst !== "number" || wst >= longest.seconds) continue;
      report(
        `IngressController: ${WST_PATH} is ${shownWst(c)}, shorter than ${ENV_DRAIN_SECONDS} ${longest.seconds} of ${longest.what}: ` +
          `an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least ${longest.seconds}s.`,
        r.urn,
      );
    }
  },
};

export const ingressNginxNoSnippets: ResourceValidationPolicy = {
  name: "ingress-nginx-no-snippets",
  description:
    "Snippet annotations stay off: they let an Ingress author inject nginx configuration (CVE-2025-1974 family).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(nginx.IngressController, (_p, args, report: ReportViolation) => {
    const c = chartControllerValues(args.props);
    const flag = at(c, "allowSnippetAnnotations");
    const config = at(c, ["config", "allow-snippet-annotations"]);
    if (flag === true || flag === "true") {
      report(
        `IngressController: ${controllerPath("allowSnippetAnnotations")} is ${show(flag)}. Fix: set it to false.`,
      );
    }
    if (config === true || config === "true") {
      report(
        `IngressController: ${CONTROLLER_VALUES_PATH}.config["allow-snippet-annotations"] is ${show(config)}. Fix: set it to "false".`,
      );
    }
  }),
};

const SEMVER_RE = /^v?(\d+)\.(\d+)\.(\d+)$/;

function compareSemver(a: string, b: string): number {
  const pa = (SEMVER_RE.exec(a) ?? []).slice(1).map(Number);
  const pb = (SEMVER_RE.exec(b) ?? []).slice(1).map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const ingressNginxChartPinned: ResourceValidationPolicy = {
  name: "ingress-nginx-chart-pinned",
  description: `The ingress-nginx chart version is pinned to an exact release, at least ${MIN_SAFE_INGRESS_NGINX_CHART} (CVE-2025-1974 fix).`,
  enforcementLevel: "mandatory",
  configSchema: configSchema("minChartVersion"),
  validateResource: validateResourceOfType(nginx.IngressController, (_p, args, report: ReportViolation) => {
    const { minChartVersion } = knobs(args);
    const v = at(args.props, "helmOptions.version");
    if (isUnknown(v)) return;
    if (typeof v !== "string" || !SEMVER_RE.test(v)) {
      report(
        `IngressController: helmOptions.version is ${show(v)}, not an exact chart version: every install could pick a different controller, and upgrading it restarts nginx. ` +
          `Fix: pin helmOptions.version to an exact release such as "${FINAL_INGRESS_NGINX_CHART}".`,
      );
      return;
    }
    if (compareSemver(v, minChartVersion) < 0) {
      report(
        `IngressController: helmOptions.version is ${show(v)}, older than ${minChartVersion}, which fixes CVE-2025-1974 (IngressNightmare). ` +
          `Fix: pin helmOptions.version to ${minChartVersion} or later (${FINAL_INGRESS_NGINX_CHART} is the final release).`,
      );
    }
  }),
};

export const ingressNginxReplicas: ResourceValidationPolicy = {
  name: "ingress-nginx-replicas",
  description:
    "Enough controller replicas, spread over zones, that losing one zone or pod leaves the rest serving.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minControllerReplicas", "requireZoneSpread"),
  validateResource: validateResourceOfType(nginx.IngressController, (_p, args, report: ReportViolation) => {
    const { minControllerReplicas, requireZoneSpread } = knobs(args);
    const c = chartControllerValues(args.props);
    const { field, raw } = controllerReplicas(c);
    const replicas = num(raw ?? 1);
    if (typeof replicas === "number" && replicas < minControllerReplicas) {
      report(
        `IngressController: ${field} is ${raw === undefined ? "not set (the chart uses 1)" : replicas}, below ${minControllerReplicas}. ` +
          `Fix: set ${field} to at least ${minControllerReplicas} (one per zone).`,
      );
    }
    // The zone constraint is checked whatever the replica count: the program always renders one, and
    // requireZoneSpread (not minControllerReplicas) says whether a best-effort spread is enough.
    const spread = at(c, "topologySpreadConstraints");
    if (isUnknown(spread)) return;
    const zoneRules: unknown[] = [];
    for (const s of knownItems(spread)) {
      const key = at(s, "topologyKey");
      const when = at(s, "whenUnsatisfiable");
      // An unknown constraint could be the zone constraint, in either mode.
      if (isUnknown(s) || isUnknown(key) || (key === ZONE_KEY && isUnknown(when))) return;
      if (key === ZONE_KEY) zoneRules.push(when);
    }
    const spreadPath = controllerPath("topologySpreadConstraints");
    if (zoneRules.length === 0) {
      report(
        `IngressController: ${spreadPath} has no ${ZONE_KEY} constraint (found ${show(spread)}): ` +
          `replicas could share a zone and fail together. Fix: add {maxSkew: 1, topologyKey: "${ZONE_KEY}", whenUnsatisfiable: "${requireZoneSpread ? "DoNotSchedule" : "ScheduleAnyway"}", labelSelector: <controller pod labels>}.`,
      );
      return;
    }
    // ScheduleAnyway is best effort: the scheduler may still stack replicas in one zone.
    if (!requireZoneSpread || zoneRules.includes("DoNotSchedule")) return;
    report(
      `IngressController: ${spreadPath} spreads over ${ZONE_KEY} with whenUnsatisfiable ${show(zoneRules[0])}, not "DoNotSchedule": ` +
        `the scheduler may still put replicas in one zone, where they fail together. ` +
        `Fix: set whenUnsatisfiable to "DoNotSchedule" (on a cluster without zones, such as kind, set requireZoneSpread to false instead).`,
    );
  }),
};

export const ingressNginxValuesNotShadowed: ResourceValidationPolicy = {
  name: "ingress-nginx-values-not-shadowed",
  description:
    "No typed IngressController argument (such as controller) is set together with the same key of helmOptions.values, which it would replace wholesale.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(nginx.IngressController, (_p, args, report: ReportViolation) => {
    const shadowed = shadowedValueKeys(args.props);
    if (isUnknown(shadowed)) return;
    for (const key of shadowed) {
      report(
        `IngressController: the typed ${key} argument is set together with helmOptions.values.${key}: the component replaces helmOptions.values.${key} with it as a whole, ` +
          `so none of helmOptions.values.${key}'s keys reach the chart. Fix: move every key into helmOptions.values.${key} and remove the typed ${key} argument.`,
      );
    }
  }),
};

export const ingressNginxPolicies = [
  ingressNginxWorkerShutdownTimeout,
  ingressNginxCoversGatewayDrain,
  ingressNginxNoSnippets,
  ingressNginxChartPinned,
  ingressNginxReplicas,
  ingressNginxValuesNotShadowed,
];
