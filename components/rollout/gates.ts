/**
 * The rollout gates (docs/how-it-works.md#gates). Each one turns a check into a GateResult whose
 * measured value and threshold read well in the abort message.
 */
import {
  DEFAULT_CANARY_ROUTE_WAIT_SECONDS,
  DEFAULT_VERSION_IDENTITY,
  type VersionIdentity,
} from "./defaults";
import { abnormalCloseGate } from "./gates/abnormalCloses";
import { abortRequestGate, isAbortRequestSource } from "./gates/abortRequest";
import { canaryRouteGate } from "./gates/dial";
import type { GateClock } from "./gates/clock";
import { handshakeGate } from "./gates/handshake";
import { ABNORMAL_CLOSE_GATE, CANARY_ROUTE_GATE, HANDSHAKE_GATE } from "./gates/names";
import { podsReadyGate } from "./gates/podsReady";
import { prometheusGate } from "./gates/prometheus";
import { resolveHeaders, type HeaderSource, type ProbeMode } from "./gates/probe";
import { survivalGate } from "./gates/survival";
import type { AbortRequestSource, CanaryMetricsSource, CanaryPodSource, Gate } from "./types";

export { DEFAULT_POD_STARTUP_SECONDS } from "./defaults";
export { abnormalCloseGate } from "./gates/abnormalCloses";
export { WALL_CLOCK, type GateClock } from "./gates/clock";
export { abortRequestGate } from "./gates/abortRequest";
export {
  canaryRouteGate,
  dialCanary,
  NO_IDENTITY_FIX,
  NO_VERSION,
  type CanaryDialOptions,
  type DialOutcome,
} from "./gates/dial";
export { handshakeGate, type HandshakeGateOptions } from "./gates/handshake";
export * from "./gates/names";
export { podsReadyGate, type PodsReadyOptions } from "./gates/podsReady";
export { prometheusGate } from "./gates/prometheus";
export { survivalGate, type SurvivalGateOptions } from "./gates/survival";
export * from "./gates/probe";

/** Gate settings as they come from stack config. */
export interface GatesConfig {
  readonly intervalSeconds: number;
  /** How long a pod that joins mid-step may stay not Ready (see podsReadyGate). @default 120 */
  readonly podStartupSeconds?: number;
  readonly handshake?: HandshakeSettings;
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
  /** Before the first weight above 0, how long the canary route may take to answer with the canary version. @default DEFAULT_CANARY_ROUTE_WAIT_SECONDS */
  readonly canaryRouteWaitSeconds?: number;
  /** Whether probes must be answered by the canary version (X-Gateway-Version). @default DEFAULT_VERSION_IDENTITY */
  readonly versionIdentity?: VersionIdentity;
}

/** The handshake probe as stack config gives it; the survival probes and the route check share its upgrade. */
export interface HandshakeSettings {
  readonly url: string;
  readonly timeoutSeconds: number;
  readonly message: string;
  /** Extra upgrade headers; a `fromEnv` one is read when the gates are built. @default none */
  readonly headers?: readonly HeaderSource[];
  readonly subprotocols?: readonly string[];
  /** The one reply the handshake gate accepts. @default any reply */
  readonly reply?: string;
  /** @default "message" */
  readonly mode?: ProbeMode;
}

/** What every dial of the probes sends: resolved headers and subprotocols, or why they cannot be sent. */
function upgradeOf(
  handshake: HandshakeSettings,
):
  | { readonly headers: Record<string, string>; readonly subprotocols?: readonly string[] }
  | { readonly problem: string } {
  const headers = resolveHeaders(handshake.headers);
  if (!("ok" in headers)) return headers;
  return {
    headers: headers.ok,
    ...(handshake.subprotocols === undefined || handshake.subprotocols.length === 0
      ? {}
      : { subprotocols: handshake.subprotocols }),
  };
}

/** A gate that fails every round with `problem` (a probe that cannot be configured as asked). */
function failing(name: string, problem: string, threshold: string): Gate {
  return { name, check: () => Promise.resolve({ ok: false, measured: problem, threshold }) };
}

/** What the gates know about the release beside their config. */
export interface GateTarget {
  /** The version being released: the canary route's answers must name it (version identity). */
  readonly canaryVersion?: string;
  /** The clock the data-plane gates keep time on (./gates/clock). @default WALL_CLOCK */
  readonly clock?: GateClock;
}

/** The version the probes expect, or undefined when identity is off or the version unknown. */
export function expectedVersion(config: GatesConfig, target: GateTarget): string | undefined {
  return (config.versionIdentity ?? DEFAULT_VERSION_IDENTITY) === "off" ? undefined : target.canaryVersion;
}

/**
 * What probes cannot prove with version identity off; said at the start of a
 * release and in preview. Undefined when identity is on.
 */
export function identityWarning(config: GatesConfig): string | undefined {
  if ((config.versionIdentity ?? DEFAULT_VERSION_IDENTITY) !== "off" || config.handshake === undefined)
    return undefined;
  return "rollout.gates.versionIdentity is off: the handshake and survival probes count any answer, so while the controller still routes the canary header to the stable version (its sync lag, or its fallback when the canary has no ready endpoint) they may measure the stable version (docs/release-safety.md#version-identity)";
}

/**
 * The check the engine runs once before the first weight above 0 (the
 * canary route answers with the canary version); undefined without a
 * handshake URL to dial.
 */
export function buildRouteCheck(config: GatesConfig, target: GateTarget): Gate | undefined {
  const waitSeconds = config.canaryRouteWaitSeconds ?? DEFAULT_CANARY_ROUTE_WAIT_SECONDS;
  const handshake = config.handshake;
  if (handshake === undefined) return undefined;
  const expect = expectedVersion(config, target);
  const upgrade = upgradeOf(handshake);
  if ("problem" in upgrade) return failing(CANARY_ROUTE_GATE, upgrade.problem, "the probes' upgrade headers");
  return canaryRouteGate({
    url: handshake.url,
    ...upgrade,
    handshakeTimeoutMs: handshake.timeoutSeconds * 1000,
    waitSeconds,
    ...(expect === undefined ? {} : { expectVersion: expect }),
    ...(target.clock === undefined ? {} : { clock: target.clock }),
  });
}

/** Survival gate settings as stack config gives them (the URL and message are the handshake gate's). */
export interface SurvivalSettings {
  readonly connections: number;
  readonly pingIntervalSeconds: number;
  readonly pongTimeoutSeconds: number;
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
  target: GateTarget = {},
): Gate[] {
  const expect = expectedVersion(config, target);
  const identity = {
    ...(expect === undefined ? {} : { expectVersion: expect }),
    ...(target.clock === undefined ? {} : { clock: target.clock }),
  };
  const gates: Gate[] = [];
  if (isAbortRequestSource(pods)) gates.push(abortRequestGate(pods));
  gates.push(
    podsReadyGate(pods, {
      startupSeconds: config.podStartupSeconds,
      ...(target.clock === undefined ? {} : { now: () => target.clock?.now() ?? Date.now() }),
    }),
  );
  const handshake = config.handshake;
  const upgrade = handshake === undefined ? undefined : upgradeOf(handshake);
  if (upgrade !== undefined && "problem" in upgrade) {
    gates.push(failing(HANDSHAKE_GATE, upgrade.problem, "the probes' upgrade headers"));
  } else if (handshake !== undefined) {
    gates.push(
      handshakeGate({
        url: handshake.url,
        timeoutSeconds: handshake.timeoutSeconds,
        message: handshake.message,
        ...upgrade,
        ...(handshake.reply === undefined ? {} : { reply: handshake.reply }),
        ...(handshake.mode === undefined ? {} : { mode: handshake.mode }),
        ...identity,
      }),
    );
  }
  const survival = config.survival;
  if (
    handshake !== undefined &&
    upgrade !== undefined &&
    !("problem" in upgrade) &&
    survival !== undefined &&
    survival.connections > 0
  ) {
    gates.push(
      survivalGate({
        url: handshake.url,
        message: handshake.message,
        ...upgrade,
        ...(handshake.mode === undefined ? {} : { mode: handshake.mode }),
        connections: survival.connections,
        pingIntervalSeconds: survival.pingIntervalSeconds,
        pongTimeoutSeconds: survival.pongTimeoutSeconds,
        ...identity,
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
