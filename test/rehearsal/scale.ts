/**
 * Time scaling. The rehearsal plays a release schedule measured in minutes in
 * seconds of real time. One factor applies to every duration that belongs to
 * the release (pauses, drainSeconds, grace periods, preStop, probe periods,
 * client back-off), so their ratios, which decide the outcome, stay real.
 * Every figure the rehearsal reports is in scheduled ("scaled") seconds.
 */
import { MACHINE_TOO_BUSY } from "./load";
import type { Clock } from "../../components/rollout/types";

export class TimeScale {
  /**
   * @param factor scheduled seconds that pass per real second; 60 plays one
   * scheduled minute in one real second.
   */
  constructor(readonly factor: number) {
    if (!Number.isFinite(factor) || factor <= 0) {
      throw new Error(`time scale factor must be a positive number, got ${factor}`);
    }
  }

  /** Real milliseconds that play `scheduledSeconds`. */
  realMs(scheduledSeconds: number): number {
    return (scheduledSeconds * 1000) / this.factor;
  }

  /** Real seconds that play `scheduledSeconds` (fractional: DRAIN_SECONDS of a rehearsal pod). */
  realSeconds(scheduledSeconds: number): number {
    return scheduledSeconds / this.factor;
  }

  /** Scheduled seconds played by `realMs` real milliseconds. */
  scheduledSeconds(realMs: number): number {
    return (realMs / 1000) * this.factor;
  }

  describe(): string {
    const realPerMinute = this.realSeconds(60);
    return `time scale x${this.factor}: 1 scheduled minute = ${realPerMinute.toFixed(2)} s real; all figures in scheduled seconds`;
  }
}

/**
 * A Clock for the rollout engine that runs scheduled time: the engine waits a
 * 2-minute pause and the process sleeps 2 s at x60.
 */
export class ScaledClock implements Clock {
  private readonly startReal = performance.now();

  constructor(private readonly scale: TimeScale) {}

  now(): number {
    return this.scale.scheduledSeconds(performance.now() - this.startReal) * 1000;
  }

  sleep(ms: number): Promise<void> {
    return sleepReal(this.scale.realMs(ms / 1000));
  }

  /** GateClock: a wait of `ms` scheduled milliseconds, in real milliseconds. */
  realMs(ms: number): number {
    return this.scale.realMs(ms / 1000);
  }

  /**
   * GateClock: a timeout over a real round trip (an upgrade, a pong), scaled
   * like every duration but never below REAL_TIMEOUT_FLOOR_MS: local sockets
   * and processes answer in real milliseconds whatever the scale.
   */
  realTimeoutMs(ms: number): number {
    return Math.max(REAL_TIMEOUT_FLOOR_MS, this.realMs(ms));
  }
}

/**
 * The least real time a gate's timeout allows (see ScaledClock.realTimeoutMs):
 * the event-loop lag past which a run is invalid anyway (load.ts, MACHINE_TOO_BUSY).
 */
export const REAL_TIMEOUT_FLOOR_MS = MACHINE_TOO_BUSY.eventLoopLagP99Ms;

export function sleepReal(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
