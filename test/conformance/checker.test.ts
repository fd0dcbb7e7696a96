/**
 * The conformance checker itself: how it reads --cmd, how it judges a
 * spread, its usage errors (exit 2), its --url mode, and a gateway that never
 * starts. The examples' runs are in examples.test.ts.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { CLOSE_CODE_SERVICE_RESTART, ENV_DRAIN_SECONDS, VERSION_HEADER } from "../../components/names";
import { REPO_ROOT } from "../helpers/stacks";
import { childEnv } from "../rehearsal/protocol";
import { BOUNDS, EXIT } from "./args";
import { failedPoints, reportOf, runChecker } from "./run";
import { LATE_CLOSE_MS, SPREAD_MAX_DISTANCE, measureSpread, spreadProblem } from "./spread";
import { parseCommand } from "./words";

const REFERENCE = path.join(__dirname, "..", "rehearsal", "gateway.js");

describe("conformance --cmd words", () => {
  it("GIVEN quotes, $VAR and leading assignments THEN they split like a shell's simple command", () => {
    const parsed = parseCommand(`BROKEN=close-all FOO="a b" ./gw --port $PORT --name 'x $PORT' "\${PORT}"`, {
      PORT: "8080",
    });
    assert.deepEqual(parsed, {
      program: "./gw",
      args: ["--port", "8080", "--name", "x $PORT", "8080"],
      assignments: { BROKEN: "close-all", FOO: "a b" },
    });
  });

  it("GIVEN shell syntax THEN it is refused with how to wrap it so SIGTERM still reaches the gateway", () => {
    assert.throws(
      () => parseCommand("make build && ./gw", {}),
      /shell syntax \(&\).*sh -c '... exec <gateway>'/,
    );
    assert.throws(() => parseCommand("./gw 'unterminated", {}), /unterminated ' quote/);
    assert.throws(() => parseCommand("FOO=1", {}), /no program to run/);
  });
});

describe("conformance spread", () => {
  const drainMs = 4000;

  it("GIVEN one close per slot with jitter THEN the distance to uniform is small and it passes", () => {
    const at = Array.from({ length: 32 }, (_, i) => (i + 0.5) * (drainMs / 32));
    const spread = measureSpread(at, drainMs);
    assert.ok(spread.distance <= 1 / 32 + 1e-9, String(spread.distance));
    assert.deepEqual(spread.perQuarter, [8, 8, 8, 8]);
    assert.equal(spreadProblem(spread), undefined);
  });

  it("GIVEN every close at once THEN the distance is near 1 and it fails", () => {
    const spread = measureSpread(Array(32).fill(20), drainMs);
    assert.ok(spread.distance > 0.99);
    assert.match(spreadProblem(spread) ?? "", new RegExp(`at most ${SPREAD_MAX_DISTANCE}`));
  });

  it("GIVEN closes spread over the first half only THEN it fails", () => {
    const at = Array.from({ length: 32 }, (_, i) => (i + 0.5) * (drainMs / 64));
    assert.ok(measureSpread(at, drainMs).distance >= 0.49);
    assert.notEqual(spreadProblem(measureSpread(at, drainMs)), undefined);
  });

  it("GIVEN an even spread whose last close is later than DRAIN_SECONDS allows THEN it fails on lateness", () => {
    const at = Array.from({ length: 32 }, (_, i) => (i + 0.5) * (drainMs / 32));
    at[31] = drainMs + LATE_CLOSE_MS + 1;
    assert.match(spreadProblem(measureSpread(at, drainMs)) ?? "", /after DRAIN_SECONDS/);
  });
});

describe("conformance command line", () => {
  it("GIVEN --help THEN it prints the usage with the contract's names and exits 0", async () => {
    const run = await runChecker(["--help"], REPO_ROOT);
    assert.equal(run.status, EXIT.pass);
    assert.match(run.stdout, /^Usage: npm run conformance -- --cmd/);
    for (const text of [
      ENV_DRAIN_SECONDS,
      VERSION_HEADER,
      `default ${BOUNDS.drainSeconds.default}`,
      "--json",
    ])
      assert.ok(run.stdout.includes(text), `usage mentions ${text}`);
  });

  for (const [why, args, message] of [
    ["no target", [], /give exactly one target/],
    ["both targets", ["--cmd", "./gw", "--url", "ws://127.0.0.1:1/"], /give exactly one target/],
    ["--url without a way to drain", ["--url", "ws://127.0.0.1:1/"], /--pid N .* or --term-cmd/],
    ["an https URL", ["--url", "https://x/", "--pid", "5"], /not a ws:\/\/ URL/],
    [
      "too few clients",
      ["--cmd", "./gw", "--clients", "3"],
      new RegExp(`--clients: 3 is out of range; give one from ${BOUNDS.clients.min}`),
    ],
    [
      "a drain that is no number",
      ["--cmd", "./gw", "--drain-seconds", "soon"],
      /--drain-seconds: "soon" is not a number/,
    ],
    ["an unknown option", ["--cmd", "./gw", "--fast"], /unknown argument --fast/],
    [
      "a --cmd option with --url",
      ["--url", "ws://127.0.0.1:1/", "--pid", "5", "--port", "1"],
      /--port is for --cmd/,
    ],
  ] as const) {
    it(`GIVEN ${why} THEN it says what to pass and exits 2 before starting anything`, async () => {
      const run = await runChecker(args, REPO_ROOT);
      assert.equal(run.status, EXIT.usage, run.stdout);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, "");
    });
  }

  it("GIVEN a command that exits at once WHEN checked THEN the starts point fails with its output and the exit code is 1", async () => {
    const run = await runChecker(
      [
        "--json",
        "--start-seconds",
        "5",
        "--cmd",
        `'${process.execPath}' -e 'console.log("no port"); process.exit(3)'`,
      ],
      REPO_ROOT,
    );
    assert.equal(run.status, EXIT.fail);
    const report = reportOf(run);
    assert.deepEqual(failedPoints(report), ["starts"]);
    assert.match(report.points[0].measured, /exited \(code 3\) before answering HTTP.*no port/s);
  });

  /** Starts the reference gateway the way an operator would have it running; resolves with it and its port. */
  async function runningReference(): Promise<{ gateway: ChildProcess; port: number }> {
    const gateway = spawn(process.execPath, [REFERENCE], {
      env: childEnv({
        PORT: "0",
        HOST: "127.0.0.1",
        GATEWAY_VERSION: "v-url",
        [ENV_DRAIN_SECONDS]: String(BOUNDS.drainSeconds.default),
      }),
      stdio: ["ignore", "pipe", "ignore"],
    });
    const port = await new Promise<number>((resolve) =>
      gateway.stdout?.on("data", (c: Buffer) => resolve((JSON.parse(c.toString()) as { port: number }).port)),
    );
    return { gateway, port };
  }

  it(
    "GIVEN a --term-cmd that fails WHEN checked THEN the drain points say SIGTERM could not be sent and the exit code is 1",
    { timeout: 60_000 },
    async () => {
      const { gateway, port } = await runningReference();
      try {
        const run = await runChecker(
          ["--json", "--url", `ws://127.0.0.1:${port}/`, "--term-cmd", "exit 7"],
          REPO_ROOT,
        );
        assert.equal(run.status, EXIT.fail, run.stderr);
        const report = reportOf(run);
        assert.deepEqual(failedPoints(report), [
          "readiness-fails-on-sigterm",
          "liveness-while-draining",
          "refuses-upgrades-while-draining",
          "close-code",
          "spread",
          "exit",
        ]);
        assert.match(report.points.find((p) => p.id === "exit")?.measured ?? "", /--term-cmd exited with 7/);
      } finally {
        gateway.kill("SIGKILL");
      }
    },
  );

  it(
    "GIVEN the reference gateway already running WHEN checked by --url and --term-cmd THEN every point passes, the end seen as the port closing",
    { timeout: 60_000 },
    async () => {
      const { gateway, port } = await runningReference();
      try {
        const run = await runChecker(
          ["--json", "--url", `ws://127.0.0.1:${port}/`, "--term-cmd", `kill -TERM ${gateway.pid}`],
          REPO_ROOT,
        );
        const report = reportOf(run);
        assert.deepEqual(failedPoints(report), [], run.stdout);
        assert.match(report.points.find((p) => p.id === "exit")?.measured ?? "", /^stopped listening/);
        assert.match(report.points.find((p) => p.id === "version-identity")?.measured ?? "", /v-url/);
      } finally {
        gateway.kill("SIGKILL");
      }
    },
  );

  it(
    "GIVEN the reference gateway already running WHEN checked by --url and --pid THEN every point passes",
    { timeout: 60_000 },
    async () => {
      const { gateway, port } = await runningReference();
      try {
        const run = await runChecker(
          ["--json", "--url", `ws://127.0.0.1:${port}/`, "--pid", String(gateway.pid), "--version", "v-url"],
          REPO_ROOT,
        );
        const report = reportOf(run);
        assert.deepEqual(failedPoints(report), [], run.stdout);
        assert.equal(run.status, EXIT.pass);
        const closeCode = report.points.find((p) => p.id === "close-code");
        assert.match(closeCode?.measured ?? "", new RegExp(`with ${CLOSE_CODE_SERVICE_RESTART}`));
        assert.equal(
          report.points.some((p) => p.id === "exit-without-connections"),
          false,
          "a gateway the checker did not start is not restarted",
        );
      } finally {
        gateway.kill("SIGKILL");
      }
    },
  );
});
