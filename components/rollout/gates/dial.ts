/**
 * Dialling the canary through its route, and knowing who answered.
 *
 * The handshake and survival probes go through the public endpoint with the
 * canary header, but the controller does not always honour it at once: its
 * backend sync lags the canary Service's switch by seconds, and while the
 * canary has no ready endpoint ingress-nginx falls back to the main backend
 * (docs/facts.md). A probe answered by the stable version measures the stable
 * version. So every probe reads the version identity of the answer (the
 * drain contract's X-Gateway-Version header on the 101), closes an answer
 * from another version and dials again, for a bounded time, and fails naming
 * the versions that answered when the canary never does.
 */
import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { CANARY_HEADER, CANARY_HEADER_ALWAYS, VERSION_HEADER } from "../../names";
import { CANARY_REDIAL_DELAY_MS, DEFAULT_CANARY_DIAL_SECONDS } from "../defaults";
import { formatDuration } from "../messages";
import type { Gate, GateResult } from "../types";
import { WALL_CLOCK, type GateClock } from "./clock";
import { CANARY_ROUTE_GATE } from "./names";
import { plural } from "./text";

/** How a dial reaches the canary. */
export interface CanaryDialOptions {
  /** Public WebSocket URL; the canary header is added to `headers`, last. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Subprotocols offered in Sec-WebSocket-Protocol; ws refuses an answer naming another. @default none */
  readonly subprotocols?: readonly string[];
  /** Per dial: how long the upgrade may take. */
  readonly handshakeTimeoutMs: number;
  /** The version the answer must name; undefined when version identity is off (any answer counts). */
  readonly expectVersion?: string;
  /** How long answers from other versions are re-dialled. @default DEFAULT_CANARY_DIAL_SECONDS */
  readonly dialSeconds?: number;
  /** @default CANARY_REDIAL_DELAY_MS */
  readonly redialDelayMs?: number;
  /** The clock every duration above is on. @default WALL_CLOCK */
  readonly clock?: GateClock;
}

/** A dial that reached the canary (or, with identity off, anything), or why it did not. */
export type DialOutcome =
  | {
      readonly ok: true;
      readonly socket: WebSocket;
      /** The version the answer named; undefined when it named none (identity off). */
      readonly version: string | undefined;
      /** Answers from other versions before this one, closed and re-dialled. */
      readonly others: readonly string[];
    }
  | { readonly ok: false; readonly problem: string };

/** How an answer without the version header is counted. */
export const NO_VERSION = "no version named";

type OneDial =
  | { readonly kind: "open"; readonly socket: WebSocket; readonly version: string | undefined }
  | { readonly kind: "failed"; readonly problem: string; readonly version: string | undefined };

function versionOf(response: IncomingMessage): string | undefined {
  const value = response.headers[VERSION_HEADER.toLowerCase()];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === "" ? undefined : text.trim();
}

/** Drops a socket without waiting for anything; its late errors are swallowed. */
export function discard(socket: WebSocket): void {
  socket.removeAllListeners();
  socket.on("error", () => undefined);
  if (socket.readyState === WebSocket.OPEN) socket.close(1000, "not the canary version");
  else socket.terminate();
  setTimeout(() => socket.terminate(), 1000).unref();
}

function dialOnce(options: CanaryDialOptions): Promise<OneDial> {
  return new Promise<OneDial>((resolve) => {
    let version: string | undefined = undefined;
    let settled = false;
    // The canary header goes last so extra headers cannot turn routing to the canary off.
    const socket = new WebSocket(options.url, [...(options.subprotocols ?? [])], {
      headers: { ...options.headers, [CANARY_HEADER]: CANARY_HEADER_ALWAYS },
      handshakeTimeout: Math.max(
        1,
        Math.round((options.clock ?? WALL_CLOCK).realTimeoutMs(options.handshakeTimeoutMs)),
      ),
    });
    const settle = (result: OneDial): void => {
      if (settled) return;
      settled = true;
      socket.removeAllListeners();
      // A socket with no error listener would throw on a late error; the owner adds its own.
      socket.on("error", () => undefined);
      if (result.kind === "failed") discard(socket);
      resolve(result);
    };
    socket.on("upgrade", (response: IncomingMessage) => {
      version = versionOf(response);
    });
    socket.on("unexpected-response", (_request, response: IncomingMessage) => {
      response.resume();
      settle({
        kind: "failed",
        problem: `HTTP ${response.statusCode ?? "?"} on upgrade`,
        version: versionOf(response),
      });
    });
    socket.on("open", () => settle({ kind: "open", socket, version }));
    socket.on("error", (error) =>
      settle({ kind: "failed", problem: `no upgrade: ${error.message}`, version }),
    );
    socket.on("close", (code) =>
      settle({ kind: "failed", problem: `closed with code ${code} during the upgrade`, version }),
    );
  });
}

/** "v1 x12, no version named x3": the answers that were not the canary, counted by version. */
function tally(others: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const version of others) counts.set(version, (counts.get(version) ?? 0) + 1);
  return [...counts]
    .map(([version, count]) => (version === NO_VERSION ? `${NO_VERSION} x${count}` : `${version} x${count}`))
    .join(", ");
}

/** Fix for answers that name no version: the gateway does not implement version identity. */
export const NO_IDENTITY_FIX = `the gateway does not send the ${VERSION_HEADER} header on the upgrade (docs/release-safety.md#version-identity): make it name GATEWAY_VERSION there, or set ws-gateway:rollout.gates.versionIdentity to off (the probes then cannot tell which version answered)`;

function neverCanary(expect: string, others: readonly string[], seconds: number): string {
  const lead = `the canary route answered ${plural(others.length, "dial")} in ${formatDuration(seconds)} with ${tally(others)}, never with the canary version ${expect}`;
  return others.includes(NO_VERSION) ? `${lead}; ${NO_IDENTITY_FIX}` : lead;
}

/**
 * Dials until the answer names `expectVersion` (or once, with identity off).
 * An HTTP error from another version is re-dialled like any other answer of
 * that version; one that names no version, or a network failure, fails at once.
 */
export async function dialCanary(options: CanaryDialOptions): Promise<DialOutcome> {
  const expect = options.expectVersion;
  const seconds = options.dialSeconds ?? DEFAULT_CANARY_DIAL_SECONDS;
  const delayMs = options.redialDelayMs ?? CANARY_REDIAL_DELAY_MS;
  const clock = options.clock ?? WALL_CLOCK;
  const deadline = clock.now() + seconds * 1000;
  const others: string[] = [];
  for (;;) {
    const dial = await dialOnce(options);
    const elsewhere = expect !== undefined && dial.version !== expect;
    if (dial.kind === "failed" && !(elsewhere && dial.version !== undefined)) {
      const by = dial.version === undefined ? "" : ` (answered by ${dial.version})`;
      return { ok: false, problem: `${dial.problem}${by}` };
    }
    if (!elsewhere && dial.kind === "open")
      return { ok: true, socket: dial.socket, version: dial.version, others };
    if (dial.kind === "open") discard(dial.socket);
    others.push(dial.version ?? NO_VERSION);
    if (expect === undefined || clock.now() + delayMs > deadline) {
      return { ok: false, problem: neverCanary(expect ?? "", others, seconds) };
    }
    await new Promise((resolve) => setTimeout(resolve, clock.realMs(delayMs)));
  }
}

/** " on v2" (empty when the answer named no version), plus the answers from other versions re-dialled first. */
export function answeredText(outcome: Extract<DialOutcome, { ok: true }>): string {
  const on = outcome.version === undefined ? "" : ` on ${outcome.version}`;
  return outcome.others.length === 0
    ? on
    : `${on}, after ${plural(outcome.others.length, "answer")} from ${tally(outcome.others)} re-dialled`;
}

/**
 * Run once by the engine before the first weight above 0: passes when the
 * canary route answers with the canary version within `waitSeconds`, so the
 * first step's probes and clients begin on the canary, not on the sync lag.
 */
export function canaryRouteGate(
  options: Omit<CanaryDialOptions, "dialSeconds"> & { readonly waitSeconds: number },
): Gate {
  const expect = options.expectVersion;
  const threshold =
    expect === undefined
      ? `an upgrade through the canary route within ${formatDuration(options.waitSeconds)}`
      : `the canary route answering with version ${expect} within ${formatDuration(options.waitSeconds)}`;
  return {
    name: CANARY_ROUTE_GATE,
    async check(): Promise<GateResult> {
      const dial = await dialCanary({ ...options, dialSeconds: options.waitSeconds });
      if (!dial.ok) return { ok: false, measured: dial.problem, threshold };
      discard(dial.socket);
      return { ok: true, measured: `upgraded${answeredText(dial)}`, threshold };
    },
  };
}
