/** A rehearsal child process for the tests: its exit code and output. */
import { spawn } from "node:child_process";
import { childEnv } from "./protocol";

/** Runs a child; a cancelled or timed-out test sends it SIGTERM, and it cleans up its own processes. */
export function run(
  command: string,
  args: string[],
  signal: AbortSignal,
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: childEnv(env),
      signal,
      killSignal: "SIGTERM",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
