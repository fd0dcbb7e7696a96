/** Gate ws-handshake: an upgrade through the canary route, answered by the canary version, and a reply. */
import { formatDuration } from "../messages";
import type { Gate, GateResult } from "../types";
import { WALL_CLOCK, type GateClock } from "./clock";
import { answeredText, dialCanary, discard, type CanaryDialOptions, type DialOutcome } from "./dial";
import { HANDSHAKE_GATE } from "./names";
import { DEFAULT_PROBE_MODE, shownReply, type ProbeMode } from "./probe";

/** Settings of the handshake gate. */
export interface HandshakeGateOptions {
  readonly url: string;
  readonly timeoutSeconds: number;
  readonly message: string;
  readonly headers?: Record<string, string>;
  /** Subprotocols offered on the upgrade. @default none */
  readonly subprotocols?: readonly string[];
  /** The only reply that passes; undefined: any reply. Ignored in ping mode. */
  readonly reply?: string;
  /** `message` sends `message` and waits for a reply; `ping` sends a ping frame and waits for the pong. @default "message" */
  readonly mode?: ProbeMode;
  /** The canary version the answer must name (version identity); undefined: any answer counts. */
  readonly expectVersion?: string;
  /** How long answers from other versions are re-dialled. @default DEFAULT_CANARY_DIAL_SECONDS */
  readonly dialSeconds?: number;
  /** The clock the timeouts are on. @default WALL_CLOCK */
  readonly clock?: GateClock;
}

/** " (on v2)" after a failure, so it says which version failed; empty when the answer named none. */
function within(dial: Extract<DialOutcome, { ok: true }>): string {
  const text = answeredText(dial).trim();
  return text === "" ? "" : ` (${text})`;
}

/**
 * Opens a WebSocket through the public endpoint with the canary header, so
 * ingress-nginx routes it to the canary whatever the weight; passes when the
 * upgrade is answered by the canary version (./dial) and the probe is
 * answered within the timeout: any message (or exactly `reply`) after
 * `message`, or the pong to a ping frame in ping mode.
 */
export function handshakeGate(cfg: HandshakeGateOptions): Gate {
  const timeoutMs = cfg.timeoutSeconds * 1000;
  const on = cfg.expectVersion === undefined ? "" : ` on version ${cfg.expectVersion}`;
  const mode = cfg.mode ?? DEFAULT_PROBE_MODE;
  const answer =
    mode === "ping"
      ? "a pong"
      : cfg.reply === undefined
        ? "a reply"
        : `the reply ${JSON.stringify(cfg.reply)}`;
  const threshold = `upgrade${on} and ${answer} within ${formatDuration(cfg.timeoutSeconds)}`;
  const dialOptions: CanaryDialOptions = {
    url: cfg.url,
    handshakeTimeoutMs: timeoutMs,
    ...(cfg.headers === undefined ? {} : { headers: cfg.headers }),
    ...(cfg.subprotocols === undefined ? {} : { subprotocols: cfg.subprotocols }),
    ...(cfg.expectVersion === undefined ? {} : { expectVersion: cfg.expectVersion }),
    ...(cfg.dialSeconds === undefined ? {} : { dialSeconds: cfg.dialSeconds }),
    clock: cfg.clock ?? WALL_CLOCK,
  };
  const clock = cfg.clock ?? WALL_CLOCK;
  return {
    name: HANDSHAKE_GATE,
    async check(): Promise<GateResult> {
      const dial = await dialCanary(dialOptions);
      if (!dial.ok) return { ok: false, measured: dial.problem, threshold };
      const socket = dial.socket;
      return new Promise<GateResult>((resolve) => {
        let settled = false;
        // Declared before `finish` uses it: the closure serializer rejects uses ahead of declarations.
        let timer: NodeJS.Timeout | undefined = undefined;
        const finish = (ok: boolean, measured: string): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          discard(socket);
          resolve({ ok, measured, threshold });
        };
        timer = setTimeout(
          () =>
            finish(
              false,
              `no ${mode === "ping" ? "pong" : "reply"} within ${formatDuration(cfg.timeoutSeconds)}${within(dial)}`,
            ),
          clock.realTimeoutMs(timeoutMs),
        );
        if (mode === "ping") {
          socket.on("pong", () => finish(true, `upgraded${answeredText(dial)} and got a pong`));
        } else {
          socket.on("message", (data) => {
            if (cfg.reply === undefined) finish(true, `upgraded${answeredText(dial)} and got a reply`);
            else if (shownReply(data) === cfg.reply)
              finish(true, `upgraded${answeredText(dial)} and got the reply`);
            else
              finish(
                false,
                `replied ${JSON.stringify(shownReply(data))}, not ${JSON.stringify(cfg.reply)}${within(dial)}`,
              );
          });
        }
        socket.on("close", (code) =>
          finish(false, `closed with code ${code} before replying${within(dial)}`),
        );
        socket.on("error", (error) => finish(false, `error: ${error.message}${within(dial)}`));
        if (mode === "ping") socket.ping();
        else socket.send(cfg.message);
      });
    },
  };
}
