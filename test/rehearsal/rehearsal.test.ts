import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import {
  ABORT_REQUEST_GATE,
  buildGates,
  HANDSHAKE_GATE,
  SURVIVAL_GATE,
  PODS_READY_GATE,
} from "../../components/rollout/gates";
import type { CanaryPod } from "../../components/rollout/types";
import { Balancer, LocalRouter } from "./balancer";
import { openFilesProblem, parseOpenFilesLimit, requiredOpenFiles } from "./limits";
import { percentile, peakRate, rateSeries, reconnectBudgetPerSecond, summarizeDisconnects } from "./metrics";
import { NGINX_INSTALL_HINT, findNginx, renderNginxConfig } from "./nginx";
import { childEnv } from "./protocol";
import type { RehearsalJson } from "./report";
import { localGates, parseSteps, stackRelease } from "./schedule";
import { ScaledClock, TimeScale } from "./scale";
import { renderSvg, type SvgStrategy } from "./svg";

describe("metrics", () => {
  it("takes the nearest-rank p99 of per-client disconnects, counting clients with none", () => {
    // GIVEN 100 clients, one of them cut three times
    const perClient = [...new Array<number>(99).fill(0), 3];
    // WHEN summarized THEN the one bad client is the max but not the p99
    assert.deepEqual(summarizeDisconnects(perClient), { max: 3, p99: 0, mean: 0.03 });
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
      99,
    );
    assert.equal(percentile([], 99), 0);
  });

  it("finds the busiest window of reconnects, whatever its alignment", () => {
    // GIVEN three reconnects within 10 s and one far away
    const times = [95, 99, 104, 500];
    // THEN the peak over a 10 s window is 3 per 10 s
    assert.equal(peakRate(times, 10), 0.3);
    assert.equal(peakRate([], 10), 0);
  });

  it("bins reconnects into a rate series and states the budget per second", () => {
    const series = rateSeries([0, 1, 61, 62, 63, 200], 60, 0, 180);
    assert.deepEqual(
      series.map((p) => p.perSecond * 60),
      [2, 3, 0],
    );
    assert.equal(reconnectBudgetPerSecond(1800, 1800), 1);
  });
});

describe("time scaling", () => {
  it("plays one scheduled minute in one real second at x60", () => {
    const scale = new TimeScale(60);
    assert.equal(scale.realMs(120), 2000);
    assert.equal(scale.realSeconds(1800), 30);
    assert.equal(scale.scheduledSeconds(500), 30);
    assert.match(scale.describe(), /1 scheduled minute = 1\.00 s real/);
  });

  it("runs the engine's clock in scheduled time", async () => {
    // GIVEN x600 WHEN the engine sleeps 60 scheduled seconds THEN about 100 ms pass
    const clock = new ScaledClock(new TimeScale(600));
    const started = performance.now();
    const before = clock.now();
    await clock.sleep(60_000);
    const realMs = performance.now() - started;
    assert.ok(realMs >= 95 && realMs < 1000, `slept ${realMs} ms real`);
    assert.ok(clock.now() - before >= 57_000, `clock advanced ${clock.now() - before} ms`);
  });

  it("rejects a factor that is not positive", () => {
    assert.throws(() => new TimeScale(0), /time scale factor must be a positive number, got 0/);
  });

  it("plays the local stack's release by default, and reads a --steps override in the stack file's syntax", () => {
    const release = stackRelease();
    assert.equal(release.stack, "local");
    assert.equal(release.drainSeconds, 1800);
    assert.deepEqual(parseSteps("5:2m,25:5m,50:5m,100"), release.steps);
    assert.throws(() => parseSteps("50:1m,25"), /invalid --steps "50:1m,25": /);
    assert.throws(() => parseSteps("5:2 minutes,100"), /the pause must be a duration/);
  });
});

describe("gates (the set pulumi up builds, made local)", () => {
  const url = "ws://127.0.0.1:1234/ws";

  it("keeps the stack's gate settings and replaces only the handshake URL", () => {
    // GIVEN the local stack's parsed gates
    const stack = stackRelease().gates;
    assert.equal(stack.intervalSeconds, 15);
    // WHEN made local
    const local = localGates(stack, url);
    // THEN only the URL changed: durations stay as declared (the run's clock scales them; the
    // handshake timeout is real time on purpose)
    assert.deepEqual(local.gates, { ...stack, handshake: { ...stack.handshake, url } });
    assert.deepEqual(local.notes, []);
  });

  it("drops a stack's Prometheus gate with a note: there is no Prometheus here", () => {
    const stack = stackRelease("prod").gates;
    assert.ok(stack.prometheus !== undefined, "the prod stack declares a Prometheus gate");
    const local = localGates(stack, url);
    assert.equal(local.gates.prometheus, undefined);
    assert.equal(local.gates.handshake.timeoutSeconds, stack.handshake.timeoutSeconds);
    assert.deepEqual(local.notes, [
      `prometheus gate of the stack (${stack.prometheus.url}) not run: the rehearsal has no Prometheus`,
    ]);
  });

  it("gives buildGates a router that reads the abort request, so the rehearsal runs that gate first", async () => {
    // GIVEN a local router over a balancer and one Ready canary pod
    const balancer = new Balancer();
    const pods: CanaryPod[] = [{ name: "p", ready: true, restarts: 0, createdAtMs: 0 }];
    const router = new LocalRouter(balancer, { listCanaryPods: async () => pods });
    // WHEN buildGates builds the local gates
    const gates = buildGates(localGates(stackRelease().gates, url).gates, router);
    // THEN the same set as pulumi up, in its order
    assert.deepEqual(
      gates.map((g) => g.name),
      [ABORT_REQUEST_GATE, PODS_READY_GATE, HANDSHAKE_GATE, SURVIVAL_GATE],
    );
    const ctx = { step: 1, stepCount: 4, weight: 5 };
    // AND no abort is requested by default; a request fails the gate; a reset withdraws it
    assert.equal((await gates[0].check(ctx)).ok, true);
    balancer.setAbortRequest("bad canary");
    assert.deepEqual(await gates[0].check(ctx), {
      ok: false,
      measured: 'abort requested: "bad canary"',
      threshold: "no ws-gateway.io/abort annotation on the canary Ingress",
    });
    balancer.reset();
    assert.equal(await router.getAbortRequest(), undefined);
    assert.equal((await gates[1].check(ctx)).ok, true);
  });
});

describe("open-file limit", () => {
  it("needs two descriptors per client, two per pod of both versions and a base", () => {
    assert.equal(requiredOpenFiles(500, 4), 1216);
    assert.equal(requiredOpenFiles(2000, 4), 4216);
  });

  it("reads the soft limit from /proc/self/limits", () => {
    const text = [
      "Limit                     Soft Limit           Hard Limit           Units     ",
      "Max processes             63704                63704                processes ",
      "Max open files            1024                 524288               files     ",
    ].join("\n");
    assert.equal(parseOpenFilesLimit(text), 1024);
    assert.equal(parseOpenFilesLimit(text.replace("1024  ", "unlimited")), Infinity);
    assert.equal(parseOpenFilesLimit("Max processes 1 1 processes"), undefined);
  });

  it("names the limit, the need and the fix when the limit is too low", () => {
    assert.equal(openFilesProblem(65536, 4216, 2000), undefined);
    assert.equal(openFilesProblem(4216, 4216, 2000), undefined);
    assert.equal(
      openFilesProblem(1024, 4216, 2000),
      "open-file limit too low: ulimit -n is 1024, a run with 2000 clients needs about 4216. " +
        "Raise it in this shell with `ulimit -n 65536` and run again (or pass fewer --clients).",
    );
  });
});

describe("reference gateway", () => {
  it(
    "accepts WebSocket upgrades on any path (the Ingress path defaults to /)",
    { timeout: 10_000 },
    async (t) => {
      // GIVEN a gateway process on a free loopback port
      const child = spawn(process.execPath, [path.join(__dirname, "gateway.js")], {
        stdio: ["ignore", "pipe", "inherit"],
        env: childEnv({ PORT: "0", HOST: "127.0.0.1", GATEWAY_VERSION: "vt" }),
      });
      t.after(() => child.kill("SIGKILL"));
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.once("data", (chunk: Buffer) =>
          resolve((JSON.parse(chunk.toString()) as { port: number }).port),
        );
        child.once("exit", (code) => reject(new Error(`gateway exited with ${code}`)));
      });
      // WHEN a client upgrades on "/", the rehearsal's "/ws" and any other path THEN each gets its echo
      for (const urlPath of ["/", "/ws", "/any/where"]) {
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}${urlPath}`);
          socket.once("open", () => socket.send("ping"));
          socket.on("message", (data: Buffer) => {
            const text = data.toString();
            // Broadcasts are JSON; the echo is the text sent.
            if (text !== "ping") return;
            socket.close();
            resolve(text);
          });
          socket.once("error", reject);
        });
        assert.equal(reply, "ping", urlPath);
      }
    },
  );
});

describe("balancer (ingress-nginx canary routing)", () => {
  const endpoints = {
    stable: [{ pod: "s", address: "127.0.0.1:1" }],
    canary: [{ pod: "c", address: "127.0.0.1:2" }],
  };
  const balancer = (weight: number) => {
    const b = new Balancer();
    b.setEndpoints("stable", endpoints.stable);
    b.setEndpoints("canary", endpoints.canary);
    b.setWeight(weight);
    return b;
  };

  it("routes by header first, then by weight (random 1..100 <= weight)", () => {
    assert.equal(balancer(0).choose("always"), "canary");
    assert.equal(balancer(100).choose("never"), "stable");
    assert.equal(
      balancer(30).choose(undefined, () => 0.29),
      "canary",
    );
    assert.equal(
      balancer(30).choose(undefined, () => 0.3),
      "stable",
    );
    assert.equal(
      balancer(0).choose(undefined, () => 0),
      "stable",
    );
  });

  it("keeps traffic on stable when the canary has no endpoints", () => {
    const b = balancer(100);
    b.setEndpoints("canary", []);
    assert.equal(b.choose("always"), "stable");
  });

  it("round-robins over a Service's endpoints", () => {
    const b = new Balancer();
    b.setEndpoints("stable", [
      { pod: "a", address: "127.0.0.1:1" },
      { pod: "b", address: "127.0.0.1:2" },
    ]);
    assert.deepEqual(
      [b.pick("stable"), b.pick("stable"), b.pick("stable")].map((e) => e?.pod),
      ["a", "b", "a"],
    );
    assert.equal(b.pick("canary"), undefined);
  });
});

describe("nginx config", () => {
  it("asks the balancer per upgrade and proxies WebSockets with long timeouts", () => {
    const conf = renderNginxConfig({
      prefix: "/tmp/x",
      listenPort: 8080,
      balancerPort: 9090,
      workerShutdownTimeoutSeconds: 30.5,
      workerProcesses: 2,
      workerConnections: 8192,
      runAsRoot: false,
    });
    assert.match(conf, /auth_request \/_balancer;/);
    assert.match(conf, /auth_request_set \$backend \$upstream_http_x_backend;/);
    assert.match(conf, /proxy_pass http:\/\/\$backend;/);
    assert.match(conf, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(conf, /proxy_read_timeout 3600s;/);
    assert.match(conf, /proxy_send_timeout 3600s;/);
    assert.match(conf, /worker_shutdown_timeout 31s;/);
    assert.match(conf, /server 127\.0\.0\.1:9090;/);
    assert.doesNotMatch(conf, /^user /m);
  });
});

describe("svg", () => {
  it("draws connections per version and reconnects against the budget for every strategy", () => {
    const strategy = (name: string, attempts: number[]): SvgStrategy => ({
      name,
      samples: [
        { t: 0, byVersion: { v1: 10 } },
        { t: 100, byVersion: { v1: 5, v2: 5 } },
        { t: 200, byVersion: { v2: 10 } },
      ],
      releaseAttempts: attempts,
      markers: [
        { t: 0, label: "settling" },
        { t: 50, label: "release start" },
      ],
      releaseStart: 50,
      measureEnd: 300,
      budgetPerSec: 0.1,
      clients: 10,
    });
    const svg = renderSvg([strategy("rolling", [60, 61, 62, 190]), strategy("staged", [100])], {
      binSeconds: 60,
      title: "t",
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const name of ["rolling", "staged"]) {
      const block = svg.slice(svg.indexOf(`data-strategy="${name}"`));
      assert.match(block, /data-series="connections-v1"/);
      assert.match(block, /data-series="connections-v2"/);
      assert.match(block, /data-series="reconnects"/);
      assert.match(block, /data-series="budget"/);
    }
    // rolling: bins [50,110) and [170,230) hold reconnects; staged: one bin.
    const rolling = svg.slice(svg.indexOf('data-strategy="rolling"'), svg.indexOf('data-strategy="staged"'));
    const bars = /data-series="reconnects"[^>]*>(.*?)<\/g>/.exec(rolling)?.[1] ?? "";
    assert.equal(bars.match(/<rect /g)?.length, 2);
    assert.match(svg, /budget 0\.10\/s/);
  });
});

describe("release rehearsal (quick, real nginx, real sockets)", () => {
  it(
    "disconnects each client at most once with our release, and not with the baselines",
    { timeout: 300_000 },
    async (t) => {
      // GIVEN nginx is installed (a missing nginx fails the test: it is part of the CI image)
      if (findNginx() === undefined) assert.fail(NGINX_INSTALL_HINT);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-test-"));
      const jsonFile = path.join(dir, "quick.json");
      try {
        // WHEN the quick rehearsal plays all three strategies
        const { code, stderr } = await run(
          process.execPath,
          [path.join(__dirname, "main.js"), "--quick", "--json", jsonFile],
          t.signal,
        );
        assert.equal(code, 0, `rehearsal exited with ${code}:\n${stderr.slice(-4000)}`);
        const result = JSON.parse(fs.readFileSync(jsonFile, "utf8")) as RehearsalJson;
        const { rolling, bluegreen, staged } = result.strategies;
        assert.ok(rolling && bluegreen && staged, "all three strategies reported");

        // THEN ours disconnects each client at most once, fails no handshake, strands no one,
        // and keeps reconnects near the rate the drain promises
        assert.ok(staged.disconnects.max <= 1, `staged max disconnects ${staged.disconnects.max}`);
        assert.equal(staged.failedHandshakes, 0);
        assert.equal(staged.stranded, 0);
        assert.ok(
          staged.reconnectPeakOverBudget <= 1.5,
          `staged peak/budget ${staged.reconnectPeakOverBudget}`,
        );
        assert.equal(staged.gapsWhileConnected, 0);
        // AND a rolling update cuts some clients more than once, a blue/green cut storms
        assert.ok(rolling.disconnects.max >= 2, `rolling max disconnects ${rolling.disconnects.max}`);
        assert.ok(
          bluegreen.reconnectPeakOverBudget >= 3,
          `bluegreen peak/budget ${bluegreen.reconnectPeakOverBudget}`,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

/** Runs a child; a cancelled or timed-out test sends it SIGTERM, and it cleans up its own processes. */
function run(
  command: string,
  args: string[],
  signal: AbortSignal,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: childEnv(),
      signal,
      killSignal: "SIGTERM",
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stderr }));
  });
}
