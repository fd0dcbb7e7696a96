/**
 * The API server goes away in the middle of a step. Two deterministic cases:
 * shorter than rollout.api.retryBudget, the engine rides it out (the update
 * succeeds and the user saw each retried call); longer, the update fails with
 * the cause, the weight is 0 once the API is back (the abort budget outlasts
 * the outage), and a later update finishes the release.
 */
import { ANNOTATION_CANARY_WEIGHT, STABLE_SERVICE } from "../../../components/names";
import {
  canaryAnnotations,
  check,
  checkCleanOutput,
  editStack,
  failureLines,
  firstStepAfter,
  section,
  selectorOf,
  sleep,
  tail,
  up,
  type Scenario,
  type ScenarioContext,
} from "./support";

/** Connection failures as Node and the engine word them. */
const API_DOWN = /connection refused|ECONNREFUSED|no answer|socket hang up|ECONNRESET/;

interface Outage {
  readonly downMs: number;
  readonly stopped: number;
  readonly restarted: number;
}

/** Stops the API server at the release's first step for `holdMs`, then starts it again. */
async function outageAtFirstStep(ctx: ScenarioContext, since: number, holdMs: number): Promise<Outage> {
  await firstStepAfter(ctx, since);
  await ctx.cp.stopApiserver();
  const stopped = Date.now();
  await sleep(holdMs);
  await ctx.cp.startApiserver();
  const restarted = Date.now();
  return { downMs: restarted - stopped, stopped, restarted };
}

/** The outage is shorter than the retry budget: ridden out, every retried call shown. */
export function outageShort(from: string, to: string): Scenario {
  const holdMs = 15_000;
  return {
    name: "api-outage-short",
    summary: `GIVEN ${from} serving and ${to} at its first step WHEN the API server is down ${holdMs / 1000} s (less than rollout.api.retryBudget) THEN pulumi up succeeds and shows the retried calls`,
    run: async (ctx) => {
      editStack(ctx, (c) => {
        section(c, "gateway").version = to;
      });
      const since = Date.now();
      const outage = outageAtFirstStep(ctx, since, holdMs);
      const r = await up(ctx, `up-${to}-short-outage`);
      const o = await outage;
      checkCleanOutput(r);
      check(
        r.code === 0,
        `pulumi up did not ride out a ${(o.downMs / 1000).toFixed(0)} s outage:\n${tail(r.output)}`,
      );
      const retries = failureLines(r.output).filter((l) => /retrying in/.test(l) && API_DOWN.test(l));
      check(
        retries.length > 0,
        `the update succeeded but showed no retried API call (was the API really down during the engine's work?):\n${tail(r.output)}`,
      );
      check((await selectorOf(ctx, STABLE_SERVICE)) === to, `stable does not select ${to} after the outage`);
      return `API server down ${(o.downMs / 1000).toFixed(0)} s mid-step; pulumi up rode it out in ${r.seconds.toFixed(1)} s, ${to} promoted; ${retries.length} retried calls shown, first: ${retries[0] ?? ""}`;
    },
  };
}

/** The outage outlasts a shortened retry budget: the update fails with the cause, weight 0 once the API is back. */
export function outageLong(from: string, to: string): Scenario {
  const holdMs = 40_000;
  const budget = "10s";
  return {
    name: "api-outage-long",
    summary: `GIVEN ${from} serving, rollout.api.retryBudget ${budget} and ${to} at its first step WHEN the API server is down ${holdMs / 1000} s THEN pulumi up fails naming the API failure and the budget, the weight is 0 once the API is back, ${from} still serves`,
    run: async (ctx) => {
      editStack(ctx, (c) => {
        section(c, "gateway").version = to;
        const ro = section(c, "rollout");
        ro.api = { ...((ro.api ?? {}) as Record<string, unknown>), retryBudget: budget };
      });
      const since = Date.now();
      const outage = outageAtFirstStep(ctx, since, holdMs);
      const r = await up(ctx, `up-${to}-long-outage`);
      const o = await outage;
      checkCleanOutput(r);
      check(
        r.code !== 0,
        `pulumi up succeeded through a ${(o.downMs / 1000).toFixed(0)} s outage with a ${budget} retry budget`,
      );
      const errors = r.output.split("\n").filter((l) => l.startsWith("error: "));
      const cause = errors.find((l) => API_DOWN.test(l)) ?? "";
      check(cause !== "", `no error line names the API failure:\n${errors.join("\n") || tail(r.output)}`);
      check(/retryBudget/.test(cause), `the error does not name the budget it ran out of: ${cause}`);
      // The abort keeps trying for rollout.api.abortBudget (longer than the outage): 0 once the API is back.
      let weight = "";
      for (let i = 0; i < 20 && weight !== "0"; i++) {
        weight = (await canaryAnnotations(ctx))[ANNOTATION_CANARY_WEIGHT] ?? "";
        if (weight !== "0") await sleep(500);
      }
      check(weight === "0", `the canary weight is ${weight} after the failed update, expected 0`);
      check(
        (await selectorOf(ctx, STABLE_SERVICE)) === from,
        `the stable selector moved during a failed update`,
      );
      return `API server down ${(o.downMs / 1000).toFixed(0)} s with retryBudget ${budget}: pulumi up failed in ${r.seconds.toFixed(1)} s with: ${cause.trim()}; weight 0 once the API was back; ${from} still serves`;
    },
  };
}
