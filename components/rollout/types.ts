/**
 * Interfaces of the rollout engine. The engine is pure: it talks to the world
 * only through these, so the same engine runs inside `pulumi up` (Kubernetes
 * router) and in the rehearsal (local nginx router), and under a fake clock in
 * tests.
 */

/** One step of the weight schedule, parsed at the config boundary. */
export interface RolloutStep {
  /** Canary weight in percent, 1..100. */
  readonly weight: number;
  /** How long to hold this weight while gates run; 0 for the last step. */
  readonly pauseSeconds: number;
}

/** Where the canary weight lives (an Ingress annotation, or a local balancer). */
export interface TrafficRouter {
  /** Current canary weight, 0..100 (0 when never set). */
  getCanaryWeight(): Promise<number>;
  /** Sets the canary weight; resolves once the router has accepted it. */
  setCanaryWeight(weight: number): Promise<void>;
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
  /** Called once when a step begins (e.g. to snapshot restart counts). */
  beginStep?(ctx: GateContext): Promise<void>;
  check(ctx: GateContext): Promise<GateResult>;
}
