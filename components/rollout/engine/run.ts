/** State and helpers shared by the phases of one rollout, and how failures read. */
import { errorText, isApiError } from "../apiError";
import {
  DEFAULT_API_ABORT_BUDGET_SECONDS,
  DEFAULT_API_RETRY_BUDGET_SECONDS,
  DEFAULT_ON_ABORT,
  type OnAbort,
} from "../defaults";
import { formatDuration, gateCause, stepLabel } from "../messages";
import { withRetries } from "../retry";
import type { Gate, RolloutEvent, RolloutPhase } from "../types";
import {
  API_GATE,
  INTERRUPTED_GATE,
  RolloutAction,
  RolloutOptions,
  RolloutOutcome,
  RolloutResult,
} from "./options";

/** A failed gate, as reported in an aborted outcome. */
export interface GateFailure {
  readonly gate: string;
  readonly measured: string;
  readonly threshold: string;
  readonly fix?: string;
  /** Set when the failure is the API's: the cause reads "the Kubernetes API failed while ...". */
  readonly cause?: string;
}

/** No `fix` key at all when there is none, so outcomes compare equal to plain failures. */
export function withFix<T extends object>(value: T, fix: string | undefined): T & { fix?: string } {
  return fix === undefined || fix === "" ? value : { ...value, fix };
}

/** How a thrown error reads in a message: an API error's summary and fix apart, anything else as its text. */
export function describe(error: unknown): { readonly text: string; readonly fix?: string } {
  if (isApiError(error)) return withFix({ text: error.summary }, error.fix);
  return { text: errorText(error) };
}

/** A failure from an error a gate threw: the API's when it is an API error, the gate's otherwise. */
export function thrownByGate(gate: Gate, error: unknown, reading: "read" | "began"): GateFailure {
  if (isApiError(error)) {
    return withFix(
      {
        gate: API_GATE,
        measured: error.summary,
        threshold: "a working Kubernetes API",
        cause: `the Kubernetes API failed while gate ${gate.name} ${reading}: ${error.summary}`,
      },
      error.fix,
    );
  }
  return { gate: gate.name, measured: errorText(error), threshold: "a completed check" };
}

// A plain object, not a Symbol: the closure serializer recreates Symbols as ordinary objects anyway.
export const INTERRUPT = { interrupted: true } as const;
export type Interrupt = typeof INTERRUPT;
export const isInterrupt = (value: unknown): value is Interrupt => value === INTERRUPT;

/** State and helpers shared by the phases of one rollout. */
export interface Run {
  readonly options: RolloutOptions;
  readonly stepCount: number;
  readonly intervalSeconds: number;
  readonly retryBudgetSeconds: number;
  readonly abortBudgetSeconds: number;
  readonly onAbort: OnAbort;
  readonly events: RolloutEvent[];
  /** The weight known to be in place; undefined when unknown (nothing read or written yet). */
  confirmed: number | undefined;
  /** A weight whose write failed in a way that may have landed; undefined when none. */
  uncertain: number | undefined;
  gatesEnded: boolean;
  /** What steering remembers between rounds: promote requests already warned about, and whether one was granted. */
  readonly steering: { readonly ignoredPromote: Set<string>; promoted: boolean };
  emit(event: DistributiveOmit<RolloutEvent, "atMs">): void;
  /** Retries a router or gate call within the per-call budget. */
  retried<T>(operation: string, call: (leftMs: number | undefined) => Promise<T>): Promise<T>;
  unlessInterrupted<T>(work: Promise<T>): Promise<T | Interrupt>;
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function createRun(options: RolloutOptions, intervalSeconds: number): Run {
  const { clock, signal, logger } = options;
  const startMs = clock.now();
  const interrupted = new Promise<Interrupt>((resolve) => {
    if (signal?.aborted) resolve(INTERRUPT);
    signal?.addEventListener("abort", () => resolve(INTERRUPT), { once: true });
  });
  const run: Run = {
    options,
    stepCount: options.steps.length,
    intervalSeconds,
    retryBudgetSeconds: options.api?.retryBudgetSeconds ?? DEFAULT_API_RETRY_BUDGET_SECONDS,
    abortBudgetSeconds: options.api?.abortBudgetSeconds ?? DEFAULT_API_ABORT_BUDGET_SECONDS,
    onAbort: options.onAbort ?? DEFAULT_ON_ABORT,
    events: [],
    confirmed: options.resumeFromWeight,
    uncertain: undefined,
    gatesEnded: false,
    steering: { ignoredPromote: new Set<string>(), promoted: false },
    emit(partial) {
      const event = { atMs: clock.now() - startMs, ...partial } as RolloutEvent;
      run.events.push(event);
      try {
        options.onEvent?.(event);
      } catch (error) {
        logger.warn(`event hook failed (ignored): ${errorText(error)}`);
      }
    },
    retried(operation, call) {
      return withRetries(call, {
        clock,
        budgetSeconds: run.retryBudgetSeconds,
        budgetKey: "rollout.api.retryBudget",
        random: options.api?.random,
        stop: () => signal?.aborted === true,
        onRetry: (attempt, delayMs, error) => {
          logger.warn(
            `${operation}: ${error.summary}; retrying in ${formatDuration(delayMs / 1000)} (attempt ${attempt + 1})`,
          );
          run.emit({ kind: "retry", operation, attempt, delayMs, error: error.summary });
        },
      });
    },
    // INTERRUPT as soon as the signal fires, whatever the awaited work is doing, and whenever it fired meanwhile.
    async unlessInterrupted(work) {
      if (signal === undefined) return work;
      const result = await Promise.race([work, interrupted]);
      return signal.aborted ? INTERRUPT : result;
    },
  };
  return run;
}

export function phase(run: Run, name: RolloutPhase, fields: { step?: number; weight?: number } = {}): void {
  run.emit({ kind: "phase", phase: name, stepCount: run.stepCount, ...fields });
}

/** What an abort is about: where, the cause, and the failure fields of the outcome. */
export interface AbortReason {
  readonly step: number;
  readonly where: string;
  readonly cause: string;
  readonly failure: GateFailure;
}

export function result(run: Run, outcome: RolloutOutcome): RolloutResult {
  const actions = run.events.filter(
    (event): event is RolloutAction => event.kind === "set-weight" || event.kind === "gates",
  );
  return { outcome, actions, events: run.events };
}

export function interruptReason(run: Run, step: number): AbortReason {
  const signal = run.options.signal;
  const reason = signal?.reason instanceof Error ? signal.reason.message : "abort signal";
  const where =
    step === 0 ? "before the first step" : stepLabel(step, run.stepCount, run.options.steps[step - 1].weight);
  return {
    step,
    where,
    cause: `interrupted (${reason})`,
    failure: { gate: INTERRUPTED_GATE, measured: reason, threshold: "no interruption" },
  };
}

export function gateReason(run: Run, step: number, weight: number, failure: GateFailure): AbortReason {
  return {
    step,
    where: stepLabel(step, run.stepCount, weight),
    cause: failure.cause ?? gateCause(failure.gate, failure.measured, failure.threshold),
    failure,
  };
}
