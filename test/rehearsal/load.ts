/**
 * Is the machine fit to measure? The rehearsal plays minutes in seconds, so a
 * starved process turns into late timers, late closes and timed-out
 * handshakes that look exactly like a bad release. The run measures its own
 * event-loop lag and the CPU it waited for while it played; past
 * MACHINE_TOO_BUSY its result is "invalid: machine too busy" (exit code
 * EXIT.TOO_BUSY), never "promise broken".
 */
import * as fs from "node:fs";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/**
 * When a run stops being a measurement. Either limit past its value makes the
 * result invalid:
 * - `eventLoopLagP99Ms`: the 99th percentile of the rehearsal's event-loop
 *   delay, in real milliseconds. The rehearsal's own process holds every
 *   client socket and runs the engine and its gates; a timer that fires half
 *   a second late is 30 scheduled seconds late at x60 (two gate intervals of
 *   the local stack) and 2 scheduled minutes at x240, and a loop that late
 *   one time in a hundred lets handshakes pile up towards their timeout.
 *   A 50-client quick run on 2 cores at load average 8 measured about 100 ms.
 * - `cpuWaitPercent`: the share of the run's wall time the event-loop thread
 *   was ready to run but waited for a CPU (the kernel's run-queue wait,
 *   /proc/self/schedstat), plus the host's steal time (/proc/stat) where a
 *   hypervisor reports it. Waiting three quarters of the run, the process
 *   gets the CPU it asks for a quarter of the time, and the figures say more
 *   about the neighbours than about the release; the same 50-client run at
 *   load average 8 waited about 30 to 40%.
 */
export const MACHINE_TOO_BUSY = { eventLoopLagP99Ms: 500, cpuWaitPercent: 75 } as const;

/**
 * Test hook: real milliseconds added to the measured event-loop lag (p99 and
 * max), so a test can play a starved machine deterministically. Not an
 * option: a user never needs it.
 */
export const INJECT_LAG_ENV = "REHEARSAL_TEST_INJECT_LAG_MS";

/** What the run measured about the machine, in the JSON under `machine`. */
export interface LoadFigures {
  /** Event-loop delay of the rehearsal's process, real milliseconds. */
  readonly eventLoopLagP99Ms: number;
  readonly eventLoopLagMaxMs: number;
  readonly eventLoopLagMeanMs: number;
  /** Run-queue wait of the event-loop thread, percent of wall time; null where the kernel does not report it. */
  readonly runQueueWaitPercent: number | null;
  /** Host steal time, percent of all CPU time; null where /proc/stat is absent. */
  readonly stealPercent: number | null;
  /** CPU time the rehearsal's own process used (user + system), percent of one core over the run. */
  readonly ownCpuPercent: number;
}

export type MachineVerdict =
  { readonly valid: true } | { readonly valid: false; readonly reasons: readonly string[] };

/** The word the JSON and stderr use for an invalid run. */
export const TOO_BUSY_VERDICT = "invalid: machine too busy";

/** The run-queue wait plus steal, percent; null when neither is known. */
export function cpuWaitPercent(load: LoadFigures): number | null {
  if (load.runQueueWaitPercent === null && load.stealPercent === null) return null;
  return (load.runQueueWaitPercent ?? 0) + (load.stealPercent ?? 0);
}

/** Valid unless a limit of MACHINE_TOO_BUSY is exceeded (a figure equal to its limit is still valid). */
export function machineVerdict(
  load: LoadFigures,
  limits: { readonly eventLoopLagP99Ms: number; readonly cpuWaitPercent: number } = MACHINE_TOO_BUSY,
): MachineVerdict {
  const reasons: string[] = [];
  if (load.eventLoopLagP99Ms > limits.eventLoopLagP99Ms) {
    reasons.push(
      `event-loop lag p99 ${load.eventLoopLagP99Ms} ms real (max ${load.eventLoopLagMaxMs} ms), limit ${limits.eventLoopLagP99Ms} ms`,
    );
  }
  const wait = cpuWaitPercent(load);
  if (wait !== null && wait > limits.cpuWaitPercent) {
    reasons.push(
      `waited for a CPU ${wait}% of the run (run queue ${load.runQueueWaitPercent ?? "-"}%, steal ${load.stealPercent ?? "-"}%), limit ${limits.cpuWaitPercent}%`,
    );
  }
  return reasons.length === 0 ? { valid: true } : { valid: false, reasons };
}

/** The hint printed with an invalid result: a smaller fleet or a slower clock. */
export function tooBusyHint(clients: number, scale: number): string {
  const fewer = Math.max(10, Math.floor(clients / 2));
  const slower = Math.max(1, Math.floor(scale / 2));
  return `rerun on a quieter machine, or with less to play per real second: --clients ${fewer} (now ${clients}) or --scale ${slower} (now ${scale})`;
}

/** `cpu` line of /proc/stat: [total jiffies, steal jiffies], or undefined. */
export function parseProcStat(text: string): { total: number; steal: number } | undefined {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) return undefined;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already in user.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, steal: fields[7] };
}

/** Run-queue wait of the calling thread from /proc/self/schedstat ("cpu_ns wait_ns slices"), nanoseconds. */
export function parseSchedstat(text: string): number | undefined {
  const wait = Number(text.trim().split(/\s+/)[1]);
  return Number.isFinite(wait) ? wait : undefined;
}

function readOr<T>(file: string, parse: (text: string) => T | undefined): T | undefined {
  try {
    return parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Sampling interval of the event-loop delay histogram; its samples include it, so it is subtracted. */
const LAG_RESOLUTION_MS = 10;

/** Measures the machine while the rehearsal plays: start() before the runs, stop() after. */
export class LoadMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  private startedReal = 0;
  private startCpu: NodeJS.CpuUsage = process.cpuUsage();
  private startWaitNs: number | undefined;
  private startStat: { total: number; steal: number } | undefined;

  constructor(private readonly injectedLagMs: number = injectedLagFromEnv()) {}

  start(): void {
    this.startedReal = performance.now();
    this.startCpu = process.cpuUsage();
    this.startWaitNs = readOr("/proc/self/schedstat", parseSchedstat);
    this.startStat = readOr("/proc/stat", parseProcStat);
    this.histogram.enable();
  }

  stop(): LoadFigures {
    this.histogram.disable();
    const wallMs = Math.max(1, performance.now() - this.startedReal);
    const cpu = process.cpuUsage(this.startCpu);
    const waitNs = readOr("/proc/self/schedstat", parseSchedstat);
    const stat = readOr("/proc/stat", parseProcStat);
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS) : 0);
    const steal =
      stat === undefined || this.startStat === undefined || stat.total <= this.startStat.total
        ? null
        : round1((100 * (stat.steal - this.startStat.steal)) / (stat.total - this.startStat.total));
    return {
      eventLoopLagP99Ms: round1(ms(this.histogram.percentile(99)) + this.injectedLagMs),
      eventLoopLagMaxMs: round1(ms(this.histogram.max) + this.injectedLagMs),
      eventLoopLagMeanMs: round1(ms(this.histogram.mean)),
      runQueueWaitPercent:
        waitNs === undefined || this.startWaitNs === undefined
          ? null
          : round1((100 * (waitNs - this.startWaitNs)) / 1e6 / wallMs),
      stealPercent: steal,
      ownCpuPercent: round1((100 * (cpu.user + cpu.system)) / 1000 / wallMs),
    };
  }
}

function injectedLagFromEnv(): number {
  const raw = process.env[INJECT_LAG_ENV];
  const value = raw === undefined ? 0 : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : 0;
}
