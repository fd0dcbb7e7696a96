/**
 * The clock the data-plane gates keep their time on. In `pulumi up` it is the
 * wall clock; the rehearsal plays a release faster than real time and passes
 * its scaled clock, so every duration of a release (re-dial delays, dial
 * bounds, upgrade and reply timeouts, ping intervals, pong timeouts) runs on
 * the same clock as the schedule, and every figure in a message is in that
 * clock's seconds.
 */
export interface GateClock {
  /** Milliseconds on this clock (epoch milliseconds on the wall clock). */
  now(): number;
  /** Real milliseconds a wait (a re-dial delay, a ping interval) lasts for `ms` milliseconds of this clock. */
  realMs(ms: number): number;
  /**
   * Real milliseconds a timeout that bounds a real round trip (an upgrade, a
   * reply) allows for `ms` of this clock: a scaled clock may keep a floor
   * here, since sockets and processes do not get faster with the clock.
   */
  realTimeoutMs(ms: number): number;
}

export const WALL_CLOCK: GateClock = { now: () => Date.now(), realMs: (ms) => ms, realTimeoutMs: (ms) => ms };
