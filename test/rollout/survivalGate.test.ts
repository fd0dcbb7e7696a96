/**
 * The connection-survival gate against real local WebSocket servers that
 * misbehave the ways a bad version does, and the abnormal-close gate against
 * metrics pages in the reference gateway's format.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, it } from "node:test";
import { WebSocketServer, type WebSocket } from "ws";
import { abnormalCloseGate, buildGates, survivalGate } from "../../components/rollout/gates";
import { abnormalCloseQuery, closeCounts, parsePrometheusText } from "../../components/rollout/metrics";
import type { Gate, GateContext } from "../../components/rollout/types";
import { FakePods } from "./fakes";

const CTX: GateContext = { step: 1, stepCount: 2, weight: 10 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Server {
  readonly url: string;
  readonly closes: number[];
  readonly headers: string[];
  connections: number;
  close(): Promise<void>;
}

/** A local WebSocket server; `onConnection` decides how each socket misbehaves. */
async function server(onConnection: (ws: WebSocket, index: number) => void, refuse = false): Promise<Server> {
  const httpServer = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const state: Server = {
    url: "",
    closes: [],
    headers: [],
    connections: 0,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
  httpServer.on("upgrade", (req, socket, head) => {
    state.headers.push(String(req.headers["x-ws-gateway-canary"]));
    if (refuse) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const index = state.connections++;
      ws.on("close", (code) => state.closes.push(code));
      onConnection(ws, index);
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", () => resolve()));
  const port = (httpServer.address() as AddressInfo).port;
  (state as { url: string }).url = `ws://127.0.0.1:${port}/`;
  return state;
}

const echo = (ws: WebSocket) => ws.on("message", (data) => ws.send(data));

describe("survivalGate against local servers", { timeout: 30_000 }, () => {
  let open: { gate?: Gate; srv?: Server } = {};
  afterEach(async () => {
    await open.gate?.end?.();
    await open.srv?.close();
    open = {};
  });

  async function start(srv: Server, connections = 3): Promise<Gate> {
    const gate = survivalGate({
      url: srv.url,
      connections,
      pingIntervalSeconds: 0.1,
      pongTimeoutSeconds: 0.3,
      message: "ping",
    });
    open = { gate, srv };
    await gate.beginStep?.(CTX);
    return gate;
  }

  it("GIVEN a healthy echoing version WHEN the pause runs THEN every probe stays open and answers, through the canary header", async () => {
    const srv = await server(echo);
    const gate = await start(srv);
    await sleep(800);
    const result = await gate.check(CTX);
    assert.equal(result.ok, true, result.measured);
    assert.match(result.measured, /^3 of 3 open, oldest [\d.]+s, slowest pong \d+ms$/);
    assert.equal(
      result.threshold,
      "3 connections through the canary held open, each answering a ping every 0.1s within 0.3s",
    );
    assert.deepEqual(srv.headers, ["always", "always", "always"]);
  });

  it("GIVEN a version that drops sockets 0.3s after accepting them WHEN the gate checks THEN it fails with the count, close code and lifetime", async () => {
    const srv = await server((ws) => {
      echo(ws);
      setTimeout(() => ws.terminate(), 300);
    });
    const gate = await start(srv);
    await sleep(700);
    const result = await gate.check(CTX);
    assert.equal(result.ok, false);
    assert.match(
      result.measured,
      /^3 of 3 probe connections failed \(#1 closed with code 1006 after 0\.\d+s; #2 closed with code 1006 after 0\.\d+s; #3 closed with code 1006 after 0\.\d+s\)$/,
    );
  });

  it("GIVEN a version that closes with 1011 WHEN the gate checks THEN the code is reported", async () => {
    const srv = await server((ws, index) => {
      echo(ws);
      if (index === 1) setTimeout(() => ws.close(1011, "internal error"), 100);
    });
    const gate = await start(srv);
    await sleep(500);
    const result = await gate.check(CTX);
    assert.equal(result.ok, false);
    assert.match(
      result.measured,
      /^1 of 3 probe connections failed \(#\d closed with code 1011 after 0\.\d+s\)$/,
    );
  });

  it("GIVEN a version that accepts but never answers WHEN a ping goes unanswered THEN it fails as a missed pong", async () => {
    const srv = await server(() => undefined);
    const gate = await start(srv, 1);
    await sleep(700);
    const result = await gate.check(CTX);
    assert.equal(result.ok, false);
    assert.match(
      result.measured,
      /^1 of 1 probe connections failed \(#1 missed a pong: no reply within 0\.3s after 0\.\d+s\)$/,
    );
  });

  it("GIVEN a version that refuses upgrades with 503 WHEN the step begins THEN the first check fails as a failed connect", async () => {
    const srv = await server(echo, true);
    const gate = await start(srv, 2);
    const result = await gate.check(CTX);
    assert.equal(result.ok, false);
    assert.equal(
      result.measured,
      "2 of 2 probe connections failed (#1 could not connect: HTTP 503 on upgrade; #2 could not connect: HTTP 503 on upgrade)",
    );
  });

  it("GIVEN a canary pod retiring through the drain contract (1012) WHEN a probe is closed once THEN it reconnects and the gate passes; a second 1012 in the step fails it", async () => {
    const srv = await server((ws, index) => {
      echo(ws);
      if (index === 0) setTimeout(() => ws.close(1012, "service restart"), 100);
      if (index === 3) setTimeout(() => ws.close(1012, "service restart"), 100);
    });
    const gate = await start(srv, 3);
    await sleep(500);
    const first = await gate.check(CTX);
    assert.equal(first.ok, false, "the reconnect (connection #4) was closed again within the step");
    assert.match(first.measured, /#1 closed with code 1012 after 0\.\d+s, the second drain close this step/);
    assert.equal(srv.connections, 4);
  });

  it("GIVEN a single drain close WHEN checked THEN it passes saying it reconnected", async () => {
    const srv = await server((ws, index) => {
      echo(ws);
      if (index === 0) setTimeout(() => ws.close(1012, "service restart"), 100);
    });
    const gate = await start(srv, 2);
    await sleep(500);
    const result = await gate.check(CTX);
    assert.equal(result.ok, true, result.measured);
    assert.match(result.measured, /^2 of 2 open, .*, 1 drain reconnect$/);
  });

  it("GIVEN probes open in step 1 WHEN step 2 begins THEN the same sockets are kept (no new connections) and end closes them with 1000", async () => {
    const srv = await server(echo);
    const gate = await start(srv, 2);
    await gate.beginStep?.({ ...CTX, step: 2 });
    assert.equal(srv.connections, 2);
    await gate.end?.();
    await sleep(200);
    assert.deepEqual(srv.closes, [1000, 1000]);
  });

  it("GIVEN survival settings and a handshake URL WHEN gates are built THEN ws-survival follows ws-handshake; 0 connections turns it off", () => {
    const handshake = { url: "ws://127.0.0.1:1/", timeoutSeconds: 1, message: "ping" };
    const survival = { connections: 5, pingIntervalSeconds: 5, pongTimeoutSeconds: 5 };
    const names = (connections: number) =>
      buildGates(
        { intervalSeconds: 10, handshake, survival: { ...survival, connections } },
        new FakePods(),
      ).map((gate) => gate.name);
    assert.deepEqual(names(5), ["pods-ready", "ws-handshake", "ws-survival"]);
    assert.deepEqual(names(0), ["pods-ready", "ws-handshake"]);
  });
});

const page = (lines: string[]) => `# TYPE ws_gateway_connections_closed_total counter\n${lines.join("\n")}\n`;

describe("abnormalCloseGate", () => {
  it("GIVEN metrics pages WHEN parsed THEN closes with codes other than 1000, 1001, 1012 and upgrade errors other than draining count", () => {
    const counts = closeCounts(
      parsePrometheusText(
        page([
          'ws_gateway_connections_open{version="v2"} 7',
          'ws_gateway_connections_closed_total{version="v2",code="1000"} 4',
          'ws_gateway_connections_closed_total{version="v2",code="1012"} 9',
          'ws_gateway_connections_closed_total{version="v2",code="1006"} 2',
          'ws_gateway_upgrade_errors_total{version="v2",reason="draining"} 5',
          'ws_gateway_upgrade_errors_total{version="v2",reason="refused"} 1',
        ]),
      ),
    );
    assert.deepEqual(counts, { abnormalByCode: { "1006": 2 }, failedUpgrades: 1, open: 7 });
  });

  it("GIVEN abnormal closes after the step began WHEN checked THEN it fails with counts per code and per pod; a restarted pod counts from 0", async () => {
    let pages = [
      { pod: "gw-a", text: page(['ws_gateway_connections_closed_total{code="1006"} 3']) },
      { pod: "gw-b", text: page(['ws_gateway_connections_closed_total{code="1006"} 5']) },
    ];
    const gate = abnormalCloseGate({ scrapeCanaryMetrics: async () => pages }, { maxPerStep: 1 });
    await gate.beginStep?.(CTX);
    assert.deepEqual(await gate.check(CTX), {
      ok: true,
      measured: "0 abnormal closes, 0 failed upgrades since the step began (2 pods, 0 open)",
      threshold: "at most 1 abnormal closes or failed upgrades on the canary per step",
    });
    pages = [
      {
        pod: "gw-a",
        text: page([
          'ws_gateway_connections_closed_total{code="1006"} 5',
          'ws_gateway_connections_closed_total{code="1011"} 1',
          'ws_gateway_connections_open{version="v2"} 4',
        ]),
      },
      // Restarted: its counter went down, so all of it is new.
      { pod: "gw-b", text: page(['ws_gateway_connections_closed_total{code="1006"} 1']) },
    ];
    const result = await gate.check(CTX);
    assert.equal(result.ok, false);
    assert.equal(
      result.measured,
      "4 abnormal closes (code 1006: 3, code 1011: 1) and 0 failed upgrades since the step began (gw-a: 3, gw-b: 1; 4 open)",
    );
  });

  it("GIVEN the documented Prometheus query WHEN built THEN it selects the canary Service and excludes the normal codes and draining refusals", () => {
    assert.equal(
      abnormalCloseQuery(),
      '(sum(rate(ws_gateway_connections_closed_total{service="ws-gateway-canary",code!~"1000|1001|1012"}[2m])) or vector(0)) + (sum(rate(ws_gateway_upgrade_errors_total{service="ws-gateway-canary",reason!="draining"}[2m])) or vector(0))',
    );
  });
});
