/**
 * The drain contract (docs/drain-contract.md) measured on a running gateway,
 * point by point: probes, version identity, what SIGTERM changes, the close
 * code, the spread of the closes over DRAIN_SECONDS and the exit. Every point
 * carries what was measured, so a failure says by how much.
 */
import {
  CLOSE_CODE_SERVICE_RESTART,
  ENV_DRAIN_SECONDS,
  LIVENESS_PATH,
  READINESS_PATH,
  VERSION_HEADER,
} from "../../components/names";
import { httpStatus, openClient, upgradeStatus, type Client } from "./probe";
import { LATE_CLOSE_MS, measureSpread, spreadProblem } from "./spread";
import type { Ending, Target } from "./target";

/** How soon after SIGTERM readiness must fail ("at once", with the time a probe takes). */
export const READINESS_FAIL_MS = 1000;
/** How long after the last close the exit may come, and after SIGTERM with no connection. */
export const EXIT_AFTER_MS = 1000;
/** How much earlier than the last close seen by a client an exit may be seen (clocks of two processes). */
const EXIT_BEFORE_CLOSE_TOLERANCE_MS = 100;
/** HTTP status of a refused upgrade and of a failing readiness probe. */
const SERVICE_UNAVAILABLE = 503;
const OK = 200;

export type PointId =
  | "starts"
  | "readiness"
  | "liveness"
  | "upgrade"
  | "version-identity"
  | "readiness-fails-on-sigterm"
  | "liveness-while-draining"
  | "refuses-upgrades-while-draining"
  | "close-code"
  | "spread"
  | "exit"
  | "exit-without-connections";

export interface Point {
  readonly id: PointId;
  readonly ok: boolean;
  /** What the contract asks, in one line. */
  readonly expected: string;
  /** What was measured. */
  readonly measured: string;
  /** The measured numbers, for --json. */
  readonly values?: Readonly<Record<string, number | string | readonly number[]>>;
}

export interface DrainOptions {
  readonly drainSeconds: number;
  readonly clients: number;
  /** The version the gateway must name in VERSION_HEADER; undefined: any non-empty value. */
  readonly version: string | undefined;
  /** The message each client sends; any message back counts as the reply. */
  readonly message: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function statusPoint(id: PointId, expected: string, status: number | string, want: number): Point {
  return { id, ok: status === want, expected, measured: `${status}`, values: { status } };
}

/** Points that could not be measured because an earlier one failed. */
function notMeasured(
  ids: readonly PointId[],
  expected: Readonly<Record<PointId, string>>,
  why: string,
): Point[] {
  return ids.map((id) => ({ id, ok: false, expected: expected[id], measured: `not measured: ${why}` }));
}

/** What each point expects, from the contract's names and the checker's tolerances. */
export function expectations(opts: DrainOptions): Record<PointId, string> {
  const drainMs = opts.drainSeconds * 1000;
  return {
    starts: "answers HTTP on $PORT",
    readiness: `GET ${READINESS_PATH} answers ${OK} before SIGTERM`,
    liveness: `GET ${LIVENESS_PATH} answers ${OK} before SIGTERM`,
    upgrade: `${opts.clients} WebSocket upgrades accepted, each answers "${opts.message}"`,
    "version-identity":
      opts.version === undefined
        ? `every 101 answer carries ${VERSION_HEADER}`
        : `every 101 answer carries ${VERSION_HEADER}: ${opts.version}`,
    "readiness-fails-on-sigterm": `GET ${READINESS_PATH} answers ${SERVICE_UNAVAILABLE} within ${READINESS_FAIL_MS} ms of SIGTERM`,
    "liveness-while-draining": `GET ${LIVENESS_PATH} answers ${OK} while draining`,
    "refuses-upgrades-while-draining": `a new upgrade while draining gets HTTP ${SERVICE_UNAVAILABLE}`,
    "close-code": `every connection closed by the gateway with ${CLOSE_CODE_SERVICE_RESTART}`,
    spread: `closes spread evenly over ${ENV_DRAIN_SECONDS}=${opts.drainSeconds}, the last by ${drainMs + LATE_CLOSE_MS} ms`,
    exit: `exits 0 after the last close, within ${EXIT_AFTER_MS} ms of it`,
    "exit-without-connections": `with no connection, exits 0 within ${EXIT_AFTER_MS} ms of SIGTERM`,
  };
}

async function pollReadinessFails(target: Target, t0: number): Promise<Point> {
  let last: number | string = "none";
  const deadline = t0 + READINESS_FAIL_MS;
  do {
    last = await httpStatus(target.endpoint, READINESS_PATH);
    if (last === SERVICE_UNAVAILABLE) {
      const afterMs = Date.now() - t0;
      return {
        id: "readiness-fails-on-sigterm",
        ok: true,
        expected: "",
        measured: `${SERVICE_UNAVAILABLE} ${afterMs} ms after SIGTERM`,
        values: { status: last, afterMs },
      };
    }
    await sleep(25);
  } while (Date.now() < deadline);
  return {
    id: "readiness-fails-on-sigterm",
    ok: false,
    expected: "",
    measured: `still ${last} ${READINESS_FAIL_MS} ms after SIGTERM`,
    values: { status: last },
  };
}

function closeCodePoint(clients: number, closes: ReadonlyArray<{ code: number } | undefined>): Point {
  const byCode = new Map<string, number>();
  for (const c of closes) {
    const key = c === undefined ? "still open" : String(c.code);
    byCode.set(key, (byCode.get(key) ?? 0) + 1);
  }
  const good = byCode.get(String(CLOSE_CODE_SERVICE_RESTART)) ?? 0;
  const text = [...byCode].map(([code, n]) => `${n} ${code === "still open" ? code : `with ${code}`}`);
  return {
    id: "close-code",
    ok: good === clients,
    expected: "",
    measured: `${text.join(", ")} (of ${clients})`,
    values: Object.fromEntries(byCode),
  };
}

function exitPoint(ending: Ending | undefined, t0: number, lastCloseAt: number | undefined): Point {
  if (ending === undefined) return { id: "exit", ok: false, expected: "", measured: "still running" };
  const afterMs = ending.atMs - t0;
  const since = lastCloseAt === undefined ? undefined : ending.atMs - lastCloseAt;
  const what =
    ending.how === "exit"
      ? ending.code === null
        ? ending.signal === null
          ? "exited"
          : `ended by ${ending.signal}`
        : `exited ${ending.code}`
      : "stopped listening";
  const codeOk =
    ending.how !== "exit" || ending.code === 0 || (ending.code === null && ending.signal === null);
  const timingOk =
    since === undefined || (since >= -EXIT_BEFORE_CLOSE_TOLERANCE_MS && since <= EXIT_AFTER_MS);
  return {
    id: "exit",
    ok: codeOk && timingOk,
    expected: "",
    measured: `${what} ${afterMs} ms after SIGTERM${since === undefined ? "" : `, ${since} ms after the last close`}`,
    values: { afterMs, ...(since === undefined ? {} : { afterLastCloseMs: since }) },
  };
}

/** Runs the contract against a gateway that is up: probes, N clients, SIGTERM, the drain, the end. */
export async function checkDrain(target: Target, opts: DrainOptions): Promise<Point[]> {
  const expected = expectations(opts);
  const points: Point[] = [];
  points.push(
    statusPoint("readiness", expected.readiness, await httpStatus(target.endpoint, READINESS_PATH), OK),
  );
  points.push(
    statusPoint("liveness", expected.liveness, await httpStatus(target.endpoint, LIVENESS_PATH), OK),
  );

  const opened = await Promise.allSettled(
    Array.from({ length: opts.clients }, () => openClient(target.endpoint, opts.message)),
  );
  const clients = opened.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failures = opened.flatMap((r) =>
    r.status === "rejected" ? [String((r.reason as Error).message)] : [],
  );
  const replyMs = Math.max(0, ...clients.map((c) => c.replyMs));
  points.push({
    id: "upgrade",
    ok: failures.length === 0,
    expected: expected.upgrade,
    measured:
      failures.length === 0
        ? `${clients.length} accepted, slowest reply ${replyMs} ms`
        : `${failures.length} of ${opts.clients} failed: ${failures[0]}`,
    values: { accepted: clients.length, slowestReplyMs: replyMs },
  });
  const versions = [...new Set(clients.map((c) => c.version ?? "(none)"))];
  const versionOk =
    clients.length > 0 &&
    clients.every((c) =>
      opts.version === undefined ? (c.version ?? "") !== "" : c.version === opts.version,
    );
  points.push({
    id: "version-identity",
    ok: versionOk,
    expected: expected["version-identity"],
    measured: clients.length === 0 ? "no upgrade accepted" : `${VERSION_HEADER}: ${versions.join(", ")}`,
    values: { versions: versions.join(",") },
  });
  const drainIds: PointId[] = [
    "readiness-fails-on-sigterm",
    "liveness-while-draining",
    "refuses-upgrades-while-draining",
    "close-code",
    "spread",
    "exit",
  ];
  if (clients.length < opts.clients) {
    closeAll(clients);
    return [...points, ...notMeasured(drainIds, expected, "not every client could connect")];
  }

  const t0 = Date.now();
  try {
    await target.terminate();
  } catch (err) {
    closeAll(clients);
    const why = err instanceof Error ? err.message : String(err);
    return [...points, ...notMeasured(drainIds, expected, `SIGTERM could not be sent: ${why}`)];
  }
  const drainMs = opts.drainSeconds * 1000;
  const waitCloses = drainMs + LATE_CLOSE_MS + 2000;
  const closes: Array<{ code: number; atMs: number } | undefined> = Array(clients.length).fill(undefined);
  const allClosed = Promise.all(clients.map((c, i) => c.closed.then((close) => (closes[i] = close))));
  const ending = target.ended(waitCloses + EXIT_AFTER_MS);

  const readiness = await pollReadinessFails(target, t0);
  points.push({ ...readiness, expected: expected["readiness-fails-on-sigterm"] });
  points.push(
    statusPoint(
      "liveness-while-draining",
      expected["liveness-while-draining"],
      await httpStatus(target.endpoint, LIVENESS_PATH),
      OK,
    ),
  );
  points.push(
    statusPoint(
      "refuses-upgrades-while-draining",
      expected["refuses-upgrades-while-draining"],
      await upgradeStatus(target.endpoint),
      SERVICE_UNAVAILABLE,
    ),
  );

  await Promise.race([allClosed, sleep(Math.max(0, t0 + waitCloses - Date.now()))]);
  const seen = closes.filter((c): c is { code: number; atMs: number } => c !== undefined);
  points.push({ ...closeCodePoint(clients.length, closes), expected: expected["close-code"] });
  const spread = measureSpread(
    seen.map((c) => c.atMs - t0),
    drainMs,
  );
  const problem =
    seen.length < clients.length ? `${clients.length - seen.length} never closed` : spreadProblem(spread);
  points.push({
    id: "spread",
    ok: problem === undefined,
    expected: expected.spread,
    measured:
      `first ${spread.firstMs} ms, last ${spread.lastMs} ms of ${drainMs} ms; per quarter ${spread.perQuarter.join("/")}; ` +
      `distance to uniform ${spread.distance.toFixed(2)}${problem === undefined ? "" : `: ${problem}`}`,
    values: {
      firstMs: spread.firstMs,
      lastMs: spread.lastMs,
      drainMs,
      perQuarter: spread.perQuarter,
      distance: Number(spread.distance.toFixed(3)),
    },
  });
  const lastCloseAt = seen.length === 0 ? undefined : Math.max(...seen.map((c) => c.atMs));
  points.push({ ...exitPoint(await ending, t0, lastCloseAt), expected: expected.exit });
  closeAll(clients);
  return points;
}

/** With no connection open: SIGTERM, then the exit. */
export async function checkIdleExit(target: Target, opts: DrainOptions): Promise<Point> {
  const t0 = Date.now();
  const expected = expectations(opts)["exit-without-connections"];
  try {
    await target.terminate();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { id: "exit-without-connections", ok: false, expected, measured: `not measured: ${why}` };
  }
  const ending = await target.ended(EXIT_AFTER_MS + 2000);
  if (ending === undefined)
    return { id: "exit-without-connections", ok: false, expected, measured: "still running" };
  const afterMs = ending.atMs - t0;
  const code = ending.how === "exit" ? ending.code : 0;
  return {
    id: "exit-without-connections",
    ok: code === 0 && afterMs <= EXIT_AFTER_MS,
    expected,
    measured: `${ending.how === "exit" ? `exited ${code ?? ending.signal}` : "stopped listening"} ${afterMs} ms after SIGTERM`,
    values: { afterMs },
  };
}

function closeAll(clients: readonly Client[]): void {
  for (const c of clients) c.socket.terminate();
}
