/**
 * `npm run e2e -- [--workdir DIR] [--keep] [--only a,b] [--record]`: the
 * program under the real Pulumi CLI against a real Kubernetes API server on
 * loopback. `npm run e2e -- --stop --workdir DIR` stops a control plane left
 * by --keep; `--help` lists the scenarios.
 *
 * Needs the tools of `npm run e2e:tools` (docs/e2e.md). Writes everything
 * under DIR: backend, kubeconfig, logs, events.jsonl, results.json (with the
 * git commit and tree of the code that ran); --record also copies
 * results.json to test/e2e/results/last.json.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ControlPlane, controlPlaneFiles, stopRecorded } from "./controlplane";
import { SCENARIOS, runScenarios, type ScenarioResult } from "./scenarios";
import { ClusterWatcher } from "./watcher";
import { Workspace, repoRoot } from "./workspace";

interface Args {
  workdir: string;
  keep: boolean;
  stop: boolean;
  record: boolean;
  only: string[] | undefined;
}

const USAGE =
  "npm run e2e -- [--workdir DIR] [--keep] [--only a,b] [--record] | --stop --workdir DIR | --help";

export function helpText(): string {
  const width = Math.max(...SCENARIOS.map((s) => s.name.length));
  return [
    `Usage: ${USAGE}`,
    "",
    "The program under the real Pulumi CLI against a local kube-apiserver (docs/e2e.md).",
    "Needs the pinned tool set first: `npm run e2e:tools`, with WS_E2E_PULUMI_GIT set to a",
    "pulumi/pulumi git directory (e.g. a bare clone of https://github.com/pulumi/pulumi.git).",
    "",
    "  --workdir DIR  where the backend, kubeconfig, logs, events.jsonl and results.json go (default: a new temp dir)",
    "  --keep         leave the control plane running; stop it later with --stop --workdir DIR",
    "  --only a,b     run only these scenarios (in run order)",
    "  --record       also copy results.json to test/e2e/results/last.json",
    "  --stop         stop the control plane a --keep run left in --workdir",
    "  --help         this text",
    "",
    "Scenarios, in run order:",
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
  ].join("\n");
}

function usageError(message: string): never {
  console.error(`e2e: ${message}. Usage: ${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { workdir: "", keep: false, stop: false, record: false, only: undefined };
  const names = SCENARIOS.map((s) => s.name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      console.log(helpText());
      process.exit(0);
    } else if (a === "--keep") args.keep = true;
    else if (a === "--stop") args.stop = true;
    else if (a === "--record") args.record = true;
    else if (a === "--workdir") {
      const dir = argv[++i];
      if (dir === undefined || dir === "") usageError("--workdir needs a directory");
      args.workdir = path.resolve(dir);
    } else if (a === "--only") {
      const only = (argv[++i] ?? "").split(",").filter((s) => s !== "");
      const unknown = only.filter((n) => !names.includes(n));
      if (only.length === 0 || unknown.length > 0) {
        usageError(`--only ${unknown.join(",") || "(empty)"}: not a scenario; pick from ${names.join(", ")}`);
      }
      args.only = only;
    } else usageError(`unknown argument ${a}`);
  }
  return args;
}

/** The commit and tree of the code that ran (the tree of the working directory, uncommitted changes included). */
function codeIdentity(): { commit: string; tree: string; dirty: boolean } {
  const git = (args: string[], env: NodeJS.ProcessEnv = process.env): string => {
    try {
      return execFileSync("git", args, { cwd: repoRoot(), encoding: "utf8", env }).trim();
    } catch {
      return "unknown";
    }
  };
  const commit = git(["rev-parse", "HEAD"]);
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
  // The tree object of the working directory as it is: a throwaway index, nothing staged in the real one.
  const index = path.join(os.tmpdir(), `ws-gateway-e2e-index-${process.pid}`);
  const env = { ...process.env, GIT_INDEX_FILE: index };
  git(["read-tree", "HEAD"], env);
  git(["add", "-u"], env);
  const tree = git(["write-tree"], env);
  fs.rmSync(index, { force: true });
  return { commit, tree, dirty };
}

function toolsDir(): string {
  const script = path.join(repoRoot(), "test", "e2e", "tools.sh");
  const dir = execFileSync("bash", [script, "--dir"], { encoding: "utf8" }).trim();
  try {
    execFileSync("bash", [script, "--check"], { stdio: ["ignore", "ignore", "pipe"] });
  } catch {
    console.error(
      `e2e: the tool set is not built in ${dir}. Fix: run \`npm run e2e:tools\` first (docs/e2e.md).`,
    );
    process.exit(2);
  }
  return dir;
}

/** Each tool's version as tools.sh recorded it from the binary (`--version`) when it built it. */
function toolVersions(toolsDir: string): Record<string, string> {
  const stamp = (tool: string): string => {
    try {
      const text = fs.readFileSync(path.join(toolsDir, "stamps", tool), "utf8");
      return (JSON.parse(text) as { version: string }).version;
    } catch {
      return "unknown";
    }
  };
  return {
    pulumi: stamp("pulumi"),
    languageHost: stamp("langhost"),
    kubernetesProvider: stamp("kubernetes"),
    kubeApiserver: stamp("kube"),
    etcd: stamp("etcd"),
    kwok: stamp("kwok"),
  };
}

/** Starts the reference gateway (test/rehearsal/gateway.ts) on loopback; resolves with its port. */
function startGateway(logFile: string): Promise<{ child: ChildProcess; port: number }> {
  const script = path.join(repoRoot(), "dist", "test", "rehearsal", "gateway.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", GATEWAY_VERSION: "e2e-reference" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log = fs.createWriteStream(logFile);
    child.stderr?.pipe(log);
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const line = buffer.split("\n")[0] ?? "";
      if (buffer.includes("\n")) {
        try {
          resolve({ child, port: (JSON.parse(line) as { port: number }).port });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`reference gateway exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.stop) {
    if (args.workdir === "") {
      console.error("e2e: --stop needs --workdir DIR (the directory of the --keep run)");
      process.exit(2);
    }
    const stopped = await stopRecorded(controlPlaneFiles(args.workdir));
    console.log(stopped.length === 0 ? "nothing was running" : `stopped: ${stopped.join(", ")}`);
    return;
  }
  const tools = toolsDir();
  const bin = path.join(tools, "bin");
  const workdir =
    args.workdir === "" ? fs.mkdtempSync(path.join(os.tmpdir(), "ws-gateway-e2e-")) : args.workdir;
  fs.mkdirSync(workdir, { recursive: true });
  if (fs.existsSync(path.join(workdir, "backend", ".pulumi"))) {
    console.error(`e2e: ${workdir} already holds a run; pick an empty --workdir`);
    process.exit(2);
  }
  console.log(`e2e: workdir ${workdir}`);
  const started = Date.now();
  const log = (line: string): void => console.log(`e2e: ${line}`);
  const results: ScenarioResult[] = [];
  const cp = new ControlPlane(workdir, bin, log);
  let gateway: ChildProcess | undefined;
  let workspace: Workspace | undefined;
  let watcher: ClusterWatcher | undefined;
  const versions = toolVersions(tools);
  let exitCode = 0;
  // A CI timeout or Ctrl-C: stop what was started (the control plane runs in its own process groups).
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      log(`${signal}: interrupting pulumi, stopping the control plane`);
      gateway?.kill("SIGTERM");
      void (workspace?.interrupt() ?? Promise.resolve())
        .then(() => cp.stop())
        .finally(() => process.exit(130));
    });
  }
  try {
    log("starting the control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)");
    await cp.start();
    log(`control plane up in ${((Date.now() - started) / 1000).toFixed(1)}s: ${cp.target.server}`);
    const ws = new Workspace(workdir, bin, cp.files.kubeconfig);
    workspace = ws;
    const gw = await startGateway(path.join(ws.logs, "reference-gateway.log"));
    gateway = gw.child;
    log(`reference gateway on ws://127.0.0.1:${gw.port}/`);
    watcher = new ClusterWatcher(cp.target, "ws-gateway", path.join(workdir, "events.jsonl"));
    watcher.start();
    await runScenarios({ ws, cp, watcher, gatewayPort: gw.port, log }, args.only, results);
  } catch (err) {
    exitCode = 1;
    results.push({
      name: "setup",
      ok: false,
      seconds: (Date.now() - started) / 1000,
      detail: err instanceof Error ? err.message : String(err),
    });
  } finally {
    watcher?.stop();
    gateway?.kill("SIGTERM");
    const seconds = (Date.now() - started) / 1000;
    const report = { code: codeIdentity(), tools: versions, seconds, scenarios: results };
    const text = JSON.stringify(report, null, 2) + "\n";
    fs.writeFileSync(path.join(workdir, "results.json"), text);
    if (args.record) {
      const last = path.join(repoRoot(), "test", "e2e", "results", "last.json");
      fs.mkdirSync(path.dirname(last), { recursive: true });
      fs.writeFileSync(last, text);
      log(`results recorded in ${path.relative(repoRoot(), last)}`);
    }
    if (args.keep) {
      log(`control plane left running. KUBECONFIG=${cp.files.kubeconfig} kubectl get pods -A`);
      log(`stop it with: npm run e2e -- --stop --workdir ${workdir}`);
    } else {
      await cp.stop();
    }
    for (const r of results) {
      console.log(
        `${r.ok ? "PASS" : "FAIL"} ${r.name} (${r.seconds.toFixed(1)}s): ${r.detail.split("\n")[0]}`,
      );
    }
    const failed = results.filter((r) => !r.ok).length;
    if (failed > 0) exitCode = 1;
    console.log(`e2e: workdir ${workdir}, ${seconds.toFixed(0)}s, results.json written`);
    console.log(`e2e: ${results.length - failed} passed, ${failed} failed`);
  }
  process.exit(exitCode);
}

if (require.main === module) void main();
