/**
 * The end-to-end workdir and the real Pulumi CLI run inside it.
 *
 * Layout of <workdir>:
 *   bin/        the tools on PATH: pulumi, its nodejs language host, the
 *               kubernetes provider plugin, pulumi-resource-pulumi-nodejs, node
 *   project/    a copy of Pulumi.yaml, package.json, tsconfig.json and the e2e
 *               stack file, with infra/, components/ and node_modules/ linked
 *               to the repository, so `pulumi config set` never edits the repo
 *   backend/    the local file backend (PULUMI_BACKEND_URL=file://...)
 *   home/       PULUMI_HOME (plugins, workspace settings)
 *   cluster/    the control plane (see ./controlplane)
 *   logs/       one log per CLI run, the reference gateway's log
 *   events.jsonl, results.json
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const STACK = "e2e";
export const PASSPHRASE = "ws-gateway-e2e";

/** Repository root, from dist/test/e2e or test/e2e. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no Pulumi.yaml above ${__dirname}`);
    dir = up;
  }
  return dir;
}

export interface CliResult {
  readonly code: number;
  /** stdout and stderr interleaved as they arrived. */
  readonly output: string;
  /** stdout alone (JSON output). */
  readonly stdout: string;
  readonly seconds: number;
  readonly log: string;
}

export class Workspace {
  readonly repo = repoRoot();
  readonly bin: string;
  readonly project: string;
  readonly logs: string;
  readonly env: NodeJS.ProcessEnv;
  private runs = 0;
  private current: ReturnType<typeof spawn> | undefined;

  constructor(
    readonly workdir: string,
    toolsBin: string,
    kubeconfig: string,
  ) {
    this.bin = path.join(workdir, "bin");
    this.project = path.join(workdir, "project");
    this.logs = path.join(workdir, "logs");
    for (const d of [
      this.bin,
      this.project,
      this.logs,
      path.join(workdir, "backend"),
      path.join(workdir, "home"),
      path.join(workdir, "tmp"),
    ]) {
      fs.mkdirSync(d, { recursive: true });
    }
    const link = (target: string, name: string): void => {
      const at = path.join(this.bin, name);
      fs.rmSync(at, { force: true });
      fs.symlinkSync(target, at);
    };
    for (const b of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"])
      link(path.join(toolsBin, b), b);
    // The dynamic-provider host ships as a script in the SDK package.
    const sdk = path.join(this.repo, "node_modules", "@pulumi", "pulumi");
    const dynamicHost = path.join(sdk, "pulumi-resource-pulumi-nodejs");
    fs.chmodSync(dynamicHost, 0o755);
    link(dynamicHost, "pulumi-resource-pulumi-nodejs");
    link(process.execPath, "node");

    for (const f of ["Pulumi.yaml", "package.json", "tsconfig.json"]) {
      fs.copyFileSync(path.join(this.repo, f), path.join(this.project, f));
    }
    for (const d of ["infra", "components", "node_modules"]) {
      const at = path.join(this.project, d);
      fs.rmSync(at, { force: true, recursive: true });
      fs.symlinkSync(path.join(this.repo, d), at);
    }
    fs.mkdirSync(path.join(this.project, "stacks"), { recursive: true });

    this.env = {
      PATH: `${this.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      HOME: path.join(workdir, "home"),
      TMPDIR: path.join(workdir, "tmp"),
      PULUMI_HOME: path.join(workdir, "home"),
      PULUMI_BACKEND_URL: `file://${path.join(workdir, "backend")}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      NO_COLOR: "1",
      KUBECONFIG: kubeconfig,
      KUBECACHEDIR: path.join(workdir, "tmp", "kube-cache"),
    };
  }

  /** The stack file the CLI reads and `pulumi config set` writes (a copy of stacks/Pulumi.e2e.yaml). */
  get stackFile(): string {
    return path.join(this.project, "stacks", `Pulumi.${STACK}.yaml`);
  }

  /**
   * Runs the real CLI in the project; never throws on a non-zero exit. `env`
   * overrides variables of the CLI's environment (another kubeconfig).
   */
  pulumi(
    args: string[],
    label: string,
    onLine?: (line: string) => void,
    env?: Readonly<Record<string, string>>,
  ): Promise<CliResult> {
    return this.run("pulumi", [...args, "--non-interactive", "--color=never"], label, onLine, env);
  }

  run(
    command: string,
    args: string[],
    label: string,
    onLine?: (line: string) => void,
    env?: Readonly<Record<string, string>>,
  ): Promise<CliResult> {
    this.runs += 1;
    const log = path.join(this.logs, `${String(this.runs).padStart(2, "0")}-${label}.log`);
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(command, args, {
        cwd: this.project,
        env: { ...this.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      this.current = child;
      let output = "";
      let stdout = "";
      let partial = "";
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString("utf8");
        output += text;
        fs.appendFileSync(log, text);
        if (onLine !== undefined) {
          partial += text;
          const lines = partial.split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) onLine(line);
        }
      };
      fs.writeFileSync(log, `$ ${command} ${args.join(" ")}\n`);
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        onData(chunk);
      });
      child.stderr.on("data", onData);
      child.on("close", (code) =>
        resolve({ code: code ?? -1, output, stdout, seconds: (Date.now() - started) / 1000, log }),
      );
    });
  }

  /** Interrupts the running CLI as Ctrl-C would (it then stops its plugins); kills it after 20 s. */
  async interrupt(): Promise<void> {
    const child = this.current;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      const exited = new Promise((resolve) => child.once("close", resolve));
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    }
    // Plugins run in their own process groups; a CLI that had to be killed leaves them behind.
    for (const pid of this.processesFromBin()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  /** Processes started from this workdir's bin/ (the CLI's plugins), by their /proc command line. */
  processesFromBin(): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
        if (argv.some((a) => a.startsWith(`${this.bin}/`))) pids.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return pids.filter((pid) => pid !== process.pid);
  }

  configSet(pathKey: string, value: string): Promise<CliResult> {
    return this.pulumi(
      ["config", "set", "--path", `ws-gateway:${pathKey}`, value, "--stack", STACK],
      "config-set",
    );
  }

  configSetJson(pathKey: string, value: unknown): Promise<CliResult> {
    return this.pulumi(
      ["config", "set", "--path", "--json", `ws-gateway:${pathKey}`, JSON.stringify(value), "--stack", STACK],
      "config-set",
    );
  }

  configRm(pathKey: string): Promise<CliResult> {
    return this.pulumi(["config", "rm", "--path", `ws-gateway:${pathKey}`, "--stack", STACK], "config-rm");
  }
}
