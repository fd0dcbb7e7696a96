/** Gate ws-survival: probe sockets on the canary version, held open through every pause. */
import WebSocket from "ws";
import { CLOSE_CODE_SERVICE_RESTART } from "../../names";
import { formatDuration } from "../messages";
import type { Gate, GateResult } from "../types";
import { WALL_CLOCK, type GateClock } from "./clock";
import { dialCanary, type CanaryDialOptions } from "./dial";
import { SURVIVAL_GATE } from "./names";
import { DEFAULT_PROBE_MODE, type ProbeMode } from "./probe";
import { plural } from "./text";

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
  /** Subprotocols offered on the upgrade. @default none */
  readonly subprotocols?: readonly string[];
  /** `message`: send `message`, any message answers; `ping`: a ping frame, its pong answers. @default "message" */
  readonly mode?: ProbeMode;
  /** The canary version every probe must sit on (version identity); undefined: any answer counts. */
  readonly expectVersion?: string;
  /** How long answers from other versions are re-dialled. @default DEFAULT_CANARY_DIAL_SECONDS */
  readonly dialSeconds?: number;
  /** The clock the ping interval, the pong timeout and the timings in messages are on. @default WALL_CLOCK */
  readonly clock?: GateClock;
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
  /** A dial is under way (the first one, or the reconnect after a drain close). */
  dialling: boolean;
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
 * Every probe is dialled through ./dial: one answered by another version
 * (the controller's sync lag or its fallback to the main backend) is closed
 * and dialled again, so a probe that counts is on the canary version; a
 * probe that cannot reach it within the dial bound fails the gate.
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
  const clock = options.clock ?? WALL_CLOCK;
  const now = (): number => clock.now();
  const pongMs = options.pongTimeoutSeconds * 1000;
  const mode = options.mode ?? DEFAULT_PROBE_MODE;
  const on = options.expectVersion === undefined ? "" : ` on version ${options.expectVersion}`;
  const threshold = `${plural(count, "connection")} through the canary${on} held open, each answering a ping every ${formatDuration(options.pingIntervalSeconds)} within ${formatDuration(options.pongTimeoutSeconds)}`;
  const probes: Probe[] = [];
  let pinger: NodeJS.Timeout | undefined = undefined;
  let ended = false;
  const lived = (probe: Probe): string =>
    probe.openedAtMs === undefined ? "" : ` after ${formatDuration((now() - probe.openedAtMs) / 1000)}`;

  const dialOptions: CanaryDialOptions = {
    url: options.url,
    handshakeTimeoutMs: pongMs,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.subprotocols === undefined ? {} : { subprotocols: options.subprotocols }),
    ...(options.expectVersion === undefined ? {} : { expectVersion: options.expectVersion }),
    ...(options.dialSeconds === undefined ? {} : { dialSeconds: options.dialSeconds }),
    clock,
  };

  const connect = async (probe: Probe): Promise<void> => {
    probe.dialling = true;
    const dial = await dialCanary(dialOptions);
    probe.dialling = false;
    if (!dial.ok) {
      probe.problem = `could not connect${on}: ${dial.problem}`;
      return;
    }
    if (ended) {
      dial.socket.terminate();
      return;
    }
    const socket = dial.socket;
    probe.socket = socket;
    probe.openedAtMs = now();
    socket.on(mode === "ping" ? "pong" : "message", () => {
      if (probe.pingSentAtMs !== undefined) {
        probe.maxRttMs = Math.max(probe.maxRttMs, now() - probe.pingSentAtMs);
        probe.pingSentAtMs = undefined;
      }
      clearTimeout(probe.pongTimer);
      probe.pongTimer = undefined;
    });
    socket.on("close", (code) => {
      clearTimeout(probe.pongTimer);
      probe.pongTimer = undefined;
      if (ended || probe.socket !== socket || probe.problem !== undefined) return;
      const drainClose = code === CLOSE_CODE_SERVICE_RESTART || code === 1001;
      if (drainClose && probe.restartsThisStep === 0) {
        // The drain contract at work (e.g. the canary's HPA retires a pod): reconnect once, to the canary.
        probe.restartsThisStep += 1;
        probe.openedAtMs = undefined;
        probe.socket = undefined;
        void connect(probe);
        return;
      }
      probe.problem = drainClose
        ? `closed with code ${code}${lived(probe)}, the second drain close this step`
        : `closed with code ${code}${lived(probe)}`;
    });
  };

  const ping = (): void => {
    for (const probe of probes) {
      const socket = probe.socket;
      if (probe.problem !== undefined || socket === undefined || socket.readyState !== WebSocket.OPEN)
        continue;
      if (probe.pongTimer !== undefined) continue; // still waiting for the last one
      probe.pingSentAtMs = now();
      if (mode === "ping") socket.ping();
      else socket.send(options.message);
      probe.pongTimer = setTimeout(() => {
        probe.pongTimer = undefined;
        if (!ended && probe.problem === undefined) {
          probe.problem = `missed a pong: no reply within ${formatDuration(options.pongTimeoutSeconds)}${lived(probe)}`;
        }
      }, clock.realTimeoutMs(pongMs));
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
          dialling: false,
        });
      }
      // A probe still healthy keeps its socket across steps: sockets live as long as the canary does.
      await Promise.all(
        probes
          .filter((probe) => probe.socket === undefined && !probe.dialling && probe.problem === undefined)
          .map(connect),
      );
      if (pinger === undefined) {
        pinger = setInterval(ping, clock.realMs(options.pingIntervalSeconds * 1000));
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
