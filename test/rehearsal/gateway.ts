/**
 * Reference gateway: the drain contract (docs/drain-contract.md) in one small Node.js
 * process. The rehearsal runs it as its pods, and test/docs/drainContract.test.ts
 * holds it and the documented example to the same behaviour.
 *
 * Contract:
 *  - READINESS_PATH answers 200 until SIGTERM, then 503; LIVENESS_PATH answers 200.
 *  - On SIGTERM: fail readiness, refuse new upgrades with 503, close the open
 *    connections spread evenly over DRAIN_SECONDS with close code 1012, and
 *    exit when none remain.
 *
 * WebSocket upgrades are accepted on any path: the Ingress path is the
 * operator's choice ("/" by default, where the handshake gate connects too),
 * and the rehearsal's nginx uses "/ws".
 *
 * Environment: PORT (0 picks a free port), HOST (default 127.0.0.1, the
 * rehearsal's loopback; the container image sets 0.0.0.0 so the kubelet's
 * probes and the ingress reach the pod IP), GATEWAY_VERSION, DRAIN_SECONDS
 * (fractional allowed), BROADCAST_MS, CLOSE_ALL_ON_SIGTERM=1 (or the flag
 * --close-all-on-sigterm) for the naive behaviour the baselines measure.
 * Prints one JSON line `{"port": N}` on stdout once listening.
 *
 * Bad versions, for the rehearsal's faults (never set in the container image):
 *  - FAULT=refuse: answers every upgrade with 503 (readiness stays green).
 *  - FAULT=drop: accepts upgrades, then drops each socket without a close
 *    frame after DROP_AFTER_MS (fractional allowed).
 *  - SIGUSR2: the readiness probe fails from then on (the pod turns unready);
 *    open connections keep working.
 */

import * as http from "node:http";
import { WebSocketServer, WebSocket } from "ws";
import {
  CLOSE_CODE_SERVICE_RESTART,
  ENV_DRAIN_SECONDS,
  LIVENESS_PATH,
  READINESS_PATH,
} from "../../components/names";
import { DEFAULT_METRICS_PATH } from "../../components/rollout/defaults";
import {
  METRIC_CLOSES,
  METRIC_CONNECTIONS_OPEN,
  METRIC_UPGRADE_ERRORS,
  METRIC_UPGRADES,
  UPGRADE_ERROR_DRAINING,
} from "../../components/rollout/metrics";
import { VERSION_HEADER } from "./protocol";

const version = process.env.GATEWAY_VERSION ?? "dev";
const drainSeconds = Number(process.env[ENV_DRAIN_SECONDS] ?? "30");
const broadcastMs = Number(process.env.BROADCAST_MS ?? "250");
const closeAllOnSigterm =
  process.argv.includes("--close-all-on-sigterm") || process.env.CLOSE_ALL_ON_SIGTERM === "1";
const fault = process.env.FAULT ?? "";
const dropAfterMs = Number(process.env.DROP_AFTER_MS ?? "5000");

let draining = false;
let unready = false;
// Prometheus counters (components/rollout/metrics.ts names them): upgrades, refused upgrades by reason, closes by code.
let upgrades = 0;
const upgradeErrors = new Map<string, number>();
const closes = new Map<number, number>();
const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

function metricsText(): string {
  const v = `version="${version}"`;
  const lines = [
    `# TYPE ${METRIC_CONNECTIONS_OPEN} gauge`,
    `${METRIC_CONNECTIONS_OPEN}{${v}} ${clients.size}`,
    `# TYPE ${METRIC_UPGRADES} counter`,
    `${METRIC_UPGRADES}{${v}} ${upgrades}`,
    `# TYPE ${METRIC_UPGRADE_ERRORS} counter`,
    ...[...upgradeErrors].map(([reason, n]) => `${METRIC_UPGRADE_ERRORS}{${v},reason="${reason}"} ${n}`),
    `# TYPE ${METRIC_CLOSES} counter`,
    ...[...closes].map(([code, n]) => `${METRIC_CLOSES}{${v},code="${code}"} ${n}`),
  ];
  return `${lines.join("\n")}\n`;
}
const clients = new Set<WebSocket>();
const wss = new WebSocketServer({ noServer: true });

wss.on("headers", (headers) => headers.push(`${VERSION_HEADER}: ${version}`));
wss.on("connection", (ws) => {
  clients.add(ws);
  upgrades += 1;
  ws.on("close", (code) => {
    count(closes, code);
    clients.delete(ws);
    if (draining && clients.size === 0) process.exit(0);
  });
  ws.on("error", () => ws.terminate());
  // A version that drops its sockets: no close frame, the client sees 1006.
  if (fault === "drop") setTimeout(() => ws.terminate(), dropAfterMs);
  // Echo: lets a synthetic handshake check prove the socket carries messages.
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});

const server = http.createServer((req, res) => {
  if (req.url === READINESS_PATH) {
    const failing = draining || unready;
    res.writeHead(failing ? 503 : 200).end(draining ? "draining\n" : unready ? "unready\n" : "ready\n");
  } else if (req.url === DEFAULT_METRICS_PATH) {
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(metricsText());
  } else if (req.url === LIVENESS_PATH) {
    res.writeHead(200).end("alive\n");
  } else {
    res.writeHead(404).end();
  }
});

server.on("upgrade", (req, socket, head) => {
  if (draining) {
    count(upgradeErrors, UPGRADE_ERROR_DRAINING);
    // The ingress may still route here for a moment after endpoint removal; a
    // clean 503 lets the client retry instead of waiting on a dead socket.
    socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  if (fault === "refuse") {
    count(upgradeErrors, "refused");
    socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
});

// A sequence-numbered broadcast at a steady rate, so clients can detect a gap.
let seq = 0;
setInterval(() => {
  seq += 1;
  const message = JSON.stringify({ seq, version });
  for (const ws of clients) {
    if (ws.readyState === WebSocket.OPEN) ws.send(message);
  }
}, broadcastMs);

process.on("SIGUSR2", () => {
  unready = true;
});

process.on("SIGTERM", () => {
  if (draining) return;
  draining = true;
  if (closeAllOnSigterm) {
    // What a gateway without a SIGTERM handler does: the process ends and
    // every client loses its socket at the same instant.
    process.exit(0);
  }
  const open = [...clients];
  if (open.length === 0) process.exit(0);
  // Stratified jitter: connection i closes at a random moment inside slot i of
  // DRAIN_SECONDS / n. Independent random times would bunch up (Poisson
  // clusters); one close per slot keeps the rate flat at every time scale, and
  // the jitter keeps pods that drain together from closing in lockstep.
  shuffle(open);
  const slotMs = (drainSeconds * 1000) / open.length;
  open.forEach((ws, i) => {
    setTimeout(() => ws.close(CLOSE_CODE_SERVICE_RESTART, "service restart"), (i + Math.random()) * slotMs);
  });
});

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

server.listen(Number(process.env.PORT ?? "0"), process.env.HOST ?? "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
