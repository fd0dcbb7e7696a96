/**
 * Figures, table and JSON of a rehearsal, computed from the raw runs. Pure.
 */
import { scheduleSeconds } from "../../components/rollout/engine";
import { formatSteps } from "./schedule";
import { brokenFaultPromises, type FaultFigures, type FaultName } from "./faults";
import type { LoadFigures } from "./load";
import { NEW_VERSION, type RehearsalConfig, type StrategyName, type StrategyRun } from "./strategies";
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
  // The table's other rows; optional because files written before they were recorded lack them.
  readonly oldConnections?: number;
  readonly budgetPerSec?: number;
  /** Peak over one scheduled minute, for comparison with the cap-wide window. */
  readonly reconnectPeakPerSec1m?: number;
  readonly releaseReconnects?: number;
  readonly blips?: number;
  /** Server close code -> count. */
  readonly closeCodes?: Readonly<Record<string, number>>;
  /** Why handshakes failed, reason -> count. */
  readonly failureReasons?: Readonly<Record<string, number>>;
  readonly otherServerDisconnects?: number;
  /** Schedule + drain for ours; null for the baselines (no schedule). */
  readonly plannedSeconds?: number | null;
  readonly outcome?: string | null;
}

/** The figures plus context shown in the table. */
export interface StrategyReport extends StrategyFigures {
  readonly name: StrategyName;
  readonly oldConnections: number;
  readonly budgetPerSec: number;
  readonly reconnectPeakPerSec1m: number;
  readonly releaseReconnects: number;
  readonly blips: number;
  readonly closeCodes: Readonly<Record<string, number>>;
  readonly failureReasons: Readonly<Record<string, number>>;
  readonly otherServerDisconnects: number;
  readonly plannedSeconds: number | null;
  readonly outcome: string | null;
}

/** What was played, for the table's heading; absent from files written before it was recorded. */
export interface RunJson {
  readonly replicas: number;
  /** The schedule as formatSteps writes it: "5%/120s -> 25%/300s -> 100%". */
  readonly steps: string;
  readonly drainSeconds: number;
  readonly backoffCapSeconds: number;
  /** Window of the reconnect peak, scheduled seconds. */
  readonly rateWindowSeconds: number;
}

export interface RehearsalJson {
  readonly scale: number;
  readonly clients: number;
  readonly run?: RunJson;
  /** The command line that produced this file, to reproduce it. */
  readonly command?: string;
  readonly strategies: Partial<Record<StrategyName, StrategyFigures>>;
  readonly faults?: Partial<Record<FaultName, FaultFigures>>;
  /** Every promise the run found broken (empty when all held); not judged when the machine was too busy. */
  readonly broken?: readonly string[];
  /** What the run measured about the machine, and whether the result is a measurement at all. */
  readonly machine?: MachineJson;
}

/** The JSON's `machine`: the load figures and the verdict ("valid" or "invalid: machine too busy"). */
export interface MachineJson extends LoadFigures {
  readonly verdict: string;
  /** Why the run is invalid; empty when valid. */
  readonly reasons: readonly string[];
}

/** A fault run's figures and the context the table shows. */
export interface FaultReport {
  readonly name: FaultName;
  readonly figures: FaultFigures;
  readonly faultAt: number | undefined;
  readonly releaseStart: number;
  readonly broken: readonly string[];
}

/** The JSON contract's per-fault figures, from a staged run with a fault. */
export function summarizeFault(run: StrategyRun): FaultReport {
  const name = run.fault;
  if (name === undefined) throw new Error(`run ${run.name} played no fault`);
  const result = run.result ?? { kind: "failed" as const, message: "no engine result" };
  const faultAt = run.faultAt;
  // The weight back at 0 after the fault: the first 0 at or after it that follows a weight above 0
  // (the engine's reset to 0 before the first step is not a way back).
  const log = run.weightLog ?? [];
  const zero =
    faultAt === undefined
      ? undefined
      : log.find(
          (w, i) => w.weight === 0 && w.t >= faultAt - 1e-9 && log.slice(0, i).some((x) => x.weight > 0),
        );
  const neverCanary = run.clients.filter((c) => !c.everOnCanary);
  const figures: FaultFigures = {
    outcome: result.kind,
    gate: result.gate ?? null,
    step: result.step ?? null,
    // Caught before any weight above 0 (the route phase): the weight never left 0, so 0.
    secondsToWeightZero:
      result.kind === "aborted" && !log.some((w) => w.weight > 0)
        ? 0
        : zero === undefined || faultAt === undefined
          ? null
          : round(zero.t - faultAt, 1),
    failedHandshakes: run.clients.reduce((n, c) => n + c.failedHandshakes - c.failedHandshakesCanary, 0),
    failedHandshakesOnCanary: run.clients.reduce((n, c) => n + c.failedHandshakesCanary, 0),
    failedHandshakeReasons: Object.fromEntries(run.failureReasons),
    maxDisconnectsNeverCanary: Math.max(0, ...neverCanary.map((c) => c.releaseDisconnects)),
    leftOnAbortedVersion:
      result.kind === "promoted" ? 0 : run.clients.filter((c) => c.version === NEW_VERSION).length,
    unconnectedAtEnd: run.clients.filter((c) => c.version === undefined && !c.departed).length,
    maxDisconnects: Math.max(0, ...run.clients.map((c) => c.releaseDisconnects)),
    clientsOnCanary: run.clients.length - neverCanary.length,
    message: result.message ?? null,
    faultAtSeconds: faultAt === undefined ? null : Math.round(faultAt - run.releaseStart),
  };
  return {
    name,
    figures,
    faultAt,
    releaseStart: run.releaseStart,
    broken: brokenFaultPromises(name, figures),
  };
}

/** The PROMISE_PEAK_OVER_BUDGET our staged release keeps: reconnects no faster than 1.5x the drain's rate. */
export const PROMISE_PEAK_OVER_BUDGET = 1.5;

/** What our staged release promises, as broken promises (empty when all hold). */
export function brokenStagedPromises(report: StrategyReport): string[] {
  if (report.name !== "staged") return [];
  const broken: string[] = [];
  const expect = (ok: boolean, text: string) => {
    if (!ok) broken.push(`staged: ${text}`);
  };
  // A held outcome is not a broken promise: the schedule asked for it (main explains it, with its exit code).
  const held = report.outcome?.startsWith("held") ?? false;
  expect(
    report.outcome === "promoted" || held,
    `rollout outcome ${report.outcome ?? "none"}, expected promoted`,
  );
  expect(report.disconnects.max <= 1, `max disconnects per client ${report.disconnects.max}, promised <= 1`);
  expect(report.failedHandshakes === 0, `${report.failedHandshakes} failed handshakes, promised 0`);
  expect(report.stranded === 0, `${report.stranded} clients unconnected at the end, promised 0`);
  expect(report.gapsWhileConnected === 0, `${report.gapsWhileConnected} message gaps, promised 0`);
  expect(
    report.reconnectPeakOverBudget <= PROMISE_PEAK_OVER_BUDGET,
    `reconnect peak ${report.reconnectPeakOverBudget}x the budget, promised <= ${PROMISE_PEAK_OVER_BUDGET}`,
  );
  return broken;
}

export function summarize(run: StrategyRun, cfg: RehearsalConfig): StrategyReport {
  const budgetPerSec = reconnectBudgetPerSecond(run.oldConnections, cfg.drainSeconds);
  const peak = peakRate(run.releaseAttempts, cfg.rateWindowSeconds);
  const closeCodes: Record<string, number> = {};
  for (const c of run.clients) {
    for (const [code, n] of c.closeCodes) closeCodes[code] = (closeCodes[code] ?? 0) + n;
  }
  const sum = (pick: (c: StrategyRun["clients"][number]) => number) =>
    run.clients.reduce((total, c) => total + pick(c), 0);
  return {
    name: run.name,
    disconnects: summarizeDisconnects(run.clients.map((c) => c.releaseDisconnects)),
    reconnectPeakPerSec: round(peak, 3),
    reconnectPeakOverBudget: budgetPerSec > 0 ? round(peak / budgetPerSec, 2) : 0,
    failedHandshakes: sum((c) => c.failedHandshakes),
    stranded: run.clients.filter((c) => c.version === undefined && !c.departed).length,
    gapsWhileConnected: sum((c) => c.gaps),
    durationSeconds: Math.round(run.releaseEnd - run.releaseStart),
    oldConnections: run.oldConnections,
    budgetPerSec: round(budgetPerSec, 3),
    reconnectPeakPerSec1m: round(peakRate(run.releaseAttempts, 60), 3),
    releaseReconnects: run.releaseAttempts.length,
    blips: sum((c) => c.blips),
    closeCodes,
    failureReasons: Object.fromEntries(run.failureReasons),
    otherServerDisconnects: sum((c) => c.otherServerDisconnects + c.otherFailedHandshakes),
    plannedSeconds: run.name === "staged" ? scheduleSeconds(cfg.steps) + cfg.drainSeconds : null,
    outcome: run.outcome ?? null,
  };
}

function figuresOf(report: StrategyReport): StrategyFigures {
  // Everything but the name (the JSON's key).
  const { name: _name, ...figures } = report;
  return figures;
}

export function toJson(
  cfg: RehearsalConfig,
  reports: readonly StrategyReport[],
  faults: readonly FaultReport[] = [],
  extra: { command?: string; broken?: readonly string[]; machine?: MachineJson } = {},
): RehearsalJson {
  const strategies: Partial<Record<StrategyName, StrategyFigures>> = {};
  for (const r of reports) strategies[r.name] = figuresOf(r);
  const faultFigures: Partial<Record<FaultName, FaultFigures>> = {};
  for (const f of faults) faultFigures[f.name] = f.figures;
  return {
    scale: cfg.scale.factor,
    clients: cfg.clients,
    run: {
      replicas: cfg.replicas,
      steps: formatSteps(cfg.steps),
      drainSeconds: cfg.drainSeconds,
      backoffCapSeconds: cfg.backoffCapSeconds,
      rateWindowSeconds: cfg.rateWindowSeconds,
    },
    ...(extra.command === undefined ? {} : { command: extra.command }),
    strategies,
    ...(faults.length === 0 ? {} : { faults: faultFigures }),
    ...(extra.broken === undefined ? {} : { broken: extra.broken }),
    ...(extra.machine === undefined ? {} : { machine: extra.machine }),
  };
}
