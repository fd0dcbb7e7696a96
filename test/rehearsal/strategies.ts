/**
 * The three release strategies, each played on fresh pods and a fresh fleet
 * behind the same nginx: a Kubernetes rolling update, a blue/green cut, and
 * ours (staged canary through the real rollout engine and gates, then a
 * drained retirement).
 */
import {
  READINESS_FAILURE_THRESHOLD,
  READINESS_PERIOD_SECONDS,
} from "../../components/gateway/versionedGateway";
import { CANARY_INGRESS } from "../../components/names";
import type { OnAbort } from "../../components/rollout/defaults";
import { runRollout } from "../../components/rollout/engine";
import { buildGates, buildRouteCheck } from "../../components/rollout/gates";
import { KubernetesCanaryRouter } from "../../components/rollout/kubernetesRouter";
import type { CanaryPodSource, Gate, Logger, RolloutStep } from "../../components/rollout/types";
import type { GateTarget } from "../../components/rollout/gates";
import type { Balancer } from "./balancer";
import { LocalCluster, type Pod, type PodTemplate } from "./cluster";
import { DROP_AFTER_SECONDS, FAULT_SPECS, SYNC_LAG_SECONDS, type FaultName } from "./faults";
import { Fleet, type ClientStats } from "./fleet";
import { LocalKubeApi, type WeightChange } from "./kubeApi";
import type { StackGates } from "./schedule";
import { ScaledClock, TimeScale, sleepReal } from "./scale";

export const STRATEGIES = ["rolling", "bluegreen", "staged"] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export const OLD_VERSION = "v1";
export const NEW_VERSION = "v2";

/** The namespace the rehearsal's API serves the canary Ingress and pods in. */
const NAMESPACE = "ws-gateway";

/** One run: a strategy, or our staged release with a fault played into it. */
export interface RunSpec {
  readonly strategy: StrategyName;
  readonly fault?: FaultName;
}

export function runLabel(spec: RunSpec): string {
  return spec.fault === undefined ? spec.strategy : `fault ${spec.fault}`;
}

/** Everything a run is parameterized by. Durations in scheduled seconds unless named Ms (real). */
export interface RehearsalConfig {
  readonly scale: TimeScale;
  readonly clients: number;
  readonly replicas: number;
  readonly steps: readonly RolloutStep[];
  readonly drainSeconds: number;
  readonly backoffCapSeconds: number;
  readonly blipMeanSeconds: number;
  /** Kubernetes default terminationGracePeriodSeconds, used by the baselines. */
  readonly defaultGraceSeconds: number;
  /** Our preStop sleep: covers endpoint propagation before SIGTERM. */
  readonly preStopSeconds: number;
  /** Our slack between the end of the drain and SIGKILL. */
  readonly terminationMarginSeconds: number;
  /** Argo Rollouts' default blue/green scaleDownDelaySeconds. */
  readonly scaleDownDelaySeconds: number;
  readonly endpointPropagationSeconds: number;
  /** Played time from pod creation to process start (image pull, sandbox). */
  readonly podStartSeconds: number;
  /** The stack's rollout.gates; see localGates for what the run replaces. */
  readonly gates: StackGates;
  /** Quiet time with the whole fleet connected before the release starts. */
  readonly settleSeconds: number;
  /** Window of the reconnect peak (see metrics in main.ts). */
  readonly rateWindowSeconds: number;
  readonly broadcastMs: number;
  /** The clients' handshake timeout, real milliseconds (the gate's is in `gates`). */
  readonly handshakeTimeoutMs: number;
  readonly rampMs: number;
  /** New sessions arriving during the release, as a share of `clients` over the canary schedule. */
  readonly arrivalShare: number;
  /** Time for a weight written to the canary Ingress to reach the balancer (ingress-nginx's sync). */
  readonly weightPropagationSeconds: number;
  /** How long the API stays unreachable in the api-down fault, scheduled seconds. */
  readonly apiDownSeconds: number;
  /** The stack's rollout.onAbort and rollout.api budgets, handed to the engine as `pulumi up` does. */
  readonly onAbort: OnAbort;
  readonly retryBudgetSeconds: number;
  readonly abortBudgetSeconds: number;
  /** The controller's worker-shutdown-timeout (stack ingress.workerShutdownTimeout), scheduled seconds. */
  readonly workerShutdownTimeoutSeconds: number;
}

/** Arrivals per scheduled second: the share of the fleet spread over the schedule's pauses (at least a minute). */
export function arrivalsPerSecond(cfg: RehearsalConfig): number {
  const pauses = cfg.steps.reduce((total, step) => total + step.pauseSeconds, 0);
  return (cfg.arrivalShare * cfg.clients) / Math.max(60, pauses);
}

export interface Marker {
  readonly t: number;
  readonly label: string;
}

export interface Sample {
  readonly t: number;
  readonly byVersion: Readonly<Record<string, number>>;
}

/** The raw record of one strategy's run; main.ts turns it into figures. */
export interface StrategyRun {
  readonly name: StrategyName;
  readonly fault?: FaultName;
  /** Scheduled time the fault struck (fleet clock); undefined without a fault or when it never struck. */
  readonly faultAt?: number;
  /** Weights as they reached the balancer (staged only). */
  readonly weightLog?: readonly WeightChange[];
  /** The engine's outcome in parts (staged only). */
  readonly result?: EngineResult;
  readonly releaseStart: number;
  readonly releaseEnd: number;
  readonly measureEnd: number;
  /**
   * Connections on the old version when its retirement began (the release
   * start for the baselines, promotion for ours): what the drain spreads.
   */
  readonly oldConnections: number;
  readonly clients: readonly ClientStats[];
  /** Scheduled times of reconnect attempts caused by the release. */
  readonly releaseAttempts: readonly number[];
  readonly blipAttempts: number;
  readonly samples: readonly Sample[];
  readonly markers: readonly Marker[];
  readonly failureReasons: ReadonlyMap<string, number>;
  /** Rollout engine outcome, one line (staged only). */
  readonly outcome?: string;
  /** Canary weights the engine set, in order (staged only). */
  readonly weights?: readonly number[];
}

/** What the engine returned, or that it threw. */
export interface EngineResult {
  readonly kind: "promoted" | "aborted" | "held" | "failed";
  readonly gate?: string;
  readonly step?: number;
  readonly message?: string;
}

/** What a run reports about itself about once a second. */
export interface RunStatus {
  /** Scheduled seconds since the fleet started. */
  readonly t: number;
  /** Scheduled seconds since the release started; undefined before it. */
  readonly releaseT: number | undefined;
  readonly phase: string;
  readonly connectedByVersion: ReadonlyMap<string, number>;
  readonly reconnectsPerSecond: number;
}

export interface RunEnvironment {
  readonly url: string;
  /** The gates the staged strategy runs: the stack's, made local by localGates. */
  readonly gates: StackGates;
  readonly balancer: Balancer;
  /** Called about once a real second while the run lasts. */
  readonly status: (status: RunStatus) => void;
  /** Reloads the ingress's nginx (the nginx-reload fault). */
  readonly reloadNginx: () => Promise<void>;
  /** Resolves once nginx's workers from before a reload have exited, or after timeoutMs. */
  readonly oldNginxWorkersGone: (timeoutMs: number) => Promise<void>;
  readonly logger: Logger;
  /** Lets the caller kill this run's processes on Ctrl-C. */
  readonly track: (cluster: LocalCluster, fleet: Fleet | undefined) => void;
  readonly signal: AbortSignal;
}

interface ReleaseContext {
  readonly cfg: RehearsalConfig;
  readonly env: RunEnvironment;
  readonly cluster: LocalCluster;
  readonly fleet: Fleet;
  readonly clock: ScaledClock;
  readonly old: readonly Pod[];
  readonly phase: (label: string) => void;
  readonly fault: FaultName | undefined;
  /** Called when the old version's retirement begins: the drain budget counts the connections then. */
  readonly retiring: () => void;
}

export async function runStrategy(
  spec: RunSpec,
  cfg: RehearsalConfig,
  env: RunEnvironment,
): Promise<StrategyRun> {
  const name = spec.strategy;
  const { scale } = cfg;
  env.balancer.reset();
  // One scheduled clock per run for pod creation times, the engine and the pods-ready gate.
  const clock = new ScaledClock(scale);
  const cluster = new LocalCluster({
    clock,
    scale,
    balancer: env.balancer,
    broadcastMs: cfg.broadcastMs,
    endpointPropagationSeconds: cfg.endpointPropagationSeconds,
    podStartSeconds: cfg.podStartSeconds,
  });
  env.track(cluster, undefined);
  const fleet = new Fleet({
    url: env.url,
    clients: cfg.clients,
    scale,
    backoffCapSeconds: cfg.backoffCapSeconds,
    blipMeanSeconds: cfg.blipMeanSeconds,
    handshakeTimeoutMs: cfg.handshakeTimeoutMs,
    rampMs: cfg.rampMs,
  });
  env.track(cluster, fleet);

  const markers: Marker[] = [];
  const samples: Sample[] = [];
  let phase = "starting pods";
  const setPhase = (label: string) => {
    phase = label;
    markers.push({ t: fleet.now(), label });
  };
  let lastAttempts = 0;
  let lastProgress = performance.now();
  let releaseStartT: number | undefined;
  // Samples every 2 scheduled seconds, at most 10 per real second: the chart's resolution at any time scale.
  const sampler = setInterval(
    () => {
      samples.push({ t: fleet.now(), byVersion: Object.fromEntries(fleet.connectedByVersion()) });
      const nowReal = performance.now();
      if (nowReal - lastProgress >= 1000) {
        const attempts = fleet.attempts.filter((a) => a.cause === "release" || a.cause === "blip").length;
        const perSecond = (attempts - lastAttempts) / scale.scheduledSeconds(nowReal - lastProgress);
        lastAttempts = attempts;
        lastProgress = nowReal;
        env.status({
          t: fleet.now(),
          releaseT: releaseStartT === undefined ? undefined : fleet.now() - releaseStartT,
          phase,
          connectedByVersion: fleet.connectedByVersion(),
          reconnectsPerSecond: perSecond,
        });
      }
    },
    Math.max(100, scale.realMs(2)),
  );

  try {
    const template = name === "staged" ? ourTemplate(cfg, OLD_VERSION) : naiveTemplate(cfg, OLD_VERSION);
    const old = range(cfg.replicas).map(() => cluster.createPod(template));
    cluster.setSelector("stable", [OLD_VERSION]);
    await cluster.waitReady(old);
    setPhase("connecting fleet");
    fleet.start();
    await fleet.waitAllConnected(cfg.rampMs + 60_000);
    setPhase("settling");
    await sleepReal(scale.realMs(cfg.settleSeconds));

    let oldConnections = fleet.connectedByVersion().get(OLD_VERSION) ?? 0;
    fleet.setReleaseRunning(true);
    const releaseStart = fleet.now();
    releaseStartT = releaseStart;
    setPhase("release start");
    // New sessions arrive from the start of the baselines' release, and from the canary's start in ours.
    if (name !== "staged") fleet.startArrivals(arrivalsPerSecond(cfg));
    const ctx: ReleaseContext = {
      cfg,
      env,
      cluster,
      fleet,
      clock,
      old,
      phase: setPhase,
      fault: spec.fault,
      retiring: () => (oldConnections = fleet.connectedByVersion().get(OLD_VERSION) ?? 0),
    };
    const staged =
      name === "rolling" ? await rolling(ctx) : name === "bluegreen" ? await blueGreen(ctx) : await ours(ctx);
    fleet.stopArrivals();
    const releaseEnd = fleet.now();
    if (spec.fault === "nginx-reload") {
      // The old workers keep their sockets until worker-shutdown-timeout: the release is not over for
      // their clients until those workers are gone.
      setPhase("waiting for nginx's old workers");
      await env.oldNginxWorkersGone(scale.realMs(cfg.workerShutdownTimeoutSeconds) + 10_000);
    }
    setPhase("release done, waiting one back-off cap");
    fleet.stopBlips();
    // Every client cut at the very end gets its full back-off. Then the fleet settles: the back-offs
    // still running and the handshakes in flight finish (blips have stopped, so these are the
    // release's). A busy event loop delivers the last closes late, which at a high time scale is many
    // scheduled seconds; the wait is bounded by a second back-off cap.
    await sleepReal(scale.realMs(cfg.backoffCapSeconds));
    const settleDeadline =
      performance.now() + scale.realMs(cfg.backoffCapSeconds) + 2 * cfg.handshakeTimeoutMs;
    while (
      (fleet.pendingHandshakes() > 0 || fleet.retriesPending() > 0) &&
      performance.now() < settleDeadline
    ) {
      await sleepReal(20);
    }
    const measureEnd = fleet.now();
    const clients = fleet.stats().map((s) => ({ ...s, closeCodes: new Map(s.closeCodes) }));
    fleet.stop();
    return {
      name,
      ...(spec.fault === undefined ? {} : { fault: spec.fault }),
      releaseStart,
      releaseEnd,
      measureEnd,
      oldConnections,
      clients,
      releaseAttempts: fleet.attempts.filter((a) => a.cause === "release").map((a) => a.t),
      blipAttempts: fleet.attempts.filter((a) => a.cause === "blip").length,
      samples,
      markers,
      failureReasons: new Map(fleet.failureReasons),
      ...(staged ?? {}),
    };
  } finally {
    clearInterval(sampler);
    fleet.stop();
    await cluster.shutdown();
  }
}

type StrategyExtras =
  Pick<StrategyRun, "outcome" | "weights" | "weightLog" | "result" | "faultAt"> | undefined;

/** The baselines' pods: Kubernetes defaults (no preStop, 30 s grace, probe every 10 s) and a gateway with no drain. */
function naiveTemplate(cfg: RehearsalConfig, version: string): PodTemplate {
  return {
    version,
    drainSeconds: 0,
    closeAllOnSigterm: true,
    preStopSeconds: 0,
    terminationGracePeriodSeconds: cfg.defaultGraceSeconds,
    readinessPeriodSeconds: 10,
    readinessFailureThreshold: 3,
  };
}

/**
 * Our pods, as components/gateway/versionedGateway.ts declares them: preStop
 * for endpoint propagation, the spread drain, grace = preStop + drain + margin,
 * and its readiness probe.
 */
function ourTemplate(cfg: RehearsalConfig, version: string): PodTemplate {
  return {
    version,
    drainSeconds: cfg.drainSeconds,
    closeAllOnSigterm: false,
    preStopSeconds: cfg.preStopSeconds,
    terminationGracePeriodSeconds: cfg.preStopSeconds + cfg.drainSeconds + cfg.terminationMarginSeconds,
    readinessPeriodSeconds: READINESS_PERIOD_SECONDS,
    readinessFailureThreshold: READINESS_FAILURE_THRESHOLD,
  };
}

/**
 * A Deployment RollingUpdate with maxSurge 25% and maxUnavailable 25%
 * (rounded up and down, as Kubernetes does), one ReplicaSet per version behind
 * one Service that selects the app, so a client cut off by an old pod may well
 * land on another old pod.
 */
async function rolling(ctx: ReleaseContext): Promise<StrategyExtras> {
  const { cfg, cluster, old, phase } = ctx;
  const replicas = old.length;
  const maxSurge = Math.ceil(replicas * 0.25);
  const maxUnavailable = Math.floor(replicas * 0.25);
  cluster.setSelector("stable", [OLD_VERSION, NEW_VERSION]);
  const fresh: Pod[] = [];
  let liveOld = [...old];
  const deletions: Promise<void>[] = [];
  for (;;) {
    while (fresh.length < replicas && liveOld.length + fresh.length < replicas + maxSurge) {
      fresh.push(cluster.createPod(naiveTemplate(cfg, NEW_VERSION)));
    }
    // The Deployment controller's scale-down bound: keep replicas - maxUnavailable available.
    const newUnavailable = fresh.filter((p) => !p.ready).length;
    let canDelete = liveOld.length + fresh.length - (replicas - maxUnavailable) - newUnavailable;
    const victims = [...liveOld.filter((p) => !p.ready), ...liveOld.filter((p) => p.ready)];
    const deleted: Pod[] = [];
    for (const pod of victims) {
      if (canDelete <= 0) break;
      deleted.push(pod);
      canDelete -= 1;
    }
    if (deleted.length > 0) {
      liveOld = liveOld.filter((p) => !deleted.includes(p));
      deletions.push(...deleted.map((p) => cluster.deletePod(p)));
      phase(`rolling: ${liveOld.length} old, ${fresh.length} new`);
    }
    if (liveOld.length === 0 && fresh.every((p) => p.ready)) break;
    await sleepReal(10);
  }
  await Promise.all(deletions);
  return undefined;
}

/**
 * Blue/green as Argo Rollouts does it by default: all new pods first, the
 * active Service switched to them, the old ReplicaSet scaled down after
 * scaleDownDelaySeconds (30 s), dropping every old connection at once.
 */
async function blueGreen(ctx: ReleaseContext): Promise<StrategyExtras> {
  const { cfg, cluster, old, phase } = ctx;
  const fresh = range(cfg.replicas).map(() => cluster.createPod(naiveTemplate(cfg, NEW_VERSION)));
  await cluster.waitReady(fresh);
  cluster.setSelector("stable", [NEW_VERSION]);
  phase("switched to new");
  await sleepReal(cfg.scale.realMs(cfg.scaleDownDelaySeconds));
  phase("old scaled down");
  await Promise.all(old.map((p) => cluster.deletePod(p)));
  return undefined;
}

/**
 * Ours: new version beside the old one, canary weight 0, the real rollout
 * engine and gates driving the real Kubernetes router against the rehearsal's
 * API, promotion by the stable selector, then the old pods retired with the
 * spread drain. With a fault, the fault is played into this same release.
 */
async function ours(ctx: ReleaseContext): Promise<StrategyExtras> {
  const { cfg, env, cluster, fleet, clock, old, phase, fault } = ctx;
  const { scale } = cfg;
  const spec = fault === undefined ? undefined : FAULT_SPECS[fault];
  const timing = spec?.timing;
  const plays = spec?.plays;
  let faultAt: number | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  const strike = (action: () => void | Promise<void>) => {
    if (faultAt !== undefined) return;
    faultAt = fleet.now();
    phase(`fault: ${fault}`);
    void Promise.resolve(action()).catch((error: unknown) =>
      env.logger.warn(`fault ${fault} could not be played: ${String(error)}`),
    );
  };
  const inject = () => {
    const target = cluster.podsOf(NEW_VERSION).find((p) => p.ready);
    if (plays === "crash" && target) strike(() => cluster.crash(target));
    else if (plays === "unready" && target) strike(() => cluster.makeUnready(target));
    else if (plays === "nginx-reload") strike(() => env.reloadNginx());
    else if (plays === "api-down") {
      strike(async () => {
        await api.setMode("down");
        later(scale.realMs(cfg.apiDownSeconds), () => void api.setMode("up"));
      });
    }
  };
  // The step a mid-schedule fault strikes in: the second when there is one, so the canary holds clients.
  const faultStep = cfg.steps.length >= 2 ? cfg.steps[1] : cfg.steps[0];
  let shownWeight = 0;
  const onWeight = (change: WeightChange) => {
    if (change.weight !== shownWeight) phase(`canary ${change.weight}%`);
    shownWeight = change.weight;
    if (timing === "canary-start" && change.weight > 0 && faultAt === undefined) faultAt = change.t;
    if (timing === "mid-schedule" && change.weight === faultStep.weight && faultAt === undefined) {
      later(scale.realMs(faultStep.pauseSeconds / 2), inject);
    }
  };
  const api = new LocalKubeApi({
    namespace: NAMESPACE,
    ingressName: CANARY_INGRESS,
    balancer: env.balancer,
    pods: cluster,
    now: () => fleet.now(),
    propagationMs: scale.realMs(cfg.weightPropagationSeconds),
    onWeight,
  });
  await api.start();
  try {
    const router = new KubernetesCanaryRouter({
      kubeconfig: api.kubeconfig(),
      namespace: NAMESPACE,
      canaryIngressName: CANARY_INGRESS,
      version: NEW_VERSION,
      // The abnormal-close gate, when the stack turns it on, reads the pods' /metrics through the API.
      ...(env.gates.abnormalCloses === undefined ? {} : { metricsPort: env.gates.abnormalCloses.port }),
    });
    const badVersion =
      plays === "refuse"
        ? { fault: "refuse" as const }
        : plays === "drop"
          ? { fault: "drop" as const, dropAfterSeconds: DROP_AFTER_SECONDS }
          : {};
    const fresh = range(cfg.replicas).map(() =>
      cluster.createPod({ ...ourTemplate(cfg, NEW_VERSION), ...badVersion }),
    );
    await cluster.waitReady(fresh);

    let result: EngineResult;
    try {
      // What `pulumi up` does, with no wait in between: CanaryWeightReset writes 0 (starting the new
      // version's exposure record), the canary Service switches to the new version, the engine starts.
      // Its route phase, not the harness, waits for the canary route to answer as the new version.
      if (spec?.syncLag === true) cluster.setCanarySyncLag(SYNC_LAG_SECONDS);
      await router.setCanaryWeight(0, undefined, true);
      cluster.setSelector("canary", [NEW_VERSION]);
      fleet.watchCanary(NEW_VERSION);
      fleet.startArrivals(arrivalsPerSecond(cfg));
      phase("canary 0%");
      if (timing === "release-start") strike(() => api.setMode("flaky"));
      // Every gate duration on the run's scaled clock (./scale), like the schedule's.
      const gateTarget = { canaryVersion: NEW_VERSION, clock };
      const routeCheck = buildRouteCheck(env.gates, gateTarget);
      const { outcome } = await runRollout({
        steps: cfg.steps,
        gates: rehearsalGates(env.gates, router, gateTarget),
        ...(routeCheck === undefined ? {} : { routeCheck }),
        router,
        clock,
        logger: env.logger,
        gateIntervalSeconds: env.gates.intervalSeconds,
        signal: env.signal,
        onAbort: cfg.onAbort,
        drainer: router,
        api: { retryBudgetSeconds: cfg.retryBudgetSeconds, abortBudgetSeconds: cfg.abortBudgetSeconds },
        // Phases come from the engine's events, never from its log text.
        onEvent: (event) => {
          if (event.kind !== "phase") return;
          if (event.phase === "abort") phase(`aborted at step ${event.step ?? 0} by ${event.gate ?? "?"}`);
          if (event.phase === "drain" && event.pods !== undefined)
            phase(`draining ${event.pods.length} canary pods`);
          if (event.phase === "hold") phase(`held at ${event.weight ?? "?"}%`);
        },
      });
      result =
        outcome.kind === "aborted"
          ? { kind: "aborted", gate: outcome.gate, step: outcome.step, message: outcome.message }
          : outcome.kind === "held"
            ? { kind: "held", message: `held at ${outcome.weight}%` }
            : { kind: "promoted" };
    } catch (error) {
      // A failing engine or router never crashes the rehearsal: its failure is the outcome.
      result = { kind: "failed", message: error instanceof Error ? error.message : String(error) };
      env.logger.warn(`engine failed: ${result.message}`);
    }
    for (const timer of timers) clearTimeout(timer);
    // The fault's own disruption ends with the engine's run (the API comes back, if it was down).
    await api.setMode("up");
    fleet.stopArrivals();
    const extras = {
      result,
      faultAt,
      weightLog: api.weightLog,
      weights: api.weightLog.map((w) => w.weight),
      outcome: result.kind === "promoted" ? "promoted" : `${result.kind}: ${result.message ?? ""}`,
    };
    if (result.kind === "promoted") {
      cluster.setSelector("stable", [NEW_VERSION]);
      await cluster.waitPropagation();
      fleet.watchCanary(undefined);
      ctx.retiring();
      phase("promoted, draining old");
      await Promise.all(old.map((p) => cluster.deletePod(p)));
      return extras;
    }
    if (result.kind === "aborted") {
      // With onAbort drain the engine deleted the canary's pods through the API; they drain through
      // the contract, so each client on the aborted version reconnects to the stable version once.
      // The release is over for those clients when the pods are gone.
      const draining = cluster.remaining(NEW_VERSION).filter((p) => p.terminating);
      await Promise.all(draining.map((p) => p.gone));
      return extras;
    }
    phase(result.kind === "held" ? (result.message ?? "held") : "engine failed");
    return extras;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await api.stop();
  }
}

/**
 * The gates `pulumi up` runs (buildGates over the router: abort-request,
 * pods-ready, handshake, survival, in its order), on the run's scaled clock:
 * pod ages, re-dial delays, ping intervals and timeouts are in scheduled
 * time like the schedule, and so is every figure in their messages.
 */
function rehearsalGates(
  gates: StackGates,
  router: CanaryPodSource & KubernetesCanaryRouter,
  target: GateTarget,
): Gate[] {
  return buildGates(gates, router, target);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
