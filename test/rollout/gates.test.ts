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

describe("podsReadyGate with pods joining mid-step", () => {
  // Pod creation times and the gate's clock, in epoch ms.
  const T0 = Date.parse("2026-03-01T12:00:00Z");
  const EXCEPTED = "all pods Ready (new pods within 2m0s of starting excepted)";

  function setup(initial: CanaryPod[], startupSeconds?: number) {
    const pods = new FakePods();
    pods.pods = initial;
    const clock = { nowMs: T0 };
    const gate = podsReadyGate(pods, { startupSeconds, now: () => clock.nowMs });
    return { pods, clock, gate };
  }

  const a: CanaryPod = { name: "gw-a", ready: true, restarts: 0, createdAtMs: T0 - 600_000 };
  const b: CanaryPod = { name: "gw-b", ready: true, restarts: 0, createdAtMs: T0 - 600_000 };

  it("GIVEN a pod that joined during the step and is not Ready yet WHEN checked within the allowance THEN it passes, saying the pod is starting", async () => {
    const { pods, clock, gate } = setup([a, b]);
    await gate.beginStep?.(CTX);
    clock.nowMs = T0 + 60_000;
    pods.pods = [a, b, { name: "gw-x", ready: false, restarts: 0, createdAtMs: T0 + 25_000 }];
    assert.deepEqual(await gate.check(CTX), {
      ok: true,
      measured: "2 of 3 pods Ready, 1 starting (gw-x, 35s old), 0 restarts",
      threshold: "at least 1 pod, all Ready (new pods within 2m0s of starting excepted), 0 restarts",
    });
    pods.pods = [a, b, { name: "gw-x", ready: true, restarts: 0, createdAtMs: T0 + 25_000 }];
    assert.deepEqual(await gate.check(CTX), {
      ok: true,
      measured: "3 pods Ready, 0 restarts",
      threshold: "at least 1 pod, all Ready, 0 restarts",
    });
  });

  it("GIVEN a new pod still not Ready past the allowance WHEN checked THEN it fails naming the pod and its age", async () => {
    const { pods, clock, gate } = setup([a, b]);
    await gate.beginStep?.(CTX);
    const x: CanaryPod = { name: "gw-x", ready: false, restarts: 0, createdAtMs: T0 + 10_000 };
    pods.pods = [a, b, x];
    clock.nowMs = T0 + 129_999;
    assert.equal((await gate.check(CTX)).ok, true, "1ms inside the allowance");
    clock.nowMs = T0 + 135_400;
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "1 of 3 pods not Ready (gw-x, 2m5s old)",
      threshold: EXCEPTED,
    });
  });

  it("GIVEN a configured allowance WHEN a new pod outlives it THEN the threshold names it", async () => {
    const { pods, clock, gate } = setup([a], 30);
    await gate.beginStep?.(CTX);
    pods.pods = [a, { name: "gw-x", ready: false, restarts: 0, createdAtMs: T0 }];
    clock.nowMs = T0 + 29_000;
    assert.equal((await gate.check(CTX)).ok, true);
    clock.nowMs = T0 + 30_000;
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "1 of 2 pods not Ready (gw-x, 30s old)",
      threshold: "all pods Ready (new pods within 30s of starting excepted)",
    });
  });

  it("GIVEN a pod that existed when the step began WHEN it turns unready THEN it fails as before, however young it is", async () => {
    const young: CanaryPod = { name: "gw-y", ready: true, restarts: 0, createdAtMs: T0 - 5_000 };
    const { pods, clock, gate } = setup([a, young]);
    await gate.beginStep?.(CTX);
    clock.nowMs = T0 + 10_000;
    pods.pods = [a, { ...young, ready: false }];
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "1 of 2 pods not Ready (gw-y)",
      threshold: "all pods Ready",
    });
  });

  it("GIVEN a pre-existing pod unready while a new pod is starting WHEN checked THEN it fails naming both", async () => {
    const { pods, clock, gate } = setup([a, b]);
    await gate.beginStep?.(CTX);
    clock.nowMs = T0 + 40_000;
    pods.pods = [
      a,
      { ...b, ready: false },
      { name: "gw-x", ready: false, restarts: 0, createdAtMs: T0 + 20_000 },
      { name: "gw-z", ready: false, restarts: 0, createdAtMs: T0 - 200_000 },
    ];
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "2 of 4 pods not Ready (gw-b; gw-z, 4m0s old), 1 starting (gw-x, 20s old)",
      threshold: EXCEPTED,
    });
  });

  it("GIVEN a new pod that restarts within the allowance WHEN checked THEN the restart fails the gate", async () => {
    const { pods, clock, gate } = setup([a]);
    await gate.beginStep?.(CTX);
    clock.nowMs = T0 + 30_000;
    pods.pods = [a, { name: "gw-x", ready: false, restarts: 1, createdAtMs: T0 + 5_000 }];
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "1 restart (gw-x: 1)",
      threshold: "0 restarts",
    });
  });

  it("GIVEN every pod starting and none Ready WHEN checked THEN it fails: at least one pod must be Ready", async () => {
    const { pods, clock, gate } = setup([a]);
    await gate.beginStep?.(CTX);
    clock.nowMs = T0 + 30_000;
    pods.pods = [
      { name: "gw-x", ready: false, restarts: 0, createdAtMs: T0 + 5_000 },
      { name: "gw-y", ready: false, restarts: 0, createdAtMs: T0 + 20_000 },
    ];
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "0 of 2 pods Ready, 2 starting (gw-x, 25s old; gw-y, 10s old)",
      threshold: "at least 1 pod Ready",
    });
  });

  it("GIVEN a new pod without a creation time WHEN it is not Ready THEN it gets no allowance", async () => {
    const { pods, gate } = setup([a]);
    await gate.beginStep?.(CTX);
    pods.pods = [a, { name: "gw-x", ready: false, restarts: 0 }];
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "1 of 2 pods not Ready (gw-x)",
      threshold: "all pods Ready",
    });
  });

  it("GIVEN a creation time slightly ahead of the gate's clock WHEN checked THEN the pod is starting and its age reads 0s", async () => {
    const { pods, gate } = setup([a]);
    await gate.beginStep?.(CTX);
    pods.pods = [a, { name: "gw-x", ready: false, restarts: 0, createdAtMs: T0 + 2_000 }];
    assert.equal(
      (await gate.check(CTX)).measured,
      "1 of 2 pods Ready, 1 starting (gw-x, 0s old), 0 restarts",
    );
  });

  it("GIVEN a pod that joined just before a step ended WHEN the next step begins before it is Ready THEN it is still starting there", async () => {
    const { pods, clock, gate } = setup([a]);
    await gate.beginStep?.(CTX);
    const x: CanaryPod = { name: "gw-x", ready: false, restarts: 0, createdAtMs: T0 + 55_000 };
    clock.nowMs = T0 + 60_000;
    pods.pods = [a, x];
    assert.equal((await gate.check(CTX)).ok, true);
    const next: GateContext = { step: 2, stepCount: 2, weight: 100 };
    await gate.beginStep?.(next);
    clock.nowMs = T0 + 70_000;
    assert.equal(
      (await gate.check(next)).measured,
      "1 of 2 pods Ready, 1 starting (gw-x, 15s old), 0 restarts",
    );
    clock.nowMs = T0 + 175_000;
    assert.deepEqual(await gate.check(next), {
      ok: false,
      measured: "1 of 2 pods not Ready (gw-x, 2m0s old)",
      threshold: EXCEPTED,
    });
  });

  it("GIVEN a pod that joined in an earlier step and became Ready WHEN it turns unready in a later step THEN it fails as a pre-existing pod", async () => {
    const { pods, clock, gate } = setup([a]);
    await gate.beginStep?.(CTX);
    const x: CanaryPod = { name: "gw-x", ready: true, restarts: 0, createdAtMs: T0 + 5_000 };
    clock.nowMs = T0 + 30_000;
    pods.pods = [a, x];
    assert.equal((await gate.check(CTX)).ok, true);
    pods.pods = [a, { ...x, ready: false }];
    const next: GateContext = { step: 2, stepCount: 2, weight: 100 };
    await gate.beginStep?.(next);
    assert.deepEqual(await gate.check(next), {
      ok: false,
      measured: "1 of 2 pods not Ready (gw-x)",
      threshold: "all pods Ready",
    });
  });

  it("GIVEN a pod not Ready at the first step's start WHEN checked THEN it fails as before, however young", async () => {
    const { gate } = setup([a, { name: "gw-x", ready: false, restarts: 0, createdAtMs: T0 - 1_000 }]);
    await gate.beginStep?.(CTX);
    assert.deepEqual(await gate.check(CTX), {
      ok: false,
      measured: "1 of 2 pods not Ready (gw-x)",
      threshold: "all pods Ready",
    });
  });

  it("GIVEN an allowance that is not a number of seconds >= 0 WHEN the gate is built THEN it is refused", () => {
    for (const startupSeconds of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => podsReadyGate(new FakePods(), { startupSeconds }), {
        message: `pods-ready: startup allowance ${startupSeconds}s is not a number of seconds >= 0`,
      });
    }
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

  it("GIVEN podStartupSeconds WHEN built THEN pods-ready uses it as the startup allowance", async () => {
    const pods = new FakePods();
    const [gate] = buildGates({ intervalSeconds: 10, podStartupSeconds: 45 }, pods);
    await gate.beginStep?.(CTX);
    // Created at the epoch, so whatever the real clock says, the pod is far past 45s.
    pods.pods = [...pods.pods, { name: "gw-x", ready: false, restarts: 0, createdAtMs: 0 }];
    assert.equal(
      (await gate.check(CTX)).threshold,
      "all pods Ready (new pods within 45s of starting excepted)",
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
