/**
 * The rollout gates (docs/how-it-works.md#gates). Each one turns a check into a GateResult whose
 * measured value and threshold read well in the abort message.
 */
import WebSocket from "ws";
import { CANARY_HEADER, CANARY_HEADER_ALWAYS } from "../names";
import { abortClearCommand, ANNOTATION_ABORT } from "./abortAnnotation";
import { formatDuration } from "./engine";
import type { AbortRequestSource, CanaryPod, CanaryPodSource, Gate, GateResult } from "./types";

/** Gate settings as they come from stack config. */
export interface GatesConfig {
  readonly intervalSeconds: number;
  /** How long a pod that joins mid-step may stay not Ready (see podsReadyGate). @default 120 */
  readonly podStartupSeconds?: number;
  readonly handshake?: { readonly url: string; readonly timeoutSeconds: number; readonly message: string };
  readonly prometheus?: {
    readonly url: string;
    readonly query: string;
    readonly threshold: number;
    readonly comparison: "<=" | ">=";
  };
}

export const ABORT_REQUEST_GATE = "abort-request";
export const PODS_READY_GATE = "pods-ready";
export const HANDSHAKE_GATE = "ws-handshake";
export const PROMETHEUS_GATE = "prometheus";

/** Prometheus queries give up after this long unless told otherwise. @default 10 */
const DEFAULT_PROMETHEUS_TIMEOUT_SECONDS = 10;

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Settings of the pods-ready gate. */
export interface PodsReadyOptions {
  /**
   * How long a pod that joined during the step (e.g. an HPA scale-up) may stay
   * not Ready, counted from its creation (image pull included). @default 120
   */
  readonly startupSeconds?: number;
  /** Epoch milliseconds, compared with CanaryPod.createdAtMs. @default Date.now */
  readonly now?: () => number;
}

/** Pods that join mid-step get this long to become Ready unless told otherwise. */
export const DEFAULT_POD_STARTUP_SECONDS = 120;

function ageText(ageMs: number): string {
  // Floored so a pod shown as past the allowance never reads as younger than it; clamped because
  // the API server's clock, which stamps creation, may run slightly ahead of ours.
  return `${formatDuration(Math.floor(Math.max(0, ageMs) / 1000))} old`;
}

/**
 * All canary pods Ready, at least one, and no container restart since the step
 * began. Restarts are compared per pod with a snapshot taken in beginStep; a pod
 * created after the snapshot counts from 0.
 *
 * A pod that joined after the snapshot is "starting" while it is not Ready and
 * younger than the startup allowance: it does not fail the gate, because the
 * canary's HPA may scale up during a long pause and a new pod needs a while to
 * pass its readiness probe. It still fails the gate once it outlives the
 * allowance unready, and on any restart. A pod that joined during an earlier
 * step and has never been seen Ready keeps that status into the next step, so
 * a scale-up just before a step ends is not failed by the next step's first
 * round. A pod whose creation time is unknown gets no allowance.
 */
export function podsReadyGate(source: CanaryPodSource, options: PodsReadyOptions = {}): Gate {
  const startupSeconds = options.startupSeconds ?? DEFAULT_POD_STARTUP_SECONDS;
  if (!(Number.isFinite(startupSeconds) && startupSeconds >= 0)) {
    throw new Error(`pods-ready: startup allowance ${startupSeconds}s is not a number of seconds >= 0`);
  }
  const now = options.now ?? (() => Date.now());
  const allowanceMs = startupSeconds * 1000;
  const excepted = `new pods within ${formatDuration(startupSeconds)} of starting excepted`;
  let baseline: Map<string, number> | undefined;
  // Pods seen Ready at least once: once Ready, a pod has no startup left to excuse.
  const seenReady = new Set<string>();
  // Pods in this step's snapshot that joined during an earlier step and had never been Ready.
  let joining = new Set<string>();
  const threshold = "at least 1 pod, all Ready, 0 restarts";
  const noteReady = (pods: readonly CanaryPod[]): void => {
    for (const pod of pods) if (pod.ready) seenReady.add(pod.name);
  };
  return {
    name: PODS_READY_GATE,
    async beginStep() {
      const pods = await source.listCanaryPods();
      noteReady(pods);
      const previous = baseline;
      const stillJoining = (pod: CanaryPod): boolean =>
        previous !== undefined &&
        !seenReady.has(pod.name) &&
        (!previous.has(pod.name) || joining.has(pod.name));
      joining = new Set(pods.filter(stillJoining).map((pod) => pod.name));
      baseline = new Map(pods.map((pod) => [pod.name, pod.restarts]));
    },
    async check(): Promise<GateResult> {
      const pods = await source.listCanaryPods();
      noteReady(pods);
      // Without beginStep (a single check), the first look is the baseline.
      const since = baseline ?? new Map(pods.map((pod) => [pod.name, pod.restarts]));
      baseline = since;
      if (pods.length === 0) {
        return { ok: false, measured: "0 pods", threshold };
      }
      const restarted = pods
        .map((pod) => ({ name: pod.name, restarts: pod.restarts - (since.get(pod.name) ?? 0) }))
        .filter((pod) => pod.restarts > 0);
      if (restarted.length > 0) {
        const total = restarted.reduce((sum, pod) => sum + pod.restarts, 0);
        const where = restarted.map((pod) => `${pod.name}: ${pod.restarts}`).join(", ");
        return { ok: false, measured: `${plural(total, "restart")} (${where})`, threshold: "0 restarts" };
      }
      const nowMs = now();
      // Not Ready and excused, e.g. "gw-x, 35s old".
      const starting: string[] = [];
      // Not Ready and not excused: a bare name as before, or with its age when it is new but too old.
      const notReady: string[] = [];
      let overdue = false;
      for (const pod of pods) {
        if (pod.ready) continue;
        const isNew = !since.has(pod.name) || joining.has(pod.name);
        const ageMs = pod.createdAtMs === undefined ? undefined : nowMs - pod.createdAtMs;
        if (!isNew || ageMs === undefined) {
          notReady.push(pod.name);
        } else if (ageMs < allowanceMs) {
          starting.push(`${pod.name}, ${ageText(ageMs)}`);
        } else {
          notReady.push(`${pod.name}, ${ageText(ageMs)}`);
          overdue = true;
        }
      }
      const startingText = starting.length > 0 ? `${starting.length} starting (${starting.join("; ")})` : "";
      if (notReady.length > 0) {
        // Entries carrying an age contain a comma, so they are set apart with semicolons.
        const list = notReady.join(overdue ? "; " : ", ");
        const measured = `${notReady.length} of ${plural(pods.length, "pod")} not Ready (${list})`;
        // Unchanged text when no new pod is involved, so existing messages keep reading the same.
        return overdue || starting.length > 0
          ? {
              ok: false,
              measured: startingText === "" ? measured : `${measured}, ${startingText}`,
              threshold: `all pods Ready (${excepted})`,
            }
          : { ok: false, measured, threshold: "all pods Ready" };
      }
      const ready = pods.length - starting.length;
      if (ready === 0) {
        // Every pod excused means none serves: the version is not shown to work at all.
        return {
          ok: false,
          measured: `0 of ${plural(pods.length, "pod")} Ready, ${startingText}`,
          threshold: "at least 1 pod Ready",
        };
      }
      if (starting.length === 0) {
        return { ok: true, measured: `${plural(pods.length, "pod")} Ready, 0 restarts`, threshold };
      }
      return {
        ok: true,
        measured: `${ready} of ${plural(pods.length, "pod")} Ready, ${startingText}, 0 restarts`,
        threshold: `at least 1 pod, all Ready (${excepted}), 0 restarts`,
      };
    },
  };
}

/**
 * Opens a WebSocket through the public endpoint with the canary header, so
 * ingress-nginx routes it to the canary whatever the weight; passes when the
 * upgrade succeeds and any message comes back within the timeout.
 */
export function handshakeGate(cfg: {
  url: string;
  timeoutSeconds: number;
  message: string;
  headers?: Record<string, string>;
}): Gate {
  const timeoutMs = cfg.timeoutSeconds * 1000;
  const threshold = `upgrade and a reply within ${cfg.timeoutSeconds}s`;
  return {
    name: HANDSHAKE_GATE,
    check: () =>
      new Promise<GateResult>((resolve) => {
        let opened = false;
        let settled = false;
        // Declared before `finish` uses it: the closure serializer rejects uses ahead of declarations.
        let timer: NodeJS.Timeout | undefined = undefined;
        // The canary header goes last so extra headers cannot turn routing to the canary off.
        const socket = new WebSocket(cfg.url, {
          headers: { ...cfg.headers, [CANARY_HEADER]: CANARY_HEADER_ALWAYS },
          handshakeTimeout: timeoutMs,
        });
        const finish = (ok: boolean, measured: string): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          socket.removeAllListeners();
          // Swallow errors from tearing down a half-open socket; the result is already decided.
          socket.on("error", () => undefined);
          socket.terminate();
          resolve({ ok, measured, threshold });
        };
        timer = setTimeout(
          () =>
            finish(
              false,
              opened ? `no reply within ${cfg.timeoutSeconds}s` : `no upgrade within ${cfg.timeoutSeconds}s`,
            ),
          timeoutMs,
        );
        socket.on("unexpected-response", (_request, response) => {
          response.resume();
          finish(false, `HTTP ${response.statusCode ?? "?"} on upgrade`);
        });
        socket.on("open", () => {
          opened = true;
          socket.send(cfg.message);
        });
        socket.on("message", () => finish(true, "upgraded and got a reply"));
        socket.on("close", (code) => finish(false, `closed with code ${code} before replying`));
        socket.on("error", (error) => finish(false, `${opened ? "error" : "no upgrade"}: ${error.message}`));
      }),
  };
}

interface PrometheusResponse {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** The first sample's value of an instant vector or a scalar; undefined when there is none. */
function firstSample(data: PrometheusResponse["data"]): string | undefined {
  const result = data?.result;
  if (data?.resultType === "scalar" && Array.isArray(result)) {
    return String(result[1]);
  }
  if (data?.resultType === "vector" && Array.isArray(result) && result.length > 0) {
    const value = (result[0] as { value?: unknown[] }).value;
    return Array.isArray(value) ? String(value[1]) : undefined;
  }
  return undefined;
}

/**
 * Runs an instant query (GET {url}/api/v1/query) and compares the first value
 * with the threshold. No data is a failure: a broken query must not pass.
 */
export function prometheusGate(cfg: {
  url: string;
  query: string;
  threshold: number;
  comparison: "<=" | ">=";
  /** @default 10 */
  timeoutSeconds?: number;
}): Gate {
  const threshold = `${cfg.comparison} ${cfg.threshold}`;
  const timeoutSeconds = cfg.timeoutSeconds ?? DEFAULT_PROMETHEUS_TIMEOUT_SECONDS;
  const endpoint = `${cfg.url.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(cfg.query)}`;
  return {
    name: PROMETHEUS_GATE,
    async check(): Promise<GateResult> {
      let response: Response;
      try {
        response = await fetch(endpoint, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === "TimeoutError";
        const cause =
          error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
        const measured = timedOut
          ? `no answer within ${timeoutSeconds}s`
          : `request failed: ${error instanceof Error ? error.message : String(error)}${cause}`;
        return { ok: false, measured, threshold };
      }
      const text = await response.text();
      let body: PrometheusResponse = {};
      try {
        body = JSON.parse(text) as PrometheusResponse;
      } catch {
        // Not JSON (e.g. a proxy's error page): reported below by status or shape.
      }
      if (!response.ok || body.status !== "success") {
        const detail = body.error ?? text.slice(0, 200);
        return { ok: false, measured: `HTTP ${response.status}: ${detail}`, threshold };
      }
      const sample = firstSample(body.data);
      if (sample === undefined) {
        return { ok: false, measured: `no data (empty ${body.data?.resultType ?? "result"})`, threshold };
      }
      const value = Number(sample);
      // NaN compares false both ways, so it fails, as it should.
      const ok = cfg.comparison === "<=" ? value <= cfg.threshold : value >= cfg.threshold;
      return { ok, measured: sample, threshold };
    },
  };
}

/**
 * Fails while the operator's abort annotation is on the canary Ingress (see
 * ./abortAnnotation). The reason is quoted as JSON so any text stays on the
 * failure's one line. When the source names its Ingress, the failure carries
 * the command that removes the annotation: the engine never removes it, and
 * until someone does, every release fails at its first gate round.
 */
export function abortRequestGate(source: AbortRequestSource): Gate {
  const threshold = `no ${ANNOTATION_ABORT} annotation on the canary Ingress`;
  const ingress = source.canaryIngress;
  const fix = ingress === undefined ? undefined : `remove it with: ${abortClearCommand(ingress)}`;
  return {
    name: ABORT_REQUEST_GATE,
    async check(): Promise<GateResult> {
      const reason = await source.getAbortRequest();
      if (reason === undefined) return { ok: true, measured: "no abort requested", threshold };
      const measured = `abort requested: ${JSON.stringify(reason)}`;
      return fix === undefined ? { ok: false, measured, threshold } : { ok: false, measured, threshold, fix };
    },
  };
}

function isAbortRequestSource(source: object): source is AbortRequestSource {
  return typeof (source as Partial<AbortRequestSource>).getAbortRequest === "function";
}

/**
 * The gates a config asks for: abort-request when the source can read it,
 * pods-ready always, the others when configured. abort-request goes first
 * because the first failing gate in this order is the one reported: an
 * operator's request must not be reported as whatever else fails meanwhile.
 */
export function buildGates(config: GatesConfig, pods: CanaryPodSource & Partial<AbortRequestSource>): Gate[] {
  const gates: Gate[] = [];
  if (isAbortRequestSource(pods)) gates.push(abortRequestGate(pods));
  gates.push(podsReadyGate(pods, { startupSeconds: config.podStartupSeconds }));
  if (config.handshake !== undefined) gates.push(handshakeGate(config.handshake));
  if (config.prometheus !== undefined) gates.push(prometheusGate(config.prometheus));
  return gates;
}
