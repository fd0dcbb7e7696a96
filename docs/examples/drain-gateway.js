// A minimal WebSocket gateway that honours the drain contract (docs/drain-contract.md).
// Run: DRAIN_SECONDS=1800 PORT=8080 GATEWAY_VERSION=v1 node drain-gateway.js   (needs the `ws` package)
// Check: npm run conformance -- --cmd "node docs/examples/drain-gateway.js" (docs/conformance.md)
const http = require("node:http");
const { WebSocketServer } = require("ws");

const drainMs = Number(process.env.DRAIN_SECONDS ?? 1800) * 1000;
const version = process.env.GATEWAY_VERSION ?? "dev";
let draining = false;

const server = http.createServer((req, res) => {
  if (req.url === "/livez") return res.writeHead(200).end("ok"); // stays healthy while draining
  if (req.url === "/readyz") return res.writeHead(draining ? 503 : 200).end(); // fails while draining
  res.writeHead(404).end();
});

const wss = new WebSocketServer({ noServer: true });
wss.on("headers", (headers) => headers.push(`X-Gateway-Version: ${version}`)); // version identity
server.on("upgrade", (req, socket, head) => {
  if (draining) return socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
});
wss.on("connection", (ws) => ws.on("message", (m, isBinary) => ws.send(m, { binary: isBinary })));

process.on("SIGTERM", () => {
  if (draining) return;
  draining = true; // readiness fails, no new upgrades
  const clients = [...wss.clients];
  if (clients.length === 0) process.exit(0);
  // BROKEN=close-all plays the mistake the conformance check catches: every socket closed at once.
  const slotMs = process.env.BROKEN === "close-all" ? 0 : drainMs / clients.length;
  clients.forEach((ws, i) => {
    ws.on("close", () => wss.clients.size === 0 && process.exit(0));
    // connection i closes at a random moment of slot i: an even spread, with jitter
    setTimeout(() => ws.close(1012, "service restart"), (i + Math.random()) * slotMs);
  });
});

server.listen(Number(process.env.PORT ?? 8080), process.env.HOST, () =>
  console.log(`listening on ${server.address().port}`),
);
