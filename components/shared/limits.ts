/**
 * Thresholds the policy pack enforces by default and the stack config
 * validates first, defined once. The pack's knobs take their defaults from
 * here (policies/config.ts); config validation (infra/config) rejects a value
 * beyond them with the same number, so a config that validates never fails a
 * mandatory rule at its defaults.
 */
export const LIMITS = {
  /** Fewest seconds a gateway spreads its connections' closing over: clients take up to five minutes to come back. */
  minDrainSeconds: 300,
  /** Fewest seconds a preStop sleep lasts so endpoint removal propagates before SIGTERM. */
  minPreStopSeconds: 5,
  /** Fewest seconds between the end of the drain and SIGKILL. */
  minTerminationMarginSeconds: 5,
  /** Fewest gateway pods per version on a regional cluster (one per zone). */
  minGatewayReplicas: 3,
  /** Fewest ingress-nginx controller pods on a regional cluster (one per zone). */
  minControllerReplicas: 3,
  /** Shortest pause after a rollout step other than the last, so gates see real traffic. */
  minPauseSeconds: 60,
  /** Longest sum of rollout pauses in one update (the previous version stays frozen meanwhile). */
  maxScheduleSeconds: 7200,
  /** Shortest ingress-nginx proxy read/send timeout for WebSocket routes. */
  minProxyTimeoutSeconds: 3600,
} as const;

export type Limits = { readonly [K in keyof typeof LIMITS]: number };

/** Stacks whose GKE cluster keeps deletion protection on (the pack's protectedStacks default). */
export const PROTECTED_STACKS: readonly string[] = ["prod"];
