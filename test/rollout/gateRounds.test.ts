/**
 * A gate round reports the first failing gate in gate order; gates ordered
 * before the failing one are checked once more, so a cause that happened
 * during the round (a pod that died after it was listed) is named rather
 * than its symptom (the refused upgrade).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runRollout } from "../../components/rollout/engine";
import type { GateResult } from "../../components/rollout/types";
import { FakeClock, FakeRouter, OK, RecordingLogger } from "./fakes";

const STEPS = [
  { weight: 10, pauseSeconds: 30 },
  { weight: 100, pauseSeconds: 0 },
];

function rollout(podsReads: GateResult[]) {
  const clock = new FakeClock();
  let reads = 0;
  const pods = {
    name: "pods-ready",
    async check(): Promise<GateResult> {
      return podsReads[Math.min(reads++, podsReads.length - 1)] ?? OK;
    },
  };
  const handshake = {
    name: "ws-handshake",
    async check(): Promise<GateResult> {
      return { ok: false, measured: "HTTP 502 on upgrade", threshold: "101 Switching Protocols" };
    },
  };
  return {
    reads: () => reads,
    run: () =>
      runRollout({
        steps: STEPS,
        gates: [pods, handshake],
        router: new FakeRouter(0),
        clock,
        logger: new RecordingLogger(),
      }),
  };
}

describe("gate rounds: the cause before its symptom", () => {
  it("GIVEN pods-ready passing when first read and failing when read again WHEN the handshake fails in that round THEN the round reports pods-ready", async () => {
    // Given: the pod died between the round's pod list and its handshake.
    const restarted: GateResult = { ok: false, measured: "1 restart (gw-a: 1)", threshold: "0 restarts" };
    const r = rollout([OK, restarted]);
    // When
    const result = await r.run();
    // Then
    assert.equal(result.outcome.kind, "aborted");
    if (result.outcome.kind !== "aborted") return;
    assert.equal(result.outcome.gate, "pods-ready");
    assert.equal(result.outcome.measured, "1 restart (gw-a: 1)");
    assert.equal(r.reads(), 2);
  });

  it("GIVEN pods-ready passing on both reads WHEN the handshake fails THEN the round reports ws-handshake", async () => {
    const r = rollout([OK, OK]);
    const result = await r.run();
    assert.equal(result.outcome.kind, "aborted");
    if (result.outcome.kind !== "aborted") return;
    assert.equal(result.outcome.gate, "ws-handshake");
    assert.equal(r.reads(), 2);
  });
});
