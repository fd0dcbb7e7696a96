/**
 * Retries for calls to the Kubernetes API (or any router that marks its
 * failures with ./apiError): a transient failure (409, 429, 5xx, timeout,
 * reset, refused) is retried with exponential back-off and jitter until the
 * call's budget is spent; anything else fails at once. Runs on the rollout's
 * Clock, so tests drive it with a fake one.
 *
 * Back-off: attempt n waits d = min(RETRY_MAX_DELAY_MS, RETRY_INITIAL_DELAY_MS * 2^(n-1)),
 * jittered to a uniform value in [d/2, d] ("equal jitter", so concurrent
 * callers spread out without ever retrying at once), and never less than a
 * Retry-After the server sent. No attempt starts once the budget would be
 * exceeded by its wait.
 *
 * The budget bounds the whole call, not only the waits: each attempt is told
 * what is left of it (`leftMs`) and gives up by then (the Kubernetes client
 * bounds every request and its credentials by it), so a call with its
 * retries ends within its budget. A budget of 0 (no retries) leaves the one
 * attempt its own request timeout.
 */
import { isApiError, withSummary, type ApiError } from "./apiError";
import { RETRY_INITIAL_DELAY_MS, RETRY_MAX_DELAY_MS } from "./defaults";
import { formatDuration } from "./messages";
import type { Clock } from "./types";

export interface RetryOptions {
  readonly clock: Clock;
  /** How long the call may keep failing transiently, in seconds. */
  readonly budgetSeconds: number;
  /** The config key of the budget, named when it runs out, e.g. "rollout.api.retryBudget". */
  readonly budgetKey: string;
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Told before each wait. */
  readonly onRetry?: (attempt: number, delayMs: number, error: ApiError) => void;
  /** Run after the wait, before the next attempt (e.g. re-read after a 409). Its own errors are ignored. */
  readonly beforeRetry?: (error: ApiError) => Promise<void>;
  /** Stops retrying when it returns true (e.g. the rollout was interrupted). */
  readonly stop?: () => boolean;
}

/** The wait before attempt `attempt + 1`, given the jitter draw `random` in [0, 1). */
export function backoffMs(attempt: number, random: number, retryAfterMs = 0): number {
  const base = Math.min(RETRY_MAX_DELAY_MS, RETRY_INITIAL_DELAY_MS * 2 ** (attempt - 1));
  return Math.max(retryAfterMs, Math.round(base / 2 + (random * base) / 2));
}

/**
 * Calls `call` until it succeeds, fails for good, or the budget is spent. A
 * transient failure that outlasts the budget is rethrown with how many
 * attempts were made over how long and which key sets the budget.
 */
export async function withRetries<T>(
  call: (leftMs: number | undefined) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { clock, budgetSeconds, budgetKey } = options;
  if (!(Number.isFinite(budgetSeconds) && budgetSeconds >= 0)) {
    // NaN or Infinity would never run out: refuse rather than retry without end.
    throw new Error(`${budgetKey} ${budgetSeconds}s is not a finite number of seconds >= 0`);
  }
  const random = options.random ?? Math.random;
  const startMs = clock.now();
  const budgetMs = budgetSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    const leftMs = startMs + budgetMs - clock.now();
    try {
      return await call(leftMs > 0 ? leftMs : undefined);
    } catch (error) {
      if (!isApiError(error) || !error.transient) throw error;
      const elapsedMs = clock.now() - startMs;
      const delayMs = backoffMs(attempt, random(), error.retryAfterMs);
      if (elapsedMs + delayMs > budgetMs || options.stop?.() === true) {
        const tail =
          attempt === 1
            ? `not retried (${budgetKey} ${formatDuration(budgetSeconds)})`
            : `still failing after ${attempt} attempts in ${formatDuration(elapsedMs / 1000)} (${budgetKey} ${formatDuration(budgetSeconds)})`;
        throw withSummary(error, `${error.summary}; ${tail}`);
      }
      options.onRetry?.(attempt, delayMs, error);
      await clock.sleep(delayMs);
      if (options.beforeRetry !== undefined) {
        try {
          await options.beforeRetry(error);
        } catch {
          // The next attempt reports whatever is still wrong.
        }
      }
    }
  }
}
