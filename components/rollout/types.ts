/**
 * Interfaces of the rollout engine. The engine is pure: it talks to the world
 * only through these, so the same engine runs inside `pulumi up` (Kubernetes
 * router) and in the rehearsal (local nginx router), and under a fake clock in
 * tests.
 */
import type { Steering } from "./steering";

/** One step of the weight schedule, parsed at the config boundary. */
export interface RolloutStep {
  /** Canary weight in percent, 1..100. */
  readonly weight: number;
  /** How long to hold this weight while gates run; 0 for the last step. */
  readonly pauseSeconds: number;
}

/**
 * Where the canary weight lives (an Ingress annotation, or a local balancer).
 *
 * Errors: a router throws plain Errors. One that marks itself with the fields
 * of ApiFailure (./apiError: `apiFailure: true`, `transient`, ...) is an API
 * failure: the engine retries it when transient and reports it as the API's,
 * never as a gate's. Anything else fails the call at once.
 */
export interface TrafficRouter {
  /** Current canary weight, 0..100 (0 when never set). */
  getCanaryWeight(budget?: CallBudget): Promise<number>;
  /**
   * Sets the canary weight; resolves once the router has accepted it. A
   * router that keeps an exposure record (see readExposure) raises it in the
   * same write, so the record never lags the weight.
   */
  setCanaryWeight(weight: number, budget?: CallBudget): Promise<void>;
  /** Where the weight lives, so a message can say how to set it by hand. */
  readonly canaryIngress?: CanaryIngressRef;
  /**
   * The exposure record of the canary version, kept on the cluster: the
   * highest weight it was ever given since its record began (a new version
   * starts at 0; a drain puts it back to 0). Read by every later update, so
   * one that follows a kept abort, a failed drain or a killed update still
   * knows clients may be on the version. Absent: the router keeps no record.
   */
  readExposure?(budget?: CallBudget): Promise<number>;
  /** After a successful drain: the version's clients moved to stable, its record back to 0. */
  recordDrained?(budget?: CallBudget): Promise<void>;
}

/** What is left of a call's budget: a router gives up on the attempt by then. */
export interface CallBudget {
  readonly timeoutMs: number;
}

/**
 * Moves the connections already on the canary version to the stable one, once
 * each (rollout.onAbort: drain). Called by the engine after an abort, once the
 * canary weight is confirmed at 0, so every client that reconnects lands on
 * the stable version.
 */
export interface CanaryDrainer {
  /**
   * Starts draining every pod of the canary version through the drain
   * contract (the Kubernetes router deletes them: each pod's SIGTERM handler
   * closes its connections spread over DRAIN_SECONDS). Resolves once the
   * drain has started, not when it ends; returns the pods asked to drain.
   */
  drainCanary(): Promise<readonly string[]>;
  /** A command an operator can run to do the same by hand, for messages when draining fails. */
  readonly drainCommand?: string;
}

/** Prometheus text exposition of each canary pod, for the abnormal-close gate. */
export interface CanaryMetricsSource {
  /** One entry per canary pod: its name and its metrics page as text. */
  scrapeCanaryMetrics(): Promise<readonly { readonly pod: string; readonly text: string }[]>;
}

/** State of one canary pod, as the pods-ready gate sees it. */
export interface CanaryPod {
  readonly name: string;
  readonly ready: boolean;
  /** Sum of restartCount over the pod's containers. */
  readonly restarts: number;
  /**
   * When the pod was created, in epoch milliseconds (Kubernetes
   * metadata.creationTimestamp). Lets the pods-ready gate give a pod that
   * joined mid-step (e.g. an HPA scale-up) time to become Ready. Optional:
   * a source that does not know it gives no pod that allowance.
   */
  readonly createdAtMs?: number;
}

/** Reads the canary version's pods. */
export interface CanaryPodSource {
  listCanaryPods(): Promise<readonly CanaryPod[]>;
}

/** The permanent canary Ingress, so messages can name it. */
export interface CanaryIngressRef {
  readonly namespace: string;
  readonly name: string;
}

/** Reads the operator's abort request (see ./abortAnnotation). */
export interface AbortRequestSource {
  /** The request's reason; undefined when there is no request, "" when it gives no reason. */
  getAbortRequest(): Promise<string | undefined>;
  /** Where the request lives, so a failure can say how to remove it. */
  readonly canaryIngress?: CanaryIngressRef;
}

/** Where the engine reads the operator's pause and promote requests (./steering). */
export interface SteeringSource {
  getSteering(budget?: CallBudget): Promise<Steering>;
  /** Where the requests live, so messages can give the commands. */
  readonly canaryIngress?: CanaryIngressRef;
}

/** Time source; tests use a fake one that advances instantly. */
export interface Clock {
  /** Milliseconds since an arbitrary epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Progress output, one plain line per event. */
export interface Logger {
  info(line: string): void;
  warn(line: string): void;
}

/** What a gate is told when it runs. */
export interface GateContext {
  /** 1-based index of the current step. */
  readonly step: number;
  readonly stepCount: number;
  readonly weight: number;
}

/** Outcome of one gate evaluation. */
export interface GateResult {
  readonly ok: boolean;
  /** The value measured, in words a person can read, e.g. "2 restarts" or "timeout after 5s". */
  readonly measured: string;
  /** The threshold it was compared with, e.g. "0 restarts". */
  readonly threshold: string;
  /**
   * What the operator must do before the next release, when a failure leaves
   * something behind (e.g. the command that removes an abort request).
   * Appended to the failure message.
   */
  readonly fix?: string;
}

/** A check run repeatedly during every pause; any failure aborts the rollout. */
export interface Gate {
  /** Short kebab-case name used in messages, e.g. "pods-ready". */
  readonly name: string;
  /** Called once when a step begins (e.g. to snapshot restart counts, or to open probe connections). */
  beginStep?(ctx: GateContext): Promise<void>;
  check(ctx: GateContext): Promise<GateResult>;
  /** Called once when the rollout ends, whatever the outcome (e.g. to close probe connections). Must not throw. */
  end?(): Promise<void>;
}

/** The named phases of a rollout, in the order they can happen. */
export type RolloutPhase =
  /** The canary weight is set to 0 before the first step (skipped when resuming a held release). */
  | "reset"
  /** Before the first weight above 0: the canary route answers with the canary version. */
  | "route"
  /** A step's weight is set and its gates begin. */
  | "step"
  /** The step's pause: gate rounds every interval. */
  | "pause"
  /** The schedule reached 100. */
  | "promote"
  /** The schedule ended below 100. */
  | "hold"
  /** A gate failed, the API failed for good, or the rollout was interrupted: weight back to 0. */
  | "abort"
  /** After an abort with rollout.onAbort drain: the canary's connections are moved to stable. */
  | "drain";

/**
 * Everything the engine does, as it happens. The rehearsal and the provider
 * read progress from these rather than from log text. `atMs` counts from the
 * start of the rollout on its clock.
 */
export type RolloutEvent =
  | {
      readonly atMs: number;
      readonly kind: "phase";
      readonly phase: RolloutPhase;
      /** 1-based step, 0 before the first step; absent for reset. */
      readonly step?: number;
      readonly stepCount: number;
      /** The weight the phase is about (the step's weight; 0 for reset, abort and drain). */
      readonly weight?: number;
      /** Aborts: the gate (or "kubernetes-api", "interrupted") and the full message. */
      readonly gate?: string;
      readonly message?: string;
      /** Drain: the pods asked to drain. */
      readonly pods?: readonly string[];
    }
  | { readonly atMs: number; readonly kind: "set-weight"; readonly weight: number }
  | {
      readonly atMs: number;
      readonly kind: "gates";
      readonly step: number;
      readonly ok: boolean;
      readonly failed?: string;
    }
  | {
      readonly atMs: number;
      readonly kind: "steer";
      /** pause: held past the step's pause; resume: the hold ended; promote: remaining steps skipped. */
      readonly action: "pause" | "resume" | "promote";
      readonly step: number;
      /** The pause reason or the version the promote request named. */
      readonly detail?: string;
    }
  | {
      readonly atMs: number;
      readonly kind: "retry";
      /** What was retried, e.g. "set the canary weight to 25%". */
      readonly operation: string;
      /** The attempt that failed (1-based) and how long until the next one. */
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: string;
    };

/** Callback for RolloutEvents; must not throw (an exception is logged and ignored). */
export type RolloutEventHook = (event: RolloutEvent) => void;
