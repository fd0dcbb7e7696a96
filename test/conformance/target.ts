/**
 * The gateway under test: a process the checker starts (`--cmd`) or one
 * already running (`--url`), with a way to send it SIGTERM and to see it end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import { ENV_DRAIN_SECONDS, ENV_GATEWAY_VERSION, READINESS_PATH } from "../../components/names";
import { childEnv } from "../rehearsal/protocol";
import { httpStatus, type Endpoint } from "./probe";
import { parseCommand } from "./words";

/** How a gateway ended: its exit (a process the checker can see) or the port closing (one it cannot). */
export type Ending =
  | {
      readonly how: "exit";
      readonly code: number | null;
      readonly signal: string | null;
      readonly atMs: number;
    }
  | { readonly how: "stopped-listening"; readonly atMs: number };

export interface Target {
  readonly endpoint: Endpoint;
  /** What the target is, for the report: the command or the URL. */
  readonly description: string;
  /** Sends SIGTERM (or runs the command that does); resolves once sent. */
  terminate(): Promise<void>;
  /** Resolves with the ending, or undefined when it has not ended within `withinMs`. */
  ended(withinMs: number): Promise<Ending | undefined>;
  /** Ends whatever the checker started (SIGKILL) and returns the last output lines. */
  dispose(): Promise<string>;
}

const POLL_MS = 50;
/** The readiness answer that means "send me connections". */
const READY = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on `host`, as the kernel hands one out. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    socket.setTimeout(1000, () => socket.destroy());
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(false));
  });
}

async function pollEnd(endpoint: Endpoint, withinMs: number): Promise<Ending | undefined> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!(await canConnect(endpoint))) return { how: "stopped-listening", atMs: Date.now() };
    await sleep(POLL_MS);
  }
  return undefined;
}

export interface CommandTarget {
  readonly command: string;
  readonly host: string;
  /** 0: a free port, passed as PORT. */
  readonly port: number;
  readonly path: string;
  readonly drainSeconds: number;
  readonly version: string;
  readonly startSeconds: number;
}

/** Starts `--cmd` with PORT, HOST, DRAIN_SECONDS and GATEWAY_VERSION set; resolves once it answers HTTP. */
export async function startCommand(opts: CommandTarget): Promise<Target> {
  const port = opts.port === 0 ? await freePort(opts.host) : opts.port;
  const contract = {
    PORT: String(port),
    HOST: opts.host,
    [ENV_DRAIN_SECONDS]: String(opts.drainSeconds),
    [ENV_GATEWAY_VERSION]: opts.version,
  };
  const base = childEnv(contract);
  const parsed = parseCommand(opts.command, base);
  const child: ChildProcess = spawn(parsed.program, [...parsed.args], {
    env: { ...base, ...parsed.assignments },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let ending: Ending | undefined;
  const exited = new Promise<Ending>((resolve) => {
    child.on("exit", (code, signal) => {
      ending = { how: "exit", code, signal, atMs: Date.now() };
      resolve(ending);
    });
    child.on("error", (err) => {
      output += `\n${err.message}`;
      ending = { how: "exit", code: null, signal: null, atMs: Date.now() };
      resolve(ending);
    });
  });
  const endpoint: Endpoint = { host: opts.host, port, path: opts.path };
  const target: Target = {
    endpoint,
    description: opts.command,
    async terminate() {
      child.kill("SIGTERM");
    },
    ended: (withinMs) => Promise.race([exited, sleep(withinMs).then(() => ending)]),
    async dispose() {
      if (ending === undefined) {
        child.kill("SIGKILL");
        await Promise.race([exited, sleep(2000)]);
      }
      return output.trim().split("\n").slice(-10).join("\n");
    },
  };
  // Up once readiness passes, as the kubelet waits for it; one that answers but never
  // turns ready is handed over too, so the readiness point reports what it answered.
  const deadline = Date.now() + opts.startSeconds * 1000;
  let answered = false;
  while (Date.now() < deadline && ending === undefined) {
    const status = await httpStatus(endpoint, READINESS_PATH);
    if (status === READY) return target;
    answered ||= typeof status === "number";
    await sleep(100);
  }
  if (answered && ending === undefined) return target;
  const tail = await target.dispose();
  const why =
    ending === undefined
      ? `did not answer HTTP on ${opts.host}:${port} within ${opts.startSeconds} s (it must listen on $PORT, or pass --port)`
      : `exited (code ${(ending as Extract<Ending, { how: "exit" }>).code}) before answering HTTP on ${opts.host}:${port}`;
  throw new Error(`the gateway ${why}${tail === "" ? "" : `; its last output:\n${tail}`}`);
}

export interface UrlTarget {
  readonly endpoint: Endpoint;
  readonly url: string;
  /** A shell command that sends the gateway SIGTERM. */
  readonly termCommand: string | undefined;
  /** A local process to send SIGTERM to and watch. */
  readonly pid: number | undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A gateway already running; SIGTERM by --pid or --term-cmd. */
export function attachUrl(opts: UrlTarget): Target {
  return {
    endpoint: opts.endpoint,
    description: opts.url,
    async terminate() {
      if (opts.pid !== undefined) {
        process.kill(opts.pid, "SIGTERM");
        return;
      }
      const command = opts.termCommand ?? "";
      await new Promise<void>((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", command], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("exit", (code) =>
          code === 0 ? resolve() : reject(new Error(`--term-cmd exited with ${code}: ${stderr.trim()}`)),
        );
      });
    },
    async ended(withinMs) {
      if (opts.pid === undefined) return pollEnd(opts.endpoint, withinMs);
      const deadline = Date.now() + withinMs;
      while (Date.now() < deadline) {
        if (!alive(opts.pid)) return { how: "exit", code: null, signal: null, atMs: Date.now() };
        await sleep(POLL_MS);
      }
      return undefined;
    },
    async dispose() {
      return "";
    },
  };
}
