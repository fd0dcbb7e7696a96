/** Gate rounds: begin, check every gate, end. */
import { errorText } from "../apiError";
import type { Gate, GateContext, GateResult } from "../types";
import { GateFailure, Run, thrownByGate, withFix } from "./run";

/** Every gate once, in parallel (with API retries); a gate that throws counts as failed, an API failure as the API's. */
async function checkAll(
  run: Run,
  gates: readonly Gate[],
  ctx: GateContext,
): Promise<(GateResult | GateFailure)[]> {
  return Promise.all(
    gates.map(async (gate): Promise<GateResult | GateFailure> => {
      try {
        return await run.retried(`gate ${gate.name}`, () => gate.check(ctx));
      } catch (error) {
        return thrownByGate(gate, error, "read");
      }
    }),
  );
}

/** The first failure in gate order, with its index; undefined when every gate passed. */
function firstFailure(
  gates: readonly Gate[],
  results: readonly (GateResult | GateFailure)[],
): { index: number; failure: GateFailure } | undefined {
  for (let index = 0; index < results.length; index++) {
    const result = results[index];
    if ("gate" in result) return { index, failure: result };
    if (!result.ok) {
      const failure = withFix(
        { gate: gates[index].name, measured: result.measured, threshold: result.threshold },
        result.fix,
      );
      return { index, failure };
    }
  }
  return undefined;
}

/**
 * Runs every gate once; the first failure in gate order is reported, so
 * messages are deterministic. Gates run in parallel, so a gate ordered
 * before the failing one may have read the cluster before the cause
 * happened (a pod listed just before its container died, whose refused
 * upgrade the handshake then met): those earlier gates are checked once
 * more, and the report names the cause when they now see it.
 */
export async function runGateRound(
  run: Run,
  gates: readonly Gate[],
  ctx: GateContext,
): Promise<GateFailure | undefined> {
  const first = firstFailure(gates, await checkAll(run, gates, ctx));
  if (first === undefined || first.index === 0) return first?.failure;
  const earlier = gates.slice(0, first.index);
  const again = firstFailure(earlier, await checkAll(run, earlier, ctx));
  return again?.failure ?? first.failure;
}

export async function beginGates(
  run: Run,
  gates: readonly Gate[],
  ctx: GateContext,
): Promise<GateFailure | undefined> {
  for (const gate of gates) {
    try {
      await run.retried(`gate ${gate.name}`, async () => {
        await gate.beginStep?.(ctx);
      });
    } catch (error) {
      return thrownByGate(gate, error, "began");
    }
  }
  return undefined;
}

export async function endGates(run: Run): Promise<void> {
  if (run.gatesEnded) return;
  run.gatesEnded = true;
  await Promise.all(
    run.options.gates.map(async (gate) => {
      try {
        await gate.end?.();
      } catch (error) {
        run.options.logger.warn(`gate ${gate.name}: cleaning up failed (ignored): ${errorText(error)}`);
      }
    }),
  );
}
