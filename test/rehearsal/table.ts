/**
 * The rehearsal's text tables, rendered from its JSON alone: the run prints
 * them this way, `--print-table FILE` prints them again from a committed
 * file, and the docs' figures are checked against them. Pure.
 */
import { FAULT_SPECS, FAULTS, type FaultFigures, type FaultName } from "./faults";
import type { RehearsalJson, StrategyFigures } from "./report";
import { TimeScale } from "./scale";
import { STRATEGIES } from "./strategies";

/** A row: its label and its cell per column; undefined when the file lacks the figure (older files). */
type Row<T> = readonly [string, (figures: T) => string | undefined];

const counts = (m: Readonly<Record<string, number>> | undefined): string | undefined =>
  m === undefined
    ? undefined
    : Object.entries(m)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k}:${v}`)
        .join(" ") || "-";
const fixed = (n: number | undefined, digits: number) => (n === undefined ? undefined : n.toFixed(digits));
const str = (n: number | undefined) => (n === undefined ? undefined : String(n));
const orDash = (v: number | string | null | undefined) =>
  v === undefined ? undefined : v === null ? "-" : String(v);

/** Lays out labelled rows in columns; a row is left out when any column lacks its figure. */
function columns<T>(names: readonly string[], items: readonly T[], rows: readonly Row<T>[]): string[] {
  const body = rows
    .map(([label, cell]) => [label, ...items.map(cell)])
    .filter((row): row is string[] => row.every((cell) => cell !== undefined));
  const header = ["", ...names];
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...body.map(line)];
}

function strategyTable(json: RehearsalJson): string[] {
  const names = STRATEGIES.filter((name) => json.strategies[name] !== undefined);
  if (names.length === 0) return [];
  const window = json.run === undefined ? "" : ` (${json.run.rateWindowSeconds}s window)`;
  const rows: Row<StrategyFigures>[] = [
    ["old connections when retirement began", (f) => str(f.oldConnections)],
    ["disconnects per client: max", (f) => String(f.disconnects.max)],
    ["disconnects per client: p99", (f) => String(f.disconnects.p99)],
    ["disconnects per client: mean", (f) => f.disconnects.mean.toFixed(3)],
    ["server close codes (code:count)", (f) => counts(f.closeCodes)],
    ["reconnects caused by the release", (f) => str(f.releaseReconnects)],
    [`reconnect peak /s${window}`, (f) => f.reconnectPeakPerSec.toFixed(2)],
    ["reconnect budget /s (old conns / drainSeconds)", (f) => fixed(f.budgetPerSec, 2)],
    ["peak / budget", (f) => f.reconnectPeakOverBudget.toFixed(2)],
    ["reconnect peak /s (60s window)", (f) => fixed(f.reconnectPeakPerSec1m, 2)],
    ["failed handshakes", (f) => String(f.failedHandshakes)],
    ["failed handshake reasons", (f) => counts(f.failureReasons)],
    ["stranded clients", (f) => String(f.stranded)],
    ["sequence gaps while connected", (f) => String(f.gapsWhileConnected)],
    ["release duration s", (f) => String(f.durationSeconds)],
    ["planned s (schedule + drain)", (f) => orDash(f.plannedSeconds)],
    ["blips (not counted above)", (f) => str(f.blips)],
    ["disruption outside the release", (f) => str(f.otherServerDisconnects)],
    ["rollout outcome", (f) => orDash(f.outcome)],
  ];
  const figures = names.map((name) => json.strategies[name] as StrategyFigures);
  const scale = new TimeScale(json.scale);
  const heading =
    json.run === undefined
      ? [`${json.clients} clients, ${scale.describe()}`]
      : [
          `${json.clients} clients, ${json.run.replicas} pods per version, ${scale.describe()}`,
          `schedule ${json.run.steps}, drainSeconds ${json.run.drainSeconds}, client back-off uniform 0..${json.run.backoffCapSeconds}s`,
        ];
  return [...heading, "", ...columns(names, figures, rows)];
}

/** The JSON's broken promises that name this fault ("crash: ..."). */
function brokenOf(json: RehearsalJson, name: FaultName): readonly string[] {
  return (json.broken ?? []).filter((b) => b.startsWith(`${name}: `));
}

function faultTable(json: RehearsalJson): string[] {
  const faults = json.faults ?? {};
  const names = FAULTS.filter((name) => faults[name] !== undefined);
  if (names.length === 0) return [];
  type Item = { readonly name: FaultName; readonly f: FaultFigures };
  const num = (v: number | null) => (v === null ? "-" : String(v));
  const rows: Row<Item>[] = [
    ["expected outcome", ({ name }) => FAULT_SPECS[name].expectedOutcome],
    ["outcome", ({ f }) => f.outcome],
    ["expected gate", ({ name }) => FAULT_SPECS[name].expectedGate ?? "-"],
    ["gate that fired", ({ f }) => f.gate ?? "-"],
    ["step", ({ f }) => num(f.step)],
    ["fault at (s after release start)", ({ f }) => orDash(f.faultAtSeconds)],
    ["seconds from fault to weight 0", ({ f }) => num(f.secondsToWeightZero)],
    ["clients on the canary", ({ f }) => String(f.clientsOnCanary)],
    ["failed handshakes, stable path", ({ f }) => String(f.failedHandshakes)],
    ["failed handshakes, canary path", ({ f }) => String(f.failedHandshakesOnCanary)],
    ["failed handshake reasons", ({ f }) => counts(f.failedHandshakeReasons)],
    ["max disconnects, never on canary", ({ f }) => String(f.maxDisconnectsNeverCanary)],
    ["max disconnects, any client", ({ f }) => String(f.maxDisconnects)],
    ["left on the aborted version", ({ f }) => String(f.leftOnAbortedVersion)],
    ["unconnected at the end", ({ f }) => String(f.unconnectedAtEnd)],
    [
      "promises",
      ({ name }) => (brokenOf(json, name).length === 0 ? "kept" : `${brokenOf(json, name).length} BROKEN`),
    ],
  ];
  const items = names.map((name) => ({ name, f: faults[name] as FaultFigures }));
  const messages = items
    .filter(({ f }) => f.message !== null)
    .map(({ name, f }) => `  ${name}: ${f.message}`);
  return [
    "Bad releases (--faults):",
    "",
    ...columns(names, items, rows),
    "",
    "Engine messages:",
    ...messages,
  ];
}

const RELOAD_BROKEN = ": nginx reloaded during a run that must not reload it";

/** The promise-breaking message of a run that reloaded nginx without the nginx-reload fault. */
export function reloadBroken(label: string): string {
  return `${label}${RELOAD_BROKEN}`;
}

/** Everything the run prints on stdout before the "results:" line, from its JSON. */
export function renderResults(json: RehearsalJson): string {
  const blocks = [strategyTable(json), faultTable(json)].filter((b) => b.length > 0);
  const reloads = (json.broken ?? [])
    .filter((b) => b.endsWith(RELOAD_BROKEN))
    .map((b) => b.slice(0, -RELOAD_BROKEN.length));
  const lines = [
    ...blocks.flatMap((b, i) => (i === 0 ? b : ["", ...b])),
    "",
    `nginx reloads: ${reloads.length === 0 ? "none outside the nginx-reload fault" : `in ${reloads.join(", ")}`}`,
  ];
  const m = json.machine;
  if (m !== undefined) {
    lines.push(
      `machine: event-loop lag p99 ${m.eventLoopLagP99Ms} ms (max ${m.eventLoopLagMaxMs} ms), ` +
        `run-queue wait ${m.runQueueWaitPercent ?? "-"}%, steal ${m.stealPercent ?? "-"}%: ${m.verdict}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
