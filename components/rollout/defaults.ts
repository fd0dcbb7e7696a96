/**
 * Every default of the rollout engine, its gates and its Kubernetes calls, in
 * one place. Stack config (infra/config.ts), the engine, the gates, the
 * dynamic providers, the rehearsal and the docs import these; none of them
 * restates a number.
 */

/** Gate rounds run this often during a pause (rollout.gates.interval). */
export const DEFAULT_GATE_INTERVAL_SECONDS = 15;

/** A canary pod that joins during a step may take this long to become Ready (rollout.gates.podStartup). */
export const DEFAULT_POD_STARTUP_SECONDS = 120;

/** The handshake gate waits this long for the upgrade and for the reply (rollout.gates.handshake.timeout). */
export const DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 5;

/** What the handshake and survival probes send; the gateway must answer it (rollout.gates.handshake.message). */
export const DEFAULT_PROBE_MESSAGE = "ping";

/** Prometheus queries give up after this long. */
export const DEFAULT_PROMETHEUS_TIMEOUT_SECONDS = 10;

/**
 * Connection-survival probes held open through every pause
 * (rollout.gates.survival.connections; 0 turns the gate off). Ten sockets
 * spread over a canary of 3 pods reach every pod with probability ~95 %, and
 * a version that drops all or most sockets loses several of them.
 */
export const DEFAULT_SURVIVAL_CONNECTIONS = 10;

/**
 * Each survival probe sends the probe message this often and must get any
 * message back within DEFAULT_SURVIVAL_PONG_TIMEOUT_SECONDS
 * (rollout.gates.survival.pingInterval, .pongTimeout). A socket that dies
 * silently (no close frame, e.g. a wedged process) is caught within the sum.
 */
export const DEFAULT_SURVIVAL_PING_INTERVAL_SECONDS = 5;
export const DEFAULT_SURVIVAL_PONG_TIMEOUT_SECONDS = 5;

/**
 * Abnormal-close gate (rollout.gates.abnormalCloses): the canary's abnormal
 * closes plus failed upgrades counted since the step began, from the
 * gateway's own /metrics, may not exceed this many.
 */
export const DEFAULT_MAX_ABNORMAL_CLOSES = 0;

/** Where the gateway serves its Prometheus text metrics. */
export const DEFAULT_METRICS_PATH = "/metrics";

/** One Kubernetes API request gives up after this long (rollout.api.requestTimeout). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 10;

/**
 * A Kubernetes API call that fails transiently (409, 429, 5xx, reset,
 * timeout) is retried with exponential back-off and jitter for up to this
 * long before the failure counts (rollout.api.retryBudget).
 */
export const DEFAULT_API_RETRY_BUDGET_SECONDS = 120;

/**
 * After an abort, setting the weight to 0 is retried for up to this long
 * while the API stays down, whatever the error (rollout.api.abortBudget):
 * clients keep reaching the aborted version until it lands.
 */
export const DEFAULT_API_ABORT_BUDGET_SECONDS = 600;

/** First back-off delay and the cap of the exponential back-off between retries. */
export const RETRY_INITIAL_DELAY_MS = 500;
export const RETRY_MAX_DELAY_MS = 15_000;

/** What an abort does to the connections already on the canary (rollout.onAbort). */
export const ON_ABORT_MODES = ["drain", "keep"] as const;
export type OnAbort = (typeof ON_ABORT_MODES)[number];
export const DEFAULT_ON_ABORT: OnAbort = "drain";

/**
 * Version identity (docs/release-safety.md#version-identity): "required"
 * makes every probe check the version that answered (X-Gateway-Version) and
 * count only the canary's answers; "off" is for gateways that do not name
 * their version, whose probes then prove nothing about which version answered
 * (rollout.gates.versionIdentity).
 */
export const VERSION_IDENTITY_MODES = ["required", "off"] as const;
export type VersionIdentity = (typeof VERSION_IDENTITY_MODES)[number];
export const DEFAULT_VERSION_IDENTITY: VersionIdentity = "required";

/**
 * A probe answered by another version (the controller's backend sync lag, or
 * its fallback to the main backend while the canary has no ready endpoint)
 * is closed and dialled again, every CANARY_REDIAL_DELAY_MS, for up to this
 * long; then the gate fails naming the versions that answered.
 */
export const DEFAULT_CANARY_DIAL_SECONDS = 30;
export const CANARY_REDIAL_DELAY_MS = 1_000;

/**
 * Before the first weight above 0, the engine waits up to this long for the
 * canary route (the canary header) to answer with the canary version, so the
 * first step begins on the canary and not on the controller's sync lag.
 */
export const DEFAULT_CANARY_ROUTE_WAIT_SECONDS = 120;
