/**
 * `ws-gateway:disruption`: the reconnect budget and what the stack accepts,
 * and the checks that refuse settings which cannot keep it. The arithmetic
 * is components/shared/budget.ts; this file only turns its findings into
 * config messages (docs/disruption-budget.md).
 */
import {
  DISRUPTION_DEFAULTS,
  PLATFORM_LIMITS,
  defaultReconnectsPerSecond,
  drainSecondsFor,
  maxDrainForUpgrade,
  maxReplicasFor,
  releasePeak,
  scaleDownPace,
  showRate,
} from "../../components/shared/budget";
import { LIMITS } from "../../components/shared/limits";
import { key } from "./errors";
import { bool, intIn, section } from "./leaves";
import type { Parsed } from "./schema";
import { DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS } from "./types";

/** Largest drainSeconds the gateway section accepts. */
export const MAX_DRAIN_SECONDS = 86400;

export const disruptionSchema = section(
  {
    reconnectsPerSecond: intIn(
      1,
      10_000_000,
      "set how many reconnects per second the backend absorbs (unset: the stack's release peak today)",
      "per second",
    ).optional(),
    connectionsPerPod: intIn(
      1,
      10_000_000,
      "set how many connections one gateway pod holds at its autoscaler target",
    ).default(DISRUPTION_DEFAULTS.connectionsPerPod),
    acceptSpotCuts: bool(
      "set true only if clients may lose every connection of a Spot node at once, with about 15 s of notice",
    ).default(DISRUPTION_DEFAULTS.acceptSpotCuts),
  },
  "disruption settings",
);

/** The validated disruption settings, the budget resolved. */
export interface DisruptionConfig {
  /** Reconnects per second the backend absorbs: set, or derived from the drain (see budgetOf). */
  readonly reconnectsPerSecond: number;
  /** Whether the budget was derived rather than set. */
  readonly derived: boolean;
  readonly connectionsPerPod: number;
  readonly acceptSpotCuts: boolean;
}

/** The budget of a stack: its own, or today's release peak when it sets none. */
export function budgetOf(d: Parsed["disruption"], g: Parsed["gateway"]): DisruptionConfig {
  const inputs = {
    connectionsPerPod: d.connectionsPerPod,
    maxReplicas: g.maxReplicas,
    drainSeconds: g.drainSeconds,
  };
  return {
    reconnectsPerSecond: d.reconnectsPerSecond ?? defaultReconnectsPerSecond(inputs),
    derived: d.reconnectsPerSecond === undefined,
    connectionsPerPod: d.connectionsPerPod,
    acceptSpotCuts: d.acceptSpotCuts,
  };
}

/** Rules between the budget and the settings it bounds; each message gives the numbers and a valid fix. */
export function disruptionProblems(p: Partial<Parsed>): string[] {
  const problems: string[] = [];
  const { cluster: c, gateway: g, disruption: d } = p;
  if (c?.mode === "gke" && c.nodePool.spot && d !== undefined && !d.acceptSpotCuts) {
    problems.push(
      `${key(["cluster", "nodePool", "spot"])}: Spot VMs go 30 s after their notice and give gateway pods about ${PLATFORM_LIMITS.spotGraceSeconds} s, not their ${g === undefined ? "" : `${g.preStopSeconds + g.drainSeconds + g.terminationMarginSeconds} s `}drain: every client of the node is cut at once (got true). ` +
        `Fix: remove the key (it defaults to false), or set ws-gateway:disruption.acceptSpotCuts to true if those cuts are acceptable.`,
    );
  }
  if (g === undefined) return problems;
  const grace = g.preStopSeconds + g.drainSeconds + g.terminationMarginSeconds;
  const upgradeDrain = maxDrainForUpgrade(g.preStopSeconds, g.terminationMarginSeconds);
  if (c?.mode === "gke" && grace > PLATFORM_LIMITS.nodeUpgradeMaxGraceSeconds) {
    problems.push(
      `${key(["gateway", "drainSeconds"])}: a GKE node upgrade honours a pod's grace period for at most ${PLATFORM_LIMITS.nodeUpgradeMaxGraceSeconds} s, then evicts by force; preStop ${g.preStopSeconds} + drain ${g.drainSeconds} + margin ${g.terminationMarginSeconds} = ${grace} s would cut the clients still on a pod at once (got ${g.drainSeconds}). ` +
        `Fix: set gateway.drainSeconds to ${upgradeDrain} or less.`,
    );
  }
  if (d === undefined || d.reconnectsPerSecond === undefined) return problems;
  const budget = d.reconnectsPerSecond;
  const inputs = {
    reconnectsPerSecond: budget,
    connectionsPerPod: d.connectionsPerPod,
    maxReplicas: g.maxReplicas,
    drainSeconds: g.drainSeconds,
  };
  const peak = releasePeak(inputs);
  if (peak > budget) {
    const drainCap = c?.mode === "gke" ? Math.min(upgradeDrain, MAX_DRAIN_SECONDS) : MAX_DRAIN_SECONDS;
    const drain = Math.max(LIMITS.minDrainSeconds, drainSecondsFor(inputs));
    const replicas = maxReplicasFor(inputs);
    const wst = p.ingress?.workerShutdownTimeout ?? DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS;
    const nginx =
      p.ingress?.controller === "install" && drain > wst
        ? ` with ws-gateway:ingress.workerShutdownTimeout set to at least "${drain}s"`
        : "";
    const fix =
      drain <= drainCap
        ? `set ws-gateway:gateway.drainSeconds to ${drain}${nginx}`
        : replicas > g.minReplicas
          ? `lower ws-gateway:gateway.maxReplicas to ${replicas}, or raise disruption.reconnectsPerSecond to ${Math.ceil(peak)}`
          : `raise disruption.reconnectsPerSecond to ${Math.ceil(peak)}, or lower disruption.connectionsPerPod`;
    problems.push(
      `${key(["disruption", "reconnectsPerSecond"])}: a release retires up to gateway.maxReplicas ${g.maxReplicas} pods × ${d.connectionsPerPod} connections over gateway.drainSeconds ${g.drainSeconds} s = ${showRate(peak)} reconnects/s, above the budget (got ${budget}). Fix: ${fix}.`,
    );
    return problems;
  }
  if (scaleDownPace(inputs) === undefined) {
    problems.push(
      `${key(["disruption", "reconnectsPerSecond"])}: one gateway pod closes ${d.connectionsPerPod} connections over ${g.drainSeconds} s, and the slowest HPA scale-down Kubernetes allows (1 pod per ${PLATFORM_LIMITS.maxHpaPeriodSeconds} s) still drains ${Math.ceil(g.drainSeconds / PLATFORM_LIMITS.maxHpaPeriodSeconds)} pods at once: ${showRate((Math.ceil(g.drainSeconds / PLATFORM_LIMITS.maxHpaPeriodSeconds) * d.connectionsPerPod) / g.drainSeconds)} reconnects/s, above the budget (got ${budget}). ` +
        `Fix: raise disruption.reconnectsPerSecond to ${Math.ceil((Math.ceil(g.drainSeconds / PLATFORM_LIMITS.maxHpaPeriodSeconds) * d.connectionsPerPod) / g.drainSeconds)}.`,
    );
  }
  return problems;
}
