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
import { runRollout } from "../../components/rollout/engine";
import { buildGates, PODS_READY_GATE, podsReadyGate } from "../../components/rollout/gates";
import type { Clock, Gate, Logger, RolloutStep } from "../../components/rollout/types";
import { LocalRouter, type Balancer } from "./balancer";
import { LocalCluster, type Pod, type PodTemplate } from "./cluster";
import { Fleet, type ClientStats } from "./fleet";
import type { StackGates } from "./schedule";
import { ScaledClock, TimeScale, sleepReal } from "./scale";

export const STRATEGIES = ["rolling", "bluegreen", "staged"] as const;
export type StrategyName = (typeof STRATEGIES)[number];

const OLD_VERSION = "v1";
const NEW_VERSION = "v2";

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
  readonly releaseStart: number;
  readonly releaseEnd: number;
  readonly measureEnd: number;
  /** Connections on the old version when the release started. */
  readonly oldConnections: number;
  readonly clients: readonly ClientStats[];
  /** Scheduled times of reconnect attempts caused by the release. */
  readonly releaseAttempts: readonly number[];
  readonly blipAttempts: number;
  readonly samples: readonly Sample[];
  readonly markers: readonly Marker[];
  readonly failureReasons: ReadonlyMap<string, number>;
  /** Rollout engine outcome (staged only). */
  readonly outcome?: string;
  /** Canary weights the engine set, in order (staged only). */
  readonly weights?: readonly number[];
}

export interface RunEnvironment {
  readonly url: string;
  /** The gates the staged strategy runs: the stack's, made local by localGates. */
  readonly gates: StackGates;
  readonly balancer: Balancer;
  /** One progress line (stderr). */
  readonly progress: (line: string) => void;
  readonly logger: Logger;
  /** Lets the caller kill this run's processes on Ctrl-C. */
  readonly track: (cluster: LocalCluster, fleet: Fleet | undefined) => void;
  readonly signal: AbortSignal;
}

interface ReleaseContext {
  readonly cfg: RehearsalConfig;
  readonly env: RunEnvironment;
  readonly cluster: LocalCluster;
  readonly clock: Clock;
  readonly old: readonly Pod[];
  readonly phase: (label: string) => void;
}

export async function runStrategy(
  name: StrategyName,
  cfg: RehearsalConfig,
  env: RunEnvironment,
): Promise<StrategyRun> {
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
  const sampler = setInterval(() => {
    samples.push({ t: fleet.now(), byVersion: Object.fromEntries(fleet.connectedByVersion()) });
    const nowReal = performance.now();
    if (nowReal - lastProgress >= 1000) {
      const attempts = fleet.attempts.filter((a) => a.cause !== "initial").length;
      const perSecond = (attempts - lastAttempts) / scale.scheduledSeconds(nowReal - lastProgress);
      lastAttempts = attempts;
      lastProgress = nowReal;
      const byVersion = [...fleet.connectedByVersion()]
        .sort()
        .map(([v, n]) => `${v}=${n}`)
        .join(" ");
      env.progress(
        `[${name}] t=${fleet.now().toFixed(0)}s ${phase} | connected ${byVersion || "none"} | reconnects ${perSecond.toFixed(2)}/s`,
      );
    }
  }, 100);

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

    const oldConnections = fleet.connectedByVersion().get(OLD_VERSION) ?? 0;
    fleet.setReleaseRunning(true);
    const releaseStart = fleet.now();
    setPhase("release start");
    const ctx: ReleaseContext = { cfg, env, cluster, clock, old, phase: setPhase };
    const staged =
      name === "rolling" ? await rolling(ctx) : name === "bluegreen" ? await blueGreen(ctx) : await ours(ctx);
    const releaseEnd = fleet.now();
    setPhase("release done, waiting one back-off cap");
    fleet.stopBlips();
    // Every client cut at the very end gets its full back-off, plus a margin for the handshake itself.
    await sleepReal(scale.realMs(cfg.backoffCapSeconds) + 2 * cfg.handshakeTimeoutMs);
    const measureEnd = fleet.now();
    const clients = fleet.stats().map((s) => ({ ...s, closeCodes: new Map(s.closeCodes) }));
    fleet.stop();
    return {
      name,
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

type StrategyExtras = Pick<StrategyRun, "outcome" | "weights"> | undefined;

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
 * engine with the real gates through nginx, promotion by the stable selector,
 * then the old pods retired with the spread drain.
 */
async function ours(ctx: ReleaseContext): Promise<StrategyExtras> {
  const { cfg, env, cluster, clock, old, phase } = ctx;
  const router = new LocalRouter(env.balancer, cluster);
  const fresh = range(cfg.replicas).map(() => cluster.createPod(ourTemplate(cfg, NEW_VERSION)));
  await cluster.waitReady(fresh);
  // Weight 0 before the canary Service selects the new version: never an instant shift to a stale weight.
  await router.setCanaryWeight(0);
  cluster.setSelector("canary", [NEW_VERSION]);
  await cluster.waitPropagation();
  phase("canary 0%");
  const logger: Logger = {
    info: (line) => {
      env.logger.info(line);
      const step = /^step (\d+)\/(\d+): canary weight (\d+)%/.exec(line);
      if (step) phase(`canary ${step[3]}%`);
    },
    warn: (line) => env.logger.warn(line),
  };
  const result = await runRollout({
    steps: cfg.steps,
    gates: rehearsalGates(env.gates, router, clock),
    router,
    clock,
    logger,
    gateIntervalSeconds: env.gates.intervalSeconds,
    signal: env.signal,
  });
  const outcome = result.outcome;
  if (outcome.kind !== "promoted") {
    // Weight is back at 0 (or held): old version keeps serving, nothing is retired.
    phase(outcome.kind === "aborted" ? "aborted" : `held at ${outcome.weight}%`);
    return {
      outcome: outcome.kind === "aborted" ? `aborted: ${outcome.message}` : `held at ${outcome.weight}%`,
      weights: router.history,
    };
  }
  cluster.setSelector("stable", [NEW_VERSION]);
  await cluster.waitPropagation();
  phase("promoted, draining old");
  await Promise.all(old.map((p) => cluster.deletePod(p)));
  return { outcome: "promoted", weights: router.history };
}

/**
 * The gates `pulumi up` runs (buildGates over the router, so abort-request,
 * pods-ready, handshake, in its order), with one change: pods-ready reads the
 * run's scaled clock instead of Date.now. buildGates leaves `now` at its
 * default, and real epoch time against scheduled creation stamps would make
 * every pod look decades old; real stamps instead would keep the verdicts but
 * print every age as "0s" at x60 beside a schedule in scheduled seconds. With
 * the scaled clock, ages and the stack's podStartupSeconds are both in
 * scheduled time, as every other duration of the run.
 */
function rehearsalGates(gates: StackGates, router: LocalRouter, clock: Clock): Gate[] {
  const built = buildGates(gates, router);
  const index = built.findIndex((gate) => gate.name === PODS_READY_GATE);
  if (index < 0) throw new Error(`buildGates returned no ${PODS_READY_GATE} gate to put on the scaled clock`);
  built[index] = podsReadyGate(router, { startupSeconds: gates.podStartupSeconds, now: () => clock.now() });
  return built;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
