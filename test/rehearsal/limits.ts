/**
 * The open-file limit check run before the fleet starts. The rehearsal's own
 * process holds every client socket, so a default `ulimit -n` of 1024 fails a
 * 2000-client run halfway with EMFILE, which reads as a failed handshake of
 * the release under test. Checking first turns that into a clear message.
 */
import * as fs from "node:fs";

/** Descriptors the process needs besides the clients: node itself, the balancer, nginx's and the pods' pipes, probes. */
const BASE_OPEN_FILES = 200;

/**
 * Open files the rehearsal process needs: each client socket twice (a client
 * cut by the release holds its new socket while the old one is still being
 * closed, and a blue/green cut does that for the whole fleet at once), two
 * per pod of both versions (stdout pipe and a readiness probe), and a base.
 */
export function requiredOpenFiles(clients: number, replicas: number): number {
  return 2 * clients + 2 * (2 * replicas) + BASE_OPEN_FILES;
}

/**
 * The soft "Max open files" limit from the text of /proc/<pid>/limits;
 * Infinity for "unlimited", undefined when the line is missing.
 */
export function parseOpenFilesLimit(limitsText: string): number | undefined {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limitsText);
  if (match === null) return undefined;
  if (match[1] === "unlimited") return Infinity;
  const soft = Number(match[1]);
  return Number.isInteger(soft) ? soft : undefined;
}

/** The message to stop with when the limit is below the need; undefined when it suffices. */
export function openFilesProblem(limit: number, need: number, clients: number): string | undefined {
  if (limit >= need) return undefined;
  return (
    `open-file limit too low: ulimit -n is ${limit}, a run with ${clients} clients needs about ${need}. ` +
    "Raise it in this shell with `ulimit -n 65536` and run again (or pass fewer --clients)."
  );
}

/** This process's soft open-file limit; undefined where /proc is not there (not Linux), so no check. */
export function currentOpenFilesLimit(): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
  return parseOpenFilesLimit(text);
}
