/** Running the checker's command line as a user does, for the tests: `node dist/test/conformance/main.js ...`. */
import { spawn } from "node:child_process";
import * as path from "node:path";
import type { Report } from "./report";

const MAIN = path.join(__dirname, "main.js");

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the checker with `args` from `cwd`; resolves when it exits. */
export function runChecker(args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The --json report of a run. */
export function reportOf(run: CliRun): Report {
  return JSON.parse(run.stdout) as Report;
}

/** Ids of the points that failed. */
export function failedPoints(report: Report): string[] {
  return report.points.filter((p) => !p.ok).map((p) => p.id);
}
