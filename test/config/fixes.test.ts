/**
 * Every fix is valid: for each leaf key of the schema and each of a set of
 * wrong values, every problem that carries a suggestion is fixed by writing
 * that suggestion back: the rule it stated then passes (a rule across keys
 * may still speak, with its own fix). Values meant to switch
 * a key off get the key's own off value or its removal, never "fill it in".
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clusterSchema, gatewaySchema, ingressSchema, rolloutSchema } from "../../infra/config/schema";
import { leafKeys, type Schema } from "../../infra/config/walk";
import { applySuggestion, parseMap, refused, splitKey, stackWith, type ConfigMap } from "./parseMap";

/** The prod stack with every optional section present, so each leaf key has a place. */
function base(): ConfigMap {
  const config = stackWith("prod", {});
  const rollout = config["ws-gateway:rollout"] as { gates: Record<string, unknown> };
  rollout.gates.abnormalCloses = { port: 9090 };
  return config;
}

/** The existing-cluster stack, for the keys of cluster.mode "existing". */
const EXISTING_ONLY = new Set(["cluster.kubeContext"]);

const WRONG_VALUES: readonly unknown[] = [
  12345.5,
  -1,
  true,
  "not a value",
  "x\u2011y",
  "",
  null,
  { a: 1 },
  ["a"],
];

const KEYS = [
  ...leafKeys(clusterSchema as unknown as Schema, "cluster"),
  ...leafKeys(ingressSchema as unknown as Schema, "ingress"),
  ...leafKeys(gatewaySchema as unknown as Schema, "gateway"),
  ...leafKeys(rolloutSchema as unknown as Schema, "rollout"),
].filter((k) => k.path !== "cluster.mode");

/** The config map with `value` written at a schema path (list items at index 0). */
function withValue(config: ConfigMap, path: string, value: unknown): ConfigMap {
  return applySuggestion(config, { key: `ws-gateway:${path.replace(/\[\]/g, "[0]")}`, set: value });
}

/** Problems of a config map at one key (its own line, not those of keys below it). */
function problemsAt(config: ConfigMap, key: string): string[] {
  const r = parseMap(config);
  return r.ok ? [] : r.problems.filter((p) => p.startsWith(`${key}: `));
}

/** The rule a problem line states: its text up to the value received, or up to the fix. */
function ruleOf(problem: string): string {
  const got = problem.indexOf(" (got ");
  return problem.slice(0, got >= 0 ? got : problem.indexOf(". Fix:"));
}

describe("every fix is valid", () => {
  let checked = 0;
  for (const k of KEYS) {
    it(`GIVEN wrong values of ${k.path} WHEN each suggested fix is written back THEN that rule passes`, () => {
      const start = EXISTING_ONLY.has(k.path) ? stackWith("local", {}) : base();
      for (const value of WRONG_VALUES) {
        // given
        const config = withValue(start, k.path, value);
        const r = parseMap(config);
        if (r.ok) continue;
        r.problems.forEach((problem, i) => {
          assert.match(problem, /Fix: \S/, problem);
          const s = r.suggestions[i];
          if (s === undefined) return;
          // when
          const fixed = applySuggestion(config, s);
          // then
          // then: that rule passes, and a removal leaves nothing required behind
          const after = problemsAt(fixed, s.key).filter(
            (p) => ruleOf(p) === ruleOf(problem) || ("remove" in s && / is required/.test(p)),
          );
          assert.deepEqual(after, [], `${problem}\n  suggested ${JSON.stringify(s)}`);
          checked++;
        });
      }
    });
  }
  it("GIVEN the runs above THEN they fed suggestions back for most keys", () => {
    assert.ok(checked > KEYS.length * 3, `only ${checked} suggestions checked`);
  });

  it("GIVEN a YAML-quoting hint whose quoted value is still invalid WHEN parsed THEN the key's own fix stands", () => {
    // given: chartVersion 4.15, which YAML reads as a number; "4.15" is no chart version either
    const config = base();
    config["ws-gateway:ingress"] = { ...(config["ws-gateway:ingress"] as object), chartVersion: 4.15 };
    const [problem] = refused(config);
    assert.ok(problem?.endsWith("Fix: pin the chart, e.g. 4.15.1."), problem);
    assert.match(
      problem ?? "",
      /YAML reads the unquoted value as the number 4\.15, and written as "4\.15" it would not pass either/,
    );
  });

  it("GIVEN survival.connections written as off WHEN parsed THEN the fix is the key's own off value 0", () => {
    const config = base();
    const rollout = config["ws-gateway:rollout"] as { gates: Record<string, unknown> };
    rollout.gates.survival = { connections: "off" };
    assert.deepEqual(refused(config), [
      'ws-gateway:rollout.gates.survival.connections: is turned off with 0, not "off". Fix: write 0 without quotes.',
    ]);
  });

  for (const off of [null, "", "none", false]) {
    it(`GIVEN the optional Prometheus gate set to ${JSON.stringify(off)} WHEN parsed THEN the fix removes it, not "fill it in"`, () => {
      const config = base();
      const rollout = config["ws-gateway:rollout"] as { gates: Record<string, unknown> };
      rollout.gates.prometheus = off;
      const problems = refused(config);
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(
        problems[0] ?? "",
        /^ws-gateway:rollout\.gates\.prometheus: is turned off or left at its default by removing it/,
      );
      assert.match(problems[0] ?? "", /pulumi config rm --path 'ws-gateway:rollout\.gates\.prometheus'/);
      assert.doesNotMatch(problems[0] ?? "", /indented YAML map/);
    });
  }

  it("GIVEN a list given as flow text that is not JSON WHEN parsed THEN the fix writes it as JSON", () => {
    const config = base();
    config["ws-gateway:cluster"] = {
      ...(config["ws-gateway:cluster"] as object),
      zones: "[europe-west1-b, europe-west1-c]",
    };
    const [problem] = refused(config);
    assert.match(problem ?? "", /write the list as JSON: \["europe-west1-b","europe-west1-c"\]/);
  });

  it("GIVEN a key path THEN splitKey names its top key and steps", () => {
    assert.deepEqual(splitKey("ws-gateway:rollout.steps[0].pause"), {
      top: "ws-gateway:rollout",
      rest: ["steps", 0, "pause"],
    });
  });
});
