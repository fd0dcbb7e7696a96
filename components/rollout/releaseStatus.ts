/**
 * A release seen from another terminal: while the engine runs it keeps a
 * status annotation on the canary Ingress (`ws-gateway.io/status`, JSON:
 * version, phase, step, weight, last gate round, pause or promote, time left)
 * and posts a Kubernetes Event on the Ingress at every phase change, so
 * `kubectl describe ingress ws-gateway-canary` and `npm run status` show
 * where a release is, whoever runs it. At the end the status is finalised
 * with the outcome (it stays, like Argo Rollouts' status, until the next
 * release overwrites it).
 *
 * Best effort: a write that fails is said once and never fails the release
 * (the weight and the gates do not depend on it). Writes go one at a time,
 * throttled to one status write per STATUS_MIN_INTERVAL_MS between phase
 * changes.
 *
 * Events (core/v1 Event, POST /api/v1/namespaces/{ns}/events):
 * https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/
 */
import { APP_NAME } from "../names";
import { errorText, isApiError } from "./apiError";
import type { CanaryIngressRef, Logger, RolloutEvent, RolloutStep } from "./types";

export const ANNOTATION_STATUS = `${APP_NAME}.io/status`;
/** The component Events name as their source. */
export const EVENT_SOURCE = `${APP_NAME}-rollout`;
/** Between phase changes, the status is written at most this often. */
export const STATUS_MIN_INTERVAL_MS = 5_000;
/** Events waiting to be posted beyond this are dropped (an API that stopped answering). */
const MAX_PENDING_EVENTS = 20;
/** How long the end of an update waits for the last status write. */
const FINISH_WAIT_MS = 15_000;

export type ReleaseState = "running" | "paused" | "promoted" | "held" | "aborted";

/** The JSON of the status annotation. */
export interface ReleaseStatus {
  readonly version: string;
  readonly state: ReleaseState;
  readonly phase: string;
  /** 1-based step, 0 before the first. */
  readonly step: number;
  readonly stepCount: number;
  readonly weight: number;
  /** The last gate round: "ok", or "failed: GATE". */
  readonly gates?: string;
  /** The pause reason while held by a pause request. */
  readonly paused?: string;
  /** Scheduled seconds left (pauses of this and later steps); absent once ended or while paused. */
  readonly timeLeftSeconds?: number;
  /** The outcome's message (aborts). */
  readonly message?: string;
  readonly startedAt: string;
  readonly updatedAt: string;
}

export interface ReleaseEvent {
  readonly type: "Normal" | "Warning";
  /** UpperCamelCase, e.g. ReleaseStep. */
  readonly reason: string;
  readonly message: string;
}

/** Where the recorder writes: the canary Ingress's status annotation and its Events. */
export interface StatusSink {
  readonly canaryIngress: CanaryIngressRef;
  writeStatus(status: ReleaseStatus): Promise<void>;
  postEvent(event: ReleaseEvent): Promise<void>;
}

/** The core/v1 Event body for `event` about the canary Ingress. */
export function eventBody(ingress: CanaryIngressRef, event: ReleaseEvent, nowMs: number): unknown {
  const at = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { generateName: `${ingress.name}.`, namespace: ingress.namespace },
    involvedObject: {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      name: ingress.name,
      namespace: ingress.namespace,
    },
    type: event.type,
    reason: event.reason,
    message: event.message,
    source: { component: EVENT_SOURCE },
    reportingComponent: EVENT_SOURCE,
    reportingInstance: EVENT_SOURCE,
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
}

/** Scheduled seconds left at `step` (1-based) after `inStepSeconds` of it. */
export function timeLeft(steps: readonly RolloutStep[], step: number, inStepSeconds: number): number {
  const from = Math.max(step, 1) - 1;
  const total = steps.slice(from).reduce((sum, s) => sum + s.pauseSeconds, 0);
  return Math.max(0, Math.round(total - (step >= 1 ? inStepSeconds : 0)));
}

/** Turns engine events into status writes and Events; see the module comment. */
export class ReleaseRecorder {
  // Every field is assigned in the constructor: the closure serializer that
  // ships this class to Pulumi's provider host drops class field initializers.
  private status: ReleaseStatus;
  private chain: Promise<void>;
  private lastWriteMs: number;
  private stepStartMs: number;
  private failedOnce: boolean;
  private pendingStatus: ReleaseStatus | undefined;
  private pendingEvents: number;

  constructor(
    private readonly sink: StatusSink,
    version: string,
    private readonly steps: readonly RolloutStep[],
    private readonly logger: Logger,
    private readonly now: () => number = () => Date.now(),
  ) {
    const at = new Date(this.now()).toISOString();
    this.chain = Promise.resolve();
    this.lastWriteMs = -Infinity;
    this.failedOnce = false;
    this.pendingStatus = undefined;
    this.pendingEvents = 0;
    this.stepStartMs = this.now();
    this.status = {
      version,
      state: "running",
      phase: "start",
      step: 0,
      stepCount: steps.length,
      weight: 0,
      timeLeftSeconds: timeLeft(steps, 1, 0),
      startedAt: at,
      updatedAt: at,
    };
    this.write(true);
    this.post({
      type: "Normal",
      reason: "ReleaseStarted",
      message: `release of ${version} started: ${steps.map((s) => `${s.weight}%`).join(" -> ")}`,
    });
  }

  /** The engine's event hook (RolloutOptions.onEvent). */
  onEvent(event: RolloutEvent): void {
    const s = this.status;
    switch (event.kind) {
      case "phase": {
        const step = event.step ?? s.step;
        if (step !== s.step) this.stepStartMs = this.now();
        this.update({ phase: event.phase, step, weight: event.weight ?? s.weight });
        this.write(true);
        const text = phaseText(event, this.status);
        if (text !== undefined) this.post(text);
        return;
      }
      case "set-weight":
        this.update({ weight: event.weight });
        this.write(true);
        return;
      case "gates":
        this.update({ gates: event.ok ? "ok" : `failed: ${event.failed ?? "?"}` });
        this.write(false);
        return;
      case "steer":
        if (event.action === "pause") {
          this.update({ state: "paused", paused: event.detail ?? "" });
          this.post({
            type: "Normal",
            reason: "ReleasePaused",
            message: `held at ${s.weight}% by a pause request${event.detail ? `: ${event.detail}` : ""}`,
          });
        } else if (event.action === "resume") {
          this.update({ state: "running", paused: undefined });
          this.post({
            type: "Normal",
            reason: "ReleaseResumed",
            message: `pause request removed at step ${event.step}/${s.stepCount}`,
          });
        } else {
          this.update({ state: "running", paused: undefined });
          this.post({
            type: "Normal",
            reason: "ReleasePromoteRequested",
            message: `promote requested (${event.detail ?? ""}) at step ${event.step}/${s.stepCount}: skipping to the last step`,
          });
        }
        this.write(true);
        return;
      case "retry":
        return;
    }
  }

  /** Finalises the status with the outcome and waits for every write. */
  async finish(outcome: { kind: "promoted" | "held" | "aborted"; message?: string }): Promise<void> {
    this.update({
      state: outcome.kind,
      paused: undefined,
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
    });
    this.write(true);
    if (outcome.kind === "aborted") {
      this.post({ type: "Warning", reason: "ReleaseAborted", message: outcome.message ?? "aborted" });
    }
    // Bounded: a hanging API must not hold the update's end (the status is best effort).
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), FINISH_WAIT_MS);
    });
    const done = await Promise.race([this.chain.then(() => "done" as const), bound]);
    clearTimeout(timer);
    if (done === "late") {
      this.logger.warn(
        `the release status on ${this.sink.canaryIngress.namespace}/${this.sink.canaryIngress.name} was not finalised within ${FINISH_WAIT_MS / 1000}s; it may still say "${this.status.state}" from an earlier write`,
      );
    }
  }

  private update(change: { readonly [K in keyof ReleaseStatus]?: ReleaseStatus[K] | undefined }): void {
    const merged: Record<string, unknown> = {
      ...this.status,
      ...change,
      updatedAt: new Date(this.now()).toISOString(),
    };
    delete merged.timeLeftSeconds;
    if (merged.state === "running") {
      merged.timeLeftSeconds = timeLeft(
        this.steps,
        Number(merged.step),
        (this.now() - this.stepStartMs) / 1000,
      );
    }
    for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
    this.status = merged as unknown as ReleaseStatus;
  }

  private write(force: boolean): void {
    const nowMs = this.now();
    if (!force && nowMs - this.lastWriteMs < STATUS_MIN_INTERVAL_MS) return;
    this.lastWriteMs = nowMs;
    // Coalesced: while a write is queued, later ones only replace what it will write.
    const queued = this.pendingStatus !== undefined;
    this.pendingStatus = this.status;
    if (queued) return;
    this.enqueue(async () => {
      const status = this.pendingStatus;
      this.pendingStatus = undefined;
      if (status !== undefined) await this.sink.writeStatus(status);
    }, "writing the release status");
  }

  private post(event: ReleaseEvent): void {
    if (this.pendingEvents >= MAX_PENDING_EVENTS) return;
    this.pendingEvents += 1;
    this.enqueue(async () => {
      this.pendingEvents -= 1;
      await this.sink.postEvent(event);
    }, `posting the ${event.reason} Event`);
  }

  private enqueue(work: () => Promise<void>, what: string): void {
    this.chain = this.chain.then(work).catch((error: unknown) => {
      if (this.failedOnce) return;
      this.failedOnce = true;
      const text = isApiError(error) ? error.summary : errorText(error);
      this.logger.warn(
        `${what} on ${this.sink.canaryIngress.namespace}/${this.sink.canaryIngress.name} failed (the release goes on; later status writes are not reported): ${text}`,
      );
    });
  }
}

function phaseText(
  event: Extract<RolloutEvent, { kind: "phase" }>,
  s: ReleaseStatus,
): ReleaseEvent | undefined {
  const at = `step ${s.step}/${s.stepCount}`;
  switch (event.phase) {
    case "step":
      return { type: "Normal", reason: "ReleaseStep", message: `${at}: canary weight ${s.weight}%` };
    case "promote":
      return {
        type: "Normal",
        reason: "ReleasePromoted",
        message: `canary weight 100%: ${s.version} ready to promote`,
      };
    case "hold":
      return {
        type: "Normal",
        reason: "ReleaseHeld",
        message: `schedule ends at ${s.weight}%: holding ${s.version} there`,
      };
    case "abort":
      return {
        type: "Warning",
        reason: "ReleaseAborting",
        message: `${at}: ${event.gate ?? "abort"}: canary weight back to 0`,
      };
    case "drain":
      return event.pods === undefined
        ? undefined
        : {
            type: "Normal",
            reason: "ReleaseDrained",
            message: `${event.pods.length} pod(s) of ${s.version} asked to drain`,
          };
    default:
      return undefined;
  }
}
