/**
 * `npm run conformance -- --cmd "<command>" | --url ws://...`: the drain
 * contract (docs/drain-contract.md) checked against any gateway, whatever its
 * language. Prints a pass/fail line per point (or --json) and exits 0 when
 * every point passed, 1 when one failed, 2 on bad arguments. docs/conformance.md.
 */
import { randomBytes } from "node:crypto";
import { EXIT, USAGE, UsageError, parseArgs, type Args } from "./args";
import { checkDrain, checkIdleExit, expectations, type DrainOptions, type Point } from "./checks";
import { jsonReport, textReport, type Report } from "./report";
import { attachUrl, startCommand, type Target } from "./target";

async function start(args: Args, version: string): Promise<Target> {
  if (args.cmd !== undefined) {
    return startCommand({
      command: args.cmd,
      host: args.host,
      port: args.port,
      path: args.path,
      drainSeconds: args.drainSeconds,
      version,
      startSeconds: args.startSeconds,
    });
  }
  const url = new URL(args.url ?? "");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return attachUrl({
    endpoint: { host, port: Number(url.port === "" ? 80 : url.port), path: `${url.pathname}${url.search}` },
    url: args.url ?? "",
    termCommand: args.termCmd,
    pid: args.pid,
  });
}

/** Runs every point against the target the arguments name. */
export async function conformance(args: Args): Promise<Report> {
  const version =
    args.version ?? (args.cmd !== undefined ? `conformance-${randomBytes(3).toString("hex")}` : undefined);
  const opts: DrainOptions = {
    drainSeconds: args.drainSeconds,
    clients: args.clients,
    version,
    message: args.message,
  };
  const base = {
    target: args.cmd ?? args.url ?? "",
    drainSeconds: args.drainSeconds,
    clients: args.clients,
    version,
  };
  const points: Point[] = [];
  let output = "";
  let target: Target;
  try {
    target = await start(args, version ?? "");
  } catch (err) {
    const measured = err instanceof Error ? err.message : String(err);
    return {
      ...base,
      ok: false,
      points: [{ id: "starts", ok: false, expected: expectations(opts).starts, measured }],
    };
  }
  try {
    points.push(...(await checkDrain(target, opts)));
  } finally {
    output = await target.dispose();
  }
  if (args.cmd !== undefined) {
    // A second run with no connection: SIGTERM must end it at once.
    try {
      const idle = await start(args, version ?? "");
      try {
        points.push(await checkIdleExit(idle, opts));
      } finally {
        await idle.dispose();
      }
    } catch (err) {
      points.push({
        id: "exit-without-connections",
        ok: false,
        expected: expectations(opts)["exit-without-connections"],
        measured: `not measured: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  return { ...base, ok: points.every((p) => p.ok), points, output };
}

async function main(): Promise<void> {
  let args: Args | "help";
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`conformance: ${err.message}`);
    process.exit(EXIT.usage);
  }
  if (args === "help") {
    console.log(USAGE);
    process.exit(EXIT.pass);
  }
  try {
    const report = await conformance(args);
    console.log(args.json ? jsonReport(report) : textReport(report));
    process.exit(report.ok ? EXIT.pass : EXIT.fail);
  } catch (err) {
    // A fault of the checker, not of the gateway: one line, no stack trace.
    console.error(
      `conformance: the check could not run: ${err instanceof Error ? err.message : String(err)}`,
    );
    process.exit(EXIT.fail);
  }
}

if (require.main === module) void main();
