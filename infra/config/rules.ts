/**
 * Rules across keys: each message shows both values. Each rule runs when the
 * sections it reads parsed, so a stack with a type error in one section still
 * hears about the others' problems.
 */
import {
  FINAL_INGRESS_NGINX_CHART,
  MIN_SAFE_INGRESS_NGINX_CHART,
} from "../../components/ingress/ingressNginx";
import { LIMITS, PROTECTED_STACKS } from "../../components/shared/limits";
import { scheduleProblems } from "../../components/shared/schedule";
import { MAINTENANCE_RULE, maintenanceShortfall } from "../../components/shared/gke";
import { formatDuration } from "./duration";
import { key, show } from "./errors";
import { isPrivateCidr, quantityValue } from "./formats";
import { podProblems } from "./podRules";
import { probeProblems } from "./probe";
import type { Parsed } from "./schema";

/** What the program knows beside the config: the stack being updated. */
export interface ParseContext {
  readonly stack?: string;
  /** Receives findings that do not refuse the config (keys it ignores); the program prints them as warnings. */
  readonly report?: (note: string) => void;
}
import { DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS, type RawStackConfig } from "./types";

/** An instant as GKE writes it: "2026-01-03T08:00:00Z". */
function utcText(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

function compareSemver(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const GKE_ONLY_KEYS = [
  "project",
  "region",
  "zones",
  "releaseChannel",
  "maintenanceWindow",
  "maintenanceExclusions",
  "masterAuthorizedNetworks",
  "masterIpv4Cidr",
  "nodePool",
  "deletionProtection",
] as const;

/** Namespaces a cluster has before the program runs ("kube-*" are refused as reserved besides). */
const PREEXISTING_NAMESPACES: readonly string[] = ["default"];

/** Ingress keys that configure the controller this stack installs; meaningless with ingress.controller "existing". */
export const INGRESS_INSTALL_ONLY_KEYS = [
  "namespace",
  "controllerReplicas",
  "chartVersion",
  "workerShutdownTimeout",
  "serviceType",
  "loadBalancerIP",
] as const;

/**
 * Rules across keys. Each runs when the sections it reads parsed, so a stack
 * with a type error in one section still hears about the others' problems.
 */
/** [index, index of its first occurrence] for every repeated entry. */
function duplicates<T>(list: readonly T[], keyOf: (t: T) => string): [number, number][] {
  const first = new Map<string, number>();
  const out: [number, number][] = [];
  list.forEach((t, i) => {
    const k = keyOf(t);
    const f = first.get(k);
    if (f === undefined) first.set(k, i);
    else out.push([i, f]);
  });
  return out;
}

export function crossFieldProblems(
  raw: RawStackConfig,
  p: Partial<Parsed>,
  context: ParseContext = {},
): string[] {
  const problems: string[] = [];
  const rawCluster = (typeof raw.cluster === "object" && raw.cluster !== null ? raw.cluster : {}) as Record<
    string,
    unknown
  >;
  const c = p.cluster;
  const ing = p.ingress;
  const g = p.gateway;
  const r = p.rollout;

  if (c?.mode === "gke") {
    if (c.region === undefined) {
      problems.push(
        `${key(["cluster", "region"])}: is required when cluster.mode is "gke": a GCP region like "europe-west1". Fix: add region, where the regional cluster runs, e.g. region: europe-west1.`,
      );
    }
    if (c.kubeContext !== undefined) {
      problems.push(
        `${key(["cluster", "kubeContext"])}: applies to cluster.mode "existing" only (got ${show(c.kubeContext)} with mode "gke"). Fix: remove it, or set cluster.mode to "existing".`,
      );
    }
    if (c.region !== undefined && c.zones !== undefined) {
      c.zones.forEach((zone, i) => {
        if (!zone.startsWith(`${c.region}-`)) {
          problems.push(
            `${key(["cluster", "zones", i])}: must be a zone of region ${show(c.region)} (got ${show(zone)}). Fix: list zones like "${c.region}-b".`,
          );
        }
      });
    }
    if (c.nodePool.maxNodesPerZone < c.nodePool.minNodesPerZone) {
      problems.push(
        `${key(["cluster", "nodePool", "maxNodesPerZone"])}: must be at least cluster.nodePool.minNodesPerZone (got ${c.nodePool.maxNodesPerZone} < ${c.nodePool.minNodesPerZone}). Fix: raise maxNodesPerZone or lower minNodesPerZone.`,
      );
    }
    const mw = c.maintenanceWindow;
    const shortfall = maintenanceShortfall(Date.parse(mw.start), Date.parse(mw.end), mw.recurrence);
    if (shortfall !== undefined) {
      const M = MAINTENANCE_RULE;
      const got = `start ${show(mw.start)}, end ${show(mw.end)}, recurrence ${show(mw.recurrence)}: windows of ${formatDuration(shortfall.windowSeconds)}${shortfall.totalSeconds === undefined ? "" : `, ${formatDuration(shortfall.totalSeconds)} in the worst ${M.rollingDays} days`}`;
      const rule = `GKE needs ${M.minHours}h of maintenance in any ${M.rollingDays} days and counts only windows of ${M.minWindowHours}h or more`;
      const needed = shortfall.neededWindowSeconds;
      problems.push(
        needed !== undefined
          ? `${key(["cluster", "maintenanceWindow", "end"])}: the window is too short (${got}); ${rule}. Fix: set maintenanceWindow.end to ${show(utcText(Date.parse(mw.start) + needed * 1000))} or later (windows of ${formatDuration(needed)}).`
          : `${key(["cluster", "maintenanceWindow", "recurrence"])}: recurs too seldom for any window length (${got}); ${rule}. Fix: recur on more days, e.g. "FREQ=WEEKLY;BYDAY=SA,SU" with windows of 6h or more, or "FREQ=DAILY" with windows of 4h or more.`,
      );
    }
    if (c.masterAuthorizedNetworks === undefined) {
      problems.push(
        `${key(["cluster", "masterAuthorizedNetworks"])}: is required when cluster.mode is "gke": a list of networks allowed to reach the control plane. The cluster enables authorized networks, so with none it refuses every client, this program (which creates the workloads through it right after the cluster) and kubectl included. Fix: list the network pulumi up runs from, e.g. [{"cidr":"203.0.113.0/24","name":"ops"}].`,
      );
    }
    if (ing !== undefined && ing.controller === "install" && ing.serviceType !== "LoadBalancer") {
      problems.push(
        `${key(["ingress", "serviceType"])}: must be "LoadBalancer" on cluster.mode "gke" (got ${show(ing.serviceType)} with mode "gke"): the nodes are private, so a NodePort is reachable from nowhere outside the VPC. Fix: set ingress.serviceType to "LoadBalancer" (or remove it; it is the default).`,
      );
    }
    if (Date.parse(c.maintenanceWindow.end) <= Date.parse(c.maintenanceWindow.start)) {
      problems.push(
        `${key(["cluster", "maintenanceWindow", "end"])}: must be after maintenanceWindow.start (got start ${show(c.maintenanceWindow.start)}, end ${show(c.maintenanceWindow.end)}). Fix: move the end after the start.`,
      );
    }
    c.maintenanceExclusions.forEach((e, i) => {
      if (Date.parse(e.end) <= Date.parse(e.start)) {
        problems.push(
          `${key(["cluster", "maintenanceExclusions", i, "end"])}: must be after its start (got start ${show(e.start)}, end ${show(e.end)}). Fix: move the end after the start.`,
        );
      }
    });
    if (
      context.stack !== undefined &&
      (PROTECTED_STACKS as readonly string[]).includes(context.stack) &&
      !c.deletionProtection
    ) {
      problems.push(
        `${key(["cluster", "deletionProtection"])}: must stay true on stack ${show(context.stack)}, which the policy pack protects: a mistaken destroy would drop every connection (got false). Fix: remove the key (it defaults to true), or set it to true.`,
      );
    }
    if (
      ing !== undefined &&
      ing.controller === "install" &&
      ing.controllerReplicas < LIMITS.minControllerReplicas
    ) {
      problems.push(
        `${key(["ingress", "controllerReplicas"])}: must be at least ${LIMITS.minControllerReplicas} on a regional GKE cluster so every zone keeps a controller (got ${ing.controllerReplicas}). Fix: set it to ${LIMITS.minControllerReplicas} or more.`,
      );
    }
    if (g !== undefined && g.minReplicas < LIMITS.minGatewayReplicas) {
      problems.push(
        `${key(["gateway", "minReplicas"])}: must be at least ${LIMITS.minGatewayReplicas} on a regional GKE cluster so every zone keeps gateway pods (got ${g.minReplicas}). Fix: set it to ${LIMITS.minGatewayReplicas} or more.`,
      );
    }
    duplicates(c.zones ?? [], (z) => z).forEach(([i, first]) =>
      problems.push(
        `${key(["cluster", "zones", i])}: lists ${show(c.zones?.[i])} again (first at zones[${first}]). Fix: list each zone once.`,
      ),
    );
    duplicates(c.maintenanceExclusions, (e) => e.name).forEach(([i, first]) =>
      problems.push(
        `${key(["cluster", "maintenanceExclusions", i, "name"])}: ${show(c.maintenanceExclusions[i]?.name)} is already the name of maintenanceExclusions[${first}]; GKE keys exclusions by name. Fix: give each exclusion its own name.`,
      ),
    );
    duplicates(c.masterAuthorizedNetworks ?? [], (n) => n.cidr).forEach(([i, first]) =>
      problems.push(
        `${key(["cluster", "masterAuthorizedNetworks", i, "cidr"])}: ${show(c.masterAuthorizedNetworks?.[i]?.cidr)} is already listed at masterAuthorizedNetworks[${first}]. Fix: list each network once.`,
      ),
    );
    if (!isPrivateCidr(c.masterIpv4Cidr)) {
      problems.push(
        `${key(["cluster", "masterIpv4Cidr"])}: must lie in a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) (got ${show(c.masterIpv4Cidr)}). Fix: pick an unused private /28 such as "172.16.0.0/28".`,
      );
    }
  } else if (c?.mode === "existing") {
    for (const k of GKE_ONLY_KEYS) {
      if (rawCluster[k] !== undefined) {
        problems.push(
          `${key(["cluster", k])}: applies to cluster.mode "gke" only (got ${show(rawCluster[k])} with mode "existing"). Fix: remove it, or set cluster.mode to "gke".`,
        );
      }
    }
  }

  if (c?.mode === "gke" && ing?.controller === "existing") {
    problems.push(
      `${key(["ingress", "controller"])}: must be "install" with cluster.mode "gke" (got "existing" with mode "gke"): the cluster this stack creates runs no ingress-nginx until the stack installs it, so the routes would have no controller. Fix: set ingress.controller to "install" (or remove it; "install" is the default).`,
    );
  }
  if (ing?.controller === "existing") {
    const rawIngress = (typeof raw.ingress === "object" && raw.ingress !== null ? raw.ingress : {}) as Record<
      string,
      unknown
    >;
    for (const k of INGRESS_INSTALL_ONLY_KEYS) {
      if (rawIngress[k] !== undefined) {
        problems.push(
          `${key(["ingress", k])}: applies to ingress.controller "install" only (got ${show(rawIngress[k])} with controller "existing"): this stack does not manage that controller. Fix: remove it, or set ingress.controller to "install".`,
        );
      }
    }
  }
  if (
    ing !== undefined &&
    ing.controller === "install" &&
    compareSemver(ing.chartVersion, MIN_SAFE_INGRESS_NGINX_CHART) < 0
  ) {
    problems.push(
      `${key(["ingress", "chartVersion"])}: must be ${MIN_SAFE_INGRESS_NGINX_CHART} or later, the first chart with the CVE-2025-1974 fix (got ${show(ing.chartVersion)}). Fix: pin ${FINAL_INGRESS_NGINX_CHART}, the final release.`,
    );
  }
  if (
    ing !== undefined &&
    ing.controller === "install" &&
    compareSemver(ing.chartVersion, FINAL_INGRESS_NGINX_CHART) > 0
  ) {
    problems.push(
      `${key(["ingress", "chartVersion"])}: must be ${FINAL_INGRESS_NGINX_CHART} or earlier: ingress-nginx is retired and ${FINAL_INGRESS_NGINX_CHART} is its final chart, so no repository serves ${show(ing.chartVersion)}. Fix: pin ${FINAL_INGRESS_NGINX_CHART}.`,
    );
  }
  const wst = ing?.workerShutdownTimeout ?? DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS;
  if (ing !== undefined && ing.controller === "install" && g !== undefined && wst < g.drainSeconds) {
    problems.push(
      ing.workerShutdownTimeout === undefined
        ? `${key(["ingress", "workerShutdownTimeout"])}: its default ${DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS}s is below gateway.drainSeconds (${g.drainSeconds}s), so an nginx reload could cut a drain short. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least ${g.drainSeconds}s.`
        : `${key(["ingress", "workerShutdownTimeout"])}: must be at least gateway.drainSeconds so an nginx reload never cuts a drain short (got ${ing.workerShutdownTimeout}s < ${g.drainSeconds}s). Fix: raise it to ${g.drainSeconds}s or more.`,
    );
  }
  if (ing?.loadBalancerIP !== undefined && ing.serviceType !== "LoadBalancer") {
    problems.push(
      `${key(["ingress", "loadBalancerIP"])}: applies to ingress.serviceType "LoadBalancer" only (got ${show(ing.loadBalancerIP)} with ${show(ing.serviceType)}). Fix: remove it, or set ingress.serviceType to "LoadBalancer".`,
    );
  }
  if (g !== undefined) {
    const res = g.resources;
    for (const [kind, request, limit] of [
      ["cpu", res.cpuRequest, res.cpuLimit],
      ["memory", res.memoryRequest, res.memoryLimit],
    ] as const) {
      const rq = quantityValue(request)?.value;
      const lm = limit === undefined ? undefined : quantityValue(limit)?.value;
      if (rq !== undefined && lm !== undefined && rq > lm) {
        problems.push(
          `${key(["gateway", "resources", `${kind}Request`])}: must not exceed gateway.resources.${kind}Limit (got request ${show(request)} > limit ${show(limit)}); Kubernetes rejects such a pod. Fix: lower ${kind}Request or raise ${kind}Limit.`,
        );
      }
    }
    if (PREEXISTING_NAMESPACES.includes(g.namespace)) {
      problems.push(
        `${key(["gateway", "namespace"])}: must not be ${show(g.namespace)}, a namespace every cluster already has: the program creates and owns its namespace, so the create fails or a destroy would take it (got ${show(g.namespace)}). Fix: use the default "ws-gateway" or a namespace of your own.`,
      );
    }
    if (g.namespace.startsWith("kube-")) {
      problems.push(
        `${key(["gateway", "namespace"])}: must not be a "kube-" namespace, which Kubernetes reserves for the system (got ${show(g.namespace)}). Fix: use the default "ws-gateway" or a namespace of your own.`,
      );
    }
  }
  if (ing !== undefined && ing.controller === "install" && PREEXISTING_NAMESPACES.includes(ing.namespace)) {
    problems.push(
      `${key(["ingress", "namespace"])}: must not be ${show(ing.namespace)}, a namespace every cluster already has: the program creates and owns the controller's namespace, so the create fails or a destroy would take it (got ${show(ing.namespace)}). Fix: use the default "ingress-nginx" or a namespace of your own.`,
    );
  }
  if (ing !== undefined && ing.namespace.startsWith("kube-")) {
    problems.push(
      `${key(["ingress", "namespace"])}: must not be a "kube-" namespace, which Kubernetes reserves for the system (got ${show(ing.namespace)}). Fix: use the default "ingress-nginx" or a namespace of your own.`,
    );
  }
  if (ing !== undefined && g !== undefined && ing.namespace === g.namespace) {
    problems.push(
      `${key(["gateway", "namespace"])}: must differ from ingress.namespace (both ${show(g.namespace)}): the gateway namespace enforces the "restricted" pod security level, which the controller (it binds ports 80/443) cannot meet, and the program owns each namespace once. Fix: keep the defaults, "ws-gateway" for the gateway and "ingress-nginx" for the controller.`,
    );
  }
  if (g !== undefined) problems.push(...podProblems(g.pod, g.port));
  if (g !== undefined && g.maxReplicas <= g.minReplicas) {
    problems.push(
      `${key(["gateway", "maxReplicas"])}: must be above gateway.minReplicas so the autoscaler can add pods under load (got ${g.maxReplicas} with minReplicas ${g.minReplicas}). Fix: raise maxReplicas above ${g.minReplicas}, or lower minReplicas.`,
    );
  }

  if (r === undefined) return problems;
  const steps = r.steps;
  const schedule = steps.map((st) => ({ weight: st.weight, pauseSeconds: st.pause ?? 0 }));
  steps.forEach((st, i) => {
    if (i < steps.length - 1 && st.pause === undefined) {
      problems.push(
        `${key(["rollout", "steps", i, "pause"])}: is required on every step but the last: a duration like "2m" during which gates run. Fix: add pause to step ${i + 1}, at least ${formatDuration(LIMITS.minPauseSeconds)}.`,
      );
    }
  });
  for (const sp of scheduleProblems(schedule, LIMITS)) {
    switch (sp.kind) {
      case "weight-not-rising":
        problems.push(
          `${key(["rollout", "steps", sp.index, "weight"])}: weights must rise strictly (got ${sp.weight} after ${sp.previous}). Fix: order the steps by rising weight and drop repeats.`,
        );
        break;
      case "full-weight-not-last":
        problems.push(
          `${key(["rollout", "steps", sp.index, "weight"])}: weight 100 must be the last step (got step ${sp.index + 1} of ${steps.length}). Fix: remove the steps after it.`,
        );
        break;
      case "pause-short":
        // A missing pause is reported above as missing.
        if (steps[sp.index]?.pause !== undefined) {
          problems.push(
            `${key(["rollout", "steps", sp.index, "pause"])}: must be at least ${formatDuration(sp.min)} before the next step, so the gates see real traffic (got ${show(formatDuration(sp.pauseSeconds))}). Fix: pause ${formatDuration(sp.min)} or longer.`,
          );
        }
        break;
      case "schedule-long":
        problems.push(
          `${key(["rollout", "steps"])}: the pauses must add up to at most ${formatDuration(sp.max)}, since the previous version stays frozen meanwhile (got ${formatDuration(sp.totalSeconds)}). Fix: shorten the pauses, or end the schedule below 100 and continue in a later update.`,
        );
        break;
      default:
        // weight range, empty list and pause shape are the schema's (leaf) checks.
        break;
    }
  }
  const last = steps[steps.length - 1];
  if (last !== undefined) {
    if (last.weight < 100 && r.stableVersion === undefined) {
      problems.push(
        `${key(["rollout", "stableVersion"])}: is required when the schedule holds below 100 (last weight ${last.weight}): the version the stable route keeps meanwhile. Fix: set rollout.stableVersion to the version now serving, or end the schedule with { weight: 100 }.`,
      );
    }
    if (last.weight === 100 && r.stableVersion !== undefined) {
      problems.push(
        `${key(["rollout", "stableVersion"])}: applies only to a schedule that holds below 100 (got ${show(r.stableVersion)} with a last weight of 100). Fix: remove rollout.stableVersion.`,
      );
    }
  }
  if (r.stableVersion !== undefined && r.stableVersion === g?.version) {
    problems.push(
      `${key(["rollout", "stableVersion"])}: must differ from gateway.version (both ${show(r.stableVersion)}). Fix: set it to the version now serving.`,
    );
  }
  // Gates run every interval during a pause: an interval longer than a pause means that step runs no gate round.
  steps.forEach((st, i) => {
    if (i < steps.length - 1 && st.pause !== undefined && st.pause > 0 && r.gates.interval > st.pause) {
      problems.push(
        `${key(["rollout", "gates", "interval"])}: must fit in every pause so each step runs gates (got interval ${show(formatDuration(r.gates.interval))} with steps[${i}].pause ${show(formatDuration(st.pause))}). Fix: set rollout.gates.interval to ${show(formatDuration(st.pause))} or less.`,
      );
    }
  });
  const handshakeUrl = r.gates.handshake.url;
  if (ing?.tlsSecretName !== undefined && handshakeUrl?.startsWith("ws://") === true) {
    const host = new URL(handshakeUrl).hostname;
    if (host === ing.host) {
      problems.push(
        `${key(["rollout", "gates", "handshake", "url"])}: must be wss:// for ${show(host)}, which ingress.tlsSecretName serves with TLS (got ${show(handshakeUrl)} with tlsSecretName ${show(ing.tlsSecretName)}): ingress-nginx answers a plain request to a TLS host with a redirect, which a WebSocket upgrade does not follow. Fix: write ${show(handshakeUrl.replace(/^ws:/, "wss:"))}, or remove the key (unset, the gate connects to wss://<host><path>).`,
      );
    }
  }
  problems.push(...probeProblems(r.gates.handshake));
  const prom = r.gates.prometheus;
  if (prom !== undefined && (prom.max === undefined) === (prom.min === undefined)) {
    problems.push(
      `${key(["rollout", "gates", "prometheus"])}: needs exactly one of max or min (got ${prom.max === undefined ? "neither" : "both"}). Fix: set max for an error ratio, or min for a success ratio.`,
    );
  }
  return problems;
}
