/**
 * The probes' upgrade and liveness settings against real local WebSocket
 * servers: headers from literals and environment variables, subprotocols,
 * the expected reply, and ping frames as the liveness check (handshake and
 * survival gates, built the way the engine builds them).
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, it } from "node:test";
import { WebSocketServer, type WebSocket } from "ws";
import { buildGates, type GatesConfig } from "../../components/rollout/gates";
import type { Gate, GateContext } from "../../components/rollout/types";
import { FakePods } from "./fakes";

const CTX: GateContext = { step: 1, stepCount: 2, weight: 10 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SECRET = "Bearer s3cr3t-token-value";

interface Server {
  readonly url: string;
  readonly requests: http.IncomingHttpHeaders[];
  readonly protocols: string[];
  close(): Promise<void>;
}

/** A local WebSocket server; `autoPong: false` plays a gateway that ignores ping frames. */
async function server(onConnection: (ws: WebSocket) => void, autoPong = true): Promise<Server> {
  const httpServer = http.createServer();
  const requests: http.IncomingHttpHeaders[] = [];
  const protocols: string[] = [];
  const wss = new WebSocketServer({
    server: httpServer,
    autoPong,
    handleProtocols: (offered: Set<string>): string | false => {
      const chosen = [...offered][0];
      if (chosen === undefined) return false;
      protocols.push(chosen);
      return chosen;
    },
  });
  wss.on("headers", (_h, req) => requests.push(req.headers));
  wss.on("connection", onConnection);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", () => resolve()));
  const port = (httpServer.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    requests,
    protocols,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

const echo = (ws: WebSocket) => ws.on("message", (data) => ws.send(data));
const silent = () => undefined;

function gatesFor(
  url: string,
  handshake: Partial<NonNullable<GatesConfig["handshake"]>>,
  survival = 0,
): Gate[] {
  return buildGates(
    {
      intervalSeconds: 1,
      handshake: { url, timeoutSeconds: 1, message: "ping", ...handshake },
      ...(survival === 0
        ? {}
        : { survival: { connections: survival, pingIntervalSeconds: 0.1, pongTimeoutSeconds: 0.3 } }),
    },
    new FakePods(),
  );
}

const named = (gates: Gate[], name: string): Gate => {
  const g = gates.find((x) => x.name === name);
  assert.ok(g !== undefined, `no ${name} gate`);
  return g;
};

describe("probe settings against local servers", { timeout: 30_000 }, () => {
  let open: { srv?: Server; gates?: Gate[] } = {};
  afterEach(async () => {
    for (const g of open.gates ?? []) await g.end?.();
    await open.srv?.close();
    open = {};
    delete process.env.WS_GATEWAY_TEST_PROBE_AUTH;
  });

  it("GIVEN a literal header, one from an environment variable and a subprotocol WHEN the handshake runs THEN the upgrade carries them and no message shows the secret", async () => {
    process.env.WS_GATEWAY_TEST_PROBE_AUTH = SECRET;
    const srv = await server(echo);
    const gates = gatesFor(srv.url, {
      headers: [
        { name: "Authorization", fromEnv: "WS_GATEWAY_TEST_PROBE_AUTH" },
        { name: "X-Tenant", value: "acme" },
      ],
      subprotocols: ["graphql-transport-ws", "v2.chat"],
    });
    open = { srv, gates };
    const result = await named(gates, "ws-handshake").check(CTX);
    assert.deepEqual(result, {
      ok: true,
      measured: "upgraded and got a reply",
      threshold: "upgrade and a reply within 1s",
    });
    assert.equal(srv.requests[0]?.authorization, SECRET);
    assert.equal(srv.requests[0]?.["x-tenant"], "acme");
    assert.equal(srv.requests[0]?.["sec-websocket-protocol"], "graphql-transport-ws,v2.chat");
    assert.deepEqual(srv.protocols, ["graphql-transport-ws"]);
    assert.ok(!JSON.stringify(result).includes("s3cr3t"));
  });

  it("GIVEN a header from an environment variable the process lacks WHEN the gates run THEN the handshake fails naming the variable and no survival probe dials", async () => {
    const srv = await server(echo);
    const gates = gatesFor(
      srv.url,
      { headers: [{ name: "Authorization", fromEnv: "WS_GATEWAY_TEST_PROBE_AUTH" }] },
      2,
    );
    open = { srv, gates };
    assert.deepEqual(await named(gates, "ws-handshake").check(CTX), {
      ok: false,
      measured:
        "header Authorization: environment variable WS_GATEWAY_TEST_PROBE_AUTH is not set in the process running the rollout (pulumi up); export it there",
      threshold: "the probes' upgrade headers",
    });
    assert.equal(
      gates.some((g) => g.name === "ws-survival"),
      false,
    );
    assert.equal(srv.requests.length, 0);
  });

  it("GIVEN an expected reply WHEN the gateway answers it THEN the handshake passes", async () => {
    const srv = await server((ws) => ws.on("message", () => ws.send("pong")));
    const gates = gatesFor(srv.url, { reply: "pong" });
    open = { srv, gates };
    assert.deepEqual(await named(gates, "ws-handshake").check(CTX), {
      ok: true,
      measured: "upgraded and got the reply",
      threshold: 'upgrade and the reply "pong" within 1s',
    });
  });

  it("GIVEN an expected reply WHEN the gateway answers something else THEN the handshake fails showing what came back", async () => {
    const srv = await server((ws) => ws.on("message", () => ws.send('{"error":"unauthorized"}')));
    const gates = gatesFor(srv.url, { reply: "pong" });
    open = { srv, gates };
    assert.deepEqual(await named(gates, "ws-handshake").check(CTX), {
      ok: false,
      measured: 'replied "{\\"error\\":\\"unauthorized\\"}", not "pong"',
      threshold: 'upgrade and the reply "pong" within 1s',
    });
  });

  it("GIVEN ping mode WHEN a gateway without application messages answers the ping frame THEN the handshake passes on its pong", async () => {
    const srv = await server(silent);
    const gates = gatesFor(srv.url, { mode: "ping" });
    open = { srv, gates };
    assert.deepEqual(await named(gates, "ws-handshake").check(CTX), {
      ok: true,
      measured: "upgraded and got a pong",
      threshold: "upgrade and a pong within 1s",
    });
  });

  it("GIVEN ping mode WHEN the gateway ignores ping frames THEN the handshake fails with no pong", async () => {
    const srv = await server(echo, false);
    const gates = gatesFor(srv.url, { mode: "ping" });
    open = { srv, gates };
    assert.deepEqual(await named(gates, "ws-handshake").check(CTX), {
      ok: false,
      measured: "no pong within 1s",
      threshold: "upgrade and a pong within 1s",
    });
  });

  it("GIVEN ping mode WHEN the survival probes hold sockets on a gateway that answers pings only THEN they stay healthy", async () => {
    const srv = await server(silent);
    const gates = gatesFor(srv.url, { mode: "ping" }, 2);
    open = { srv, gates };
    const survival = named(gates, "ws-survival");
    await survival.beginStep?.(CTX);
    await sleep(700);
    const result = await survival.check(CTX);
    assert.equal(result.ok, true, result.measured);
    assert.match(result.measured, /^2 of 2 open/);
  });

  it("GIVEN ping mode WHEN the survival probes sit on a gateway that ignores ping frames THEN they report the missed pong", async () => {
    const srv = await server(echo, false);
    const gates = gatesFor(srv.url, { mode: "ping" }, 2);
    open = { srv, gates };
    const survival = named(gates, "ws-survival");
    await survival.beginStep?.(CTX);
    await sleep(900);
    const result = await survival.check(CTX);
    assert.equal(result.ok, false);
    assert.match(result.measured, /missed a pong: no reply within 0\.3s/);
  });
});
