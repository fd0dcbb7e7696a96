/** What a rollout is given and what it returns. */
import { type OnAbort } from "../defaults";
import type {
  CanaryDrainer,
  Clock,
  Gate,
  Logger,
  RolloutEvent,
  RolloutEventHook,
  RolloutStep,
  SteeringSource,
  TrafficRouter,
} from "../types";

/** Budgets of the engine's API calls (rollout.api). */
export interface ApiRetryOptions {
  /** Per call: how long transient failures are retried. @default DEFAULT_API_RETRY_BUDGET_SECONDS (2m) */
  readonly retryBudgetSeconds?: number;
  /** After an abort: how long setting the weight to 0 is retried. @default DEFAULT_API_ABORT_BUDGET_SECONDS (10m) */
  readonly abortBudgetSeconds?: number;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export interface RolloutOptions {
  readonly steps: readonly RolloutStep[];
  readonly gates: readonly Gate[];
  readonly router: TrafficRouter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Seconds between gate rounds during a pause. @default DEFAULT_GATE_INTERVAL_SECONDS (15) */
  readonly gateIntervalSeconds?: number;
  /** Weight already in place for this same canary version (continuing a held release): steps at or below it are skipped and the weight is not reset. When undefined the weight is set to 0 first. */
  readonly resumeFromWeight?: number;
  /** Aborting (e.g. Ctrl-C) sets the weight to 0 and ends with outcome aborted, gate "interrupted". */
  readonly signal?: AbortSignal;
  /** Told of every phase, weight change, gate round and retry as it happens. */
  readonly onEvent?: RolloutEventHook;
  readonly api?: ApiRetryOptions;
  /** What an abort does to the clients already on the canary. @default DEFAULT_ON_ABORT ("drain"); needs `drainer` */
  readonly onAbort?: OnAbort;
  /**
   * Checked once, before the first weight above 0: the canary route answers
   * with the canary version (gates.buildRouteCheck). Its failure aborts before
   * any client is moved. Without one the first step begins at once.
   */
  readonly routeCheck?: Gate;
  /** Drains the canary after an abort (rollout.onAbort drain). Without one, an abort only sets the weight to 0. */
  readonly drainer?: CanaryDrainer;
  /**
   * The operator's pause and promote requests (../steering), read after every
   * passing gate round. Without one the schedule runs as written.
   */
  readonly steering?: SteeringSource;
  /**
   * With resumeFromWeight: run the gates once at that weight before the next
   * step (resuming a weight an unfinished update left, ../resume). @default false
   */
  readonly verifyResumedWeight?: boolean;
  /** The version being released: a promote request counts only when it names it. */
  readonly canaryVersion?: string;
}

/** The subset of events kept as the result's `actions` (weights set and gate rounds). */
export type RolloutAction = Extract<RolloutEvent, { kind: "set-weight" | "gates" }>;

export type RolloutOutcome =
  | { readonly kind: "promoted" }
  | { readonly kind: "held"; readonly weight: number }
  | {
      readonly kind: "aborted";
      /** 1-based step, 0 before the first step. */
      readonly step: number;
      /** The failed gate, or API_GATE, ROUTER_GATE, INTERRUPTED_GATE. */
      readonly gate: string;
      readonly measured: string;
      readonly threshold: string;
      /** What to do before the next release, when the gate said (see GateResult.fix). */
      readonly fix?: string;
      readonly message: string;
      /** False when the weight could not be set back to 0 within the abort budget. */
      readonly weightReset: boolean;
      /** With rollout.onAbort drain: the canary pods asked to drain (absent when no drain ran). */
      readonly drained?: readonly string[];
    };

export interface RolloutResult {
  readonly outcome: RolloutOutcome;
  readonly actions: readonly RolloutAction[];
  readonly events: readonly RolloutEvent[];
}

/** Gate rounds are logged at most this often (plus the first and last of a pause) so output stays readable. */
export const GATE_LOG_EVERY_MS = 60_000;

/** Gate name reported when the rollout is interrupted through its AbortSignal. */
export const INTERRUPTED_GATE = "interrupted";
/** Gate name reported when a Kubernetes API call (a weight write or a gate's read) fails for good. */
export const API_GATE = "kubernetes-api";
/** Gate name reported when a router that is not an API client fails to set the weight. */
export const ROUTER_GATE = "router";
