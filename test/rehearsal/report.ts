/**
 * Figures, table and JSON of a rehearsal, computed from the raw runs. Pure.
 */
import { scheduleSeconds } from "../../components/rollout/engine";
import { formatSteps } from "./schedule";
import type { RehearsalConfig, StrategyName, StrategyRun } from "./strategies";
import {
  peakRate,
  reconnectBudgetPerSecond,
  round,
  summarizeDisconnects,
  type DisconnectSummary,
} from "./metrics";

/** The figures the JSON output carries per strategy, exactly. */
export interface StrategyFigures {
  readonly disconnects: DisconnectSummary;
  readonly reconnectPeakPerSec: number;
  readonly reconnectPeakOverBudget: number;
  readonly failedHandshakes: number;
  readonly stranded: number;
  readonly gapsWhileConnected: number;
  readonly durationSeconds: number;
}

/** The figures plus context shown in the table. */
export interface StrategyReport extends StrategyFigures {
  readonly name: StrategyName;
  readonly oldConnections: number;
  readonly budgetPerSec: number;
  /** Peak over one scheduled minute, for comparison with the cap-wide window. */
  readonly reconnectPeakPerSec1m: number;
  readonly releaseReconnects: number;
  readonly blips: number;
  readonly closeCodes: ReadonlyMap<number, number>;
  readonly failureReasons: ReadonlyMap<string, number>;
  readonly otherServerDisconnects: number;
  /** Schedule + drain for ours; undefined for the baselines (no schedule). */
  readonly plannedSeconds: number | undefined;
  readonly outcome: string | undefined;
}

export interface RehearsalJson {
  readonly scale: number;
  readonly clients: number;
  readonly strategies: Partial<Record<StrategyName, StrategyFigures>>;
}

export function summarize(run: StrategyRun, cfg: RehearsalConfig): StrategyReport {
  const budgetPerSec = reconnectBudgetPerSecond(run.oldConnections, cfg.drainSeconds);
  const peak = peakRate(run.releaseAttempts, cfg.rateWindowSeconds);
  const closeCodes = new Map<number, number>();
  for (const c of run.clients) {
    for (const [code, n] of c.closeCodes) closeCodes.set(code, (closeCodes.get(code) ?? 0) + n);
  }
  const sum = (pick: (c: StrategyRun["clients"][number]) => number) =>
    run.clients.reduce((total, c) => total + pick(c), 0);
  return {
    name: run.name,
    disconnects: summarizeDisconnects(run.clients.map((c) => c.releaseDisconnects)),
    reconnectPeakPerSec: round(peak, 3),
    reconnectPeakOverBudget: budgetPerSec > 0 ? round(peak / budgetPerSec, 2) : 0,
    failedHandshakes: sum((c) => c.failedHandshakes),
    stranded: run.clients.filter((c) => c.version === undefined).length,
    gapsWhileConnected: sum((c) => c.gaps),
    durationSeconds: Math.round(run.releaseEnd - run.releaseStart),
    oldConnections: run.oldConnections,
    budgetPerSec: round(budgetPerSec, 3),
    reconnectPeakPerSec1m: round(peakRate(run.releaseAttempts, 60), 3),
    releaseReconnects: run.releaseAttempts.length,
    blips: sum((c) => c.blips),
    closeCodes,
    failureReasons: run.failureReasons,
    otherServerDisconnects: sum((c) => c.otherServerDisconnects + c.otherFailedHandshakes),
    plannedSeconds: run.name === "staged" ? scheduleSeconds(cfg.steps) + cfg.drainSeconds : undefined,
    outcome: run.outcome,
  };
}

function figuresOf(report: StrategyReport): StrategyFigures {
  return {
    disconnects: report.disconnects,
    reconnectPeakPerSec: report.reconnectPeakPerSec,
    reconnectPeakOverBudget: report.reconnectPeakOverBudget,
    failedHandshakes: report.failedHandshakes,
    stranded: report.stranded,
    gapsWhileConnected: report.gapsWhileConnected,
    durationSeconds: report.durationSeconds,
  };
}

export function toJson(cfg: RehearsalConfig, reports: readonly StrategyReport[]): RehearsalJson {
  const strategies: Partial<Record<StrategyName, StrategyFigures>> = {};
  for (const r of reports) strategies[r.name] = figuresOf(r);
  return { scale: cfg.scale.factor, clients: cfg.clients, strategies };
}

/** Plain-text table for stdout, one column per strategy. */
export function renderTable(cfg: RehearsalConfig, reports: readonly StrategyReport[]): string {
  const codes = (m: ReadonlyMap<number | string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}:${v}`)
      .join(" ") || "-";
  const rows: [string, (r: StrategyReport) => string][] = [
    ["old connections at release start", (r) => String(r.oldConnections)],
    ["disconnects per client: max", (r) => String(r.disconnects.max)],
    ["disconnects per client: p99", (r) => String(r.disconnects.p99)],
    ["disconnects per client: mean", (r) => r.disconnects.mean.toFixed(3)],
    ["server close codes (code:count)", (r) => codes(r.closeCodes)],
    ["reconnects caused by the release", (r) => String(r.releaseReconnects)],
    [`reconnect peak /s (${cfg.rateWindowSeconds}s window)`, (r) => r.reconnectPeakPerSec.toFixed(2)],
    ["reconnect budget /s (old conns / drainSeconds)", (r) => r.budgetPerSec.toFixed(2)],
    ["peak / budget", (r) => r.reconnectPeakOverBudget.toFixed(2)],
    ["reconnect peak /s (60s window)", (r) => r.reconnectPeakPerSec1m.toFixed(2)],
    ["failed handshakes", (r) => String(r.failedHandshakes)],
    ["failed handshake reasons", (r) => codes(r.failureReasons)],
    ["stranded clients", (r) => String(r.stranded)],
    ["sequence gaps while connected", (r) => String(r.gapsWhileConnected)],
    ["release duration s", (r) => String(r.durationSeconds)],
    [
      "planned s (schedule + drain)",
      (r) => (r.plannedSeconds === undefined ? "-" : String(r.plannedSeconds)),
    ],
    ["blips (not counted above)", (r) => String(r.blips)],
    ["disruption outside the release", (r) => String(r.otherServerDisconnects)],
    ["rollout outcome", (r) => r.outcome ?? "-"],
  ];
  const header = ["", ...reports.map((r) => r.name)];
  const body = rows.map(([label, cell]) => [label, ...reports.map(cell)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  const intro = [
    `${cfg.clients} clients, ${cfg.replicas} pods per version, ${cfg.scale.describe()}`,
    `schedule ${formatSteps(cfg.steps)}, drainSeconds ${cfg.drainSeconds}, client back-off uniform 0..${cfg.backoffCapSeconds}s`,
  ];
  return [...intro, "", line(header), ...body.map(line)].join("\n");
}
