/**
 * ws-gateway:disruption against its consumer, the budget arithmetic of
 * components/shared/budget.ts: the default keeps a stack's behaviour, a
 * budget the settings cannot keep is refused with the numbers, and each fix
 * the message gives parses once written back.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SCALE_DOWN_DEFAULTS, scaleDownPace } from "../../components/shared/budget";
import { ConfigError, parseConfig, type RawStackConfig } from "../../infra/config";
import { gkeStackConfig } from "../helpers/gkeConfig";

/** A GKE stack with the defaults: 12 pods at most, 5000 connections each, a 1800 s drain. */
function base(): ReturnType<typeof gkeStackConfig> {
  return { ...gkeStackConfig(), rollout: { steps: [{ weight: 5, pause: "2m" }, { weight: 100 }] } };
}

function problemsOf(raw: RawStackConfig): readonly string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe("ws-gateway:disruption", () => {
  it("GIVEN no disruption section WHEN parsed THEN the budget is today's release peak and the HPA pace stays one pod per 10 minutes", () => {
    const c = parseConfig(base());
    // 12 pods × 5000 connections / 1800 s = 33.3 reconnects/s, rounded up.
    assert.deepEqual(c.disruption, {
      reconnectsPerSecond: 34,
      derived: true,
      connectionsPerPod: 5000,
      acceptSpotCuts: false,
    });
    assert.deepEqual(
      scaleDownPace({ reconnectsPerSecond: 34, connectionsPerPod: 5000, drainSeconds: 1800 }),
      {
        pods: SCALE_DOWN_DEFAULTS.pods,
        periodSeconds: SCALE_DOWN_DEFAULTS.periodSeconds,
        stabilizationSeconds: SCALE_DOWN_DEFAULTS.stabilizationSeconds,
        peak: (3 * 5000) / 1800,
      },
    );
  });

  it("GIVEN a budget below the release peak WHEN parsed THEN it is refused with the peak and the drain that keeps it, and that drain parses", () => {
    const raw = { ...base(), disruption: { reconnectsPerSecond: 20 } };
    assert.deepEqual(problemsOf(raw), [
      "ws-gateway:disruption.reconnectsPerSecond: a release retires up to gateway.maxReplicas 12 pods × 5000 connections over gateway.drainSeconds 1800 s = 33.33 reconnects/s, above the budget (got 20). Fix: set ws-gateway:gateway.drainSeconds to 3000.",
    ]);
    const fixed = { ...raw, gateway: { ...raw.gateway, drainSeconds: 3000 } };
    assert.deepEqual(problemsOf(fixed), []);
  });

  it("GIVEN a budget no drain within the node upgrade's hour can keep WHEN parsed THEN the fix raises the budget, and that parses", () => {
    const raw = { ...base(), disruption: { reconnectsPerSecond: 10 } };
    assert.deepEqual(problemsOf(raw), [
      "ws-gateway:disruption.reconnectsPerSecond: a release retires up to gateway.maxReplicas 12 pods × 5000 connections over gateway.drainSeconds 1800 s = 33.33 reconnects/s, above the budget (got 10). Fix: raise disruption.reconnectsPerSecond to 34, or lower disruption.connectionsPerPod.",
    ]);
    assert.deepEqual(problemsOf({ ...raw, disruption: { reconnectsPerSecond: 34 } }), []);
  });

  it("GIVEN a budget the stack keeps WHEN parsed THEN the HPA scale-down slows to fit it", () => {
    const c = parseConfig({ ...base(), disruption: { reconnectsPerSecond: 34, connectionsPerPod: 5000 } });
    assert.equal(c.disruption.derived, false);
    const pace = scaleDownPace({ reconnectsPerSecond: 4, connectionsPerPod: 5000, drainSeconds: 1800 });
    // At most one pod draining at a time: 5000 / 1800 = 2.8 reconnects/s.
    assert.equal(pace?.periodSeconds, 1800);
  });

  it("GIVEN a Spot node pool WHEN the stack does not accept Spot cuts THEN it is refused, and accepting them parses", () => {
    const raw = base();
    raw.cluster = { ...raw.cluster, nodePool: { spot: true } };
    assert.deepEqual(problemsOf(raw), [
      "ws-gateway:cluster.nodePool.spot: Spot VMs go 30 s after their notice and give gateway pods about 15 s, not their 1840 s drain: every client of the node is cut at once (got true). Fix: remove the key (it defaults to false), or set ws-gateway:disruption.acceptSpotCuts to true if those cuts are acceptable.",
    ]);
    assert.equal(
      parseConfig({ ...raw, disruption: { acceptSpotCuts: true } }).disruption.acceptSpotCuts,
      true,
    );
  });

  it("GIVEN a drain whose grace exceeds a GKE node upgrade's hour WHEN parsed THEN it is refused with the longest drain, and that drain parses", () => {
    const raw = base();
    raw.gateway = { ...raw.gateway, drainSeconds: 3570 };
    assert.deepEqual(problemsOf(raw), [
      "ws-gateway:gateway.drainSeconds: a GKE node upgrade honours a pod's grace period for at most 3600 s, then evicts by force; preStop 10 + drain 3570 + margin 30 = 3610 s would cut the clients still on a pod at once (got 3570). Fix: set gateway.drainSeconds to 3560 or less.",
    ]);
    assert.deepEqual(problemsOf({ ...raw, gateway: { ...raw.gateway, drainSeconds: 3560 } }), []);
  });

  it("GIVEN an existing cluster WHEN the drain is longer than an hour THEN no node-upgrade limit applies", () => {
    const raw = base();
    raw.cluster = { mode: "existing" };
    raw.ingress = { ...raw.ingress, workerShutdownTimeout: "2h" };
    raw.gateway = { ...raw.gateway, drainSeconds: 7200 };
    assert.deepEqual(problemsOf(raw), []);
  });
});
