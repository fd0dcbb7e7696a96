/**
 * The ingress-nginx controller, checked on the Helm release that installs
 * the chart: the objects a helm.v3.Release renders (Deployment, ConfigMap,
 * Service, PodDisruptionBudget) are created by Helm, not registered with
 * Pulumi, so policies never see them (docs/facts.md F28). Every check therefore reads the values
 * the chart will receive, through lib/chart.ts `deliveredValues` (the one
 * model of the release's delivery), and knows what the chart makes of them.
 * An nginx reload closes every old worker's connections when
 * worker-shutdown-timeout expires (docs/facts.md F8), so it must cover the gateway drain, and
 * the pods' grace period must cover the controller's whole shutdown.
 */
import { type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import {
  CONTROLLER_POST_SHUTDOWN_GRACE_SECONDS,
  FINAL_INGRESS_NGINX_CHART,
  MIN_SAFE_INGRESS_NGINX_CHART,
  POST_SHUTDOWN_GRACE_FLAG,
  SHUTDOWN_GRACE_FLAG,
} from "../../components/ingress/ingressNginx";
import { ENV_DRAIN_SECONDS } from "../../components/names";
import { configSchema, knobs } from "../config";
import {
  CHART_DEFAULT_GRACE_SECONDS,
  CHART_DEFAULT_REPLICAS,
  CONTROLLER_DEFAULT_SHUTDOWN_GRACE_SECONDS,
  CONTROLLER_VALUES_PATH,
  HELM_RELEASE_TYPE,
  KUBERNETES_DEFAULT_GRACE_SECONDS,
  NGINX_DEFAULT_PROXY_TIMEOUT_SECONDS,
  NGINX_DEFAULT_WORKER_SHUTDOWN_SECONDS,
  controllerPath,
  controllerReplicas,
  deliveredControllerValues,
  isIngressNginxRelease,
  releaseSubject,
  unreadControllerKeys,
  validateIngressNginxRelease,
} from "../lib/chart";
import { containersOf, envValue } from "../lib/kube";
import { buildModel } from "../lib/model";
import { at, isUnknown, knownItems, num, seconds, show, type Unknown } from "../lib/values";

const WST = "worker-shutdown-timeout";
const ZONE_KEY = "topology.kubernetes.io/zone";
/** The chart's grace-period key (templates/controller-deployment.yaml). */
const GRACE_KEY = "terminationGracePeriodSeconds";
/** The old typed argument's grace key: no chart template reads a value by this name. */
const MISNAMED_GRACE_KEY = "terminateGracePeriodSeconds";
const WST_PATH = `${CONTROLLER_VALUES_PATH}.config["${WST}"]`;

/** worker-shutdown-timeout in seconds (nginx default when unset); undefined when unreadable. */
function workerShutdownSeconds(controller: unknown): number | Unknown | undefined {
  const raw = at(controller, ["config", WST]);
  return raw === undefined || raw === null ? NGINX_DEFAULT_WORKER_SHUTDOWN_SECONDS : seconds(raw);
}

function shownWst(controller: unknown): string {
  const raw = at(controller, ["config", WST]);
  return raw === undefined || raw === null
    ? `not set, so nginx uses ${NGINX_DEFAULT_WORKER_SHUTDOWN_SECONDS}s`
    : show(raw);
}

/** A controller flag in seconds: its default when unset, undefined when not a number. */
function flagSeconds(controller: unknown, flag: string, dflt: number): number | Unknown | undefined {
  const raw = at(controller, ["extraArgs", flag]);
  return raw === undefined || raw === null ? dflt : num(raw);
}

/** The grace period the controller pods get, and how to show it. */
function graceOf(controller: unknown): { seconds: number | Unknown | undefined; shown: string } {
  const raw = at(controller, GRACE_KEY);
  if (raw === undefined) {
    return {
      seconds: CHART_DEFAULT_GRACE_SECONDS,
      shown: `not set, so the chart uses ${CHART_DEFAULT_GRACE_SECONDS}`,
    };
  }
  if (raw === null) {
    return {
      seconds: KUBERNETES_DEFAULT_GRACE_SECONDS,
      shown: `null, which deletes the chart's default, so Kubernetes uses ${KUBERNETES_DEFAULT_GRACE_SECONDS}`,
    };
  }
  return { seconds: num(raw), shown: show(raw) };
}

export const ingressNginxWorkerShutdownTimeout: ResourceValidationPolicy = {
  name: "ingress-nginx-worker-shutdown-timeout",
  description:
    `The controller's ${WST} covers the gateway drain, and its pods' grace period covers the whole controller shutdown ` +
    `(${SHUTDOWN_GRACE_FLAG} + ${WST} + ${POST_SHUTDOWN_GRACE_FLAG}).`,
  enforcementLevel: "mandatory",
  configSchema: configSchema("minDrainSeconds", "drainSeconds"),
  validateResource: validateIngressNginxRelease((props, subject, args, report) => {
    const { minDrainSeconds, drainSeconds } = knobs(args);
    const c = deliveredControllerValues(props);
    const wst = workerShutdownSeconds(c);
    if (isUnknown(wst)) return;
    const floor = drainSeconds ?? minDrainSeconds;
    const floorName = drainSeconds === undefined ? "the minimum drain" : "the configured drain";
    if (wst === undefined) {
      report(
        `${subject}: ${WST_PATH} is not a duration (found ${shownWst(c)}). Fix: write it as "<seconds>s", e.g. "${floor}s".`,
      );
      return;
    }
    if (wst < floor) {
      report(
        `${subject}: ${WST_PATH} is ${shownWst(c)}, below ${floorName} ${floor} s: ` +
          `an nginx reload would cut every connection still open after ${wst} s. Fix: set it to at least "${floor}s".`,
      );
    }
    const grace = graceOf(c);
    const before = flagSeconds(c, SHUTDOWN_GRACE_FLAG, CONTROLLER_DEFAULT_SHUTDOWN_GRACE_SECONDS);
    const after = flagSeconds(c, POST_SHUTDOWN_GRACE_FLAG, CONTROLLER_POST_SHUTDOWN_GRACE_SECONDS);
    if (typeof grace.seconds !== "number" || typeof before !== "number" || typeof after !== "number") return;
    const budget = before + wst + after;
    if (grace.seconds < budget) {
      report(
        `${subject}: ${controllerPath(GRACE_KEY)} is ${grace.shown}, below ${SHUTDOWN_GRACE_FLAG} ${before} + ${WST} ${wst} + ${POST_SHUTDOWN_GRACE_FLAG} ${after} = ${budget}: ` +
          `a stopping controller would be killed with connections open. Fix: set ${controllerPath(GRACE_KEY)} to at least ${budget}.`,
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
    // The gateway Deployments by what creates them (the stack model), whatever their labels.
    for (const w of buildModel(args.resources).workloads) {
      for (const c of containersOf(w.podSpec)) {
        const v = num(envValue(c.container, ENV_DRAIN_SECONDS));
        if (typeof v === "number" && (longest === undefined || v > longest.seconds)) {
          longest = { seconds: v, what: w.object.subject };
        }
      }
    }
    if (longest === undefined) return;
    for (const r of args.resources) {
      if (r.type !== HELM_RELEASE_TYPE || isIngressNginxRelease(r.props) !== true) continue;
      // No values at all is the chart's defaults (the recorded outputs omit an empty values map).
      const c = deliveredControllerValues(r.props);
      if (isUnknown(c)) continue;
      const wst = workerShutdownSeconds(c);
      if (typeof wst !== "number" || wst >= longest.seconds) continue;
      report(
        `${releaseSubject(r.props, r.name)}: ${WST_PATH} is ${shownWst(c)}, shorter than ${ENV_DRAIN_SECONDS} ${longest.seconds} of ${longest.what}: ` +
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
  validateResource: validateIngressNginxRelease((props, subject, _args, report) => {
    const c = deliveredControllerValues(props);
    const flag = at(c, "allowSnippetAnnotations");
    const config = at(c, ["config", "allow-snippet-annotations"]);
    if (flag === true || flag === "true") {
      report(
        `${subject}: ${controllerPath("allowSnippetAnnotations")} is ${show(flag)}. Fix: set it to false.`,
      );
    }
    if (config === true || config === "true") {
      report(
        `${subject}: ${CONTROLLER_VALUES_PATH}.config["allow-snippet-annotations"] is ${show(config)}. Fix: set it to "false".`,
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
  validateResource: validateIngressNginxRelease((props, subject, args, report) => {
    const { minChartVersion } = knobs(args);
    // The provider's Check resolves a range to the chart it found before policies run,
    // so a range is caught here only on unchecked inputs; the minimum always applies.
    const v = at(props, "version");
    if (isUnknown(v)) return;
    if (typeof v !== "string" || !SEMVER_RE.test(v)) {
      report(
        `${subject}: version is ${show(v)}, not an exact chart version: every install could pick a different controller, and upgrading it restarts nginx. ` +
          `Fix: pin version to an exact release such as "${FINAL_INGRESS_NGINX_CHART}".`,
      );
      return;
    }
    if (compareSemver(v, minChartVersion) < 0) {
      report(
        `${subject}: version is ${show(v)}, older than ${minChartVersion}, which fixes CVE-2025-1974 (IngressNightmare). ` +
          `Fix: pin version to ${minChartVersion} or later (${FINAL_INGRESS_NGINX_CHART} is the final release).`,
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
  validateResource: validateIngressNginxRelease((props, subject, args, report) => {
    const { minControllerReplicas, requireZoneSpread } = knobs(args);
    const c = deliveredControllerValues(props);
    const { field, raw } = controllerReplicas(c);
    const replicas = num(raw ?? CHART_DEFAULT_REPLICAS);
    if (typeof replicas === "number" && replicas < minControllerReplicas) {
      report(
        `${subject}: ${field} is ${raw === undefined || raw === null ? `not set (the chart uses ${CHART_DEFAULT_REPLICAS})` : replicas}, below ${minControllerReplicas}. ` +
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
        `${subject}: ${spreadPath} has no ${ZONE_KEY} constraint (found ${show(spread)}): ` +
          `replicas could share a zone and fail together. Fix: add {maxSkew: 1, topologyKey: "${ZONE_KEY}", whenUnsatisfiable: "${requireZoneSpread ? "DoNotSchedule" : "ScheduleAnyway"}", labelSelector: <controller pod labels>}.`,
      );
      return;
    }
    // ScheduleAnyway is best effort: the scheduler may still stack replicas in one zone.
    if (!requireZoneSpread || zoneRules.includes("DoNotSchedule")) return;
    report(
      `${subject}: ${spreadPath} spreads over ${ZONE_KEY} with whenUnsatisfiable ${show(zoneRules[0])}, not "DoNotSchedule": ` +
        `the scheduler may still put replicas in one zone, where they fail together. ` +
        `Fix: set whenUnsatisfiable to "DoNotSchedule" (on a cluster without zones, such as kind, set requireZoneSpread to false instead).`,
    );
  }),
};

/** The controller's proxy timeouts (ConfigMap keys; integer seconds, default 60). */
const PROXY_TIMEOUT_KEYS = ["proxy-read-timeout", "proxy-send-timeout"] as const;
const INTEGER_RE = /^\s*\d+\s*$/;

export const ingressNginxProxyTimeouts: ResourceValidationPolicy = {
  name: "ingress-nginx-proxy-timeouts",
  description:
    "The controller's proxy-read-timeout and proxy-send-timeout are integer seconds long enough for idle WebSockets; the controller cannot parse any other form and falls back to 60.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minProxyTimeoutSeconds"),
  validateResource: validateIngressNginxRelease((props, subject, args, report) => {
    const { minProxyTimeoutSeconds } = knobs(args);
    const c = deliveredControllerValues(props);
    for (const key of PROXY_TIMEOUT_KEYS) {
      const raw = at(c, ["config", key]);
      if (isUnknown(raw)) continue;
      const path = `${CONTROLLER_VALUES_PATH}.config["${key}"]`;
      if (raw === undefined || raw === null) {
        report(
          `${subject}: ${path} is not set, so nginx uses ${NGINX_DEFAULT_PROXY_TIMEOUT_SECONDS}, below ${minProxyTimeoutSeconds} s: ` +
            `nginx closes a WebSocket idle for longer. Fix: set it to "${minProxyTimeoutSeconds}".`,
        );
        continue;
      }
      const integer =
        (typeof raw === "number" && Number.isInteger(raw)) ||
        (typeof raw === "string" && INTEGER_RE.test(raw));
      if (!integer) {
        report(
          `${subject}: ${path} is ${show(raw)}, not integer seconds: the controller cannot parse it and uses ${NGINX_DEFAULT_PROXY_TIMEOUT_SECONDS}, ` +
            `so nginx closes a WebSocket idle for longer. Fix: write it as "${minProxyTimeoutSeconds}".`,
        );
        continue;
      }
      const value = Number(raw);
      if (value < minProxyTimeoutSeconds) {
        report(
          `${subject}: ${path} is ${show(raw)}, below ${minProxyTimeoutSeconds} s: nginx closes a WebSocket idle for longer. ` +
            `Fix: set it to "${minProxyTimeoutSeconds}".`,
        );
      }
    }
  }),
};

export const ingressNginxValuesReadByChart: ResourceValidationPolicy = {
  name: "ingress-nginx-values-read-by-chart",
  description:
    "Every key under values.controller is one the ingress-nginx chart reads; Helm silently ignores any other, so the setting it was meant to carry never takes effect.",
  enforcementLevel: "mandatory",
  validateResource: validateIngressNginxRelease((props, subject, _args, report) => {
    const unread = unreadControllerKeys(deliveredControllerValues(props));
    if (isUnknown(unread)) return;
    for (const key of unread) {
      const hint =
        key === MISNAMED_GRACE_KEY
          ? `it does not set the controller pods' grace period. Fix: rename it to ${controllerPath(GRACE_KEY)}.`
          : `it has no effect. Fix: use the key the chart documents in its values.yaml, or remove it.`;
      report(`${subject}: ${controllerPath(key)} is a key the ingress-nginx chart never reads: ${hint}`);
    }
  }),
};

export const ingressNginxPolicies = [
  ingressNginxWorkerShutdownTimeout,
  ingressNginxCoversGatewayDrain,
  ingressNginxNoSnippets,
  ingressNginxChartPinned,
  ingressNginxReplicas,
  ingressNginxProxyTimeouts,
  ingressNginxValuesReadByChart,
];
