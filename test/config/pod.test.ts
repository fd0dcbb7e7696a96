/**
 * ws-gateway:gateway.pod validated: the fixture stack using every key
 * parses; each class of mistake (test/config/podCases.ts) gets its exact
 * problem lines, and each fix that writes a value makes that line go.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, type RawStackConfig } from "../../infra/config";
import { podSchema } from "../../infra/config/pod";
import { leafKeys, type Schema } from "../../infra/config/walk";
import { gkeStackConfig } from "../helpers/gkeConfig";
import { FULL_POD, podStackConfigMap } from "../helpers/podStack";
import { applySuggestion, parseMap } from "./parseMap";
import { POD_CASES } from "./podCases";

/** A complete, valid GKE config whose gateway.pod is `pod`. */
function withPod(pod: unknown): RawStackConfig {
  const c = gkeStackConfig();
  return { ...c, gateway: { ...c.gateway, pod } };
}

/** The schema paths (`env[].name`) a value sets, list items walked as `[]`; a leaf (a map, affinity) stops the walk. */
function pathsOf(v: unknown, at: string, leaves: ReadonlySet<string>, out = new Set<string>()): Set<string> {
  if (leaves.has(at)) out.add(at);
  else if (Array.isArray(v)) v.forEach((x) => pathsOf(x, `${at}[]`, leaves, out));
  else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) pathsOf(x, at === "" ? k : `${at}.${k}`, leaves, out);
  }
  return out;
}

/** A raw config as the config map Pulumi hands the program. */
function toMap(raw: RawStackConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`ws-gateway:${k}`, v]));
}

/** The cases whose problems carry a fix that writes a value, with those fixes. */
const WITH_FIXES = POD_CASES.flatMap((c) => {
  const map = toMap(withPod(c.pod));
  const r = parseMap(map);
  if (r.ok) return [];
  const fixes = r.suggestions.flatMap((s, i) => (s === undefined ? [] : [{ s, line: r.problems[i] ?? "" }]));
  return fixes.length === 0 ? [] : [{ c, map, fixes }];
});

describe("gateway.pod validation", () => {
  it("GIVEN the fixture stack WHEN parsed THEN it validates with every pod key as written", () => {
    const r = parseMap(podStackConfigMap());
    assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
    const pod = r.config.gateway.pod;
    assert.ok(pod !== undefined);
    assert.deepEqual(pod.env, FULL_POD.env);
    assert.deepEqual(pod.volumes, FULL_POD.volumes);
    assert.deepEqual(pod.affinity, FULL_POD.affinity);
    assert.equal(pod.sidecars[1]?.resources.memoryLimit, "128Mi");
  });

  it("GIVEN the fixture stack THEN it sets every key of gateway.pod", () => {
    const keys = leafKeys(podSchema as unknown as Schema, "").map((k) => k.path.replace(/^\./, ""));
    const used = pathsOf(FULL_POD, "", new Set(keys), new Set());
    assert.deepEqual(
      keys.filter((k) => !used.has(k)),
      [],
    );
  });

  it("GIVEN a sidecar setting PORT WHEN parsed THEN it is accepted: the program sets PORT on the gateway only", () => {
    const sidecars = [
      { name: "proxy", image: "envoyproxy/envoy:v1.31.2", env: [{ name: "PORT", value: "9000" }] },
    ];
    assert.equal(parseConfig(withPod({ sidecars })).gateway.pod?.sidecars[0]?.env[0]?.value, "9000");
  });

  for (const c of POD_CASES) {
    it(`GIVEN ${c.group}: ${c.name} WHEN parsed THEN it fails with the exact message`, () => {
      const r = parseMap(toMap(withPod(c.pod)));
      assert.ok(!r.ok, "expected the config to be refused");
      assert.deepEqual(r.problems, c.problems);
    });
  }

  it("GIVEN the cases THEN most carry a fix that writes a value", () => {
    assert.ok(WITH_FIXES.length >= 12, `${WITH_FIXES.length} cases with a written fix`);
  });

  for (const { c, map, fixes } of WITH_FIXES) {
    it(`GIVEN ${c.group}: ${c.name} WHEN its fix is written back THEN that problem is gone`, () => {
      for (const { s, line } of fixes) {
        const after = parseMap(applySuggestion(map, s));
        assert.ok(after.ok || !after.problems.includes(line), `${s.key}: still ${line}`);
      }
    });
  }
});
