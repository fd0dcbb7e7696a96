/**
 * The drain contract (docs/drain-contract.md), checked on real processes: the
 * example the documentation shows (docs/examples/drain-gateway.js, which must be
 * the very block in the document) and the rehearsal's reference gateway each
 * answer their probes, refuse upgrades once SIGTERM arrives, close every
 * connection with 1012 spread over DRAIN_SECONDS, and exit when none is left.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { describe, it } from "node:test";
import WebSocket from "ws";
import {
  CLOSE_CODE_SERVICE_RESTART,
  ENV_DRAIN_SECONDS,
  LIVENESS_PATH,
  READINESS_PATH,
} from "../../components/names";
import { REPO_ROOT } from "../helpers/stacks";

const DOC = path.join(REPO_ROOT, "docs", "drain-contract.md");
const EXAMPLE = path.join(REPO_ROOT, "docs", "examples", "drain-gateway.js");
/** The reference gateway, compiled next to this test (dist/test/rehearsal/gateway.js). */
const REFERENCE = path.join(__dirname, "..", "rehearsal", "gateway.js");

const DRAIN_SECONDS = 3;
const CLIENTS = 24;

interface Implementation {
  readonly name: string;
  readonly args: readonly string[];
  /** Finds the listening port in the process's stdout. */
  readonly port: RegExp;
}

const IMPLEMENTATIONS: readonly Implementation[] = [
  { name: "docs/examples/drain-gateway.js", args: [EXAMPLE], port: /listening on (\d+)/ },
  { name: "test/rehearsal/gateway.ts (reference)", args: [REFERENCE], port: /"port":\s*(\d+)/ },
];

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
}

async function start(impl: Implementation): Promise<Running> {
  // A clean environment: only what the contract defines, so no variable of the
  // runner's (test-runner markers, fault switches) changes how a gateway behaves.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    PORT: "0",
    HOST: "127.0.0.1",
    [ENV_DRAIN_SECONDS]: String(DRAIN_SECONDS),
  };
  const child = spawn(process.execPath, [...impl.args], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, atMs: Date.now() })),
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`${impl.name} printed no port within 10 s: ${out}${stderr}`)),
      10_000,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = impl.port.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${impl.name} exited with ${code} before listening: ${stderr}`));
    });
  });
  return { child, port, exited };
}

function httpStatus(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: urlPath, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on("error", reject);
  });
}

/** An open client that has had one message echoed, and the close it later sees. */
interface Client {
  readonly closed: Promise<{ code: number; atMs: number }>;
}

function connect(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const closed = new Promise<{ code: number; atMs: number }>((done) =>
      ws.on("close", (code) => done({ code, atMs: Date.now() })),
    );
    ws.on("error", reject);
    ws.on("open", () => ws.send("ping"));
    ws.on("message", (data) => {
      if (data.toString() === "ping") resolve({ closed });
    });
  });
}

/** The HTTP status a WebSocket upgrade gets, or 101 when it is accepted. */
function upgradeStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.on("open", () => {
      ws.terminate();
      resolve(101);
    });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("error", () => resolve(0));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what} within ${withinMs} ms`);
}

describe("drain contract", () => {
  it("GIVEN docs/drain-contract.md THEN its example is docs/examples/drain-gateway.js, byte for byte", () => {
    const doc = fs.readFileSync(DOC, "utf8");
    const blocks = [...doc.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    assert.equal(blocks.length, 1, "docs/drain-contract.md should show exactly one js block");
    assert.equal(blocks[0], fs.readFileSync(EXAMPLE, "utf8"));
  });

  for (const impl of IMPLEMENTATIONS) {
    it(
      `GIVEN ${impl.name} with ${CLIENTS} clients WHEN it gets SIGTERM THEN it drains them over DRAIN_SECONDS with 1012 and exits`,
      {
        timeout: 60_000,
      },
      async () => {
        const gw = await start(impl);
        try {
          assert.equal(await httpStatus(gw.port, READINESS_PATH), 200, "ready before SIGTERM");
          assert.equal(await httpStatus(gw.port, LIVENESS_PATH), 200, "alive before SIGTERM");
          const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connect(gw.port)));

          const t0 = Date.now();
          gw.child.kill("SIGTERM");
          await waitFor(
            "readiness fails after SIGTERM",
            async () => (await httpStatus(gw.port, READINESS_PATH)) === 503,
            1000,
          );
          assert.equal(
            await httpStatus(gw.port, LIVENESS_PATH),
            200,
            "liveness stays healthy while draining",
          );
          assert.equal(await upgradeStatus(gw.port), 503, "a new upgrade is refused while draining");

          const closes = await Promise.all(clients.map((c) => c.closed));
          const exit = await gw.exited;

          assert.deepEqual(
            closes.map((c) => c.code),
            Array(CLIENTS).fill(CLOSE_CODE_SERVICE_RESTART),
            "every connection closed with 1012",
          );
          assert.equal(exit.code, 0, "exits with 0");
          const drainMs = DRAIN_SECONDS * 1000;
          const at = closes.map((c) => c.atMs - t0).sort((a, b) => a - b);
          // Spread, not a cut: every quarter of the drain gets some closes and none gets most of them.
          const perQuarter = [0, 0, 0, 0];
          for (const ms of at) perQuarter[Math.min(3, Math.floor(ms / (drainMs / 4)))] += 1;
          for (const [q, n] of perQuarter.entries()) {
            assert.ok(
              n >= 2 && n <= CLIENTS / 2,
              `quarter ${q + 1} of the drain had ${n} closes (${perQuarter.join("/")})`,
            );
          }
          assert.ok(
            at[CLIENTS - 1] <= drainMs + 1500,
            `last close at ${at[CLIENTS - 1]} ms, drain is ${drainMs} ms`,
          );
          assert.ok(exit.atMs - t0 >= at[CLIENTS - 1] - 100, "exits only after the last connection closed");
          assert.ok(exit.atMs - t0 <= drainMs + 2000, `exited ${exit.atMs - t0} ms after SIGTERM`);
        } finally {
          gw.child.kill("SIGKILL");
        }
      },
    );

    it(
      `GIVEN ${impl.name} with no client WHEN it gets SIGTERM THEN it exits at once with 0`,
      { timeout: 20_000 },
      async () => {
        const gw = await start(impl);
        try {
          const t0 = Date.now();
          gw.child.kill("SIGTERM");
          const exit = await gw.exited;
          assert.equal(exit.code, 0);
          assert.ok(exit.atMs - t0 < 1000, `exited ${exit.atMs - t0} ms after SIGTERM`);
        } finally {
          gw.child.kill("SIGKILL");
        }
      },
    );
  }
});
