import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  describeSchedule,
  formatDuration,
  runFirstRelease,
  runRollout,
  scheduleSeconds,
  validateSchedule,
  type RolloutOptions,
} from "../../components/rollout/engine";
import { abortRequestGate, buildGates, podsReadyGate } from "../../components/rollout/gates";
import { apiError } from "../../components/rollout/apiError";
import type { Gate, RolloutEvent, RolloutStep } from "../../components/rollout/types";
import {
  FakeAbortRequest,
  FakeClock,
  FakePods,
  FakeRouter,
  OK,
  RecordingLogger,
  scriptedGate,
} from "./fakes";

const FOUR_STEPS: RolloutStep[] = [
  { weight: 5, pauseSeconds: 120 },
  { weight: 25, pauseSeconds: 300 },
  { weight: 50, pauseSeconds: 300 },
  { weight: 100, pauseSeconds: 0 },
];

const CANARY = { namespace: "prod", name: "ws-gateway-canary" };

const INGRESS_CTX = { method: "PATCH", path: "/ingress", url: "http://127.0.0.1:6443/ingress" };

function transient(status: number, reason: string) {
  return apiError({
    ...INGRESS_CTX,
    status,
    reason,
    transient: true,
    mayHaveLanded: false,
    summary: `Kubernetes API PATCH /ingress (Ingress prod/ws-gateway-canary): HTTP ${status} ${reason}: boom`,
    fix: "",
  });
}

function refused() {
  return apiError({
    ...INGRESS_CTX,
    status: undefined,
    reason: "ECONNREFUSED",
    transient: true,
    mayHaveLanded: false,
    summary:
      "Kubernetes API PATCH http://127.0.0.1:6443/ingress (Ingress prod/ws-gateway-canary): connect ECONNREFUSED 127.0.0.1:6443",
    fix: "check that the API server is reachable",
  });
}

function timedOut() {
  return apiError({
    ...INGRESS_CTX,
    status: undefined,
    reason: "Timeout",
    transient: true,
    mayHaveLanded: true,
    summary:
      "Kubernetes API PATCH http://127.0.0.1:6443/ingress (Ingress prod/ws-gateway-canary): no answer within 10s",
    fix: "",
  });
}

function forbidden() {
  return apiError({
    ...INGRESS_CTX,
    status: 403,
    reason: "Forbidden",
    transient: false,
    mayHaveLanded: false,
    summary: "Kubernetes API PATCH /ingress (Ingress prod/ws-gateway-canary): HTTP 403 Forbidden: denied",
    fix: "grant patch",
  });
}

function unauthorized() {
  return apiError({
    method: "GET",
    path: "/pods",
    url: "http://127.0.0.1:6443/pods",
    status: 401,
    reason: "Unauthorized",
    transient: false,
    mayHaveLanded: false,
    summary: "Kubernetes API GET /pods (pods prod/v2): HTTP 401 Unauthorized",
    fix: "refresh the credentials",
  });
}

function setup(
  steps: readonly RolloutStep[],
  gates: (clock: FakeClock) => Gate[],
  extra: Partial<RolloutOptions> = {},
) {
  const clock = new FakeClock();
  const router = new FakeRouter(extra.resumeFromWeight ?? 0);
  const logger = new RecordingLogger();
  // Rounds every 10s keep the expected timelines short; the default is tested on its own.
  const options: RolloutOptions = {
    steps,
    gates: gates(clock),
    router,
    clock,
    logger,
    gateIntervalSeconds: 10,
    ...extra,
  };
  return { clock, router, logger, options };
}

describe("runRollout", () => {
  it("GIVEN a three-step schedule and passing gates WHEN it runs THEN it sets 0 first, steps up with gate rounds throughout each pause, and promotes", async () => {
    const { options, router } = setup(
      [
        { weight: 10, pauseSeconds: 20 },
        { weight: 50, pauseSeconds: 25 },
        { weight: 100, pauseSeconds: 0 },
      ],
      (clock) => [scriptedGate("always-ok", clock, () => OK)],
      { gateIntervalSeconds: 10 },
    );
    router.weight = 30; // stale weight from an earlier release

    const result = await runRollout(options);

    assert.deepEqual(result.outcome, { kind: "promoted" });
    assert.deepEqual(result.actions, [
      { atMs: 0, kind: "set-weight", weight: 0 },
      { atMs: 0, kind: "set-weight", weight: 10 },
      { atMs: 0, kind: "gates", step: 1, ok: true },
      { atMs: 10_000, kind: "gates", step: 1, ok: true },
      { atMs: 20_000, kind: "gates", step: 1, ok: true },
      { atMs: 20_000, kind: "set-weight", weight: 50 },
      { atMs: 20_000, kind: "gates", step: 2, ok: true },
      { atMs: 30_000, kind: "gates", step: 2, ok: true },
      { atMs: 40_000, kind: "gates", step: 2, ok: true },
      { atMs: 45_000, kind: "gates", step: 2, ok: true },
      { atMs: 45_000, kind: "set-weight", weight: 100 },
      { atMs: 45_000, kind: "gates", step: 3, ok: true },
    ]);
    assert.deepEqual(router.writes, [0, 10, 50, 100]);
    assert.equal(router.weight, 100);
  });

  it("GIVEN the design's four-step schedule WHEN it runs THEN every pause gets a round every 10s plus one at its end, and progress is logged about once a minute", async () => {
    const { options, logger } = setup(FOUR_STEPS, (clock) => [scriptedGate("always-ok", clock, () => OK)]);

    const result = await runRollout(options);

    assert.deepEqual(result.outcome, { kind: "promoted" });
    const rounds = (step: number) => result.actions.filter((a) => a.kind === "gates" && a.step === step);
    assert.deepEqual(
      [1, 2, 3, 4].map((step) => rounds(step).length),
      [13, 31, 31, 1],
    );
    assert.deepEqual(
      rounds(2).map((a) => a.atMs),
      Array.from({ length: 31 }, (_, i) => 120_000 + i * 10_000),
    );
    assert.deepEqual(logger.lines, [
      "step 1/4: canary weight 5% for 2m0s",
      "step 1/4: gates ok (round 1/13)",
      "step 1/4: gates ok (round 7/13)",
      "step 1/4: gates ok (round 13/13)",
      "step 2/4: canary weight 25% for 5m0s",
      "step 2/4: gates ok (round 1/31)",
      "step 2/4: gates ok (round 7/31)",
      "step 2/4: gates ok (round 13/31)",
      "step 2/4: gates ok (round 19/31)",
      "step 2/4: gates ok (round 25/31)",
      "step 2/4: gates ok (round 31/31)",
      "step 3/4: canary weight 50% for 5m0s",
      "step 3/4: gates ok (round 1/31)",
      "step 3/4: gates ok (round 7/31)",
      "step 3/4: gates ok (round 13/31)",
      "step 3/4: gates ok (round 19/31)",
      "step 3/4: gates ok (round 25/31)",
      "step 3/4: gates ok (round 31/31)",
      "step 4/4: canary weight 100%",
      "step 4/4: gates ok (round 1/1)",
      "canary weight 100%: schedule complete, ready to promote",
    ]);
  });

  it("GIVEN gates with beginStep WHEN each step starts THEN beginStep runs once per step before that step's rounds", async () => {
    let gate: ReturnType<typeof scriptedGate> | undefined;
    const { options } = setup(FOUR_STEPS, (clock) => {
      gate = scriptedGate("always-ok", clock, () => OK);
      return [gate];
    });
    await runRollout(options);
    assert.deepEqual(gate?.begun, [1, 2, 3, 4]);
  });

  describe("abort at each step for each gate kind", () => {
    // Each gate fails on its first round of the given step; the real pods-ready gate sees a restart.
    const kinds: {
      name: string;
      gate: (clock: FakeClock, failAt: number) => Gate;
      measured: string;
      threshold: string;
    }[] = [
      {
        name: "pods-ready",
        gate: (_clock, failAt) => {
          const pods = new FakePods();
          let step = 0;
          const real = podsReadyGate(pods);
          pods.beforeList = (list) =>
            step === failAt ? list.map((pod) => ({ ...pod, restarts: pod.restarts + 1 })) : list;
          return {
            name: real.name,
            beginStep: async (ctx) => {
              step = 0;
              await real.beginStep?.(ctx);
              step = ctx.step;
            },
            check: (ctx) => real.check(ctx),
          };
        },
        measured: "1 restart (ws-gateway-v2-a: 1)",
        threshold: "0 restarts",
      },
      {
        name: "ws-handshake",
        gate: (clock, failAt) =>
          scriptedGate("ws-handshake", clock, (ctx) =>
            ctx.step === failAt
              ? { ok: false, measured: "HTTP 503 on upgrade", threshold: "upgrade and a reply within 5s" }
              : OK,
          ),
        measured: "HTTP 503 on upgrade",
        threshold: "upgrade and a reply within 5s",
      },
      {
        name: "prometheus",
        gate: (clock, failAt) =>
          scriptedGate("prometheus", clock, (ctx) =>
            ctx.step === failAt ? { ok: false, measured: "0.07", threshold: "<= 0.01" } : OK,
          ),
        measured: "0.07",
        threshold: "<= 0.01",
      },
      {
        name: "throws",
        gate: (clock, failAt) =>
          scriptedGate("throws", clock, (ctx) =>
            ctx.step === failAt ? new Error("connect ECONNREFUSED") : OK,
          ),
        measured: "connect ECONNREFUSED",
        threshold: "a completed check",
      },
    ];
    const stepStartMs = [0, 120_000, 420_000, 720_000];

    for (const kind of kinds) {
      for (const failAt of [1, 2, 3, 4]) {
        it(`GIVEN gate ${kind.name} failing at step ${failAt} WHEN the rollout runs THEN the weight goes back to 0 and the outcome names step, gate, measured value and threshold`, async () => {
          const { options, router } = setup(FOUR_STEPS, (clock) => [
            scriptedGate("always-ok", clock, () => OK),
            kind.gate(clock, failAt),
          ]);

          const result = await runRollout(options);

          const weight = FOUR_STEPS[failAt - 1].weight;
          const message = `step ${failAt}/4 (weight ${weight}%): gate ${kind.name} failed: measured ${kind.measured}, threshold ${kind.threshold}; canary weight set back to 0`;
          assert.deepEqual(result.outcome, {
            kind: "aborted",
            weightReset: true,
            step: failAt,
            gate: kind.name,
            measured: kind.measured,
            threshold: kind.threshold,
            message,
          });
          assert.deepEqual(result.actions.slice(-2), [
            { atMs: stepStartMs[failAt - 1], kind: "gates", step: failAt, ok: false, failed: kind.name },
            { atMs: stepStartMs[failAt - 1], kind: "set-weight", weight: 0 },
          ]);
          assert.deepEqual(router.writes, [0, ...FOUR_STEPS.slice(0, failAt).map((s) => s.weight), 0]);
          assert.equal(router.weight, 0);
        });
      }
    }
  });

  it("GIVEN the exact example of the brief WHEN pods-ready sees a restart at step 2 THEN the message reads exactly so", async () => {
    const { options } = setup(FOUR_STEPS, (clock) => [
      scriptedGate("pods-ready", clock, (ctx) =>
        ctx.step === 2 ? { ok: false, measured: "1 restart", threshold: "0 restarts" } : OK,
      ),
    ]);
    const result = await runRollout(options);
    assert.equal(result.outcome.kind, "aborted");
    assert.equal(
      result.outcome.kind === "aborted" ? result.outcome.message : "",
      "step 2/4 (weight 25%): gate pods-ready failed: measured 1 restart, threshold 0 restarts; canary weight set back to 0",
    );
  });

  it("GIVEN a gate that flaps to failing 40s into step 2 WHEN the rollout runs THEN it aborts at that moment, not at the end of the pause", async () => {
    const { options, router, logger } = setup(FOUR_STEPS, (clock) => [
      scriptedGate("ws-handshake", clock, (_ctx, nowMs) =>
        nowMs === 160_000
          ? { ok: false, measured: "no reply within 5s", threshold: "upgrade and a reply within 5s" }
          : OK,
      ),
    ]);

    const result = await runRollout(options);

    assert.equal(result.outcome.kind, "aborted");
    assert.deepEqual(result.actions.slice(-3), [
      { atMs: 150_000, kind: "gates", step: 2, ok: true },
      { atMs: 160_000, kind: "gates", step: 2, ok: false, failed: "ws-handshake" },
      { atMs: 160_000, kind: "set-weight", weight: 0 },
    ]);
    assert.equal(router.weight, 0);
    assert.equal(
      logger.lines.at(-1),
      "WARN step 2/4 (weight 25%): gate ws-handshake failed: measured no reply within 5s, threshold upgrade and a reply within 5s; canary weight set back to 0",
    );
  });

  it("GIVEN a gate whose beginStep throws WHEN the step starts THEN it counts as that gate failing", async () => {
    const { options, router } = setup(FOUR_STEPS, () => [
      {
        name: "pods-ready",
        beginStep: async (ctx) => {
          if (ctx.step === 3) throw new Error("GET pods: HTTP 500 InternalError");
        },
        check: async () => OK,
      },
    ]);
    const result = await runRollout(options);
    assert.deepEqual(result.outcome, {
      kind: "aborted",
      weightReset: true,
      step: 3,
      gate: "pods-ready",
      measured: "GET pods: HTTP 500 InternalError",
      threshold: "a completed check",
      message:
        "step 3/4 (weight 50%): gate pods-ready failed: measured GET pods: HTTP 500 InternalError, threshold a completed check; canary weight set back to 0",
    });
    assert.equal(router.weight, 0);
  });

  describe("the canary's HPA scales up during a pause", () => {
    const stable = { name: "ws-gateway-v2-a", ready: true, restarts: 0, createdAtMs: -600_000 };
    // The gate reads the fake clock, so pod creation times are on the same axis as the actions.
    const withPods = (pods: FakePods) =>
      setup(FOUR_STEPS, (clock) => [podsReadyGate(pods, { now: () => clock.now() })]);

    it("GIVEN a pod added 25s into step 2 that is Ready 45s later WHEN the rollout runs THEN no round fails and it promotes", async () => {
      const pods = new FakePods();
      pods.pods = [stable];
      const { options, clock } = withPods(pods);
      const added = { name: "ws-gateway-v2-b", ready: false, restarts: 0, createdAtMs: 145_000 };
      clock.onSleep = (nowMs) => {
        if (nowMs === 150_000) pods.pods = [stable, added];
        if (nowMs === 190_000) pods.pods = [stable, { ...added, ready: true }];
      };

      const result = await runRollout(options);

      assert.deepEqual(result.outcome, { kind: "promoted" });
      assert.ok(result.actions.every((action) => action.kind !== "gates" || action.ok));
    });

    it("GIVEN a pod added 5s before step 2 ends WHEN step 3 begins before it is Ready THEN it is still given its allowance and the rollout promotes", async () => {
      const pods = new FakePods();
      pods.pods = [stable];
      const { options, clock } = withPods(pods);
      const added = { name: "ws-gateway-v2-b", ready: false, restarts: 0, createdAtMs: 415_000 };
      clock.onSleep = (nowMs) => {
        if (nowMs === 420_000) pods.pods = [stable, added];
        if (nowMs === 450_000) pods.pods = [stable, { ...added, ready: true }];
      };

      const result = await runRollout(options);

      assert.deepEqual(result.outcome, { kind: "promoted" });
    });

    it("GIVEN a pod added during step 2 that never becomes Ready WHEN its allowance runs out THEN that round aborts naming the pod and its age", async () => {
      const pods = new FakePods();
      pods.pods = [stable];
      const { options, clock, router } = withPods(pods);
      clock.onSleep = (nowMs) => {
        if (nowMs === 150_000) {
          pods.pods = [stable, { name: "ws-gateway-v2-b", ready: false, restarts: 0, createdAtMs: 145_000 }];
        }
      };

      const result = await runRollout(options);

      assert.equal(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        "step 2/4 (weight 25%): gate pods-ready failed: measured 1 of 2 pods not Ready (ws-gateway-v2-b, 2m5s old), threshold all pods Ready (new pods within 2m0s of starting excepted); canary weight set back to 0",
      );
      assert.deepEqual(result.actions.slice(-3), [
        { atMs: 260_000, kind: "gates", step: 2, ok: true },
        { atMs: 270_000, kind: "gates", step: 2, ok: false, failed: "pods-ready" },
        { atMs: 270_000, kind: "set-weight", weight: 0 },
      ]);
      assert.equal(router.weight, 0);
    });
  });

  describe("hold and continue", () => {
    const HOLD: RolloutStep[] = [
      { weight: 5, pauseSeconds: 60 },
      { weight: 25, pauseSeconds: 60 },
    ];

    it("GIVEN a schedule ending at 25 WHEN it completes THEN the outcome is held at 25 and the weight stays there", async () => {
      const { options, router, logger } = setup(HOLD, (clock) => [
        scriptedGate("always-ok", clock, () => OK),
      ]);
      const result = await runRollout(options);
      assert.deepEqual(result.outcome, { kind: "held", weight: 25 });
      assert.equal(router.weight, 25);
      assert.equal(logger.lines.at(-1), "schedule ends at canary weight 25%: holding there");
    });

    it("GIVEN a release held at 25 WHEN it continues with the full schedule THEN steps at or below 25 are skipped and the weight is never reset", async () => {
      const { options, router } = setup(FOUR_STEPS, (clock) => [scriptedGate("always-ok", clock, () => OK)], {
        resumeFromWeight: 25,
      });

      const result = await runRollout(options);

      assert.deepEqual(result.outcome, { kind: "promoted" });
      assert.deepEqual(router.writes, [50, 100]);
      assert.deepEqual(result.actions[0], { atMs: 0, kind: "set-weight", weight: 50 });
      assert.equal(result.actions.filter((a) => a.kind === "gates" && a.step === 3).length, 31);
    });

    it("GIVEN a release held at 25 WHEN the schedule still ends at 25 THEN nothing is touched and it stays held", async () => {
      const { options, router } = setup(HOLD, (clock) => [scriptedGate("always-ok", clock, () => OK)], {
        resumeFromWeight: 25,
      });
      const result = await runRollout(options);
      assert.deepEqual(result, { outcome: { kind: "held", weight: 25 }, actions: [], events: [] });
      assert.deepEqual(router.writes, []);
    });

    it("GIVEN a release held at 50 WHEN the schedule now ends at 25 THEN the weight is lowered to 25 with gates, never raised", async () => {
      const { options, router } = setup(HOLD, (clock) => [scriptedGate("always-ok", clock, () => OK)], {
        resumeFromWeight: 50,
      });
      const result = await runRollout(options);
      assert.deepEqual(result.outcome, { kind: "held", weight: 25 });
      assert.deepEqual(router.writes, [25]);
    });
  });

  describe("interrupt", () => {
    it("GIVEN an AbortSignal fired 30s into step 2 WHEN the rollout runs THEN the weight goes to 0 and the outcome is aborted with gate interrupted", async () => {
      const controller = new AbortController();
      const { options, router, clock } = setup(FOUR_STEPS, (c) => [scriptedGate("always-ok", c, () => OK)], {
        signal: controller.signal,
      });
      clock.onSleep = (nowMs) => {
        if (nowMs === 150_000) controller.abort(new Error("SIGINT received"));
      };

      const result = await runRollout(options);

      assert.deepEqual(result.outcome, {
        kind: "aborted",
        weightReset: true,
        step: 2,
        gate: "interrupted",
        measured: "SIGINT received",
        threshold: "no interruption",
        message: "step 2/4 (weight 25%): interrupted (SIGINT received); canary weight set back to 0",
      });
      assert.deepEqual(result.actions.slice(-2), [
        { atMs: 140_000, kind: "gates", step: 2, ok: true },
        { atMs: 150_000, kind: "set-weight", weight: 0 },
      ]);
      assert.equal(router.weight, 0);
    });

    it("GIVEN a gate that never answers WHEN the signal fires THEN the rollout does not wait for the gate", async () => {
      const controller = new AbortController();
      const { options, router } = setup(
        FOUR_STEPS,
        () => [{ name: "hangs", check: () => new Promise(() => undefined) }],
        {
          signal: controller.signal,
        },
      );
      const timer = setTimeout(() => controller.abort(), 20);
      const result = await runRollout(options);
      clearTimeout(timer);
      assert.equal(result.outcome.kind, "aborted");
      assert.equal(result.outcome.kind === "aborted" ? result.outcome.gate : "", "interrupted");
      assert.equal(router.weight, 0);
    });

    it("GIVEN a signal already aborted WHEN the rollout starts THEN it only sets the weight to 0", async () => {
      const controller = new AbortController();
      controller.abort();
      const { options, router } = setup(FOUR_STEPS, (c) => [scriptedGate("always-ok", c, () => OK)], {
        signal: controller.signal,
        resumeFromWeight: 25,
      });
      const result = await runRollout(options);
      assert.equal(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        "before the first step: interrupted (This operation was aborted); canary weight set back to 0",
      );
      assert.deepEqual(router.writes, [0]);
    });
  });

  describe("abort request (ws-gateway.io/abort)", () => {
    const FIX = "remove it with: kubectl annotate ingress ws-gateway-canary -n prod ws-gateway.io/abort-";
    const THRESHOLD = "no ws-gateway.io/abort annotation on the canary Ingress";

    it("GIVEN an abort requested 30s into step 2 WHEN the next gate round runs THEN the weight goes back to 0 and the message reads exactly so", async () => {
      const abort = new FakeAbortRequest();
      const { options, router, clock, logger } = setup(FOUR_STEPS, () => [
        abortRequestGate(abort),
        podsReadyGate(new FakePods()),
      ]);
      // Written during the 140s..150s interval of the pause: the 150s round is the first to see it.
      clock.onSleep = (nowMs) => {
        if (nowMs === 150_000) abort.reason = "bad latency";
      };

      const result = await runRollout(options);

      const message =
        'step 2/4 (weight 25%): gate abort-request failed: measured abort requested: "bad latency", threshold no ws-gateway.io/abort annotation on the canary Ingress; canary weight set back to 0';
      assert.deepEqual(result.outcome, {
        kind: "aborted",
        weightReset: true,
        step: 2,
        gate: "abort-request",
        measured: 'abort requested: "bad latency"',
        threshold: THRESHOLD,
        message,
      });
      assert.deepEqual(result.actions.slice(-3), [
        { atMs: 140_000, kind: "gates", step: 2, ok: true },
        { atMs: 150_000, kind: "gates", step: 2, ok: false, failed: "abort-request" },
        { atMs: 150_000, kind: "set-weight", weight: 0 },
      ]);
      assert.deepEqual(router.writes, [0, 5, 25, 0]);
      assert.equal(router.weight, 0);
      assert.equal(logger.lines.at(-1), `WARN ${message}`);
    });

    it("GIVEN a source that names the canary Ingress WHEN an abort is requested THEN the message ends with the command that removes the request", async () => {
      const abort = new FakeAbortRequest(CANARY);
      const { options, router, clock } = setup(FOUR_STEPS, () => [abortRequestGate(abort)]);
      clock.onSleep = (nowMs) => {
        if (nowMs === 150_000) abort.reason = "bad latency";
      };

      const result = await runRollout(options);

      assert.deepEqual(result.outcome, {
        kind: "aborted",
        weightReset: true,
        step: 2,
        gate: "abort-request",
        measured: 'abort requested: "bad latency"',
        threshold: THRESHOLD,
        fix: FIX,
        message: `step 2/4 (weight 25%): gate abort-request failed: measured abort requested: "bad latency", threshold ${THRESHOLD}; canary weight set back to 0; ${FIX}`,
      });
      assert.equal(router.weight, 0);
    });

    it("GIVEN a request left from an earlier abort WHEN a release starts THEN the first gate round of step 1 fails it and says how to remove the request", async () => {
      const abort = new FakeAbortRequest(CANARY);
      abort.reason = "bad latency";
      const { options, router } = setup(FOUR_STEPS, () => [abortRequestGate(abort)]);

      const result = await runRollout(options);

      assert.equal(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        `step 1/4 (weight 5%): gate abort-request failed: measured abort requested: "bad latency", threshold ${THRESHOLD}; canary weight set back to 0; ${FIX}`,
      );
      assert.deepEqual(result.actions, [
        { atMs: 0, kind: "set-weight", weight: 0 },
        { atMs: 0, kind: "set-weight", weight: 5 },
        { atMs: 0, kind: "gates", step: 1, ok: false, failed: "abort-request" },
        { atMs: 0, kind: "set-weight", weight: 0 },
      ]);
      assert.equal(router.weight, 0);
    });

    it("GIVEN an abort request and a failing pods-ready in the same round WHEN built by buildGates THEN the abort request is what is reported", async () => {
      const abort = new FakeAbortRequest(CANARY);
      const pods = new FakePods();
      const source = {
        listCanaryPods: () => pods.listCanaryPods(),
        getAbortRequest: () => abort.getAbortRequest(),
        canaryIngress: abort.canaryIngress,
      };
      const { options, clock } = setup(FOUR_STEPS, () => buildGates({ intervalSeconds: 10 }, source));
      clock.onSleep = (nowMs) => {
        if (nowMs === 150_000) {
          abort.reason = "pods crash-looping";
          pods.pods = [{ name: "ws-gateway-v2-a", ready: false, restarts: 3 }];
        }
      };

      const result = await runRollout(options);

      assert.equal(result.outcome.kind === "aborted" ? result.outcome.gate : "", "abort-request");
      assert.equal(
        result.outcome.kind === "aborted" ? result.outcome.measured : "",
        'abort requested: "pods crash-looping"',
      );
    });

    it("GIVEN an abort request and a router that cannot set 0 WHEN the gate fails THEN the error names the request, the failed reset and still ends with the fix", async () => {
      const abort = new FakeAbortRequest(CANARY);
      const { options, router, clock } = setup(FOUR_STEPS, () => [abortRequestGate(abort)]);
      clock.onSleep = (nowMs) => {
        if (nowMs === 150_000) {
          abort.reason = "bad latency";
          router.failures.set(0, { error: new Error("HTTP 503 ServiceUnavailable") });
        }
      };

      const result = await runRollout(options);
      assert.equal(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        `step 2/4 (weight 25%): gate abort-request failed: measured abort requested: "bad latency", threshold ${THRESHOLD}; setting the canary weight back to 0 failed: HTTP 503 ServiceUnavailable; left behind: the canary weight is 25% or 0% (a write may have landed); check the canary weight on the router by hand and set it to 0; ${FIX}`,
      );
      assert.equal(router.weight, 25);
    });
  });

  describe("router errors", () => {
    const gates = (clock: FakeClock) => [scriptedGate("always-ok", clock, () => OK)];
    const SET_0 =
      "kubectl annotate ingress ws-gateway-canary -n prod nginx.ingress.kubernetes.io/canary-weight=0 --overwrite";
    const READ =
      "kubectl get ingress ws-gateway-canary -n prod -o jsonpath='{.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/canary-weight}'";

    it("GIVEN a router whose write of 25 fails with a plain error WHEN step 2 starts THEN it aborts as the router's failure, weight back at 0", async () => {
      const { options, router } = setup(FOUR_STEPS, gates);
      router.failures.set(25, { error: new Error("balancer rejected the weight") });
      const result = await runRollout(options);
      assert.deepEqual(result.outcome, {
        kind: "aborted",
        weightReset: true,
        step: 2,
        gate: "router",
        measured: "balancer rejected the weight",
        threshold: "the weight accepted",
        message:
          "step 2/4 (weight 25%): could not set the canary weight to 25%: balancer rejected the weight; canary weight set back to 0",
      });
      assert.deepEqual(router.writes, [0, 5, 25, 0]);
      assert.equal(router.weight, 0);
    });

    it("GIVEN a write of 25 that lands but whose answer is lost WHEN step 2 starts THEN the weight still ends at 0", async () => {
      const { options, router } = setup(FOUR_STEPS, gates);
      router.failures.set(25, { error: new Error("no answer within 10s"), landed: true });
      const result = await runRollout(options);
      assert.match(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        /could not set the canary weight to 25%: no answer within 10s; canary weight set back to 0$/,
      );
      assert.equal(router.weight, 0);
    });

    it("GIVEN transient API failures on a write (500, 409, 429) that clear within the budget WHEN the rollout runs THEN it retries with growing back-off, leaves the re-read to the router's conditional write, and promotes", async () => {
      const { options, router, clock, logger } = setup(FOUR_STEPS, gates, { api: { random: () => 0.5 } });
      const script = [
        transient(500, "InternalError"),
        transient(409, "Conflict"),
        transient(429, "TooManyRequests"),
      ];
      const setCanaryWeight = router.setCanaryWeight.bind(router);
      let reads = 0;
      router.getCanaryWeight = async () => {
        reads += 1;
        return router.weight;
      };
      router.setCanaryWeight = async (weight) => {
        if (weight === 25 && script.length > 0) throw script.shift();
        return setCanaryWeight(weight);
      };
      const events: RolloutEvent[] = [];
      const result = await runRollout({ ...options, onEvent: (event) => events.push(event) });
      assert.deepEqual(result.outcome, { kind: "promoted" });
      const retries = events.filter((event) => event.kind === "retry");
      // Equal jitter at 0.5: 3/4 of 500ms, 1s, 2s.
      assert.deepEqual(
        retries.map((event) => (event.kind === "retry" ? [event.attempt, event.delayMs] : [])),
        [
          [1, 375],
          [2, 750],
          [3, 1500],
        ],
      );
      // The router reads and patches under resourceVersion in every attempt; the engine reads nothing extra.
      assert.equal(reads, 0, "no separate re-read by the engine");
      assert.ok(clock.nowMs >= 720_000 + 2625);
      assert.ok(
        logger.lines.some((line) =>
          /set the canary weight to 25%: .*HTTP 500 InternalError: boom; retrying in 0\.375s \(attempt 2\)/.test(
            line,
          ),
        ),
      );
    });

    it("GIVEN a write that keeps failing with 500 WHEN its budget runs out THEN it aborts as the API's failure naming attempts, duration and budget key", async () => {
      const { options, router } = setup(FOUR_STEPS, gates, {
        api: { retryBudgetSeconds: 10, random: () => 0 },
      });
      router.canaryIngress = CANARY;
      const setCanaryWeight = router.setCanaryWeight.bind(router);
      router.setCanaryWeight = async (weight) => {
        if (weight === 25) throw transient(500, "InternalError");
        return setCanaryWeight(weight);
      };
      const result = await runRollout(options);
      assert.equal(result.outcome.kind, "aborted");
      if (result.outcome.kind !== "aborted") return;
      assert.equal(result.outcome.gate, "kubernetes-api");
      // Delays 250, 500, 1000, 2000, 4000 (equal jitter at 0): 7.75s; the next (7.5s) would pass 10s.
      assert.equal(
        result.outcome.message,
        "step 2/4 (weight 25%): could not set the canary weight to 25%: Kubernetes API PATCH /ingress (Ingress prod/ws-gateway-canary): HTTP 500 InternalError: boom; still failing after 6 attempts in 8s (rollout.api.retryBudget 10s); canary weight set back to 0",
      );
      assert.equal(router.weight, 0);
    });

    it("GIVEN the API down from step 2 on WHEN the abort cannot set 0 within the abort budget THEN it gives up and says the weight left and the exact command", async () => {
      const { options, router, clock } = setup(FOUR_STEPS, gates, {
        api: { retryBudgetSeconds: 5, abortBudgetSeconds: 60, random: () => 0 },
      });
      router.canaryIngress = CANARY;
      const setCanaryWeight = router.setCanaryWeight.bind(router);
      router.setCanaryWeight = async (weight) => {
        if (router.writes.length >= 2) throw refused();
        return setCanaryWeight(weight);
      };
      const drainer = { drainCanary: async () => ["never"] };
      const result = await runRollout({ ...options, drainer });
      assert.equal(result.outcome.kind, "aborted");
      if (result.outcome.kind !== "aborted") return;
      assert.equal(result.outcome.weightReset, false);
      assert.equal(
        result.outcome.message,
        `step 2/4 (weight 25%): could not set the canary weight to 25%: Kubernetes API PATCH http://127.0.0.1:6443/ingress (Ingress prod/ws-gateway-canary): connect ECONNREFUSED 127.0.0.1:6443; still failing after 5 attempts in 4s (rollout.api.retryBudget 5s); setting the canary weight back to 0 failed: Kubernetes API PATCH http://127.0.0.1:6443/ingress (Ingress prod/ws-gateway-canary): connect ECONNREFUSED 127.0.0.1:6443; still failing after 12 attempts in 53s (rollout.api.abortBudget 1m0s); left behind: the canary weight is still 5%, so new clients keep reaching the aborted version; set it to 0 with: ${SET_0}; the canary was not drained: its clients would reconnect to it while its weight is above 0; check that the API server is reachable`,
      );
      assert.equal(router.weight, 5);
      assert.ok(clock.nowMs < 120_000 + 5_000 + 60_000 + 1, "bounded by the budgets");
    });

    it("GIVEN a write of 25 that timed out (may have landed) and a reset that fails for good WHEN step 2 aborts THEN it says the weight is 5% or 25% and to check the canary Ingress by hand", async () => {
      const { options, router } = setup(FOUR_STEPS, gates, {
        api: { retryBudgetSeconds: 1, abortBudgetSeconds: 1, random: () => 0 },
      });
      router.canaryIngress = CANARY;
      const setCanaryWeight = router.setCanaryWeight.bind(router);
      router.setCanaryWeight = async (weight) => {
        if (weight === 25) throw timedOut();
        if (weight === 0 && router.weight !== 0) throw forbidden();
        return setCanaryWeight(weight);
      };
      const result = await runRollout(options);
      const message = result.outcome.kind === "aborted" ? result.outcome.message : "";
      assert.ok(
        message.endsWith(
          `left behind: the canary weight is 5% or 25% (a write may have landed); check the canary Ingress by hand (${READ}) and set it to 0: ${SET_0}; grant patch`,
        ),
        message,
      );
    });

    it("GIVEN a write of 25 that timed out once, then was refused until the budget ran out, and a reset refused WHEN step 2 aborts THEN the earlier timeout still counts as a write that may have landed", async () => {
      const { options, router } = setup(FOUR_STEPS, gates, {
        api: { retryBudgetSeconds: 5, abortBudgetSeconds: 1, random: () => 0 },
      });
      router.canaryIngress = CANARY;
      const setCanaryWeight = router.setCanaryWeight.bind(router);
      let writesOf25 = 0;
      router.setCanaryWeight = async (weight) => {
        if (weight === 25) {
          writesOf25 += 1;
          throw writesOf25 === 1 ? timedOut() : refused();
        }
        if (weight === 0 && router.weight !== 0) throw forbidden();
        return setCanaryWeight(weight);
      };
      const result = await runRollout(options);
      const message = result.outcome.kind === "aborted" ? result.outcome.message : "";
      assert.ok(writesOf25 > 1, "the write was retried");
      assert.match(message, /connect ECONNREFUSED 127\.0\.0\.1:6443; still failing after \d+ attempts/);
      assert.ok(
        message.includes(
          `left behind: the canary weight is 5% or 25% (a write may have landed); check the canary Ingress by hand (${READ}) and set it to 0: ${SET_0}`,
        ),
        message,
      );
    });

    it("GIVEN a write of 25 that timed out and a reset to 0 that also timed out WHEN step 2 aborts THEN every weight it may be is listed", async () => {
      const { options, router } = setup(FOUR_STEPS, gates, {
        api: { retryBudgetSeconds: 1, abortBudgetSeconds: 1, random: () => 0 },
      });
      router.canaryIngress = CANARY;
      const setCanaryWeight = router.setCanaryWeight.bind(router);
      router.setCanaryWeight = async (weight) => {
        if (weight === 25 || (weight === 0 && router.weight !== 0)) throw timedOut();
        return setCanaryWeight(weight);
      };
      const result = await runRollout(options);
      const message = result.outcome.kind === "aborted" ? result.outcome.message : "";
      assert.ok(
        message.includes(
          `left behind: the canary weight is 5%, 25% or 0% (a write may have landed); check the canary Ingress by hand (${READ})`,
        ),
        message,
      );
    });

    it("GIVEN a gate failure and a 409 on the abort's write of 0 WHEN the abort retries THEN it writes 0 again (each write a fresh conditional read-modify-write) and the weight ends at 0", async () => {
      const { options, router } = setup(FOUR_STEPS, (clock) => [
        scriptedGate("prometheus", clock, (ctx) =>
          ctx.step === 2 ? { ok: false, measured: "0.2", threshold: "<= 0.01" } : OK,
        ),
      ]);
      const setCanaryWeight = router.setCanaryWeight.bind(router);
      const calls: string[] = [];
      let conflicts = 1;
      router.getCanaryWeight = async () => {
        calls.push("get");
        return router.weight;
      };
      router.setCanaryWeight = async (weight) => {
        calls.push(`set ${weight}`);
        if (weight === 0 && router.weight === 25 && conflicts-- > 0) throw transient(409, "Conflict");
        return setCanaryWeight(weight);
      };
      const result = await runRollout(options);
      assert.equal(result.outcome.kind, "aborted");
      assert.deepEqual(calls.slice(-3), ["set 25", "set 0", "set 0"]);
      assert.equal(router.weight, 0);
      assert.match(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        /threshold <= 0\.01; canary weight set back to 0$/,
      );
    });

    for (const [key, api] of [
      ["rollout.api.retryBudget", { retryBudgetSeconds: Number.NaN }],
      ["rollout.api.retryBudget", { retryBudgetSeconds: Number.POSITIVE_INFINITY }],
      ["rollout.api.abortBudget", { abortBudgetSeconds: -1 }],
    ] as const) {
      it(`GIVEN ${key} ${Object.values(api)[0]} WHEN the rollout or a first release runs THEN it throws naming the key before touching the router (retries would never end)`, async () => {
        const { options, router } = setup(FOUR_STEPS, gates, { api });
        const message = new RegExp(
          `${key.replace(/\./g, "\\.")} (NaN|Infinity|-1)s is not a finite number of seconds >= 0`,
        );
        await assert.rejects(runRollout(options), { message });
        await assert.rejects(runFirstRelease(options), { message });
        assert.deepEqual(router.writes, []);
      });
    }

    it("GIVEN a reset that fails with 403 (a write refused, nothing landed) WHEN a gate aborts THEN the message does not say to check by hand", async () => {
      const { options, router } = setup(FOUR_STEPS, (clock) => [
        scriptedGate("prometheus", clock, (ctx) =>
          ctx.step === 2 ? { ok: false, measured: "0.2", threshold: "<= 0.01" } : OK,
        ),
      ]);
      router.canaryIngress = CANARY;
      const setCanaryWeight = router.setCanaryWeight.bind(router);
      router.setCanaryWeight = async (weight) => {
        if (router.writes.length >= 3) throw forbidden();
        return setCanaryWeight(weight);
      };
      const result = await runRollout(options);
      assert.equal(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        `step 2/4 (weight 25%): gate prometheus failed: measured 0.2, threshold <= 0.01; setting the canary weight back to 0 failed: Kubernetes API PATCH /ingress (Ingress prod/ws-gateway-canary): HTTP 403 Forbidden: denied; left behind: the canary weight is still 25%, so new clients keep reaching the aborted version; set it to 0 with: ${SET_0}; grant patch`,
      );
      assert.equal(router.weight, 25);
    });

    it("GIVEN the router cannot set 0 at the start WHEN the rollout starts THEN it aborts before any step", async () => {
      const { options, router } = setup(FOUR_STEPS, gates);
      router.weight = 30;
      router.failures.set(0, { error: new Error("HTTP 404 NotFound") });
      const result = await runRollout(options);
      assert.equal(result.outcome.kind, "aborted");
      if (result.outcome.kind !== "aborted") return;
      assert.equal(result.outcome.step, 0);
      assert.match(
        result.outcome.message,
        /^before the first step: could not set the canary weight to 0%: HTTP 404 NotFound; setting the canary weight back to 0 failed: HTTP 404 NotFound; left behind: the canary weight is 0% or unknown/,
      );
      assert.equal(router.weight, 30);
    });
  });

  describe("API failures while gates read", () => {
    it("GIVEN a gate whose read fails twice with 503 then works WHEN the round runs THEN it is retried and the rollout promotes", async () => {
      let failures = 2;
      const { options } = setup(FOUR_STEPS, () => [
        {
          name: "pods-ready",
          async check() {
            if (failures > 0) {
              failures -= 1;
              throw transient(503, "ServiceUnavailable");
            }
            return OK;
          },
        },
      ]);
      const result = await runRollout(options);
      assert.deepEqual(result.outcome, { kind: "promoted" });
    });

    it("GIVEN a gate whose read keeps failing WHEN its budget runs out THEN the abort names the API, not the gate, and the API's fix comes last", async () => {
      const { options } = setup(FOUR_STEPS, (clock) => [
        scriptedGate("abort-request", clock, () => OK),
        {
          name: "pods-ready",
          async check(ctx) {
            if (ctx.step === 2) throw unauthorized();
            return OK;
          },
        },
      ]);
      const result = await runRollout(options);
      assert.equal(result.outcome.kind, "aborted");
      if (result.outcome.kind !== "aborted") return;
      assert.equal(result.outcome.gate, "kubernetes-api");
      assert.equal(
        result.outcome.message,
        "step 2/4 (weight 25%): the Kubernetes API failed while gate pods-ready read: Kubernetes API GET /pods (pods prod/v2): HTTP 401 Unauthorized; canary weight set back to 0; refresh the credentials",
      );
    });
  });

  describe("onAbort", () => {
    const failing = (clock: FakeClock) => [
      scriptedGate("ws-survival", clock, (ctx) =>
        ctx.step === 2
          ? { ok: false, measured: "3 of 10 probe connections failed", threshold: "10 open" }
          : OK,
      ),
    ];

    it("GIVEN onAbort drain (the default) and a drainer WHEN a gate aborts THEN the canary is drained after the weight is 0, announced by phase events", async () => {
      const { options, router } = setup(FOUR_STEPS, failing);
      const calls: string[] = [];
      const drainer = {
        drainCommand: "kubectl delete pods ...",
        async drainCanary() {
          calls.push(`drain at weight ${router.weight}`);
          return ["gw-v2-a", "gw-v2-b"];
        },
      };
      const events: RolloutEvent[] = [];
      const result = await runRollout({ ...options, drainer, onEvent: (event) => events.push(event) });
      assert.deepEqual(calls, ["drain at weight 0"]);
      assert.equal(result.outcome.kind, "aborted");
      if (result.outcome.kind !== "aborted") return;
      assert.deepEqual(result.outcome.drained, ["gw-v2-a", "gw-v2-b"]);
      assert.equal(
        result.outcome.message,
        "step 2/4 (weight 25%): gate ws-survival failed: measured 3 of 10 probe connections failed, threshold 10 open; canary weight set back to 0; canary clients moved to stable: 2 pods of the aborted version asked to drain (gw-v2-a, gw-v2-b), each closing its connections spread over its drain time",
      );
      const phases = events
        .filter((event) => event.kind === "phase")
        .map((event) => (event.kind === "phase" ? `${event.phase}:${event.step ?? "-"}` : ""));
      assert.deepEqual(phases, [
        "reset:-",
        "step:1",
        "pause:1",
        "step:2",
        "pause:2",
        "drain:2",
        "drain:2",
        "abort:2",
      ]);
    });

    it("GIVEN onAbort keep WHEN a gate aborts THEN nothing is drained and the message says the clients stay", async () => {
      const { options } = setup(FOUR_STEPS, failing, { onAbort: "keep" });
      let drained = false;
      const drainer = {
        async drainCanary() {
          drained = true;
          return [];
        },
      };
      const result = await runRollout({ ...options, drainer });
      assert.equal(drained, false);
      assert.match(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        /; canary weight set back to 0; canary clients kept \(rollout.onAbort keep\): they stay on the aborted version until it is retired$/,
      );
    });

    it("GIVEN a drainer that fails for good WHEN a gate aborts THEN the message says the clients stay and gives the command", async () => {
      const { options } = setup(FOUR_STEPS, failing);
      const drainer = {
        drainCommand: "kubectl delete pods -n prod -l app=x --wait=false",
        async drainCanary(): Promise<readonly string[]> {
          throw new Error("no pods API");
        },
      };
      const result = await runRollout({ ...options, drainer });
      assert.match(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        /; canary weight set back to 0; draining the canary failed: no pods API; its clients stay on the aborted version until it is retired: drain it by hand with: kubectl delete pods -n prod -l app=x --wait=false$/,
      );
    });
  });

  describe("drain only when clients can be on the canary", () => {
    it("GIVEN a rollout interrupted before the first step WHEN it aborts THEN nothing is drained, and the message says what that rests on (this run's weights; this router keeps no exposure record)", async () => {
      const controller = new AbortController();
      controller.abort(new Error("SIGTERM received"));
      const { options } = setup(FOUR_STEPS, () => [], { signal: controller.signal });
      let drained = false;
      const drainer = {
        async drainCanary() {
          drained = true;
          return ["x"];
        },
      };
      const result = await runRollout({ ...options, drainer });
      assert.equal(drained, false);
      assert.equal(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        "before the first step: interrupted (SIGTERM received); canary weight set back to 0; the canary weight never rose above 0 in this run and the router keeps no exposure record, so nothing was drained",
      );
    });
  });

  describe("a weight write in flight when the signal fires", () => {
    it("GIVEN the step's weight write still in flight WHEN the signal fires THEN the write finishes first, the abort's 0 comes after it, and the canary is drained", async () => {
      const controller = new AbortController();
      const { options, router } = setup(FOUR_STEPS, (c) => [scriptedGate("always-ok", c, () => OK)], {
        signal: controller.signal,
      });
      // The write of 5% lands at the API, then its response is slow; the signal fires meanwhile.
      const set = router.setCanaryWeight.bind(router);
      router.setCanaryWeight = async (weight: number) => {
        await set(weight);
        if (weight === 5) {
          controller.abort(new Error("SIGINT received"));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const drained: string[] = [];
      const drainer = {
        async drainCanary() {
          drained.push("gw-a");
          return ["gw-a"];
        },
      };

      const result = await runRollout({ ...options, drainer });

      assert.deepEqual(router.writes, [0, 5, 0], "the abort's 0 is written after the 5% write ended");
      assert.equal(router.weight, 0);
      assert.deepEqual(drained, ["gw-a"], "clients may have reached the canary at 5%: drained");
      assert.equal(result.outcome.kind === "aborted" ? result.outcome.gate : "", "interrupted");
    });
  });

  describe("gate end hook", () => {
    it("GIVEN gates with end WHEN the rollout promotes or aborts THEN each gate's end runs exactly once", async () => {
      for (const failAt of [0, 2]) {
        let ended = 0;
        const { options } = setup(FOUR_STEPS, () => [
          {
            name: "probe",
            async check(ctx) {
              return ctx.step === failAt ? { ok: false, measured: "x", threshold: "y" } : OK;
            },
            async end() {
              ended += 1;
            },
          },
        ]);
        await runRollout(options);
        assert.equal(ended, 1, `failAt ${failAt}`);
      }
    });
  });

  describe("invalid input", () => {
    it("GIVEN an invalid schedule WHEN the rollout runs THEN it throws listing every problem and touches nothing", async () => {
      const { options, router } = setup(
        [
          { weight: 50, pauseSeconds: 60 },
          { weight: 25, pauseSeconds: -1 },
        ],
        () => [],
      );
      await assert.rejects(runRollout(options), {
        message:
          "invalid rollout schedule: step 2/2: pause -1s is not a number of seconds >= 0; step 2/2: weight 25 must be above the previous step's weight 50 (weights strictly rise)",
      });
      assert.deepEqual(router.writes, []);
    });

    it("GIVEN a gate interval of 0 or a resume weight of 101 WHEN the rollout runs THEN it throws before touching the router", async () => {
      const { options, router } = setup(FOUR_STEPS, () => []);
      await assert.rejects(runRollout({ ...options, gateIntervalSeconds: 0, resumeFromWeight: 101 }), {
        message:
          "invalid rollout schedule: gate interval 0s is not a number of seconds > 0; resume weight 101 is not an integer from 0 to 100",
      });
      assert.deepEqual(router.writes, []);
    });
  });
});

describe("runFirstRelease", () => {
  it("GIVEN passing gates WHEN a first release runs THEN the weight is set to 0, the gates run once and it promotes", async () => {
    const clock = new FakeClock();
    const router = new FakeRouter(0);
    const result = await runFirstRelease({
      gates: [scriptedGate("ws-handshake", clock, () => OK)],
      router,
      clock,
      logger: new RecordingLogger(),
    });
    assert.deepEqual(result.outcome, { kind: "promoted" });
    assert.deepEqual(result.actions, [
      { atMs: 0, kind: "set-weight", weight: 0 },
      { atMs: 0, kind: "gates", step: 1, ok: true },
    ]);
    assert.deepEqual(
      result.events.filter((event) => event.kind === "phase").map((event) => event.phase),
      ["reset", "step", "promote"],
    );
  });

  it("GIVEN a failing handshake WHEN a first release runs THEN it aborts with the usual message at weight 0", async () => {
    const clock = new FakeClock();
    const result = await runFirstRelease({
      gates: [
        scriptedGate("ws-handshake", clock, () => ({
          ok: false,
          measured: "HTTP 503 on upgrade",
          threshold: "upgrade and a reply within 5s",
        })),
      ],
      router: new FakeRouter(0),
      clock,
      logger: new RecordingLogger(),
    });
    assert.equal(
      result.outcome.kind === "aborted" ? result.outcome.message : "",
      "step 1/1 (weight 0%): gate ws-handshake failed: measured HTTP 503 on upgrade, threshold upgrade and a reply within 5s; canary weight set back to 0",
    );
  });

  it("GIVEN an abort request on the canary Ingress WHEN a first release runs THEN it aborts with the request and the command that removes it", async () => {
    const clock = new FakeClock();
    const abort = new FakeAbortRequest({ namespace: "prod", name: "ws-gateway-canary" });
    abort.reason = "not today";
    const router = new FakeRouter(0);
    const result = await runFirstRelease({
      gates: [abortRequestGate(abort), scriptedGate("ws-handshake", clock, () => OK)],
      router,
      clock,
      logger: new RecordingLogger(),
    });
    assert.equal(
      result.outcome.kind === "aborted" ? result.outcome.message : "",
      'step 1/1 (weight 0%): gate abort-request failed: measured abort requested: "not today", threshold no ws-gateway.io/abort annotation on the canary Ingress; canary weight set back to 0; remove it with: kubectl annotate ingress ws-gateway-canary -n prod ws-gateway.io/abort-',
    );
    assert.deepEqual(router.writes, [0, 0]);
  });
});

describe("validateSchedule", () => {
  it("GIVEN the design's schedule WHEN validated THEN there is no problem", () => {
    assert.deepEqual(validateSchedule(FOUR_STEPS), []);
  });

  it("GIVEN an empty schedule WHEN validated THEN it says so", () => {
    assert.deepEqual(validateSchedule([]), [
      "the schedule has no steps; add at least one, e.g. [{ weight: 100 }]",
    ]);
  });

  it("GIVEN every kind of bad step WHEN validated THEN each problem gets one exact message", () => {
    assert.deepEqual(
      validateSchedule([
        { weight: 0, pauseSeconds: 10 },
        { weight: 12.5, pauseSeconds: 10 },
        { weight: 100, pauseSeconds: Number.NaN },
        { weight: 100, pauseSeconds: 0 },
        { weight: 101, pauseSeconds: 0 },
      ]),
      [
        "step 1/5: weight 0 is not an integer from 1 to 100",
        "step 2/5: weight 12.5 is not an integer from 1 to 100",
        "step 3/5: pause NaNs is not a number of seconds >= 0",
        "step 3/5: weight 100 must be the last step, but 2 more follow",
        "step 4/5: weight 100 must be above the previous step's weight 100 (weights strictly rise)",
        "step 4/5: weight 100 must be the last step, but 1 more follow",
        "step 5/5: weight 101 is not an integer from 1 to 100",
      ],
    );
  });
});

describe("schedule helpers", () => {
  it("GIVEN durations WHEN formatted THEN they read like Go durations", () => {
    assert.deepEqual([0, 45, 60, 300, 3600, 3725, 89.6].map(formatDuration), [
      "0s",
      "45s",
      "1m0s",
      "5m0s",
      "1h0m0s",
      "1h2m5s",
      "1m30s",
    ]);
  });

  it("GIVEN the design's schedule WHEN summed THEN the total pause is 12 minutes", () => {
    assert.equal(scheduleSeconds(FOUR_STEPS), 720);
  });

  it("GIVEN the design's schedule WHEN described THEN preview shows one line per step and the ending", () => {
    assert.deepEqual(describeSchedule(FOUR_STEPS), [
      "canary weight set to 0%",
      "step 1/4: canary weight 5% for 2m0s, gates every 15s (9 rounds)",
      "step 2/4: canary weight 25% for 5m0s, gates every 15s (21 rounds)",
      "step 3/4: canary weight 50% for 5m0s, gates every 15s (21 rounds)",
      "step 4/4: canary weight 100%, gates once",
      "then promote; total pause 12m0s",
      "a failing gate sets the canary weight back to 0, drains the canary's clients to stable and fails the update",
    ]);
  });

  it("GIVEN a hold schedule and a 45s interval WHEN described THEN it ends with the hold and odd pauses get a final round", () => {
    assert.deepEqual(describeSchedule([{ weight: 10, pauseSeconds: 100 }], 45), [
      "canary weight set to 0%",
      "step 1/1: canary weight 10% for 1m40s, gates every 45s (4 rounds)",
      "then hold at 10%; total pause 1m40s",
      "a failing gate sets the canary weight back to 0, drains the canary's clients to stable and fails the update",
    ]);
  });

  it("GIVEN an invalid schedule WHEN described THEN the lines are its problems", () => {
    assert.deepEqual(describeSchedule([]), [
      "invalid schedule: the schedule has no steps; add at least one, e.g. [{ weight: 100 }]",
    ]);
  });
});
