/**
 * Rules across keys: each message shows both values. Each rule runs when the
 * sections it reads parsed, so a stack with a type error in one section still
 * hears about the others' problems.
 */
import {
  FINAL_INGRESS_NGINX_CHART,
  MIN_SAFE_INGRESS_NGINX_CHART,
} from "../../components/ingress/ingressNginx";
import { key, show } from "./errors";
import type { Parsed } from "./schema";
import { DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS, type RawStackConfig } from "./types";

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

/**
 * Rules across keys. Each runs when the sections it reads parsed, so a stack
 * with a type error in one section still hears about the others' problems.
 */
export function crossFieldProblems(raw: RawStackConfig, p: Partial<Parsed>): string[] {
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
        `${key(["cluster", "region"])}: is required when cluster.mode is "gke": a GCP region like "europe-west1". Fix: set the region of the regional cluster.`,
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
    if (ing !== undefined && ing.controllerReplicas < 3) {
      problems.push(
        `${key(["ingress", "controllerReplicas"])}: must be at least 3 on a regional GKE cluster so every zone keeps a controller (got ${ing.controllerReplicas}). Fix: set it to 3 or more.`,
      );
    }
    if (g !== undefined && g.minReplicas < 3) {
      problems.push(
        `${key(["gateway", "minReplicas"])}: must be at least 3 on a regional GKE cluster so every zone keeps gateway pods (got ${g.minReplicas}). Fix: set it to 3 or more.`,
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

  if (ing !== undefined && compareSemver(ing.chartVersion, MIN_SAFE_INGRESS_NGINX_CHART) < 0) {
    problems.push(
      `${key(["ingress", "chartVersion"])}: must be ${MIN_SAFE_INGRESS_NGINX_CHART} or later, the first chart with the CVE-2025-1974 fix (got ${show(ing.chartVersion)}). Fix: pin ${FINAL_INGRESS_NGINX_CHART}, the final release.`,
    );
  }
  const wst = ing?.workerShutdownTimeout ?? DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS;
  if (ing !== undefined && g !== undefined && wst < g.drainSeconds) {
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
  if (g !== undefined && g.maxReplicas < g.minReplicas) {
    problems.push(
      `${key(["gateway", "maxReplicas"])}: must be at least gateway.minReplicas (got ${g.maxReplicas} < ${g.minReplicas}). Fix: raise maxReplicas or lower minReplicas.`,
    );
  }

  if (r === undefined) return problems;
  const steps = r.steps;
  steps.forEach((s, i) => {
    if (i > 0 && s.weight <= (steps[i - 1]?.weight ?? 0)) {
      problems.push(
        `${key(["rollout", "steps", i, "weight"])}: weights must rise strictly (got ${s.weight} after ${steps[i - 1]?.weight}). Fix: order the steps by rising weight and drop repeats.`,
      );
    }
    if (i < steps.length - 1 && s.pause === undefined) {
      problems.push(
        `${key(["rollout", "steps", i, "pause"])}: is required on every step but the last: a duration like "2m" during which gates run. Fix: add pause to step ${i + 1}.`,
      );
    }
    if (s.weight === 100 && i < steps.length - 1) {
      problems.push(
        `${key(["rollout", "steps", i, "weight"])}: weight 100 must be the last step (got step ${i + 1} of ${steps.length}). Fix: remove the steps after it.`,
      );
    }
  });
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
  const prom = r.gates.prometheus;
  if (prom !== undefined && (prom.max === undefined) === (prom.min === undefined)) {
    problems.push(
      `${key(["rollout", "gates", "prometheus"])}: needs exactly one of max or min (got ${prom.max === undefined ? "neither" : "both"}). Fix: set max for an error ratio, or min for a success ratio.`,
    );
  }
  return problems;
}
