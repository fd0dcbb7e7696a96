/**
 * The rollout gates (docs/how-it-works.md#gates). Each one turns a check into a GateResult whose
 * measured value and threshold read well in the abort message.
 */
import WebSocket from "ws";
import { CANARY_HEADER, CANARY_HEADER_ALWAYS, CLOSE_CODE_SERVICE_RESTART } from "../names";
import { abortClearCommand, ANNOTATION_ABORT } from "./abortAnnotation";
import {
  DEFAULT_MAX_ABNORMAL_CLOSES,
  DEFAULT_POD_STARTUP_SECONDS,
  DEFAULT_PROMETHEUS_TIMEOUT_SECONDS,
} from "./defaults";
import { formatDuration } from "./messages";
import { closeCounts, parsePrometheusText } from "./metrics";
import type {
  AbortRequestSource,
  CanaryMetricsSource,
  CanaryPod,
  CanaryPodSource,
  Gate,
  GateResult,
} from "./types";

export { DEFAULT_POD_STARTUP_SECONDS };

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
  /** Connection-survival probes; off when absent or when `connections` is 0. */
  readonly survival?: SurvivalSettings;
  /** Abnormal closes from the canary pods' own /metrics; off when absent. */
  readonly abnormalCloses?: { readonly maxPerStep: number };
}

/** Survival gate settings as stack config gives them (the URL and message are the handshake gate's). */
export interface SurvivalSettings {
  readonly connections: number;
  readonly pingIntervalSeconds: number;
  readonly pongTimeoutSeconds: number;
}

export const ABORT_REQUEST_GATE = "abort-request";
export const PODS_READY_GATE = "pods-ready";
export const HANDSHAKE_GATE = "ws-handshake";
export const PROMETHEUS_GATE = "prometheus";
export const SURVIVAL_GATE = "ws-survival";
export const ABNORMAL_CLOSE_GATE = "abnormal-closes";

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

/** Settings of the connection-survival gate. */
export interface SurvivalGateOptions {
  /** Public WebSocket URL; the canary header routes the probes to the canary. */
  readonly url: string;
  /** Probes held open through every pause. */
  readonly connections: number;
  /** Each probe sends `message` this often ... */
  readonly pingIntervalSeconds: number;
  /** ... and must receive any message within this long. Also the upgrade timeout. */
  readonly pongTimeoutSeconds: number;
  readonly message: string;
  readonly headers?: Record<string, string>;
  /** Epoch milliseconds, for the timings in messages. @default Date.now */
  readonly now?: () => number;
}

/** One probe connection and what happened to it. */
interface Probe {
  readonly index: number;
  socket: WebSocket | undefined;
  openedAtMs: number | undefined;
  /** Drain-contract closes (1012/1001) this step, each followed by a reconnect. */
  restartsThisStep: number;
  pongTimer: NodeJS.Timeout | undefined;
  /** The reason this probe fails the gate; undefined while it is healthy. */
  problem: string | undefined;
  maxRttMs: number;
  pingSentAtMs: number | undefined;
}

/**
 * Connection survival (docs/release-safety.md): `connections` WebSockets opened
 * through the canary header when the first step begins and held open across
 * every pause, each sending an application ping (the probe message) every
 * `pingIntervalSeconds` and expecting any message back within
 * `pongTimeoutSeconds`. The most likely WebSocket regression is a version that
 * accepts upgrades and then drops sockets after seconds or minutes; the
 * handshake gate cannot see it, this one does within the step it happens in.
 *
 * Fails on: a close the probe did not ask for (any code but 1012 Service
 * Restart and 1001 Going Away, the drain contract's), a missed pong, a failed
 * (re)connect, or a second drain close of the same probe in one step. A
 * drain close (e.g. the canary's HPA retires a pod) is followed by one
 * reconnect through the canary header. Messages give the count, the close
 * codes and how long each socket lived.
 */
export function survivalGate(options: SurvivalGateOptions): Gate {
  const count = options.connections;
  if (!(Number.isInteger(count) && count >= 1)) {
    throw new Error(`${SURVIVAL_GATE}: connections ${count} is not an integer >= 1`);
  }
  const now = options.now ?? (() => Date.now());
  const pongMs = options.pongTimeoutSeconds * 1000;
  const threshold = `${plural(count, "connection")} through the canary held open, each answering a ping every ${formatDuration(options.pingIntervalSeconds)} within ${formatDuration(options.pongTimeoutSeconds)}`;
  const probes: Probe[] = [];
  let pinger: NodeJS.Timeout | undefined = undefined;
  let ended = false;
  const lived = (probe: Probe): string =>
    probe.openedAtMs === undefined ? "" : ` after ${formatDuration((now() - probe.openedAtMs) / 1000)}`;

  const connect = (probe: Probe): Promise<void> =>
    new Promise<void>((resolve) => {
      let settled = false;
      const socket = new WebSocket(options.url, {
        headers: { ...options.headers, [CANARY_HEADER]: CANARY_HEADER_ALWAYS },
        handshakeTimeout: pongMs,
      });
      probe.socket = socket;
      const opened = (problem: string | undefined): void => {
        if (settled) return;
        settled = true;
        if (problem !== undefined) probe.problem = problem;
        resolve();
      };
      socket.on("unexpected-response", (_request, response) => {
        response.resume();
        opened(`could not connect: HTTP ${response.statusCode ?? "?"} on upgrade`);
        socket.terminate();
      });
      socket.on("open", () => {
        probe.openedAtMs = now();
        opened(undefined);
      });
      socket.on("message", () => {
        if (probe.pingSentAtMs !== undefined) {
          probe.maxRttMs = Math.max(probe.maxRttMs, now() - probe.pingSentAtMs);
          probe.pingSentAtMs = undefined;
        }
        clearTimeout(probe.pongTimer);
        probe.pongTimer = undefined;
      });
      socket.on("error", (error) => {
        opened(`could not connect: ${error.message}`);
      });
      socket.on("close", (code) => {
        clearTimeout(probe.pongTimer);
        probe.pongTimer = undefined;
        if (!settled) {
          opened(`could not connect: closed with code ${code} during the upgrade`);
          return;
        }
        if (ended || probe.socket !== socket || probe.problem !== undefined) return;
        const drainClose = code === CLOSE_CODE_SERVICE_RESTART || code === 1001;
        if (drainClose && probe.restartsThisStep === 0) {
          // The drain contract at work (e.g. the canary's HPA retires a pod): reconnect once.
          probe.restartsThisStep += 1;
          probe.openedAtMs = undefined;
          void connect(probe);
          return;
        }
        probe.problem = drainClose
          ? `closed with code ${code}${lived(probe)}, the second drain close this step`
          : `closed with code ${code}${lived(probe)}`;
      });
    });

  const ping = (): void => {
    for (const probe of probes) {
      const socket = probe.socket;
      if (probe.problem !== undefined || socket === undefined || socket.readyState !== WebSocket.OPEN)
        continue;
      if (probe.pongTimer !== undefined) continue; // still waiting for the last one
      probe.pingSentAtMs = now();
      socket.send(options.message);
      probe.pongTimer = setTimeout(() => {
        probe.pongTimer = undefined;
        if (!ended && probe.problem === undefined) {
          probe.problem = `missed a pong: no reply within ${formatDuration(options.pongTimeoutSeconds)}${lived(probe)}`;
        }
      }, pongMs);
    }
  };

  return {
    name: SURVIVAL_GATE,
    async beginStep() {
      for (const probe of probes) probe.restartsThisStep = 0;
      while (probes.length < count) {
        probes.push({
          index: probes.length,
          socket: undefined,
          openedAtMs: undefined,
          restartsThisStep: 0,
          pongTimer: undefined,
          problem: undefined,
          maxRttMs: 0,
          pingSentAtMs: undefined,
        });
      }
      // A probe still healthy keeps its socket across steps: sockets live as long as the canary does.
      await Promise.all(
        probes.filter((probe) => probe.socket === undefined && probe.problem === undefined).map(connect),
      );
      if (pinger === undefined) {
        pinger = setInterval(ping, options.pingIntervalSeconds * 1000);
        pinger.unref();
        ping();
      }
    },
    async check(): Promise<GateResult> {
      if (probes.length === 0) return { ok: true, measured: "no probe open (no step begun)", threshold };
      const failed = probes.filter((probe) => probe.problem !== undefined);
      if (failed.length > 0) {
        const detail = failed.map((probe) => `#${probe.index + 1} ${probe.problem}`).join("; ");
        return {
          ok: false,
          measured: `${failed.length} of ${count} probe connections failed (${detail})`,
          threshold,
        };
      }
      const open = probes.filter((probe) => probe.socket?.readyState === WebSocket.OPEN);
      const oldest = Math.max(0, ...open.map((probe) => now() - (probe.openedAtMs ?? now())));
      const rtt = Math.max(0, ...probes.map((probe) => probe.maxRttMs));
      const restarts = probes.reduce((sum, probe) => sum + probe.restartsThisStep, 0);
      const reconnected = restarts === 0 ? "" : `, ${plural(restarts, "drain reconnect")}`;
      return {
        ok: true,
        measured: `${open.length} of ${count} open, oldest ${formatDuration(oldest / 1000)}, slowest pong ${Math.round(rtt)}ms${reconnected}`,
        threshold,
      };
    },
    async end() {
      ended = true;
      clearInterval(pinger);
      pinger = undefined;
      for (const probe of probes) {
        clearTimeout(probe.pongTimer);
        const socket = probe.socket;
        if (socket === undefined) continue;
        socket.removeAllListeners();
        socket.on("error", () => undefined);
        if (socket.readyState === WebSocket.OPEN) socket.close(1000, "probe done");
        else socket.terminate();
        // Do not wait for the closing handshake of a wedged server.
        setTimeout(() => socket.terminate(), 1000).unref();
      }
    },
  };
}

/**
 * Abnormal closes on the canary, from the gateway's own metrics (./metrics):
 * closes with a code other than 1000, 1001 and 1012, plus upgrades refused
 * for any reason but draining, counted since the step began, summed over the
 * canary pods, at most `maxPerStep`. A pod whose counters went down (it
 * restarted) counts from 0; a pod that appeared counts from 0.
 */
export function abnormalCloseGate(
  source: CanaryMetricsSource,
  options: { readonly maxPerStep?: number } = {},
): Gate {
  const max = options.maxPerStep ?? DEFAULT_MAX_ABNORMAL_CLOSES;
  const threshold = `at most ${max} abnormal closes or failed upgrades on the canary per step`;
  type Totals = { readonly byCode: Record<string, number>; readonly upgrades: number };
  let baseline = new Map<string, Totals>();
  const read = async (): Promise<Map<string, Totals & { open: number }>> => {
    const pages = await source.scrapeCanaryMetrics();
    return new Map(
      pages.map((page) => {
        const counts = closeCounts(parsePrometheusText(page.text));
        return [
          page.pod,
          { byCode: { ...counts.abnormalByCode }, upgrades: counts.failedUpgrades, open: counts.open },
        ];
      }),
    );
  };
  return {
    name: ABNORMAL_CLOSE_GATE,
    async beginStep() {
      baseline = await read();
    },
    async check(): Promise<GateResult> {
      const current = await read();
      const byCode: Record<string, number> = {};
      let upgrades = 0;
      let open = 0;
      const perPod: string[] = [];
      for (const [pod, totals] of current) {
        const before = baseline.get(pod);
        const sinceFor = (value: number, old: number | undefined): number =>
          old === undefined || value < old ? value : value - old;
        let podTotal = 0;
        for (const [code, value] of Object.entries(totals.byCode)) {
          const delta = sinceFor(value, before?.byCode[code]);
          if (delta > 0) byCode[code] = (byCode[code] ?? 0) + delta;
          podTotal += delta;
        }
        const upgradeDelta = sinceFor(totals.upgrades, before?.upgrades);
        upgrades += upgradeDelta;
        podTotal += upgradeDelta;
        open += totals.open;
        if (podTotal > 0) perPod.push(`${pod}: ${podTotal}`);
      }
      const closes = Object.values(byCode).reduce((sum, value) => sum + value, 0);
      const codes = Object.entries(byCode)
        .map(([code, value]) => `code ${code}: ${value}`)
        .join(", ");
      const total = closes + upgrades;
      const measured =
        total === 0
          ? `0 abnormal closes, 0 failed upgrades since the step began (${plural(current.size, "pod")}, ${open} open)`
          : `${plural(closes, "abnormal close")}${codes === "" ? "" : ` (${codes})`} and ${plural(upgrades, "failed upgrade")} since the step began (${perPod.join(", ")}; ${open} open)`;
      return { ok: total <= max, measured, threshold };
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
export function buildGates(
  config: GatesConfig,
  pods: CanaryPodSource & Partial<AbortRequestSource> & Partial<CanaryMetricsSource>,
): Gate[] {
  const gates: Gate[] = [];
  if (isAbortRequestSource(pods)) gates.push(abortRequestGate(pods));
  gates.push(podsReadyGate(pods, { startupSeconds: config.podStartupSeconds }));
  const handshake = config.handshake;
  if (handshake !== undefined) gates.push(handshakeGate(handshake));
  const survival = config.survival;
  if (handshake !== undefined && survival !== undefined && survival.connections > 0) {
    gates.push(
      survivalGate({
        url: handshake.url,
        message: handshake.message,
        connections: survival.connections,
        pingIntervalSeconds: survival.pingIntervalSeconds,
        pongTimeoutSeconds: survival.pongTimeoutSeconds,
      }),
    );
  }
  const abnormal = config.abnormalCloses;
  if (abnormal !== undefined) {
    if (typeof pods.scrapeCanaryMetrics !== "function") {
      throw new Error(`${ABNORMAL_CLOSE_GATE}: configured, but the router cannot read the canary's metrics`);
    }
    const source: CanaryMetricsSource = {
      scrapeCanaryMetrics: () => pods.scrapeCanaryMetrics?.() ?? Promise.resolve([]),
    };
    gates.push(abnormalCloseGate(source, { maxPerStep: abnormal.maxPerStep }));
  }
  if (config.prometheus !== undefined) gates.push(prometheusGate(config.prometheus));
  return gates;
}
