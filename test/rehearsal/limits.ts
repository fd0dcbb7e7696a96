/**
 * The open-file limit, checked before anything starts. The rehearsal's own
 * process holds every client socket, so a limit below the need fails a run
 * halfway with EMFILE, which would read as failed handshakes of the release
 * under test.
 *
 * Node.js raises its own soft limit to the hard limit at start-up, so a stock
 * shell (soft 1024, high hard limit) needs nothing; the rehearsal reads the
 * limit it actually has. Only a low hard limit (`ulimit -n 1024` sets both)
 * constrains it; then the default run plays fewer clients, computed from the
 * limit, and says so. nginx sets its workers' own limit (worker_rlimit_nofile).
 */
import * as fs from "node:fs";

/** Descriptors the process needs besides the clients: node itself, the balancer, the API, nginx's and the pods' pipes, probes. */
export const BASE_OPEN_FILES = 200;

/** The smallest fleet worth measuring: below it, per-client maxima and rates say little. */
export const MIN_CLIENTS = 50;

export interface OpenFilesLimit {
  readonly soft: number;
  readonly hard: number;
}

/**
 * Open files the rehearsal process needs: each client socket twice (a client
 * cut by the release holds its new socket while the old one is still being
 * closed, and a blue/green cut does that for the whole fleet at once; a new
 * session arrives as another ends, so turnover adds none), two per pod of
 * both versions (stdout pipe and a readiness probe), and a base.
 */
export function requiredOpenFiles(clients: number, replicas: number): number {
  return 2 * clients + 2 * (2 * replicas) + BASE_OPEN_FILES;
}

/** The most clients a limit allows (the inverse of requiredOpenFiles). */
export function clientsThatFit(limit: number, replicas: number): number {
  if (limit === Infinity) return Number.MAX_SAFE_INTEGER;
  return Math.max(0, Math.floor((limit - BASE_OPEN_FILES - 4 * replicas) / 2));
}

/** The "Max open files" soft and hard limits from the text of /proc/<pid>/limits; undefined when missing. */
export function parseOpenFilesLimit(limitsText: string): OpenFilesLimit | undefined {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limitsText);
  if (match === null) return undefined;
  const value = (text: string) => (text === "unlimited" ? Infinity : Number(text));
  const soft = value(match[1]);
  const hard = value(match[2]);
  if (Number.isNaN(soft) || Number.isNaN(hard)) return undefined;
  return { soft, hard };
}

/** This process's open-file limits; undefined where /proc is not there (not Linux), so no check. */
export function currentOpenFilesLimit(): OpenFilesLimit | undefined {
  let text: string;
  try {
    text = fs.readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
  return parseOpenFilesLimit(text);
}

/** How many clients to play, and what to tell the user about it. */
export type ClientPlan =
  | { readonly ok: true; readonly clients: number; readonly note?: string }
  | { readonly ok: false; readonly error: string };

/**
 * Fits the fleet to the open-file limit. A default fleet that does not fit
 * shrinks to what the limit allows, with a note; a fleet the user asked for
 * does not shrink behind their back: that is an error with the exact fix.
 */
export function planClients(input: {
  readonly requested: number;
  readonly explicit: boolean;
  readonly replicas: number;
  readonly limit: OpenFilesLimit | undefined;
}): ClientPlan {
  const { requested, explicit, replicas, limit } = input;
  if (limit === undefined) return { ok: true, clients: requested };
  const need = requiredOpenFiles(requested, replicas);
  // Node raised the soft limit to the hard one at start-up; the soft one is what this process has.
  const have = limit.soft;
  if (have >= need) return { ok: true, clients: requested };
  const fit = clientsThatFit(have, replicas);
  const raise = `raise the hard limit as root (\`ulimit -n ${need}\` in the shell that runs it)`;
  if (explicit || fit < MIN_CLIENTS) {
    const fewer = fit >= MIN_CLIENTS ? `pass --clients ${fit} or ` : "";
    return {
      ok: false,
      error:
        `open-file limit too low: this process may open ${have} files (ulimit -n; hard limit ${limit.hard}), ` +
        `${requested} clients need about ${need}; ${fewer}${raise}`,
    };
  }
  return {
    ok: true,
    clients: fit,
    note:
      `open-file limit ${have} (hard limit ${limit.hard}) is below the ${need} that ${requested} clients need: ` +
      `playing ${fit} clients instead; for the full fleet, ${raise}`,
  };
}
