import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import {
  ABORT_REQUEST_GATE,
  buildGates,
  HANDSHAKE_GATE,
  PODS_READY_GATE,
  SURVIVAL_GATE,
} from "../../components/rollout/gates";
import { KubernetesCanaryRouter } from "../../components/rollout/kubernetesRouter";
import { Balancer } from "./balancer";
import { LocalKubeApi } from "./kubeApi";
import { clientsThatFit, parseOpenFilesLimit, planClients, requiredOpenFiles } from "./limits";
import { percentile, peakRate, rateSeries, reconnectBudgetPerSecond, summarizeDisconnects } from "./metrics";
import { NGINX_INSTALL_HINT, findNginx, renderNginxConfig } from "./nginx";
import { DEFAULTS, EXIT, OPTIONS } from "./cli";
import { DROP_AFTER_SECONDS, FAULTS, FAULT_SPECS } from "./faults";
import { REPO_ROOT, stackNames } from "../helpers/stacks";
import { childEnv } from "./protocol";
import { INJECT_LAG_ENV, MACHINE_TOO_BUSY } from "./load";
import { renderResults } from "./table";
import { run } from "./runChild";
import { summarizeFault, type RehearsalJson } from "./report";
import type { ClientStats } from "./fleet";
import type { StrategyRun } from "./strategies";
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

  it("drives the real Kubernetes router against the rehearsal's API, so buildGates gives the pulumi up gate set", async (t) => {
    // GIVEN the rehearsal's API over a balancer and one Ready canary pod
    const balancer = new Balancer();
    const api = new LocalKubeApi({
      namespace: "ws-gateway",
      ingressName: "ws-gateway-canary",
      balancer,
      pods: {
        listPods: () => [
          { name: "p", version: "v2", ready: true, restarts: 0, createdAtMs: 0, terminating: false },
        ],
        deletePodNamed: (name) => name === "p",
        podMetrics: async () => undefined,
      },
      now: () => 0,
      propagationMs: 0,
    });
    await api.start();
    t.after(() => api.stop());
    const router = new KubernetesCanaryRouter({
      kubeconfig: api.kubeconfig(),
      namespace: "ws-gateway",
      canaryIngressName: "ws-gateway-canary",
      version: "v2",
    });
    // WHEN buildGates builds the local gates over the real router
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
    const failed = await gates[0].check(ctx);
    assert.equal(failed.ok, false);
    assert.equal(failed.measured, 'abort requested: "bad canary"');
    balancer.reset();
    assert.equal(await router.getAbortRequest(), undefined);
    assert.equal((await gates[1].check(ctx)).ok, true);
    // AND a weight written through the router reaches the balancer and the weight log
    await router.setCanaryWeight(25);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(balancer.getWeight(), 25);
    assert.deepEqual(
      api.weightLog.map((w) => w.weight),
      [25],
    );
  });

  it("plays API faults on the wire: Status errors while flaky, refused connections while down", async (t) => {
    const balancer = new Balancer();
    const api = new LocalKubeApi({
      namespace: "ns",
      ingressName: "canary",
      balancer,
      pods: { listPods: () => [], deletePodNamed: () => false, podMetrics: async () => undefined },
      now: () => 0,
      propagationMs: 0,
      flakyRate: 1,
      flakyMaxInARow: 2,
    });
    await api.start();
    t.after(() => api.stop());
    // One fresh connection per request, as a client sees a server that went away.
    const get = (): Promise<number | string> =>
      new Promise((resolve) => {
        const req = http.get(
          `${api.address()}/apis/networking.k8s.io/v1/namespaces/ns/ingresses/canary`,
          { agent: false },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
    // GIVEN a flaky API that fails every request but never more than 2 in a row
    await api.setMode("flaky");
    const statuses = [await get(), await get(), await get()];
    // THEN two transient errors, then an answer
    assert.ok(
      [500, 429].includes(Number(statuses[0])) && [500, 429].includes(Number(statuses[1])),
      String(statuses),
    );
    assert.equal(statuses[2], 200);
    // WHEN the API goes down THEN connections are refused, and it comes back on the same address
    await api.setMode("down");
    assert.equal(await get(), "ECONNREFUSED");
    await api.setMode("up");
    assert.equal(await get(), 200);
    assert.equal(api.stats.transientErrors, 2);
  });
});

describe("open-file limit", () => {
  it("needs two descriptors per client, two per pod of both versions and a base", () => {
    assert.equal(requiredOpenFiles(500, 4), 1216);
    assert.equal(requiredOpenFiles(2000, 4), 4216);
    assert.equal(clientsThatFit(4216, 4), 2000);
    assert.equal(clientsThatFit(1024, 4), 404);
  });

  it("reads the soft and hard limits from /proc/self/limits", () => {
    const text = [
      "Limit                     Soft Limit           Hard Limit           Units     ",
      "Max processes             63704                63704                processes ",
      "Max open files            1024                 524288               files     ",
    ].join("\n");
    assert.deepEqual(parseOpenFilesLimit(text), { soft: 1024, hard: 524288 });
    assert.deepEqual(parseOpenFilesLimit(text.replace("1024  ", "unlimited")), {
      soft: Infinity,
      hard: 524288,
    });
    assert.equal(parseOpenFilesLimit("Max processes 1 1 processes"), undefined);
  });

  it("plays fewer clients when the default fleet does not fit, computed from the limit, and says so", () => {
    const limit = { soft: 1024, hard: 1024 };
    // GIVEN the default fleet and `ulimit -n 1024`
    const plan = planClients({ requested: 500, explicit: false, replicas: 4, limit });
    // THEN the fleet shrinks to what 1024 allows, with the exact command for the full fleet
    assert.deepEqual(plan, {
      ok: true,
      clients: 404,
      note:
        "open-file limit 1024 (hard limit 1024) is below the 1216 that 500 clients need: playing 404 clients instead; " +
        "for the full fleet, raise the hard limit as root (`ulimit -n 1216` in the shell that runs it)",
    });
    // AND a fleet that fits is played as asked
    assert.deepEqual(
      planClients({ requested: 500, explicit: true, replicas: 4, limit: { soft: 20000, hard: 20000 } }),
      {
        ok: true,
        clients: 500,
      },
    );
  });

  it("does not shrink a fleet the user asked for: it names the limit, the need and both fixes", () => {
    const plan = planClients({
      requested: 2000,
      explicit: true,
      replicas: 4,
      limit: { soft: 1024, hard: 1024 },
    });
    assert.deepEqual(plan, {
      ok: false,
      error:
        "open-file limit too low: this process may open 1024 files (ulimit -n; hard limit 1024), 2000 clients need about 4216; " +
        "pass --clients 404 or raise the hard limit as root (`ulimit -n 4216` in the shell that runs it)",
    });
  });

  it("relies on Node raising its soft limit to the hard limit at start-up", { timeout: 10_000 }, () => {
    // GIVEN a shell whose soft limit is 1024 below a higher hard limit (skip where the hard limit is 1024 or less)
    const hard = parseOpenFilesLimit(fs.readFileSync("/proc/self/limits", "utf8"))?.hard ?? 0;
    if (hard <= 1024) return;
    const script = `ulimit -Sn 1024 && "${process.execPath}" -e 'process.stdout.write(require("fs").readFileSync("/proc/self/limits","utf8"))'`;
    const out = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    // THEN the Node process runs with its soft limit at the hard limit
    const limits = parseOpenFilesLimit(out.stdout);
    assert.ok(limits !== undefined, out.stderr);
    assert.equal(limits.soft, limits.hard);
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
      workerOpenFiles: 20000,
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
    assert.match(conf, /worker_rlimit_nofile 20000;/);
    // The path a request took reaches the client on every answer, so failed handshakes are charged to it.
    assert.match(conf, /add_header X-Route \$route always;/);
    assert.match(conf, /listen 127\.0\.0\.1:8080 backlog=4096 reuseport;/);
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
      maxDisconnects: name === "rolling" ? 2 : 1,
      peakOverBudget: name === "rolling" ? 6 : 1.06,
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
    // AND the headline of each strategy is written in the picture, with ticks on both axes
    assert.match(
      svg,
      /data-headline="rolling"[^>]*>each client cut at most 2 times; reconnect peak 6\.00x the budget</,
    );
    assert.match(
      svg,
      /data-headline="staged"[^>]*>each client cut at most once; reconnect peak 1\.06x the budget</,
    );
    assert.ok((svg.match(/data-tick="y"/g)?.length ?? 0) >= 10, "y ticks on every chart");
    assert.ok((svg.match(/data-tick="x"/g)?.length ?? 0) >= 4, "x ticks");
    // AND release markers are drawn with a readable label (dark, with a halo)
    assert.match(svg, /data-marker="release start"/);
    assert.match(svg, /fill="#222" stroke="white" stroke-width="3" paint-order="stroke">release</);
  });

  it("writes the fault runs as a table with the JSON contract's figures, broken rows in red", () => {
    const figures = {
      outcome: "aborted" as const,
      gate: "ws-handshake",
      step: 1,
      secondsToWeightZero: 1.5,
      failedHandshakes: 0,
      failedHandshakesOnCanary: 2,
      failedHandshakeReasons: { "HTTP 503": 2 },
      maxDisconnectsNeverCanary: 0,
      leftOnAbortedVersion: 0,
      unconnectedAtEnd: 0,
      maxDisconnects: 1,
      clientsOnCanary: 3,
      message: "m",
    };
    const svg = renderSvg([], {
      binSeconds: 60,
      title: "t",
      command: "npm run rehearse -- --faults refuse,drop",
      faults: [
        { name: "refuse", figures, faultAt: 10, releaseStart: 0, broken: [] },
        {
          name: "drop",
          figures: { ...figures, outcome: "promoted" },
          faultAt: 10,
          releaseStart: 0,
          broken: ["x"],
        },
      ],
    });
    assert.match(svg, /<g data-fault="refuse" fill="#222">/);
    assert.match(svg, /<g data-fault="drop" fill="#c00">/);
    assert.match(svg, />ws-handshake @ 1</);
    assert.match(svg, />0 \/ 2</);
    assert.match(svg, /reproduce: npm run rehearse -- --faults refuse,drop/);
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
      const svgFile = path.join(dir, "quick.svg");
      try {
        // WHEN the quick rehearsal plays all three strategies
        const started = performance.now();
        const { code, stderr } = await run(
          process.execPath,
          [path.join(__dirname, "main.js"), "--quick", "--json", jsonFile, "--svg", svgFile],
          t.signal,
        );
        t.diagnostic(`quick rehearsal took ${((performance.now() - started) / 1000).toFixed(1)} s`);
        assert.equal(code, 0, `rehearsal exited with ${code}:\n${stderr.slice(-4000)}`);
        const result = JSON.parse(fs.readFileSync(jsonFile, "utf8")) as RehearsalJson;
        const { rolling, bluegreen, staged } = result.strategies;
        assert.ok(rolling && bluegreen && staged, "all three strategies reported");
        assert.deepEqual(result.broken, []);

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
        // AND the picture carries the headline of each strategy
        const svg = fs.readFileSync(svgFile, "utf8");
        assert.match(svg, /data-headline="staged"[^>]*>each client cut at most once;/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("held release (a schedule that ends below 100)", () => {
  it("explains the hold and exits with its own code, 3", { timeout: 120_000 }, async (t) => {
    if (findNginx() === undefined) assert.fail(NGINX_INSTALL_HINT);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-held-"));
    try {
      const { code, stderr } = await run(
        process.execPath,
        [
          path.join(__dirname, "main.js"),
          "--quick",
          "--strategies",
          "staged",
          "--steps",
          "5:1m,50",
          "--out",
          dir,
        ],
        t.signal,
      );
      assert.equal(code, EXIT.HELD, stderr.slice(-2000));
      assert.match(
        stderr,
        /held: the schedule ends at canary weight 50%, so the release stops there: both versions keep serving and nothing is retired/,
      );
      assert.match(stderr, /Exit code 3 says so; to play a whole release, end --steps with 100\./);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bad releases (quick fault matrix, real nginx, real sockets)", () => {
  it(
    "catches each bad version with its own gate and nobody left on it, survives a flaky API and an nginx reload",
    { timeout: 600_000 },
    async (t) => {
      if (findNginx() === undefined) assert.fail(NGINX_INSTALL_HINT);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-faults-"));
      const jsonFile = path.join(dir, "faults.json");
      try {
        // WHEN the quick rehearsal plays every fault into our staged release
        const started = performance.now();
        const { code, stderr } = await run(
          process.execPath,
          [
            path.join(__dirname, "main.js"),
            "--quick",
            "--strategies",
            "none",
            "--faults",
            "all",
            "--json",
            jsonFile,
          ],
          t.signal,
        );
        t.diagnostic(`quick fault matrix took ${((performance.now() - started) / 1000).toFixed(1)} s`);
        assert.ok(fs.existsSync(jsonFile), `no JSON written; exit ${code}:\n${stderr.slice(-4000)}`);
        const faults = (JSON.parse(fs.readFileSync(jsonFile, "utf8")) as RehearsalJson).faults ?? {};
        const problems: string[] = [];
        const expect = (ok: boolean, text: string) => {
          if (!ok) problems.push(text);
        };
        // THEN every fault is reported with the contract's fields
        for (const name of FAULTS) {
          const f = faults[name];
          if (f === undefined) {
            problems.push(`${name}: not reported`);
            continue;
          }
          const show = `${name} ${JSON.stringify(f)}`;
          // Each fault is caught by the gate that exists for it (refuse by canary-route, drop by ws-survival,
          // crash and unready by pods-ready, api-down by kubernetes-api), and nothing fires on api-flaky or
          // nginx-reload: another gate firing, or some gate, is not the check passing.
          const { expectedGate, expectedOutcome } = FAULT_SPECS[name];
          expect(
            f.gate === expectedGate,
            `${show}: gate ${f.gate ?? "none"}, expected ${expectedGate ?? "none"}`,
          );
          expect(f.outcome === expectedOutcome, `${show}: outcome, expected ${expectedOutcome}`);
          if (name === "nginx-reload") {
            // A reload cuts nobody twice: worker-shutdown-timeout (as the stack configures it) outlasts the drain.
            expect(f.maxDisconnects <= 1, `${show}: max disconnects`);
            expect(f.unconnectedAtEnd === 0, `${show}: unconnected`);
          } else if (name === "api-flaky") {
            // Transient API errors are retried: the release is promoted and still cuts each client at most once.
            expect(f.maxDisconnects <= 1, `${show}: max disconnects`);
          } else {
            // A bad version, a bad pod or a lost API: aborted, nobody left behind or unconnected, clients that
            // never saw the canary cut at most once, and no failed handshake on the stable path.
            expect(f.leftOnAbortedVersion === 0, `${show}: left on the aborted version`);
            expect(f.unconnectedAtEnd === 0, `${show}: unconnected at the end`);
            expect(
              f.maxDisconnectsNeverCanary <= 1,
              `${show}: max disconnects of clients never on the canary`,
            );
            expect(f.failedHandshakes === 0, `${show}: failed handshakes on the stable path`);
            expect(f.step !== null, `${show}: step`);
            expect(f.secondsToWeightZero !== null, `${show}: weight never back at 0`);
          }
        }
        assert.deepEqual(problems, []);
        // AND the run's exit code says every promise held
        assert.equal(code, 0, `rehearsal exited with ${code}:\n${stderr.slice(-4000)}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("rehearsal command line (behaves like a tool)", () => {
  const main = path.join(__dirname, "main.js");
  const cli = (args: string[], cwd?: string) =>
    spawnSync(process.execPath, [main, ...args], { encoding: "utf8", env: childEnv(), cwd, timeout: 30_000 });

  it("prints --help with every option's default, the faults, the exit codes and examples, and exits 0", () => {
    const out = cli(["--help"]);
    assert.equal(out.status, 0, out.stderr);
    for (const text of [
      "Usage: npm run rehearse -- [options]",
      "--clients N",
      "(default: 2000, 500 with --quick",
      "--faults LIST",
      "(default: rehearsal-results, git-ignored)",
      `Stacks: ${stackNames().join(", ")}`,
      "nginx-reload",
      "Exit codes:",
      "Examples:",
      "npm run rehearse -- --quick --faults all",
    ]) {
      assert.ok(out.stdout.includes(text), `--help lacks ${JSON.stringify(text)}`);
    }
    assert.equal(cli(["-h"]).status, 0);
  });

  it("answers each mistyped invocation with one line naming the mistake, exit 2, no stack trace, nothing run", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-cli-"));
    try {
      fs.mkdirSync(path.join(dir, "a-folder"));
      const cases: [string[], RegExp][] = [
        [["--clinets", "5"], /^rehearse: unknown option --clinets \(did you mean --clients\?\); see --help/],
        [["--clients"], /^rehearse: --clients needs a value, e.g\. --clients 500/],
        [["--clients", "many"], /^rehearse: --clients must be an integer from 10 to 100000, got "many"/],
        [["--clients", "2.5"], /^rehearse: --clients must be an integer from 10 to 100000, got "2\.5"/],
        [["--scale", "0"], /^rehearse: --scale must be a number from 1 to 1000, got "0"/],
        [["--replicas", "-1"], /^rehearse: --replicas must be an integer from 1 to 20, got "-1"/],
        [
          ["--stack", "staging"],
          new RegExp(
            `^rehearse: --stack: unknown stack "staging"; the stacks are ${stackNames().join(", ")}`,
          ),
        ],
        [
          ["--strategies", "canary"],
          /^rehearse: --strategies: unknown strategy "canary"; use none or some of rolling, bluegreen, staged/,
        ],
        [
          ["--faults", "crash,oom"],
          /^rehearse: --faults: unknown fault "oom"; use "all" or some of refuse, crash/,
        ],
        [["--strategies", "none"], /^rehearse: --strategies none with no --faults leaves nothing to play/],
        [
          ["--steps", "50:1m,25"],
          /^rehearse: invalid --steps "50:1m,25": step 2\/2: weight 25 must be above/,
        ],
        [
          ["--steps", "5:2 minutes,100"],
          /^rehearse: invalid --steps step "5:2 minutes": the pause must be a duration/,
        ],
        [["--quick=yes"], /^rehearse: --quick takes no value/],
        [
          ["--print-table", path.join(dir, "none.json")],
          /^rehearse: --print-table: cannot read .*none\.json \(ENOENT/,
        ],
        [["quick"], /^rehearse: unexpected argument "quick": every option starts with --/],
        [
          ["--json", path.join(dir, "missing", "r.json")],
          /^rehearse: --json: folder .*missing of .* does not exist/,
        ],
        [["--svg", path.join(dir, "a-folder")], /^rehearse: --svg: .*a-folder is a folder; give a file name/],
        [
          [
            "--out",
            path.join(dir, "a-folder", "x"),
            "--json",
            path.join(dir, "a.json"),
            "--svg",
            path.join(dir, "a.json"),
          ],
          /^rehearse: --json and --svg name the same file/,
        ],
      ];
      for (const [args, expected] of cases) {
        const out = cli(args, dir);
        const shown = `rehearse ${args.join(" ")}`;
        assert.equal(out.status, 2, `${shown}: exit ${out.status}, stderr ${out.stderr}`);
        assert.match(out.stderr, expected, shown);
        assert.equal(out.stderr.trim().split("\n").length, 1, `${shown}: more than one line:\n${out.stderr}`);
        assert.doesNotMatch(out.stderr, /\n\s+at /, `${shown}: stack trace`);
        assert.equal(out.stdout, "", `${shown}: printed on stdout`);
      }
      // Nothing was written where the run would have put its results.
      assert.equal(fs.existsSync(path.join(dir, "rehearsal-results")), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("docs/rehearsal.md (the reference matches the code)", () => {
  const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "rehearsal.md"), "utf8");

  it("lists every option with its default, every fault and every exit code", () => {
    for (const option of OPTIONS) {
      const row = doc
        .split("\n")
        .find((line) => line.startsWith(`| \`--${option.name}`) || line.includes(`\`--${option.name}\``));
      assert.ok(row !== undefined, `docs/rehearsal.md lacks --${option.name}`);
    }
    for (const fault of FAULTS) assert.match(doc, new RegExp(`^\\| \`${fault}\` `, "m"), `fault ${fault}`);
    for (const code of Object.values(EXIT))
      assert.match(doc, new RegExp(`^\\| ${code} +\\|`, "m"), `exit code ${code}`);
    // The numbers the docs state are the code's.
    assert.ok(doc.includes(`${DEFAULTS.clients}, ${DEFAULTS.quickClients} with \`--quick\``));
    assert.ok(
      doc.includes(
        `${DEFAULTS.scale} (one scheduled minute per real second), ${DEFAULTS.quickScale} with \`--quick\``,
      ),
    );
    assert.ok(doc.includes(`\`${DEFAULTS.outDir}\` (git-ignored)`));
    assert.ok(doc.includes(`after ${DROP_AFTER_SECONDS} s`), "drop's socket lifetime");
    assert.ok(
      doc.includes(`${requiredOpenFiles(DEFAULTS.clients, DEFAULTS.replicas)} for the default`),
      "open files",
    );
  });

  const full = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, "test", "rehearsal", "results", "full.json"), "utf8"),
  ) as RehearsalJson;
  /** The text between a file's full-run-table markers, inside its code fence. */
  const fullRunBlock = (text: string, file: string): string => {
    const match = /<!-- full-run-table:begin -->\s*```text\n([\s\S]*?)```\s*<!-- full-run-table:end -->/.exec(
      text,
    );
    assert.ok(match !== null, `${file} lacks its full-run-table block`);
    return match[1];
  };

  it("shows the committed full run's tables exactly as --print-table renders its JSON", () => {
    // GIVEN the committed full run, which plays every fault
    assert.ok(full.faults !== undefined, "the committed full run plays the faults");
    assert.deepEqual(Object.keys(full.faults).sort(), [...FAULTS].sort());
    // THEN the docs' block is the tables rendered from that file, figure by figure
    const expected = renderResults(full).split("\n");
    const shown = fullRunBlock(doc, "docs/rehearsal.md").split("\n");
    for (const [i, line] of expected.entries())
      assert.equal(shown[i], line, `docs/rehearsal.md line ${i + 1} of the block`);
    assert.equal(shown.length, expected.length, "docs/rehearsal.md block has lines the JSON does not");
  });

  it("shows in the README only lines of the committed full run's tables", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const rendered = new Set(renderResults(full).split("\n"));
    // GIVEN the README's excerpt (its last line names where results go: a path, not a figure)
    const lines = fullRunBlock(readme, "README.md")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("results: "));
    assert.ok(lines.length >= 5, "the README shows the table");
    // THEN each line, figures and spacing included, is one of the rendered tables'
    for (const line of lines)
      assert.ok(rendered.has(line), `README.md line not in the committed JSON's tables: ${line}`);
  });

  it("names each fault's expected gate, and the machine-load limits of the code", () => {
    for (const fault of FAULTS) {
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${fault}\` `)) ?? "";
      const gate = FAULT_SPECS[fault].expectedGate;
      if (gate === null) assert.match(row, /no gate fired/, fault);
      else assert.ok(row.includes(`aborted by \`${gate}\``), `${fault}: ${row}`);
    }
    assert.ok(doc.includes(`event-loop lag p99 above ${MACHINE_TOO_BUSY.eventLoopLagP99Ms} ms`));
    assert.ok(doc.includes(`above ${MACHINE_TOO_BUSY.cpuWaitPercent}% of the run`));
    assert.ok(doc.includes(`\`${INJECT_LAG_ENV}\``), "the test hook is documented");
  });
});

describe("fault figures (the JSON contract)", () => {
  const client = (over: Partial<ClientStats>): ClientStats => ({
    releaseDisconnects: 0,
    otherServerDisconnects: 0,
    closeCodes: new Map(),
    blips: 0,
    failedHandshakes: 0,
    failedHandshakesCanary: 0,
    everOnCanary: false,
    arrived: false,
    departed: false,
    otherFailedHandshakes: 0,
    gaps: 0,
    attempts: 1,
    version: "v1",
    ...over,
  });
  const run = (over: Partial<StrategyRun>): StrategyRun => ({
    name: "staged",
    fault: "crash",
    releaseStart: 0,
    releaseEnd: 100,
    measureEnd: 400,
    oldConnections: 3,
    clients: [],
    releaseAttempts: [],
    blipAttempts: 0,
    samples: [],
    markers: [],
    failureReasons: new Map([["HTTP 502", 1]]),
    ...over,
  });

  it("times the way back to weight 0 from the fault, and splits handshakes and clients as promised", () => {
    // GIVEN a crash at t=50 during 25 %, aborted at t=62, with a canary client cut once and a stable-path failure
    const report = summarizeFault(
      run({
        faultAt: 50,
        weightLog: [
          { t: 1, weight: 0 },
          { t: 10, weight: 5 },
          { t: 40, weight: 25 },
          { t: 62, weight: 0 },
        ],
        result: { kind: "aborted", gate: "pods-ready", step: 2, message: "m" },
        clients: [
          client({
            everOnCanary: true,
            releaseDisconnects: 1,
            failedHandshakes: 1,
            failedHandshakesCanary: 1,
          }),
          client({ failedHandshakes: 1 }),
          client({ version: "v2", everOnCanary: true }),
          client({ version: undefined }),
          client({ version: undefined, departed: true }),
        ],
      }),
    );
    // THEN the contract's figures
    assert.deepEqual(report.figures, {
      outcome: "aborted",
      gate: "pods-ready",
      step: 2,
      secondsToWeightZero: 12,
      failedHandshakes: 1,
      failedHandshakesOnCanary: 1,
      failedHandshakeReasons: { "HTTP 502": 1 },
      maxDisconnectsNeverCanary: 0,
      leftOnAbortedVersion: 1,
      unconnectedAtEnd: 1,
      maxDisconnects: 1,
      clientsOnCanary: 2,
      message: "m",
      faultAtSeconds: 50,
    });
    // AND the broken promises name what broke
    assert.deepEqual(report.broken, [
      "crash: 1 clients left on the aborted version, promised 0",
      "crash: 1 clients unconnected at the end, promised 0",
      "crash: 1 failed handshakes on the stable path, promised 0",
    ]);
  });

  it("reports no way back to 0 for a promoted release: the reset before the first step is not one", () => {
    const report = summarizeFault(
      run({
        fault: "api-flaky",
        faultAt: 0,
        weightLog: [
          { t: 1, weight: 0 },
          { t: 10, weight: 5 },
          { t: 40, weight: 100 },
        ],
        result: { kind: "promoted" },
        clients: [client({ version: "v2", releaseDisconnects: 1 })],
      }),
    );
    assert.equal(report.figures.secondsToWeightZero, null);
    assert.equal(report.figures.leftOnAbortedVersion, 0);
    assert.deepEqual(report.broken, []);
  });
});
