/**
 * The release's status on the cluster (components/rollout/releaseStatus.ts):
 * what the recorder writes from the engine's events, through a fake sink, and
 * that a sink that fails never fails the release.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runRollout } from "../../components/rollout/engine";
import {
  ReleaseRecorder,
  eventBody,
  timeLeft,
  type ReleaseEvent,
  type ReleaseStatus,
  type StatusSink,
} from "../../components/rollout/releaseStatus";
import type { RolloutStep } from "../../components/rollout/types";
import { FakeClock, FakeRouter, OK, RecordingLogger, scriptedGate } from "./fakes";

const CANARY = { namespace: "prod", name: "ws-gateway-canary" };
const STEPS: RolloutStep[] = [
  { weight: 10, pauseSeconds: 60 },
  { weight: 100, pauseSeconds: 0 },
];

class FakeSink implements StatusSink {
  readonly canaryIngress = CANARY;
  readonly statuses: ReleaseStatus[] = [];
  readonly events: ReleaseEvent[] = [];
  fail = false;

  async writeStatus(status: ReleaseStatus): Promise<void> {
    if (this.fail) throw new Error("connect ECONNREFUSED 127.0.0.1:6443");
    this.statuses.push(status);
  }

  async postEvent(event: ReleaseEvent): Promise<void> {
    if (this.fail) throw new Error("connect ECONNREFUSED 127.0.0.1:6443");
    this.events.push(event);
  }
}

async function release(sink: FakeSink, gateFailsAtMs = Infinity) {
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const recorder = new ReleaseRecorder(sink, "v2", STEPS, logger, () => clock.now());
  const result = await runRollout({
    steps: STEPS,
    gates: [
      scriptedGate("pods-ready", clock, (_ctx, t) =>
        t < gateFailsAtMs ? OK : { ok: false, measured: "1 pod not Ready", threshold: "all Ready" },
      ),
    ],
    router: new FakeRouter(0),
    clock,
    logger,
    gateIntervalSeconds: 15,
    onEvent: (event) => recorder.onEvent(event),
  });
  const outcome = result.outcome;
  await recorder.finish(outcome.kind === "aborted" ? { kind: "aborted", message: outcome.message } : outcome);
  return { result, logger };
}

describe("release status on the cluster", () => {
  it("GIVEN a release that promotes WHEN it runs THEN the status follows it step by step and ends promoted, with an Event per phase", async () => {
    // Given
    const sink = new FakeSink();
    // When
    await release(sink);
    // Then
    const first = sink.statuses[0];
    const last = sink.statuses[sink.statuses.length - 1];
    assert.equal(first?.state, "running");
    assert.equal(first?.timeLeftSeconds, 60);
    assert.ok(
      sink.statuses.some((s) => s.phase === "pause" && s.step === 1 && s.weight === 10 && s.gates === "ok"),
      JSON.stringify(sink.statuses),
    );
    assert.deepEqual(
      {
        state: last?.state,
        step: last?.step,
        weight: last?.weight,
        version: last?.version,
        left: last?.timeLeftSeconds,
      },
      { state: "promoted", step: 2, weight: 100, version: "v2", left: undefined },
    );
    assert.deepEqual(
      sink.events.map((e) => e.reason),
      ["ReleaseStarted", "ReleaseStep", "ReleaseStep", "ReleasePromoted"],
    );
    assert.equal(sink.events[1]?.message, "step 1/2: canary weight 10%");
  });

  it("GIVEN a gate that fails during step 1 WHEN the release runs THEN the status ends aborted with the message and a Warning Event says why", async () => {
    // Given
    const sink = new FakeSink();
    // When
    const { result } = await release(sink, 30_000);
    // Then
    assert.equal(result.outcome.kind, "aborted");
    const last = sink.statuses[sink.statuses.length - 1];
    assert.equal(last?.state, "aborted");
    assert.match(last?.message ?? "", /^step 1\/2 \(weight 10%\): gate pods-ready failed/);
    const warning = sink.events.find((e) => e.reason === "ReleaseAborted");
    assert.equal(warning?.type, "Warning");
    assert.match(warning?.message ?? "", /gate pods-ready failed/);
  });

  it("GIVEN a sink whose every write fails WHEN the release runs THEN it still promotes and says once that the status could not be written", async () => {
    // Given
    const sink = new FakeSink();
    sink.fail = true;
    // When
    const { result, logger } = await release(sink);
    // Then
    assert.deepEqual(result.outcome, { kind: "promoted" });
    const warnings = logger.lines.filter((l) => l.includes("release goes on"));
    assert.equal(warnings.length, 1, logger.lines.join("\n"));
    assert.match(warnings[0] ?? "", /on prod\/ws-gateway-canary failed .*ECONNREFUSED/);
  });

  it("GIVEN an Event WHEN its body is built THEN it is a core/v1 Event about the canary Ingress with a generated name", () => {
    // Given / When
    const body = eventBody(
      CANARY,
      { type: "Normal", reason: "ReleaseStep", message: "m" },
      Date.UTC(2026, 0, 2, 3, 4, 5),
    ) as Record<string, unknown>;
    // Then
    assert.deepEqual(body.involvedObject, {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      name: "ws-gateway-canary",
      namespace: "prod",
    });
    assert.deepEqual(body.metadata, { generateName: "ws-gateway-canary.", namespace: "prod" });
    assert.equal(body.firstTimestamp, "2026-01-02T03:04:05Z");
  });

  it("GIVEN a schedule WHEN the time left is asked THEN it is the pauses from the current step on, less what passed of it", () => {
    const steps = [
      { weight: 5, pauseSeconds: 120 },
      { weight: 50, pauseSeconds: 300 },
      { weight: 100, pauseSeconds: 0 },
    ];
    assert.equal(timeLeft(steps, 0, 0), 420);
    assert.equal(timeLeft(steps, 1, 20), 400);
    assert.equal(timeLeft(steps, 2, 300), 0);
  });
});
