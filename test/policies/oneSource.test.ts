/**
 * One source of truth: for each threshold the pack enforces at its defaults,
 * stack config validation refuses exactly the values the pack would refuse
 * (same number, from components/shared/limits), and the rollout schedule is
 * judged alike by config, the engine and the pack (components/shared/schedule).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LIMITS } from "../../components/shared/limits";
import { validateSchedule } from "../../components/rollout/engine";
import { ConfigError, parseConfig, type RawStackConfig } from "../../infra/config";
import { defaultKnobs } from "../../policies/config";
import { TYPES } from "../../policies/lib/kube";
import { allPolicies } from "../../policies/rules";
import { rawStackConfig } from "../helpers/stacks";
import { renderedStack } from "./fixtures";
import { runPack, withValue, type FakeResource } from "./harness";

const C = "spec.template.spec.containers.0";

function configProblems(raw: RawStackConfig): readonly string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

/** The prod stack's raw config with one gateway or rollout value replaced. */
function prodWith(section: "gateway" | "rollout", key: string, value: unknown): RawStackConfig {
  const raw = rawStackConfig("prod");
  return { ...raw, [section]: { ...(raw[section] as Record<string, unknown>), [key]: value } };
}

async function packFindings(
  policy: string,
  change: (r: FakeResource) => FakeResource,
  type: string,
): Promise<string[]> {
  const rs = renderedStack("prod").map((r) => (r.type === type ? change(r) : r));
  const p = allPolicies.filter((x) => x.name === policy);
  return (await runPack(rs, {}, "prod", p)).map((v) => v.message);
}

const set = (path: string, value: unknown) => (r: FakeResource) => ({
  ...r,
  props: withValue(r.props, path, value),
});

describe("thresholds: config refuses what the pack refuses, at the same number", () => {
  it("GIVEN the pack's knob defaults THEN they are the shared limits", () => {
    const k = defaultKnobs();
    for (const [name, value] of Object.entries(LIMITS)) {
      assert.equal(k[name as keyof typeof k], value, name);
    }
  });

  const cases: {
    what: string;
    limit: number;
    below: number;
    config: (v: number) => RawStackConfig;
    policy: string;
    type: string;
    pack: (v: number) => (r: FakeResource) => FakeResource;
  }[] = [
    {
      what: "drain",
      limit: LIMITS.minDrainSeconds,
      below: LIMITS.minDrainSeconds - 1,
      config: (v) => prodWith("gateway", "drainSeconds", v),
      policy: "gateway-drain-seconds",
      type: TYPES.deployment,
      pack: (v) => set(`${C}.env.0.value`, String(v)),
    },
    {
      what: "preStop",
      limit: LIMITS.minPreStopSeconds,
      below: LIMITS.minPreStopSeconds - 1,
      config: (v) => prodWith("gateway", "preStopSeconds", v),
      policy: "gateway-prestop-hook",
      type: TYPES.deployment,
      pack: (v) => set(`${C}.lifecycle.preStop.sleep.seconds`, v),
    },
    {
      what: "gateway replicas on GKE",
      limit: LIMITS.minGatewayReplicas,
      below: LIMITS.minGatewayReplicas - 1,
      config: (v) => prodWith("gateway", "minReplicas", v),
      policy: "gateway-hpa-replicas",
      type: TYPES.hpa,
      pack: (v) => set("spec.minReplicas", v),
    },
  ];
  for (const c of cases) {
    it(`GIVEN the ${c.what} at the limit and one below THEN config and pack agree on both`, async () => {
      assert.deepEqual(configProblems(c.config(c.limit)), []);
      assert.deepEqual(await packFindings(c.policy, c.pack(c.limit), c.type), []);
      assert.equal(configProblems(c.config(c.below)).length, 1);
      assert.equal((await packFindings(c.policy, c.pack(c.below), c.type)).length, 1);
    });
  }
});

describe("the schedule: config, engine and pack judge it alike", () => {
  const min = LIMITS.minPauseSeconds;
  const schedules: { what: string; steps: { weight: number; pauseSeconds: number }[]; engine: boolean }[] = [
    {
      what: "the prod schedule",
      steps: [
        { weight: 5, pauseSeconds: 120 },
        { weight: 25, pauseSeconds: 300 },
        { weight: 100, pauseSeconds: 0 },
      ],
      engine: true,
    },
    {
      what: "a falling weight",
      steps: [
        { weight: 50, pauseSeconds: 120 },
        { weight: 25, pauseSeconds: 120 },
        { weight: 100, pauseSeconds: 0 },
      ],
      engine: false,
    },
    {
      what: "a repeated weight",
      steps: [
        { weight: 25, pauseSeconds: 120 },
        { weight: 25, pauseSeconds: 120 },
        { weight: 100, pauseSeconds: 0 },
      ],
      engine: false,
    },
    {
      what: "100 before the end",
      steps: [
        { weight: 100, pauseSeconds: 120 },
        { weight: 50, pauseSeconds: 0 },
      ],
      engine: false,
    },
    {
      what: "a pause one second short",
      steps: [
        { weight: 10, pauseSeconds: min - 1 },
        { weight: 100, pauseSeconds: 0 },
      ],
      engine: true,
    },
    {
      what: "a pause at the minimum",
      steps: [
        { weight: 10, pauseSeconds: min },
        { weight: 100, pauseSeconds: 0 },
      ],
      engine: true,
    },
    {
      what: "pauses one second over the maximum",
      steps: [
        { weight: 10, pauseSeconds: LIMITS.maxScheduleSeconds / 2 },
        { weight: 50, pauseSeconds: LIMITS.maxScheduleSeconds / 2 + 1 },
        { weight: 100, pauseSeconds: 0 },
      ],
      engine: true,
    },
    {
      what: "pauses at the maximum",
      steps: [
        { weight: 10, pauseSeconds: LIMITS.maxScheduleSeconds / 2 },
        { weight: 50, pauseSeconds: LIMITS.maxScheduleSeconds / 2 },
        { weight: 100, pauseSeconds: 0 },
      ],
      engine: true,
    },
  ];
  for (const s of schedules) {
    it(`GIVEN ${s.what} THEN config refuses it exactly when the pack does, and the engine checks its share`, async () => {
      const asConfig = s.steps.map((st, i) =>
        i === s.steps.length - 1
          ? { weight: st.weight }
          : { weight: st.weight, pause: `${st.pauseSeconds}s` },
      );
      const config = configProblems(prodWith("rollout", "steps", asConfig)).filter((p) =>
        p.startsWith("ws-gateway:rollout.steps"),
      );
      const pack = await packFindings("rollout-schedule", set("steps", s.steps), TYPES.rollout);
      assert.equal(
        config.length > 0,
        pack.length > 0,
        `config ${JSON.stringify(config)} / pack ${JSON.stringify(pack)}`,
      );
      assert.equal(validateSchedule(s.steps).length === 0, s.engine);
      if (!s.engine) assert.ok(pack.length > 0 && config.length > 0);
    });
  }

  it("GIVEN the pack's defaults THEN its schedule knobs are the shared limits", () => {
    assert.equal(defaultKnobs().minPauseSeconds, LIMITS.minPauseSeconds);
    assert.equal(defaultKnobs().maxScheduleSeconds, LIMITS.maxScheduleSeconds);
  });
});
