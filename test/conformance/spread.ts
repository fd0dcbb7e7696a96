/**
 * How evenly a drain spread its closes over DRAIN_SECONDS. The contract asks
 * for closes "spread uniformly over DRAIN_SECONDS", so the measure is the
 * Kolmogorov-Smirnov distance between the close times (from SIGTERM) and the
 * uniform distribution on [0, DRAIN_SECONDS]: 0 for a perfectly even spread,
 * near 1 when every socket closes at once. One close per slot with jitter
 * (the reference gateway) stays near 1/n; independent uniform times stay
 * under SPREAD_MAX_DISTANCE with n >= MIN_CLIENTS at better than 99 %
 * (docs/facts.md F47).
 */

/** Largest KS distance from uniform that passes (about the 99 % critical value for n = MIN_CLIENTS). */
export const SPREAD_MAX_DISTANCE = 0.37;
/** Fewest clients the spread is judged on: below that, chance alone moves the distance too much. */
export const MIN_CLIENTS = 20;
/** How late after DRAIN_SECONDS the last close may come (timers, close handshakes, a busy machine). */
export const LATE_CLOSE_MS = 1500;

export interface Spread {
  readonly clients: number;
  readonly drainMs: number;
  /** Milliseconds from SIGTERM to the first and the last close. */
  readonly firstMs: number;
  readonly lastMs: number;
  /** Closes in each quarter of the drain (the last quarter also counts late closes). */
  readonly perQuarter: readonly number[];
  /** Kolmogorov-Smirnov distance of the close times to uniform on [0, drainMs]. */
  readonly distance: number;
}

/** The spread of close times (ms after SIGTERM) over a drain of `drainMs`. */
export function measureSpread(closeMs: readonly number[], drainMs: number): Spread {
  const at = [...closeMs].sort((a, b) => a - b);
  const n = at.length;
  const perQuarter = [0, 0, 0, 0];
  let distance = 0;
  at.forEach((ms, i) => {
    perQuarter[Math.max(0, Math.min(3, Math.floor(ms / (drainMs / 4))))] += 1;
    const cdf = Math.max(0, Math.min(1, ms / drainMs));
    distance = Math.max(distance, Math.abs((i + 1) / n - cdf), Math.abs(cdf - i / n));
  });
  return {
    clients: n,
    drainMs,
    firstMs: n === 0 ? 0 : at[0],
    lastMs: n === 0 ? 0 : at[n - 1],
    perQuarter,
    distance,
  };
}

/** Why a spread fails the contract, or undefined when it passes. */
export function spreadProblem(spread: Spread): string | undefined {
  if (spread.clients === 0) return "no close was seen";
  if (spread.lastMs > spread.drainMs + LATE_CLOSE_MS)
    return `the last close came ${spread.lastMs - spread.drainMs} ms after DRAIN_SECONDS (at most ${LATE_CLOSE_MS} ms)`;
  if (spread.distance > SPREAD_MAX_DISTANCE)
    return `not spread evenly (a distance of at most ${SPREAD_MAX_DISTANCE} passes)`;
  return undefined;
}
