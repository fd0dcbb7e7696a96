/** The release-safety keys of rollout config: defaults from components/rollout/defaults, exact messages. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as defaults from "../../components/rollout/defaults";
import { ConfigError, parseConfig, type RawStackConfig } from "../../infra/config";

function base(rollout: Record<string, unknown> = {}): RawStackConfig {
  return {
    cluster: {
      mode: "gke",
      project: "acme-ws-prod",
      region: "europe-west1",
      masterAuthorizedNetworks: [{ cidr: "203.0.113.0/24", name: "ops" }],
    },
    ingress: { host: "ws.acme.example", tlsSecretName: "ws-tls" },
    gateway: { image: "europe-docker.pkg.dev/acme/gw/ws-gateway", version: "2f9c1ab", drainSeconds: 1800 },
    rollout: { steps: [{ weight: 5, pause: "2m" }, { weight: 100 }], ...rollout },
  };
}

function problemsOf(raw: RawStackConfig): readonly string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail("expected a ConfigError");
}

describe("rollout release-safety config", () => {
  it("GIVEN no onAbort, api or survival keys WHEN parsed THEN the defaults of components/rollout/defaults apply", () => {
    const c = parseConfig(base());
    assert.equal(c.rollout.onAbort, defaults.DEFAULT_ON_ABORT);
    assert.equal(c.rollout.onAbort, "drain");
    assert.deepEqual(c.rollout.api, {
      requestTimeoutSeconds: defaults.DEFAULT_REQUEST_TIMEOUT_SECONDS,
      retryBudgetSeconds: defaults.DEFAULT_API_RETRY_BUDGET_SECONDS,
      abortBudgetSeconds: defaults.DEFAULT_API_ABORT_BUDGET_SECONDS,
    });
    assert.deepEqual(c.rollout.gates.survival, {
      connections: defaults.DEFAULT_SURVIVAL_CONNECTIONS,
      pingIntervalSeconds: defaults.DEFAULT_SURVIVAL_PING_INTERVAL_SECONDS,
      pongTimeoutSeconds: defaults.DEFAULT_SURVIVAL_PONG_TIMEOUT_SECONDS,
    });
    assert.equal(c.rollout.gates.intervalSeconds, defaults.DEFAULT_GATE_INTERVAL_SECONDS);
    assert.equal(c.rollout.gates.abnormalCloses, undefined);
  });

  it("GIVEN every key set WHEN parsed THEN durations become seconds", () => {
    const c = parseConfig(
      base({
        onAbort: "keep",
        api: { requestTimeout: "5s", retryBudget: "30s", abortBudget: "15m" },
        gates: {
          survival: { connections: 4, pingInterval: "2s", pongTimeout: "3s" },
          abnormalCloses: { port: 9090 },
        },
      }),
    );
    assert.equal(c.rollout.onAbort, "keep");
    assert.deepEqual(c.rollout.api, {
      requestTimeoutSeconds: 5,
      retryBudgetSeconds: 30,
      abortBudgetSeconds: 900,
    });
    assert.deepEqual(c.rollout.gates.survival, {
      connections: 4,
      pingIntervalSeconds: 2,
      pongTimeoutSeconds: 3,
    });
    assert.deepEqual(c.rollout.gates.abnormalCloses, {
      port: 9090,
      maxPerStep: defaults.DEFAULT_MAX_ABNORMAL_CLOSES,
    });
  });

  it("GIVEN a bad onAbort WHEN parsed THEN the message names the key, the value and what is allowed", () => {
    const problems = problemsOf(base({ onAbort: "rollback" }));
    assert.deepEqual(problems, [
      `ws-gateway:rollout.onAbort: must be one of drain, keep (got "rollback"). Fix: pick drain (move the canary's clients to stable) or keep.`,
    ]);
  });

  it("GIVEN a retry budget that is not a duration and an unknown api key WHEN parsed THEN both are reported", () => {
    const problems = problemsOf(base({ api: { retryBudget: 120, retries: 3 } }));
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("ws-gateway:rollout.api.retryBudget: ")));
    assert.ok(problems.some((p) => p.includes("retries")));
  });
});
