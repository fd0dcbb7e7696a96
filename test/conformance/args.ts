/** The checker's command line: `npm run conformance -- --cmd "..." | --url ws://...` and its options. */
import { DEFAULT_PROBE_MESSAGE } from "../../components/rollout/defaults";
import { ENV_DRAIN_SECONDS, ENV_GATEWAY_VERSION, VERSION_HEADER } from "../../components/names";
import { MIN_CLIENTS } from "./spread";

export interface Args {
  readonly cmd: string | undefined;
  readonly url: string | undefined;
  readonly termCmd: string | undefined;
  readonly pid: number | undefined;
  readonly drainSeconds: number;
  readonly clients: number;
  readonly version: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly message: string;
  readonly startSeconds: number;
  readonly json: boolean;
}

/** Bounds of the numeric options: the checker waits about DRAIN_SECONDS, holds --clients sockets. */
export const BOUNDS = {
  drainSeconds: { min: 1, max: 600, default: 4 },
  clients: { min: MIN_CLIENTS, max: 1000, default: 32 },
  startSeconds: { min: 1, max: 600, default: 15 },
  port: { min: 1, max: 65535 },
} as const;

export const EXIT = { pass: 0, fail: 1, usage: 2 } as const;

export const USAGE = `Usage: npm run conformance -- --cmd "<command that starts your gateway>" [options]
       npm run conformance -- --url ws://HOST:PORT/PATH (--pid N | --term-cmd "<command>") [options]

Runs the drain contract (docs/drain-contract.md) against a gateway and prints a
pass/fail line per point with the measured values. Exit code ${EXIT.pass}: every point
passed, ${EXIT.fail}: one failed, ${EXIT.usage}: bad arguments (docs/conformance.md).

Target (one of):
  --cmd CMD            start the gateway: CMD is split into words like a shell
                       command (quotes, $VAR, leading NAME=value), not run by a
                       shell, so SIGTERM reaches the program itself. It gets PORT,
                       HOST, ${ENV_DRAIN_SECONDS} and ${ENV_GATEWAY_VERSION} in its environment.
  --url URL            a gateway already running, with ${ENV_DRAIN_SECONDS} equal to
                       --drain-seconds; needs --pid or --term-cmd to start its drain
  --pid N              (with --url) send SIGTERM to this process and watch it exit
  --term-cmd CMD       (with --url) a shell command that sends the gateway SIGTERM,
                       e.g. "docker kill --signal TERM gw"

Options:
  --drain-seconds N    ${ENV_DRAIN_SECONDS} (default ${BOUNDS.drainSeconds.default}, ${BOUNDS.drainSeconds.min}-${BOUNDS.drainSeconds.max})
  --clients N          connections held open across the drain (default ${BOUNDS.clients.default}, ${BOUNDS.clients.min}-${BOUNDS.clients.max})
  --version V          the version the gateway must name in ${VERSION_HEADER}
                       (with --cmd: default a fresh one, passed as ${ENV_GATEWAY_VERSION};
                       with --url: default any non-empty value)
  --host H             (with --cmd) address to listen on and probe, passed as HOST (default 127.0.0.1)
  --port N             (with --cmd) port passed as PORT (default: a free one)
  --path P             (with --cmd) WebSocket path (default /)
  --message M          what each client sends; any message back is the reply (default "${DEFAULT_PROBE_MESSAGE}")
  --start-seconds N    (with --cmd) how long the gateway may take to answer HTTP (default ${BOUNDS.startSeconds.default})
  --json               print the report as JSON
  --help               print this and exit`;

/** A usage error: the message names the option, the value, what is allowed and a fix. */
export class UsageError extends Error {}

function number(name: keyof typeof BOUNDS, raw: string | undefined, integer: boolean): number {
  const bound = BOUNDS[name];
  const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const value = Number(raw);
  if (raw === undefined || raw === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw new UsageError(
      `${flag}: "${raw ?? ""}" is not ${integer ? "an integer" : "a number"}; give one from ${bound.min} to ${bound.max}, e.g. ${flag} ${"default" in bound ? bound.default : bound.min}`,
    );
  if (value < bound.min || value > bound.max)
    throw new UsageError(
      `${flag}: ${value} is out of range; give one from ${bound.min} to ${bound.max}, e.g. ${flag} ${"default" in bound ? bound.default : bound.min}`,
    );
  return value;
}

/** Parses argv; throws UsageError. Returns "help" for --help. */
export function parseArgs(argv: readonly string[]): Args | "help" {
  const raw = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") return "help";
    if (a === "--json") {
      json = true;
      continue;
    }
    const known = [
      "--cmd",
      "--url",
      "--pid",
      "--term-cmd",
      "--drain-seconds",
      "--clients",
      "--version",
      "--host",
      "--port",
      "--path",
      "--message",
      "--start-seconds",
    ];
    const [flag, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    if (!known.includes(flag)) throw new UsageError(`unknown argument ${a}; see --help`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value; see --help`);
    raw.set(flag, value);
  }
  const cmd = raw.get("--cmd");
  const url = raw.get("--url");
  if ((cmd === undefined) === (url === undefined))
    throw new UsageError(
      'give exactly one target: --cmd "<command that starts your gateway>" or --url ws://HOST:PORT/PATH',
    );
  if (cmd !== undefined && cmd.trim() === "")
    throw new UsageError('--cmd is empty; e.g. --cmd "./my-gateway"');
  const pidRaw = raw.get("--pid");
  const termCmd = raw.get("--term-cmd");
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--url: "${url}" is not a URL; e.g. --url ws://127.0.0.1:8080/`);
    }
    if (parsed.protocol !== "ws:")
      throw new UsageError(
        `--url: "${url}" is not a ws:// URL (the checker probes the gateway's own port, without TLS); e.g. --url ws://127.0.0.1:8080/`,
      );
    if (pidRaw === undefined && termCmd === undefined)
      throw new UsageError(
        '--url needs a way to start the drain: --pid N (a local process) or --term-cmd "<command that sends it SIGTERM>"',
      );
    for (const flag of ["--host", "--port", "--path", "--start-seconds"])
      if (raw.has(flag)) throw new UsageError(`${flag} is for --cmd; with --url the URL gives it`);
  } else {
    for (const flag of ["--pid", "--term-cmd"])
      if (raw.has(flag))
        throw new UsageError(`${flag} is for --url; with --cmd the checker sends SIGTERM itself`);
  }
  let pid: number | undefined;
  if (pidRaw !== undefined) {
    pid = Number(pidRaw);
    if (!Number.isInteger(pid) || pid <= 1)
      throw new UsageError(
        `--pid: "${pidRaw}" is not a process id above 1; e.g. --pid $(pgrep -n my-gateway)`,
      );
  }
  const path = raw.get("--path") ?? "/";
  if (!path.startsWith("/")) throw new UsageError(`--path: "${path}" must start with /; e.g. --path /ws`);
  return {
    cmd,
    url,
    termCmd,
    pid,
    drainSeconds: raw.has("--drain-seconds")
      ? number("drainSeconds", raw.get("--drain-seconds"), false)
      : BOUNDS.drainSeconds.default,
    clients: raw.has("--clients") ? number("clients", raw.get("--clients"), true) : BOUNDS.clients.default,
    version: raw.get("--version"),
    host: raw.get("--host") ?? "127.0.0.1",
    port: raw.has("--port") ? number("port", raw.get("--port"), true) : 0,
    path,
    message: raw.get("--message") ?? DEFAULT_PROBE_MESSAGE,
    startSeconds: raw.has("--start-seconds")
      ? number("startSeconds", raw.get("--start-seconds"), false)
      : BOUNDS.startSeconds.default,
    json,
  };
}
