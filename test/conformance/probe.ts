/** The checker's probes: plain HTTP GETs (the kubelet's probes) and WebSocket clients. */
import * as http from "node:http";
import WebSocket from "ws";
import { VERSION_HEADER } from "../../components/names";

/** host:port and the WebSocket path of a gateway under test. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** Path of the WebSocket upgrade, e.g. "/". */
  readonly path: string;
}

/** How long a single probe may take. */
export const PROBE_TIMEOUT_MS = 2000;

export function wsUrl(endpoint: Endpoint): string {
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  return `ws://${host}:${endpoint.port}${endpoint.path}`;
}

/** The status of a GET, or the reason there was none ("connection refused", "timed out"). */
export function httpStatus(endpoint: Endpoint, urlPath: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: endpoint.host, port: endpoint.port, path: urlPath, timeout: PROBE_TIMEOUT_MS, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err: NodeJS.ErrnoException) =>
      resolve(err.code === "ECONNREFUSED" ? "connection refused" : err.message),
    );
  });
}

/** A client whose upgrade was accepted and whose probe message got an answer. */
export interface Client {
  /** The VERSION_HEADER of the 101 answer, if any. */
  readonly version: string | undefined;
  /** Milliseconds from sending the probe message to the first message back. */
  readonly replyMs: number;
  /** The close this client sees (its code and when, Date.now()). */
  readonly closed: Promise<{ code: number; atMs: number }>;
  readonly socket: WebSocket;
}

/** Opens a WebSocket, sends `message` and waits for any message back; rejects with what went wrong. */
export function openClient(endpoint: Endpoint, message: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(endpoint), { handshakeTimeout: PROBE_TIMEOUT_MS });
    let version: string | undefined;
    let sentAt = 0;
    const closed = new Promise<{ code: number; atMs: number }>((done) =>
      ws.on("close", (code) => done({ code, atMs: Date.now() })),
    );
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer to "${message}" within ${PROBE_TIMEOUT_MS} ms`));
    }, PROBE_TIMEOUT_MS * 2);
    ws.on("upgrade", (res) => {
      const value = res.headers[VERSION_HEADER.toLowerCase()];
      version = Array.isArray(value) ? value[0] : value;
    });
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(`the upgrade was answered with HTTP ${res.statusCode ?? 0}`));
    });
    ws.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on("open", () => {
      sentAt = Date.now();
      ws.send(message);
    });
    ws.once("message", () => {
      clearTimeout(timer);
      resolve({ version, replyMs: Date.now() - sentAt, closed, socket: ws });
    });
  });
}

/** The HTTP status a WebSocket upgrade gets (101 when accepted), or why it got none. */
export function upgradeStatus(endpoint: Endpoint): Promise<number | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl(endpoint), { handshakeTimeout: PROBE_TIMEOUT_MS });
    ws.on("open", () => {
      ws.terminate();
      resolve(101);
    });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("error", (err: NodeJS.ErrnoException) =>
      resolve(err.code === "ECONNREFUSED" ? "connection refused" : err.message),
    );
  });
}
