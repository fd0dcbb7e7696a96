/**
 * Release rehearsal: real nginx, real gateway processes and a fleet of real
 * WebSocket clients; the same rollout engine and gates as `pulumi up`, through
 * a local router. Plays a rolling update, a blue/green cut and our staged
 * release on the same fleet size and time scale, and measures what each did to
 * the clients.
 *
 *   node dist/test/rehearsal/main.js [--quick] [--clients N] [--scale F]
 *     [--stack local] [--steps "5:2m,25:5m,50:5m,100"] [--drain-seconds S] [--replicas N]
 *     [--strategies rolling,bluegreen,staged] [--json FILE] [--svg FILE]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Balancer } from "./balancer";
import type { LocalCluster } from "./cluster";
import type { Fleet } from "./fleet";
import { currentOpenFilesLimit, openFilesProblem, requiredOpenFiles } from "./limits";
import { NGINX_INSTALL_HINT, NginxProcess, findNginx } from "./nginx";
import { WEBSOCKET_PATH } from "./protocol";
import { renderTable, summarize, toJson, type StrategyReport } from "./report";
import { DEFAULT_STACK, formatSteps, localGates, parseSteps, stackRelease } from "./schedule";
import { TimeScale } from "./scale";
import {
  STRATEGIES,
  runStrategy,
  type RehearsalConfig,
  type StrategyName,
  type StrategyRun,
} from "./strategies";
import { renderSvg } from "./svg";

/** The real world's client back-off cap: clients come back within five minutes. */
const BACKOFF_CAP_SECONDS = 300;

/**
 * Window of the reconnect peak: one back-off cap. A client picks its own
 * back-off uniformly within the cap, so reconnects of connections closed at
 * one instant arrive spread over the cap whatever the server does; a server
 * can shape the reconnect rate only at that resolution. Over shorter windows
 * the count is dominated by the clients' own randomness (Poisson noise of
 * about sqrt(n) on n expected reconnects), which the table shows separately
 * as the 60 s peak.
 */
const RATE_WINDOW_SECONDS = BACKOFF_CAP_SECONDS;

interface Cli {
  config: RehearsalConfig;
  strategies: StrategyName[];
  jsonFile: string | undefined;
  svgFile: string | undefined;
  quick: boolean;
}

function parseCli(argv: readonly string[]): Cli {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      clients: { type: "string" },
      scale: { type: "string" },
      stack: { type: "string" },
      steps: { type: "string" },
      "drain-seconds": { type: "string" },
      replicas: { type: "string" },
      strategies: { type: "string" },
      json: { type: "string" },
      svg: { type: "string" },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const number = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`--${name} must be a positive number, got "${text}"`);
    return value;
  };
  const strategies = (values.strategies ?? STRATEGIES.join(",")).split(",").map((s) => s.trim());
  for (const s of strategies) {
    if (!(STRATEGIES as readonly string[]).includes(s)) {
      throw new Error(`unknown strategy "${s}": use some of ${STRATEGIES.join(", ")}`);
    }
  }
  const release = stackRelease(values.stack ?? DEFAULT_STACK);
  const config: RehearsalConfig = {
    scale: new TimeScale(number("scale", values.scale, 60)),
    clients: Math.round(number("clients", values.clients, quick ? 500 : 2000)),
    replicas: Math.round(number("replicas", values.replicas, 4)),
    steps: values.steps === undefined ? release.steps : parseSteps(values.steps),
    drainSeconds: number("drain-seconds", values["drain-seconds"], release.drainSeconds),
    backoffCapSeconds: BACKOFF_CAP_SECONDS,
    blipMeanSeconds: 8 * 3600,
    defaultGraceSeconds: 30,
    // From the stack file: gateway.preStopSeconds, terminationMarginSeconds, rollout.gates.
    preStopSeconds: release.preStopSeconds,
    terminationMarginSeconds: release.terminationMarginSeconds,
    scaleDownDelaySeconds: 30,
    endpointPropagationSeconds: 2,
    // A release pulls a new image: scheduling, pull and sandbox take tens of seconds on GKE.
    podStartSeconds: 20,
    gates: release.gates,
    settleSeconds: 60,
    rateWindowSeconds: RATE_WINDOW_SECONDS,
    broadcastMs: 250,
    handshakeTimeoutMs: 3000,
    rampMs: quick ? 1000 : 3000,
  };
  return {
    config,
    strategies: strategies as StrategyName[],
    jsonFile: values.json,
    svgFile: values.svg,
    quick,
  };
}

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2));
  const { config } = cli;
  const nginxBinary = findNginx();
  if (nginxBinary === undefined) {
    process.stderr.write(`${NGINX_INSTALL_HINT}\n`);
    return 2;
  }
  const openFiles = currentOpenFilesLimit();
  if (openFiles !== undefined) {
    const problem = openFilesProblem(
      openFiles,
      requiredOpenFiles(config.clients, config.replicas),
      config.clients,
    );
    if (problem !== undefined) {
      process.stderr.write(`${problem}\n`);
      return 2;
    }
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ws-gateway-rehearsal-"));
  const balancer = new Balancer();
  const nginx = new NginxProcess(nginxBinary, tmp);
  const abort = new AbortController();
  let live: { cluster: LocalCluster; fleet: Fleet | undefined } | undefined;
  const killEverything = () => {
    live?.fleet?.stop();
    live?.cluster.killNow();
    nginx.killNow();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.once("exit", killEverything);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping every child process\n`);
      abort.abort(new Error(signal));
      killEverything();
      process.exit(130);
    });
  }

  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(config.scale.describe());
  log(
    `${config.clients} clients, ${config.replicas} pods per version, schedule ${formatSteps(config.steps)}, drainSeconds ${config.drainSeconds}`,
  );
  try {
    const balancerPort = await balancer.start();
    await nginx.start({
      balancerPort,
      workerShutdownTimeoutSeconds: config.scale.realSeconds(config.drainSeconds) + 60,
      workerProcesses: 2,
      workerConnections: Math.max(4096, config.clients * 4),
    });
    const url = `ws://127.0.0.1:${nginx.port}${WEBSOCKET_PATH}`;
    log(`nginx ${nginxBinary} on ${url}, balancer on 127.0.0.1:${balancerPort}`);
    const gates = localGates(config.gates, url);
    for (const note of gates.notes) log(`note: ${note}`);

    const runs: StrategyRun[] = [];
    for (const name of cli.strategies) {
      const run = await runStrategy(name, config, {
        url,
        gates: gates.gates,
        balancer,
        progress: log,
        logger: { info: (line) => log(`  [engine] ${line}`), warn: (line) => log(`  [engine] WARN ${line}`) },
        track: (cluster, fleet) => (live = { cluster, fleet }),
        signal: abort.signal,
      });
      live = undefined;
      runs.push(run);
    }
    const reports: StrategyReport[] = runs.map((run) => summarize(run, config));
    const sameWorkers = nginx.sameWorkersAsAtStart();
    process.stdout.write(`${renderTable(config, reports)}\n`);
    process.stdout.write(
      `nginx reloads: ${sameWorkers ? "none (same worker processes from start to end)" : "WORKERS CHANGED"}\n`,
    );
    if (cli.jsonFile) {
      fs.writeFileSync(cli.jsonFile, `${JSON.stringify(toJson(config, reports), null, 2)}\n`);
      log(`wrote ${cli.jsonFile}`);
    }
    if (cli.svgFile) {
      const svg = renderSvg(
        runs.map((run, i) => ({
          name: run.name,
          samples: run.samples,
          releaseAttempts: run.releaseAttempts,
          markers: run.markers,
          releaseStart: run.releaseStart,
          measureEnd: run.measureEnd,
          budgetPerSec: reports[i].budgetPerSec,
          clients: config.clients,
        })),
        {
          binSeconds: 60,
          title: `${config.clients} clients, ${config.replicas} pods/version, x${config.scale.factor}: connections per version and reconnects per second`,
        },
      );
      fs.writeFileSync(cli.svgFile, svg);
      log(`wrote ${cli.svgFile}`);
    }
    const failed = runs.filter((r) => r.outcome !== undefined && r.outcome !== "promoted");
    return failed.length > 0 || !sameWorkers ? 1 : 0;
  } finally {
    live?.fleet?.stop();
    await live?.cluster.shutdown();
    await nginx.stop();
    await balancer.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `rehearsal failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
