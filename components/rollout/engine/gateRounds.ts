/** Gate rounds: begin, check every gate, end. */
import { errorText } from "../apiError";
import type { Gate, GateContext, GateResult } from "../types";
import { GateFailure, Run, thrownByGate, withFix } from "./run";

/** Runs every gate once (with API retries); a gate that throws counts as failed, an API failure as the API's. */
export async function runGateRound(
  run: Run,
  gates: readonly Gate[],
  ctx: GateContext,
): Promise<GateFailure | undefined> {
  const results = await Promise.all(
    gates.map(async (gate): Promise<GateResult | GateFailure> => {
      try {
        return await run.retried(`gate ${gate.name}`, () => gate.check(ctx));
      } catch (error) {
        return thrownByGate(gate, error, "read");
      }
    }),
  );
  // The first failure in gate order is reported, so messages are deterministic.
  for (let index = 0; index < results.length; index++) {
    const result = results[index];
    if ("gate" in result) return result;
    if (!result.ok) {
      return withFix(
        { gate: gates[index].name, measured: result.measured, threshold: result.threshold },
        result.fix,
      );
    }
  }
  return undefined;
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
