/**
 * Pure aggregation of what the fleet measured. All times in scheduled seconds.
 */

/** Nearest-rank percentile (p in 0..100) of a list of numbers; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface DisconnectSummary {
  readonly max: number;
  readonly p99: number;
  readonly mean: number;
}

/** Per-client disconnect counts (clients with none included) summarized. */
export function summarizeDisconnects(perClient: readonly number[]): DisconnectSummary {
  if (perClient.length === 0) return { max: 0, p99: 0, mean: 0 };
  const sum = perClient.reduce((a, b) => a + b, 0);
  return {
    max: Math.max(...perClient),
    p99: percentile(perClient, 99),
    mean: round(sum / perClient.length, 3),
  };
}

/**
 * Highest event rate, per second, in any window of `windowSeconds`: the most
 * events in [t, t + window) over every t, divided by the window. The maximum
 * is always reached by a window that starts at an event, so only those are
 * checked.
 */
export function peakRate(times: readonly number[], windowSeconds: number): number {
  if (times.length === 0) return 0;
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end] < sorted[start] + windowSeconds) end++;
    best = Math.max(best, end - start);
  }
  return best / windowSeconds;
}

export interface RatePoint {
  /** Start of the bin. */
  readonly t: number;
  readonly perSecond: number;
}

/** Event rate per second in consecutive bins covering [from, to). */
export function rateSeries(
  times: readonly number[],
  binSeconds: number,
  from: number,
  to: number,
): RatePoint[] {
  const bins = Math.max(1, Math.ceil((to - from) / binSeconds));
  const counts = new Array<number>(bins).fill(0);
  for (const t of times) {
    const index = Math.floor((t - from) / binSeconds);
    if (index >= 0 && index < bins) counts[index] += 1;
  }
  return counts.map((count, i) => ({ t: from + i * binSeconds, perSecond: count / binSeconds }));
}

/**
 * The reconnect budget: the rate at which the retiring version's connections
 * come back if its drain spreads them evenly over drainSeconds.
 */
export function reconnectBudgetPerSecond(oldConnections: number, drainSeconds: number): number {
  return oldConnections / drainSeconds;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
