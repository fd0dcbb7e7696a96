/**
 * A fleet of real WebSocket clients that behave like clients we do not
 * control: after any close they come back after a random back-off, uniform up
 * to a cap (five minutes in the real world), and a small background rate of
 * unrelated disconnects (network blips) runs all the time. Everything is
 * counted per client, and blips apart, so the release is charged only with
 * what it caused.
 */
import WebSocket from "ws";
import type { TimeScale } from "./scale";
import { VERSION_HEADER } from "./protocol";

export interface FleetOptions {
  readonly url: string;
  readonly clients: number;
  readonly scale: TimeScale;
  /** Longest client back-off after a close, scheduled seconds. */
  readonly backoffCapSeconds: number;
  /** Mean scheduled seconds between two blips of one client. */
  readonly blipMeanSeconds: number;
  /**
   * Real milliseconds a handshake may take. Not scaled: it is a property of
   * the network and of this machine's load, not of the release schedule.
   */
  readonly handshakeTimeoutMs: number;
  /** Real milliseconds over which the initial connections are spread. */
  readonly rampMs: number;
}

/** Why a client is (re)connecting. */
export type AttemptCause = "initial" | "release" | "blip";

export interface ClientStats {
  /** Closes the server (or anything between) caused while the release ran. */
  releaseDisconnects: number;
  /** Server-side closes outside the release window (should be 0). */
  otherServerDisconnects: number;
  /** Close codes seen from the server during the release, code -> count. */
  readonly closeCodes: Map<number, number>;
  blips: number;
  /** Upgrades that failed while the release ran: HTTP error, refused, timeout. */
  failedHandshakes: number;
  /** Upgrades that failed outside the release window. */
  otherFailedHandshakes: number;
  /** Broadcast sequence numbers skipped while connected. */
  gaps: number;
  attempts: number;
  /** Version of the current connection; undefined while not connected. */
  version: string | undefined;
}

export interface AttemptEvent {
  /** Scheduled seconds since the fleet started. */
  readonly t: number;
  readonly cause: AttemptCause;
}

interface Client {
  readonly id: number;
  readonly stats: ClientStats;
  socket: WebSocket | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Cause carried to the next attempt. */
  nextCause: AttemptCause;
}

export class Fleet {
  private readonly clients: Client[] = [];
  private readonly startReal = performance.now();
  private releaseRunning = false;
  private readonly everConnected = new Set<number>();
  private stopped = false;
  private blipTimer: NodeJS.Timeout | undefined;
  readonly attempts: AttemptEvent[] = [];
  failureReasons = new Map<string, number>();

  constructor(private readonly options: FleetOptions) {
    for (let id = 0; id < options.clients; id++) {
      this.clients.push({
        id,
        socket: undefined,
        timer: undefined,
        nextCause: "initial",
        stats: {
          releaseDisconnects: 0,
          otherServerDisconnects: 0,
          closeCodes: new Map(),
          blips: 0,
          failedHandshakes: 0,
          otherFailedHandshakes: 0,
          gaps: 0,
          attempts: 0,
          version: undefined,
        },
      });
    }
  }

  /** Scheduled seconds since the fleet started: the time axis of every series. */
  now(): number {
    return this.options.scale.scheduledSeconds(performance.now() - this.startReal);
  }

  /** Connects every client, spread over the ramp, and starts the background blips. */
  start(): void {
    for (const client of this.clients) {
      client.timer = setTimeout(() => this.connect(client), Math.random() * this.options.rampMs);
    }
    this.scheduleBlip();
  }

  setReleaseRunning(running: boolean): void {
    this.releaseRunning = running;
  }

  stopBlips(): void {
    if (this.blipTimer) clearTimeout(this.blipTimer);
    this.blipTimer = undefined;
  }

  /** Connected clients per version. */
  connectedByVersion(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.clients) {
      const v = c.stats.version;
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return counts;
  }

  connectedCount(): number {
    return this.clients.filter((c) => c.stats.version !== undefined).length;
  }

  stats(): readonly ClientStats[] {
    return this.clients.map((c) => c.stats);
  }

  /** Waits until every client has connected once (a blip may have dropped some since). */
  async waitAllConnected(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.everConnected.size < this.clients.length) {
      if (Date.now() > deadline) {
        throw new Error(
          `only ${this.everConnected.size} of ${this.clients.length} clients connected after ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Closes every socket and cancels every timer; nothing is counted from here on. */
  stop(): void {
    this.stopped = true;
    this.stopBlips();
    for (const client of this.clients) {
      if (client.timer) clearTimeout(client.timer);
      client.socket?.terminate();
      client.socket = undefined;
    }
  }

  private connect(client: Client): void {
    client.timer = undefined;
    if (this.stopped) return;
    const cause = client.nextCause;
    client.stats.attempts += 1;
    this.attempts.push({ t: this.now(), cause });
    const socket = new WebSocket(this.options.url, {
      handshakeTimeout: this.options.handshakeTimeoutMs,
      perMessageDeflate: false,
    });
    client.socket = socket;
    let opened = false;
    let done = false;
    let lastSeq: number | undefined;
    let version: string | undefined;

    const failed = (reason: string) => {
      if (done) return;
      done = true;
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.terminate();
      if (this.stopped) return;
      if (this.releaseRunning) client.stats.failedHandshakes += 1;
      else client.stats.otherFailedHandshakes += 1;
      this.failureReasons.set(reason, (this.failureReasons.get(reason) ?? 0) + 1);
      this.retry(client, this.releaseRunning ? "release" : cause);
    };

    socket.on("upgrade", (response) => {
      const header = response.headers[VERSION_HEADER.toLowerCase()];
      version = Array.isArray(header) ? header[0] : header;
    });
    socket.on("unexpected-response", (_req, response) => {
      response.resume();
      failed(`HTTP ${response.statusCode ?? "?"}`);
    });
    socket.on("open", () => {
      opened = true;
      client.stats.version = version ?? "unknown";
      this.everConnected.add(client.id);
    });
    socket.on("message", (data) => {
      const { seq } = JSON.parse(data.toString()) as { seq: number };
      if (lastSeq !== undefined && seq !== lastSeq + 1) client.stats.gaps += 1;
      lastSeq = seq;
    });
    socket.on("error", (error) => {
      if (!opened) failed(errorReason(error));
      // After open, "close" follows and is handled there.
    });
    socket.on("close", (code) => {
      if (!opened) {
        failed(`closed before open (${code})`);
        return;
      }
      if (done) return;
      done = true;
      client.stats.version = undefined;
      client.socket = undefined;
      if (this.stopped) return;
      if (this.releaseRunning) {
        client.stats.releaseDisconnects += 1;
        client.stats.closeCodes.set(code, (client.stats.closeCodes.get(code) ?? 0) + 1);
        this.retry(client, "release");
      } else {
        client.stats.otherServerDisconnects += 1;
        this.retry(client, cause === "blip" ? "blip" : "initial");
      }
    });
  }

  private retry(client: Client, cause: AttemptCause): void {
    client.nextCause = cause;
    const delayMs = this.options.scale.realMs(Math.random() * this.options.backoffCapSeconds);
    client.timer = setTimeout(() => this.connect(client), delayMs);
  }

  /** A blip: the client's own network drops the socket (not the server). */
  private blip(client: Client): void {
    const socket = client.socket;
    if (!socket || client.stats.version === undefined) return;
    socket.removeAllListeners();
    socket.on("error", () => undefined);
    socket.terminate();
    client.socket = undefined;
    client.stats.version = undefined;
    client.stats.blips += 1;
    this.retry(client, "blip");
  }

  /** Blips arrive as one Poisson process over the fleet: rate = clients / mean interval per client. */
  private scheduleBlip(): void {
    if (this.stopped) return;
    const meanGapSeconds = this.options.blipMeanSeconds / this.clients.length;
    const gapSeconds = -Math.log(1 - Math.random()) * meanGapSeconds;
    this.blipTimer = setTimeout(() => {
      this.blip(this.clients[Math.floor(Math.random() * this.clients.length)]);
      this.scheduleBlip();
    }, this.options.scale.realMs(gapSeconds));
  }
}

function errorReason(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code) return code;
  if (/timed out/i.test(error.message)) return "handshake timeout";
  return error.message;
}
