/**
 * Release rehearsal: real nginx, real gateway processes and a fleet of real
 * WebSocket clients; the same rollout engine and gates as `pulumi up`, driving
 * the real Kubernetes router against a local API. Plays a rolling update, a
 * blue/green cut and our staged release on the same fleet size and time
 * scale, plays bad releases into ours (--faults), and measures what each did
 * to the clients. `--help` lists the options; docs/rehearsal.md explains.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Balancer } from "./balancer";
import { EXIT, UsageError, checkStack, helpText, parseCli, resolveOutputs, type Cli } from "./cli";
import type { LocalCluster } from "./cluster";
import { FAULT_SPECS } from "./faults";
import type { Fleet } from "./fleet";
import { currentOpenFilesLimit, planClients, requiredOpenFiles } from "./limits";
import { formatLeft, realSecondsLeft } from "./progress";
import { LoadMonitor, TOO_BUSY_VERDICT, machineVerdict, tooBusyHint } from "./load";
import { NGINX_INSTALL_HINT, NginxProcess, findNginx } from "./nginx";
import { WEBSOCKET_PATH } from "./protocol";
import {
  brokenStagedPromises,
  summarize,
  summarizeFault,
  toJson,
  type FaultReport,
  type MachineJson,
  type RehearsalJson,
  type StrategyReport,
} from "./report";
import { formatSteps, localGates, parseSteps, stackRelease } from "./schedule";
import { TimeScale } from "./scale";
import { scheduleSeconds } from "../../components/rollout/engine";
import { stackNames } from "../helpers/stacks";
import {
  runLabel,
  runStrategy,
  type RehearsalConfig,
  type RunSpec,
  type RunStatus,
  type StrategyRun,
} from "./strategies";
import { renderSvg } from "./svg";
import { reloadBroken, renderResults } from "./table";

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

/**
 * Session turnover during the canary schedule, as a share of the fleet: this
 * many new sessions arrive over the schedule's pauses (as many end), so
 * every step's canary gets real first-time clients at its weight.
 */
const ARRIVAL_SHARE = 0.5;

/**
 * How long the API stays away in the api-down fault beyond one call's retry
 * budget: the engine must give up on it and abort; it comes back (within the
 * abort budget) so the weight can reach 0 and the run can show what was left.
 */
const API_DOWN_BEYOND_RETRY_SECONDS = 60;

/** The whole configuration of a run, from the command line and the stack file. */
function buildConfig(cli: Cli, clients: number): RehearsalConfig {
  let release: ReturnType<typeof stackRelease>;
  try {
    release = stackRelease(cli.stack);
  } catch (error) {
    throw new UsageError(`stack ${cli.stack}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let steps = release.steps;
  if (cli.steps !== undefined) {
    try {
      steps = parseSteps(cli.steps);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  return {
    scale: new TimeScale(cli.scale),
    clients,
    replicas: cli.replicas,
    steps,
    drainSeconds: cli.drainSeconds ?? release.drainSeconds,
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
    // Real time: what a client gives one upgrade (socket.io's default is 20 s); a busy 2-core machine
    // serving thousands of sockets can take seconds.
    handshakeTimeoutMs: 10_000,
    rampMs: cli.quick ? 1000 : 3000,
    arrivalShare: ARRIVAL_SHARE,
    weightPropagationSeconds: 1,
    // Down longer than one call's retry budget (the engine must give up on it), back well within the abort budget.
    apiDownSeconds: release.retryBudgetSeconds + API_DOWN_BEYOND_RETRY_SECONDS,
    onAbort: release.onAbort,
    retryBudgetSeconds: release.retryBudgetSeconds,
    abortBudgetSeconds: release.abortBudgetSeconds,
    workerShutdownTimeoutSeconds: release.workerShutdownTimeoutSeconds,
  };
}

/** Planned scheduled seconds of one run, for the progress line's percent and time left. */
function plannedSeconds(spec: RunSpec, cfg: RehearsalConfig): number {
  const fixed = cfg.settleSeconds + cfg.backoffCapSeconds + cfg.podStartSeconds * 2;
  if (spec.strategy !== "staged") return fixed + 120;
  const schedule = scheduleSeconds(cfg.steps);
  if (spec.fault === undefined || FAULT_SPECS[spec.fault].expectedOutcome === "promoted") {
    const tail =
      spec.fault === "nginx-reload"
        ? Math.max(cfg.drainSeconds, cfg.workerShutdownTimeoutSeconds)
        : cfg.drainSeconds;
    return fixed + schedule + tail;
  }
  // An aborted release: part of the schedule, then the canary's drain.
  return fixed + schedule / 3 + cfg.drainSeconds;
}

/** A results JSON written by a run, or a UsageError naming the file and what is wrong with it. */
function readResults(file: string): RehearsalJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(
      `--print-table: cannot read ${file} (${why}); give a JSON the rehearsal wrote, e.g. test/rehearsal/results/full.json`,
    );
  }
  const ok = (v: unknown): v is RehearsalJson =>
    typeof v === "object" && v !== null && "strategies" in v && "scale" in v && "clients" in v;
  if (!ok(parsed)) {
    throw new UsageError(
      `--print-table: ${file} is not a rehearsal result (no scale, clients and strategies); give a JSON the rehearsal wrote, e.g. test/rehearsal/results/full.json`,
    );
  }
  return parsed;
}

/** A timestamp usable in a file name: 2026-11-30T18-40-00Z. */
function fileStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "-");
}

async function main(argv: readonly string[]): Promise<number> {
  const cli = parseCli(argv);
  const stacks = stackNames();
  if (cli.help) {
    process.stdout.write(helpText(stacks));
    return EXIT.OK;
  }
  if (cli.printTable !== undefined) {
    process.stdout.write(renderResults(readResults(cli.printTable)));
    return EXIT.OK;
  }
  checkStack(cli.stack, stacks);
  // Read the stack now: a bad stack file or --steps is reported before anything starts.
  buildConfig(cli, 1);
  const command = ["npm run rehearse --", ...argv].join(" ").replace(/ --$/, "");

  const nginxBinary = findNginx();
  if (nginxBinary === undefined) {
    process.stderr.write(`rehearse: ${NGINX_INSTALL_HINT}\n`);
    return EXIT.CANNOT_RUN;
  }
  const limit = currentOpenFilesLimit();
  const plan = planClients({
    requested: cli.clients ?? (cli.quick ? 500 : 2000),
    explicit: cli.clients !== undefined,
    replicas: cli.replicas,
    limit,
  });
  if (!plan.ok) {
    process.stderr.write(`rehearse: ${plan.error}\n`);
    return EXIT.CANNOT_RUN;
  }
  const outputs = resolveOutputs(cli, fileStamp(new Date()));
  const config = buildConfig(cli, plan.clients);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (plan.note !== undefined) log(`note: ${plan.note}`);

  const specs: RunSpec[] = [
    ...cli.strategies.map((strategy) => ({ strategy })),
    ...cli.faults.map((fault) => ({ strategy: "staged" as const, fault })),
  ];

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
      process.exit(EXIT.INTERRUPTED);
    });
  }

  log(config.scale.describe());
  log(
    `${config.clients} clients (${Math.round(config.arrivalShare * 100)}% of them replaced by new sessions over the canary schedule), ${config.replicas} pods per version, ` +
      `stack ${cli.stack}: schedule ${formatSteps(config.steps)}, drainSeconds ${config.drainSeconds}`,
  );
  const planned = specs.map((spec) => config.scale.realSeconds(plannedSeconds(spec, config)) + 2);
  const totalPlanned = planned.reduce((a, b) => a + b, 0);
  log(`${specs.length} runs: ${specs.map(runLabel).join(", ")}; about ${formatLeft(totalPlanned)} in all`);
  const started = performance.now();
  const load = new LoadMonitor();
  try {
    const balancerPort = await balancer.start();
    // nginx's workers may raise their own limit only up to the hard one unless root.
    const need = requiredOpenFiles(config.clients, config.replicas) + 1024;
    const isRoot = process.getuid?.() === 0;
    const workerOpenFiles = isRoot || limit === undefined ? need : Math.min(need, limit.hard);
    await nginx.start({
      balancerPort,
      workerShutdownTimeoutSeconds: config.scale.realSeconds(config.workerShutdownTimeoutSeconds),
      workerProcesses: 2,
      workerOpenFiles,
      workerConnections: Math.min(workerOpenFiles, Math.max(4096, config.clients * 4)),
    });
    const url = `ws://127.0.0.1:${nginx.port}${WEBSOCKET_PATH}`;
    log(`nginx ${nginxBinary} on ${url}, balancer on 127.0.0.1:${balancerPort}`);
    const gates = localGates(config.gates, url);
    for (const note of gates.notes) log(`note: ${note}`);

    const runs: StrategyRun[] = [];
    const reloads: string[] = [];
    let doneReal = 0;
    let donePlannedReal = 0;
    load.start();
    for (const [index, spec] of specs.entries()) {
      const label = runLabel(spec);
      const runStarted = performance.now();
      const workersBefore = nginx.workers();
      nginx.markWorkers();
      let lastShown = 0;
      const status = (s: RunStatus) => {
        const nowReal = performance.now();
        if (nowReal - lastShown < 2000) return;
        lastShown = nowReal;
        const left = realSecondsLeft({
          playedScheduled: s.t,
          plannedScheduled: plannedSeconds(spec, config),
          scale: config.scale.factor,
          laterPlannedReal: planned.slice(index + 1).reduce((a, b) => a + b, 0),
          doneReal,
          donePlannedReal,
        });
        const elapsed = (nowReal - started) / 1000;
        const percent = Math.min(99, Math.floor((100 * elapsed) / (elapsed + left)));
        const byVersion = [...s.connectedByVersion]
          .sort()
          .map(([v, n]) => `${v}=${n}`)
          .join(" ");
        const when =
          s.releaseT === undefined
            ? "before release"
            : `t=${s.releaseT >= 0 ? "+" : ""}${s.releaseT.toFixed(0)}s`;
        log(
          `[${index + 1}/${specs.length} ${label}] ${percent}% ~${formatLeft(left)} left | ${when} ${s.phase} | ${byVersion || "none connected"} | reconnects ${s.reconnectsPerSecond.toFixed(2)}/s`,
        );
      };
      log(
        `[${index + 1}/${specs.length} ${label}] starting${spec.fault ? `: ${FAULT_SPECS[spec.fault].summary}` : ""}`,
      );
      const run = await runStrategy(spec, config, {
        url,
        gates: gates.gates,
        balancer,
        status,
        logger: { info: (line) => log(`  [engine] ${line}`), warn: (line) => log(`  [engine] WARN ${line}`) },
        track: (cluster, fleet) => (live = { cluster, fleet }),
        signal: abort.signal,
        reloadNginx: () => nginx.reload(),
        oldNginxWorkersGone: (timeoutMs) => nginx.waitWorkersGone(workersBefore, timeoutMs),
      });
      live = undefined;
      runs.push(run);
      doneReal += (performance.now() - runStarted) / 1000;
      donePlannedReal += planned[index];
      if (spec.fault !== "nginx-reload" && !nginx.sameWorkersAsAtStart()) reloads.push(label);
      log(
        `[${index + 1}/${specs.length} ${label}] done in ${formatLeft((performance.now() - runStarted) / 1000)}`,
      );
    }

    const loadFigures = load.stop();
    const verdict = machineVerdict(loadFigures);
    const machine: MachineJson = {
      ...loadFigures,
      verdict: verdict.valid ? "valid" : TOO_BUSY_VERDICT,
      reasons: verdict.valid ? [] : verdict.reasons,
    };
    const strategyRuns = runs.filter((r) => r.fault === undefined);
    const reports: StrategyReport[] = strategyRuns.map((run) => summarize(run, config));
    const faultReports: FaultReport[] = runs.filter((r) => r.fault !== undefined).map(summarizeFault);
    const broken = [
      ...reports.flatMap(brokenStagedPromises),
      ...faultReports.flatMap((f) => f.broken),
      ...reloads.map(reloadBroken),
    ];
    // The tables are rendered from the JSON, so `--print-table` of the written file shows the same figures.
    const json = toJson(config, reports, faultReports, { command, broken, machine });
    process.stdout.write(renderResults(json));
    fs.writeFileSync(outputs.json, `${JSON.stringify(json, null, 2)}\n`);
    const svg = renderSvg(
      strategyRuns.map((run, i) => ({
        name: run.name,
        samples: run.samples,
        releaseAttempts: run.releaseAttempts,
        markers: run.markers,
        releaseStart: run.releaseStart,
        measureEnd: run.measureEnd,
        budgetPerSec: reports[i].budgetPerSec,
        clients: config.clients,
        maxDisconnects: reports[i].disconnects.max,
        peakOverBudget: reports[i].reconnectPeakOverBudget,
      })),
      {
        binSeconds: 60,
        title: `${config.clients} clients, ${config.replicas} pods/version, x${config.scale.factor}: connections per version and reconnects per second`,
        faults: faultReports,
        command,
      },
    );
    fs.writeFileSync(outputs.svg, svg);
    const shown = (file: string) => path.relative(process.cwd(), file) || file;
    process.stdout.write(`results: ${shown(outputs.json)} and ${shown(outputs.svg)}\n`);
    log(`finished in ${formatLeft((performance.now() - started) / 1000)}`);

    if (!verdict.valid) {
      // Starvation looks exactly like a regression: late timers, late closes, timed-out handshakes.
      // The figures stay printed and written; none of them is judged.
      const unjudged =
        broken.length === 0
          ? ""
          : `; ${broken.length} promise(s) would read as broken, not judged: ${broken.join("; ")}`;
      process.stderr.write(
        `\n${TOO_BUSY_VERDICT}: ${verdict.reasons.join("; ")}; the figures above are not a measurement${unjudged}. ` +
          `${tooBusyHint(config.clients, config.scale.factor)}. Exit code ${EXIT.TOO_BUSY} says so.\n`,
      );
      return EXIT.TOO_BUSY;
    }
    if (broken.length > 0) {
      process.stderr.write(
        `\n${broken.length} promise(s) broken:\n${broken.map((b) => `  - ${b}`).join("\n")}\n`,
      );
      return EXIT.BROKEN;
    }
    const held = strategyRuns.find((r) => r.result?.kind === "held");
    if (held !== undefined) {
      const last = config.steps[config.steps.length - 1];
      process.stderr.write(
        `\nheld: the schedule ends at canary weight ${last.weight}%, so the release stops there: both versions keep serving ` +
          `and nothing is retired (as \`pulumi up\` does with a schedule that ends below 100; the stack must then name rollout.stableVersion). ` +
          `Every promise held. Exit code ${EXIT.HELD} says so; to play a whole release, end --steps with 100.\n`,
      );
      return EXIT.HELD;
    }
    return EXIT.OK;
  } finally {
    live?.fleet?.stop();
    await live?.cluster.shutdown();
    await nginx.stop();
    await balancer.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`rehearse: ${error.message}\n`);
        process.exit(EXIT.USAGE);
      }
      // Not a user mistake: the whole error, stack included, is what a bug report needs.
      process.stderr.write(
        `rehearse: the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(EXIT.CANNOT_RUN);
    },
  );
}
