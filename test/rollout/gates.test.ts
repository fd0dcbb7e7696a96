import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { WebSocketServer } from "ws";
import {
  abortRequestGate,
  buildGates,
  handshakeGate,
  podsReadyGate,
  prometheusGate,
} from "../../components/rollout/gates";
import type { CanaryPod, GateContext } from "../../components/rollout/types";
import { FakeAbortRequest, FakePods } from "./fakes";

const CTX: GateContext = { step: 1, stepCount: 2, weight: 5 };

const sockets = new WeakMap<http.Server, Set<Socket>>();

/** Listens on 127.0.0.1 on an ephemeral port; tracks sockets so close() also ends upgraded ones. */
function listen(server: http.Server): Promise<string> {
  const open = new Set<Socket>();
  sockets.set(server, open);
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function close(server: http.Server): Promise<void> {
  for (const socket of sockets.get(server) ?? []) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("podsReadyGate", () => {
  it("GIVEN ready pods without restarts WHEN checked THEN it passes", async () => {
    const pods = new FakePods();
    pods.pods = [
      { name: "a", ready: true, restarts: 3 },
      { name: "b", ready: true, restarts: 0 },
    ];
    const gate = podsReadyGate(pods);
    await gate.beginStep?.(CTX);
    assert.deepEqual(await gate.check(CTX), {
      ok: true,
      measured: "2 pods Ready, 0 restarts",
      threshold: "at least 1 pod, all Ready, 0 restarts",
    });
  });

  it("GIVEN no canary pod WHEN checked THEN it fails with 0 pods", async () => {
    const pods = new FakePods();
    pods.pods = [];
    const gate = podsReadyGate(pods);
    await gate.beginStep?.(CTX);
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "0 pods",
      threshold: "at least 1 pod, all Ready, 0 restarts",
    });
  });

  it("GIVEN a pod that restarted since beginStep and a new pod that restarted WHEN checked THEN both count, compared per pod", async () => {
    const pods = new FakePods();
    pods.pods = [
      { name: "a", ready: true, restarts: 4 },
      { name: "b", ready: true, restarts: 0 },
    ];
    const gate = podsReadyGate(pods);
    await gate.beginStep?.(CTX);
    pods.pods = [
      { name: "a", ready: true, restarts: 5 },
      { name: "b", ready: true, restarts: 0 },
      { name: "c", ready: true, restarts: 1 },
    ];
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "2 restarts (a: 1, c: 1)",
      threshold: "0 restarts",
    });
  });

  it("GIVEN a pod that is not Ready WHEN checked THEN it fails naming the pod", async () => {
    const pods = new FakePods();
    pods.pods = [
      { name: "a", ready: true, restarts: 0 },
      { name: "b", ready: false, restarts: 0 },
    ];
    const gate = podsReadyGate(pods);
    await gate.beginStep?.(CTX);
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "1 of 2 pods not Ready (b)",
      threshold: "all pods Ready",
    });
  });

  it("GIVEN no beginStep WHEN checked twice THEN the first check is the baseline", async () => {
    const pods = new FakePods();
    pods.pods = [{ name: "a", ready: true, restarts: 2 }];
    const gate = podsReadyGate(pods);
    assert.equal((await gate.check(CTX)).ok, true);
    pods.pods = [{ name: "a", ready: true, restarts: 3 }];
    assert.equal((await gate.check(CTX)).measured, "1 restart (a: 1)");
  });
});

describe("handshakeGate against local servers", { timeout: 30_000 }, () => {
  const seenHeaders: http.IncomingHttpHeaders[] = [];
  const echo = http.createServer();
  const silent = http.createServer();
  const unavailable = http.createServer((_req, res) => {
    res.writeHead(503).end("no healthy upstream");
  });
  const stalled = http.createServer();
  let echoAddr = "";
  let silentAddr = "";
  let unavailableAddr = "";
  let stalledAddr = "";

  before(async () => {
    const echoWss = new WebSocketServer({ server: echo });
    echoWss.on("headers", (_headers, req) => seenHeaders.push(req.headers));
    echoWss.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
    new WebSocketServer({ server: silent });
    unavailable.on("upgrade", (_req, socket) =>
      socket.end("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"),
    );
    // Accepts the TCP connection and the request, never answers the upgrade.
    stalled.on("upgrade", () => undefined);
    [echoAddr, silentAddr, unavailableAddr, stalledAddr] = await Promise.all([
      listen(echo),
      listen(silent),
      listen(unavailable),
      listen(stalled),
    ]);
  });

  after(async () => {
    await Promise.all([close(echo), close(silent), close(unavailable), close(stalled)]);
  });

  it("GIVEN an echoing canary WHEN the handshake runs THEN it passes and sent the canary header and extra headers", async () => {
    const gate = handshakeGate({
      url: `ws://${echoAddr}/ws`,
      timeoutSeconds: 2,
      message: "ping",
      headers: { Host: "gw.example.com", "X-Ws-Gateway-Canary": "never" },
    });
    assert.equal(gate.name, "ws-handshake");
    assert.deepEqual(await gate.check(CTX), {
      ok: true,
      measured: "upgraded and got a reply",
      threshold: "upgrade and a reply within 2s",
    });
    const headers = seenHeaders.at(-1);
    assert.equal(headers?.["x-ws-gateway-canary"], "always");
    assert.equal(headers?.host, "gw.example.com");
  });

  it("GIVEN a 503 on upgrade WHEN the handshake runs THEN measured says so", async () => {
    const result = await handshakeGate({
      url: `ws://${unavailableAddr}/`,
      timeoutSeconds: 2,
      message: "ping",
    }).check(CTX);
    assert.deepEqual(result, {
      ok: false,
      measured: "HTTP 503 on upgrade",
      threshold: "upgrade and a reply within 2s",
    });
  });

  it("GIVEN a canary that upgrades but never replies WHEN the handshake runs THEN it fails after the timeout", async () => {
    const result = await handshakeGate({
      url: `ws://${silentAddr}/`,
      timeoutSeconds: 0.3,
      message: "ping",
    }).check(CTX);
    assert.deepEqual(result, {
      ok: false,
      measured: "no reply within 0.3s",
      threshold: "upgrade and a reply within 0.3s",
    });
  });

  it("GIVEN a server that never answers the upgrade WHEN the handshake runs THEN it fails as no upgrade", async () => {
    const result = await handshakeGate({
      url: `ws://${stalledAddr}/`,
      timeoutSeconds: 0.3,
      message: "ping",
    }).check(CTX);
    assert.equal(result.ok, false);
    assert.match(result.measured, /^no upgrade/);
  });

  it("GIVEN nothing listening WHEN the handshake runs THEN the connection error is the measured value", async () => {
    const server = http.createServer();
    const addr = await listen(server);
    await close(server);
    const result = await handshakeGate({ url: `ws://${addr}/`, timeoutSeconds: 2, message: "ping" }).check(
      CTX,
    );
    assert.deepEqual(result, {
      ok: false,
      measured: `no upgrade: connect ECONNREFUSED ${addr}`,
      threshold: "upgrade and a reply within 2s",
    });
  });
});

describe("prometheusGate against a fake Prometheus", () => {
  const requests: string[] = [];
  let reply: { status: number; body: string } | "hang" = { status: 200, body: "{}" };
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (reply === "hang") return;
    res.writeHead(reply.status, { "Content-Type": "application/json" }).end(reply.body);
  });
  let base = "";
  const vector = (value: string) =>
    JSON.stringify({
      status: "success",
      data: { resultType: "vector", result: [{ metric: { job: "gw" }, value: [1700000000.1, value] }] },
    });

  before(async () => {
    base = `http://${await listen(server)}`;
  });
  after(() => close(server));

  it("GIVEN an error ratio under the threshold WHEN checked THEN it passes and sent an instant query", async () => {
    reply = { status: 200, body: vector("0.002") };
    const gate = prometheusGate({
      url: `${base}/`,
      query: 'sum(rate(errors{v="2"}[1m]))',
      threshold: 0.01,
      comparison: "<=",
    });
    assert.equal(gate.name, "prometheus");
    assert.deepEqual(await gate.check(CTX), { ok: true, measured: "0.002", threshold: "<= 0.01" });
    assert.equal(requests.at(-1), "GET /api/v1/query?query=sum(rate(errors%7Bv%3D%222%22%7D%5B1m%5D))");
  });

  it("GIVEN a value over the threshold WHEN checked THEN it fails with the value", async () => {
    reply = { status: 200, body: vector("0.07") };
    const result = await prometheusGate({ url: base, query: "q", threshold: 0.01, comparison: "<=" }).check(
      CTX,
    );
    assert.deepEqual(result, { ok: false, measured: "0.07", threshold: "<= 0.01" });
  });

  it("GIVEN a scalar and a >= comparison WHEN checked THEN the scalar is compared", async () => {
    reply = {
      status: 200,
      body: JSON.stringify({ status: "success", data: { resultType: "scalar", result: [1, "3"] } }),
    };
    const result = await prometheusGate({ url: base, query: "q", threshold: 2, comparison: ">=" }).check(CTX);
    assert.deepEqual(result, { ok: true, measured: "3", threshold: ">= 2" });
  });

  it("GIVEN an empty result WHEN checked THEN it fails with no data", async () => {
    reply = {
      status: 200,
      body: JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }),
    };
    const result = await prometheusGate({ url: base, query: "q", threshold: 0.01, comparison: "<=" }).check(
      CTX,
    );
    assert.deepEqual(result, { ok: false, measured: "no data (empty vector)", threshold: "<= 0.01" });
  });

  it("GIVEN NaN WHEN checked THEN it fails", async () => {
    reply = { status: 200, body: vector("NaN") };
    const result = await prometheusGate({ url: base, query: "q", threshold: 0.01, comparison: "<=" }).check(
      CTX,
    );
    assert.deepEqual(result, { ok: false, measured: "NaN", threshold: "<= 0.01" });
  });

  it("GIVEN a bad query WHEN checked THEN Prometheus's error is the measured value", async () => {
    reply = {
      status: 400,
      body: JSON.stringify({ status: "error", errorType: "bad_data", error: "parse error at char 3" }),
    };
    const result = await prometheusGate({ url: base, query: "q(", threshold: 0.01, comparison: "<=" }).check(
      CTX,
    );
    assert.deepEqual(result, {
      ok: false,
      measured: "HTTP 400: parse error at char 3",
      threshold: "<= 0.01",
    });
  });

  it("GIVEN a Prometheus that never answers WHEN checked THEN it fails after its timeout", async () => {
    reply = "hang";
    const result = await prometheusGate({
      url: base,
      query: "q",
      threshold: 1,
      comparison: "<=",
      timeoutSeconds: 0.2,
    }).check(CTX);
    assert.deepEqual(result, { ok: false, measured: "no answer within 0.2s", threshold: "<= 1" });
  });
});

describe("abortRequestGate", () => {
  const threshold = "no ws-gateway.io/abort annotation on the canary Ingress";

  it("GIVEN no abort request WHEN checked THEN it passes", async () => {
    assert.deepEqual(await abortRequestGate(new FakeAbortRequest()).check(CTX), {
      ok: true,
      measured: "no abort requested",
      threshold,
    });
  });

  it("GIVEN an abort request WHEN checked THEN it fails quoting the reason", async () => {
    const source = new FakeAbortRequest();
    source.reason = "bad latency";
    assert.deepEqual(await abortRequestGate(source).check(CTX), {
      ok: false,
      measured: 'abort requested: "bad latency"',
      threshold,
    });
  });

  it("GIVEN a source that names its Ingress WHEN the request fails the gate THEN the fix is the kubectl command that removes it", async () => {
    const source = new FakeAbortRequest({ namespace: "prod", name: "ws-gateway-canary" });
    source.reason = "bad latency";
    assert.deepEqual(await abortRequestGate(source).check(CTX), {
      ok: false,
      measured: 'abort requested: "bad latency"',
      threshold,
      fix: "remove it with: kubectl annotate ingress ws-gateway-canary -n prod ws-gateway.io/abort-",
    });
  });

  it("GIVEN an empty reason or one with quotes and a newline WHEN checked THEN it still fails and the reason stays on one line", async () => {
    const source = new FakeAbortRequest();
    const gate = abortRequestGate(source);
    source.reason = "";
    assert.equal((await gate.check(CTX)).measured, 'abort requested: ""');
    source.reason = 'p99 "spiked"\nsee #ops';
    const result = await gate.check(CTX);
    assert.equal(result.ok, false);
    assert.equal(result.measured, 'abort requested: "p99 \\"spiked\\"\\nsee #ops"');
  });

  it("GIVEN the request is withdrawn WHEN checked again THEN it passes again (it holds no state)", async () => {
    const source = new FakeAbortRequest();
    const gate = abortRequestGate(source);
    source.reason = "x";
    assert.equal((await gate.check(CTX)).ok, false);
    source.reason = undefined;
    assert.equal((await gate.check(CTX)).ok, true);
    assert.equal(source.reads, 2);
  });
});

describe("buildGates", () => {
  it("GIVEN a config with handshake and prometheus WHEN built THEN pods-ready comes first, then the configured gates", () => {
    const gates = buildGates(
      {
        intervalSeconds: 10,
        handshake: { url: "wss://gw.example.com/ws", timeoutSeconds: 5, message: "ping" },
        prometheus: { url: "http://prom:9090", query: "q", threshold: 0.01, comparison: "<=" },
      },
      new FakePods(),
    );
    assert.deepEqual(
      gates.map((gate) => gate.name),
      ["pods-ready", "ws-handshake", "prometheus"],
    );
    assert.deepEqual(
      buildGates({ intervalSeconds: 10 }, new FakePods()).map((gate) => gate.name),
      ["pods-ready"],
    );
  });

  it("GIVEN a source that also reads abort requests WHEN built THEN abort-request comes first and reads that source", async () => {
    const abort = new FakeAbortRequest();
    const pods = new FakePods();
    const source = {
      listCanaryPods: (): Promise<readonly CanaryPod[]> => pods.listCanaryPods(),
      getAbortRequest: () => abort.getAbortRequest(),
    };
    const gates = buildGates(
      {
        intervalSeconds: 10,
        handshake: { url: "wss://gw.example.com/ws", timeoutSeconds: 5, message: "ping" },
      },
      source,
    );
    assert.deepEqual(
      gates.map((gate) => gate.name),
      ["abort-request", "pods-ready", "ws-handshake"],
    );
    abort.reason = "stop";
    assert.equal((await gates[0].check(CTX)).measured, 'abort requested: "stop"');
  });
});
