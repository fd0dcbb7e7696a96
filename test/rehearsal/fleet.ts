/**
 * A fleet of real WebSocket clients that behave like clients we do not
 * control: after any close they come back after a random back-off, uniform up
 * to a cap (five minutes in the real world), and a small background rate of
 * unrelated disconnects (network blips) runs all the time. Everything is
 * counted per client, and blips apart, so the release is charged only with
 * what it caused. New sessions can arrive during the release (a Poisson
 * stream of new clients), so a canary gets real first-time clients at its
 * weight, not only the reconnects of blips.
 */
import WebSocket from "ws";
import type { TimeScale } from "./scale";
import { ROUTE_HEADER, VERSION_HEADER } from "./protocol";

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
export type AttemptCause = "initial" | "release" | "blip" | "arrival";

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
  /** Of those, the ones the balancer had sent to the canary (the rest took the stable path). */
  failedHandshakesCanary: number;
  /** Connected to the watched canary version at least once (see Fleet.watchCanary). */
  everOnCanary: boolean;
  /** A new session that arrived after the fleet's initial ramp. */
  arrived: boolean;
  /** The client ended its session itself (turnover) and is gone: not counted as unconnected. */
  departed: boolean;
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
  private readonly initialClients: number;
  private arrivalTimer: NodeJS.Timeout | undefined;
  private canaryVersion: string | undefined;
  private handshaking = 0;
  private readonly startReal = performance.now();
  private releaseRunning = false;
  private readonly everConnected = new Set<number>();
  private stopped = false;
  private blipTimer: NodeJS.Timeout | undefined;
  readonly attempts: AttemptEvent[] = [];
  failureReasons = new Map<string, number>();

  constructor(private readonly options: FleetOptions) {
    this.initialClients = options.clients;
    for (let id = 0; id < options.clients; id++) this.addClient("initial");
  }

  private addClient(cause: AttemptCause): Client {
    const client: Client = {
      id: this.clients.length,
      socket: undefined,
      timer: undefined,
      nextCause: cause,
      stats: {
        releaseDisconnects: 0,
        otherServerDisconnects: 0,
        closeCodes: new Map(),
        blips: 0,
        failedHandshakes: 0,
        failedHandshakesCanary: 0,
        everOnCanary: false,
        arrived: cause === "arrival",
        departed: false,
        otherFailedHandshakes: 0,
        gaps: 0,
        attempts: 0,
        version: undefined,
      },
    };
    this.clients.push(client);
    return client;
  }

  /**
   * Session turnover from now on: a Poisson stream of new clients at
   * `perScheduledSecond`, each connecting once and then behaving like the
   * rest, and for each one a connected client ending its session itself
   * (a normal close from the client, not a disruption), so the fleet's size
   * stays steady while new sessions keep reaching whatever the weight says.
   */
  startArrivals(perScheduledSecond: number): void {
    this.stopArrivals();
    if (!(perScheduledSecond > 0)) return;
    const next = () => {
      if (this.stopped) return;
      const gapSeconds = -Math.log(1 - Math.random()) / perScheduledSecond;
      this.arrivalTimer = setTimeout(() => {
        this.depart();
        this.connect(this.addClient("arrival"));
        next();
      }, this.options.scale.realMs(gapSeconds));
    };
    next();
  }

  /** A random connected client ends its session: it closes normally and does not come back. */
  private depart(): void {
    const connected = this.clients.filter((c) => c.stats.version !== undefined && !c.stats.departed);
    if (connected.length === 0) return;
    const client = connected[Math.floor(Math.random() * connected.length)];
    const socket = client.socket;
    client.stats.departed = true;
    client.stats.version = undefined;
    client.socket = undefined;
    if (client.timer) clearTimeout(client.timer);
    if (socket) {
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.close(1000, "session ended");
      setTimeout(() => socket.terminate(), 1000);
    }
  }

  stopArrivals(): void {
    if (this.arrivalTimer) clearTimeout(this.arrivalTimer);
    this.arrivalTimer = undefined;
  }

  /** Marks every client that connects to `version` from now on as a canary client (undefined stops). */
  watchCanary(version: string | undefined): void {
    this.canaryVersion = version;
    if (version === undefined) return;
    for (const c of this.clients) if (c.stats.version === version) c.stats.everOnCanary = true;
  }

  /** Upgrades in flight. */
  pendingHandshakes(): number {
    return this.handshaking;
  }

  /** Clients waiting out a back-off before their next attempt. */
  retriesPending(): number {
    return this.clients.filter((c) => c.timer !== undefined && !c.stats.departed).length;
  }

  /** Clients so far, initial and arrived. */
  size(): number {
    return this.clients.length;
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
    while (this.everConnected.size < this.initialClients) {
      if (Date.now() > deadline) {
        throw new Error(
          `only ${this.everConnected.size} of ${this.initialClients} clients connected after ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Closes every socket and cancels every timer; nothing is counted from here on. */
  stop(): void {
    this.stopped = true;
    this.stopBlips();
    this.stopArrivals();
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
    this.handshaking += 1;
    let opened = false;
    let done = false;
    let route: string | undefined;
    let lastSeq: number | undefined;
    let version: string | undefined;

    const failed = (reason: string) => {
      if (done) return;
      done = true;
      this.handshaking -= 1;
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.terminate();
      if (this.stopped) return;
      if (this.releaseRunning) {
        client.stats.failedHandshakes += 1;
        // No answer at all (refused, timeout) has no route: charged to the stable path, the strict reading.
        if (route === "canary") client.stats.failedHandshakesCanary += 1;
      } else {
        client.stats.otherFailedHandshakes += 1;
      }
      this.failureReasons.set(reason, (this.failureReasons.get(reason) ?? 0) + 1);
      this.retry(client, this.releaseRunning ? "release" : cause);
    };

    socket.on("upgrade", (response) => {
      const header = response.headers[VERSION_HEADER.toLowerCase()];
      version = Array.isArray(header) ? header[0] : header;
    });
    socket.on("unexpected-response", (_req, response) => {
      const header = response.headers[ROUTE_HEADER.toLowerCase()];
      route = Array.isArray(header) ? header[0] : header;
      response.resume();
      failed(`HTTP ${response.statusCode ?? "?"}`);
    });
    socket.on("open", () => {
      opened = true;
      this.handshaking -= 1;
      client.stats.version = version ?? "unknown";
      if (this.canaryVersion !== undefined && client.stats.version === this.canaryVersion) {
        client.stats.everOnCanary = true;
      }
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
