/**
 * The reconnect budget, written once: how many reconnects per second the
 * backend absorbs, and what each cause of a gateway pod's termination costs
 * against it. Config validation, the program (HPA pacing), the policy pack
 * and the planner all call these functions; none of them does its own sums
 * (docs/disruption-budget.md).
 *
 * The model. A pod that terminates with the drain contract closes its
 * connections spread evenly over `drainSeconds`, so `n` pods terminating
 * together cost `n × connectionsPerPod / drainSeconds` reconnects per second
 * for `drainSeconds`. A pod cut without its drain (SIGKILL, a node removed)
 * costs all its connections within about a second.
 */

/** Limits of the platform the budget depends on (docs/facts.md F59-F62). */
export const PLATFORM_LIMITS = {
  /** GKE's cluster autoscaler gives a pod at most this grace on a scale-down, then removes the node. */
  clusterAutoscalerMaxGraceSeconds: 600,
  /** GKE node upgrades honour PDBs and grace periods for up to one hour, then evict by force. */
  nodeUpgradeMaxGraceSeconds: 3600,
  /** A Spot or preemptible node goes 30 s after its notice; non-system pods get about 15 s of it. */
  spotGraceSeconds: 15,
  /** Largest HPA `behavior.scaleDown.policies[].periodSeconds` Kubernetes accepts. */
  maxHpaPeriodSeconds: 1800,
  /** Largest HPA stabilization window Kubernetes accepts. */
  maxHpaStabilizationSeconds: 3600,
} as const;

/** Defaults of the disruption settings, defined once (the config schema uses them). */
export const DISRUPTION_DEFAULTS = {
  /** Connections one gateway pod is expected to hold at its HPA target. */
  connectionsPerPod: 5000,
  /** Spot or preemptible capacity for gateway pods is refused unless the stack accepts its cuts. */
  acceptSpotCuts: false,
} as const;

/** Cluster autoscaler annotation: "false" keeps the pod's node out of every scale-down (F59). */
export const ANNOTATION_SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";
/** Marks pods and node pools of a stack that accepts Spot cuts (disruption.acceptSpotCuts). */
export const ANNOTATION_ACCEPT_SPOT_CUTS = "ws-gateway.io/accept-spot-cuts";
/**
 * The budget, written on each gateway Deployment (its metadata, not the pod
 * template, so it never rolls a pod): the policy pack checks the HPA's pace
 * against the stack's own number.
 */
export const ANNOTATION_RECONNECTS_PER_SECOND = "ws-gateway.io/reconnects-per-second";
export const ANNOTATION_CONNECTIONS_PER_POD = "ws-gateway.io/connections-per-pod";
/** Node labels GKE puts on Spot and preemptible nodes (and the taints such pools may carry). */
export const SPOT_NODE_LABELS: readonly string[] = [
  "cloud.google.com/gke-spot",
  "cloud.google.com/gke-preemptible",
];

/** The gateway's PriorityClass: above every pod without a class (0), below the system classes (2e9). */
export const GATEWAY_PRIORITY_CLASS = {
  name: "ws-gateway",
  value: 1_000_000,
  /** Gateway pods may preempt lower-priority pods to schedule (a scale-up under load never waits on batch work). */
  preemptionPolicy: "PreemptLowerPriority",
} as const;

/** HPA scale-down defaults the budget starts from: one pod per 10 minutes, an hour's stabilization. */
export const SCALE_DOWN_DEFAULTS = {
  pods: 1,
  periodSeconds: 600,
  stabilizationSeconds: PLATFORM_LIMITS.maxHpaStabilizationSeconds,
} as const;

/** What the budget reads about a stack. */
export interface BudgetInputs {
  /** Reconnects per second the backend absorbs. */
  readonly reconnectsPerSecond: number;
  readonly connectionsPerPod: number;
  /** Most pods of one version (HPA maxReplicas): a release retires up to this many at once. */
  readonly maxReplicas: number;
  readonly drainSeconds: number;
}

/** Reconnects per second while `pods` pods drain together. */
export function drainRate(pods: number, connectionsPerPod: number, drainSeconds: number): number {
  return (pods * connectionsPerPod) / drainSeconds;
}

/** A release retires every pod of the previous version at once: its peak. */
export function releasePeak(i: Omit<BudgetInputs, "reconnectsPerSecond">): number {
  return drainRate(i.maxReplicas, i.connectionsPerPod, i.drainSeconds);
}

/**
 * The budget a stack gets when it sets none: today's release peak (the most
 * pods a version may run, closing over its drain), rounded up, so a stack
 * that predates the setting keeps exactly its behaviour.
 */
export function defaultReconnectsPerSecond(i: Omit<BudgetInputs, "reconnectsPerSecond">): number {
  return Math.ceil(releasePeak(i));
}

/** The shortest drain that keeps a release of `maxReplicas` pods within the budget. */
export function drainSecondsFor(i: Omit<BudgetInputs, "drainSeconds">): number {
  return Math.ceil((i.maxReplicas * i.connectionsPerPod) / i.reconnectsPerSecond);
}

/** The most pods of one version a release may retire within the budget at this drain. */
export function maxReplicasFor(i: Omit<BudgetInputs, "maxReplicas">): number {
  return Math.floor((i.reconnectsPerSecond * i.drainSeconds) / i.connectionsPerPod);
}

/**
 * Peak of an HPA scale-down that removes `pods` every `periodSeconds`: the
 * removals of ceil(drain / period) periods drain at the same time.
 */
export function scaleDownPeak(
  pods: number,
  periodSeconds: number,
  connectionsPerPod: number,
  drainSeconds: number,
): number {
  if (pods <= 0) return 0;
  const overlapping = Math.ceil(drainSeconds / periodSeconds);
  return drainRate(pods * overlapping, connectionsPerPod, drainSeconds);
}

export interface ScaleDownPace {
  readonly pods: number;
  readonly periodSeconds: number;
  readonly stabilizationSeconds: number;
  /** Reconnects per second at that pace. */
  readonly peak: number;
}

/**
 * The HPA scale-down pace for a budget: one pod per period, the period the
 * default or longer, as long as the budget needs (capped at Kubernetes'
 * largest period). Undefined when even one pod per longest period exceeds it.
 */
export function scaleDownPace(i: Omit<BudgetInputs, "maxReplicas">): ScaleDownPace | undefined {
  const pods = SCALE_DOWN_DEFAULTS.pods;
  const overlapping = Math.floor((i.reconnectsPerSecond * i.drainSeconds) / (pods * i.connectionsPerPod));
  if (overlapping < 1) return undefined;
  const needed = Math.ceil(i.drainSeconds / overlapping);
  const periodSeconds = Math.max(SCALE_DOWN_DEFAULTS.periodSeconds, needed);
  if (periodSeconds > PLATFORM_LIMITS.maxHpaPeriodSeconds) return undefined;
  return {
    pods,
    periodSeconds,
    stabilizationSeconds: SCALE_DOWN_DEFAULTS.stabilizationSeconds,
    peak: scaleDownPeak(pods, periodSeconds, i.connectionsPerPod, i.drainSeconds),
  };
}

/** Pods of a version a blue-green batch drains at once: its share of the nodes' pods, at least one. */
export function upgradeBatchPods(batchPercentage: number, maxReplicas: number): number {
  return Math.max(1, Math.ceil(batchPercentage * maxReplicas));
}

/** Peak of a blue-green node upgrade draining one batch at a time (each batch soaks a full grace). */
export function nodeUpgradePeak(
  batchPercentage: number,
  i: Omit<BudgetInputs, "reconnectsPerSecond">,
): number {
  return drainRate(upgradeBatchPods(batchPercentage, i.maxReplicas), i.connectionsPerPod, i.drainSeconds);
}

/** Connections cut within about a second when the pods of a node go without their drain (Spot). */
export function spotCut(podsOnNode: number, connectionsPerPod: number): number {
  return podsOnNode * connectionsPerPod;
}

/** The longest drain whose grace period (preStop + drain + margin) a GKE node upgrade still honours. */
export function maxDrainForUpgrade(preStopSeconds: number, terminationMarginSeconds: number): number {
  return PLATFORM_LIMITS.nodeUpgradeMaxGraceSeconds - preStopSeconds - terminationMarginSeconds;
}

/** Reconnects per second shown in a message: at most two decimals. */
export function showRate(perSecond: number): string {
  return String(Math.round(perSecond * 100) / 100);
}
