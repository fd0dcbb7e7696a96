/**
 * Steering a running release (components/rollout/steering.ts): the pause
 * request holds the weight with the gates still running, the promote request
 * naming the release skips to the last step once the gates pass, and a
 * promote naming another version is ignored with a warning. Driven through
 * the engine with a fake clock.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runRollout } from "../../components/rollout/engine";
import { resumeCommand } from "../../components/rollout/steering";
import type { RolloutEvent, RolloutStep } from "../../components/rollout/types";
import { FakeClock, FakeRouter, FakeSteering, OK, RecordingLogger, scriptedGate } from "./fakes";

const STEPS: RolloutStep[] = [
  { weight: 10, pauseSeconds: 60 },
  { weight: 50, pauseSeconds: 60 },
  { weight: 100, pauseSeconds: 0 },
];
const CANARY = { namespace: "prod", name: "ws-gateway-canary" };
const INTERVAL = 15;

function setup(script: (nowMs: number) => { pause?: string; promote?: string }, gateOkUntilMs = Infinity) {
  const clock = new FakeClock();
  const router = new FakeRouter(0);
  const logger = new RecordingLogger();
  const steering = new FakeSteering(clock, CANARY);
  steering.script = script;
  const gate = scriptedGate("ws-handshake", clock, (_ctx, nowMs) =>
    nowMs <= gateOkUntilMs ? OK : { ok: false, measured: "3 failed handshakes", threshold: "0" },
  );
  const events: RolloutEvent[] = [];
  const run = () =>
    runRollout({
      steps: STEPS,
      gates: [gate],
      router,
      clock,
      logger,
      gateIntervalSeconds: INTERVAL,
      steering,
      canaryVersion: "v2",
      onEvent: (e) => events.push(e),
    });
  return { clock, router, logger, steering, events, run };
}

const steerEvents = (events: RolloutEvent[]) =>
  events.filter((e) => e.kind === "steer").map((e) => (e.kind === "steer" ? `${e.action}@${e.step}` : ""));

describe("steering: pause, resume, promote", () => {
  it("GIVEN a pause request during step 1 WHEN the step's pause ends THEN the weight holds at 10% with gates running until the request is removed, then the schedule resumes", async () => {
    // Given: paused from 30 s to 300 s.
    const { router, logger, events, run } = setup((t) =>
      t >= 30_000 && t < 300_000 ? { pause: "checking dashboards" } : {},
    );
    // When
    const result = await run();
    // Then
    assert.deepEqual(result.outcome, { kind: "promoted" });
    assert.deepEqual(router.writes, [0, 10, 50, 100]);
    const resumedAt = events.find((e) => e.kind === "steer" && e.action === "resume")?.atMs ?? 0;
    assert.ok(resumedAt >= 300_000, `resumed at ${resumedAt} ms`);
    const fifty = events.find((e) => e.kind === "set-weight" && e.weight === 50)?.atMs ?? 0;
    assert.ok(fifty >= 300_000, `weight 50 set at ${fifty} ms, before the pause was removed`);
    const heldRounds = events.filter((e) => e.kind === "gates" && e.step === 1).length;
    assert.ok(
      heldRounds > 60 / INTERVAL + 1,
      `only ${heldRounds} gate rounds at step 1: the gates stopped during the hold`,
    );
    assert.deepEqual(steerEvents(events), ["pause@1", "resume@1"]);
    assert.ok(
      logger.lines.some(
        (l) =>
          l.includes('paused by request ("checking dashboards") at canary weight 10%') &&
          l.includes(resumeCommand(CANARY)),
      ),
      logger.lines.join("\n"),
    );
  });

  it("GIVEN a pause request WHEN a gate fails during the hold THEN the release aborts at the held step and the weight goes back to 0", async () => {
    // Given: paused for good; the gate fails from 200 s.
    const { router, run } = setup(() => ({ pause: "" }), 200_000);
    // When
    const result = await run();
    // Then
    assert.equal(result.outcome.kind, "aborted");
    if (result.outcome.kind !== "aborted") return;
    assert.equal(result.outcome.step, 1);
    assert.equal(result.outcome.gate, "ws-handshake");
    assert.deepEqual(router.writes, [0, 10, 0]);
  });

  it("GIVEN a promote request naming the release at 20 s WHEN the next gate round passes THEN it skips step 2 and goes to 100% and promotes", async () => {
    // Given
    const { router, logger, events, run } = setup((t) => (t >= 20_000 ? { promote: "v2" } : {}));
    // When
    const result = await run();
    // Then
    assert.deepEqual(result.outcome, { kind: "promoted" });
    assert.deepEqual(router.writes, [0, 10, 100]);
    const hundred = events.find((e) => e.kind === "set-weight" && e.weight === 100)?.atMs ?? Infinity;
    assert.ok(hundred <= 30_000 + 1, `weight 100 at ${hundred} ms: the step's pause was not cut short`);
    assert.deepEqual(steerEvents(events), ["promote@1"]);
    assert.ok(
      logger.lines.some((l) =>
        /promote requested \(v2\): gates passed at step 1\/3; skipping to the last step/.test(l),
      ),
    );
  });

  it("GIVEN a promote request naming another version WHEN the release runs THEN the request is ignored once with a warning and every step runs", async () => {
    // Given: a request left from the release of v1.
    const { router, logger, run } = setup(() => ({ promote: "v1" }));
    // When
    const result = await run();
    // Then
    assert.deepEqual(result.outcome, { kind: "promoted" });
    assert.deepEqual(router.writes, [0, 10, 50, 100]);
    const warnings = logger.lines.filter((l) => l.startsWith("WARN promote request ignored"));
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(
      warnings[0] ?? "",
      /names "v1", this release is v2; remove it with: kubectl annotate ingress ws-gateway-canary -n prod --overwrite ws-gateway.io\/promote-/,
    );
  });

  it("GIVEN a pause and then a promote during the hold WHEN the promote appears THEN the hold ends and the release promotes", async () => {
    // Given: pause from the start, promote from 400 s.
    const { router, events, run } = setup((t) =>
      t >= 400_000 ? { pause: "", promote: "v2" } : { pause: "" },
    );
    // When
    const result = await run();
    // Then
    assert.deepEqual(result.outcome, { kind: "promoted" });
    assert.deepEqual(router.writes, [0, 10, 100]);
    assert.deepEqual(steerEvents(events), ["pause@1", "promote@1"]);
  });
});
