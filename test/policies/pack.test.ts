/**
 * Properties of the whole pack: well-formed policies, a compliant baseline,
 * wrong types not applicable, and no violation ever caused by a value that is
 * unknown during preview.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { KNOB_SCHEMAS, defaultKnobs } from "../../policies/config";
import { allPolicies } from "../../policies/rules";
import { REPO_ROOT } from "../helpers/stacks";
import { baselineStack } from "./fixtures";
import {
  UNKNOWN_VALUE,
  allPaths,
  checkResource,
  checkStack,
  isStackPolicy,
  runPack,
  withValue,
  type FakeResource,
} from "./harness";

const resourcePolicies = allPolicies.filter((p) => !isStackPolicy(p));
const stackPolicies = allPolicies.filter(isStackPolicy);

describe("policy pack", () => {
  it("GIVEN every policy THEN names are unique kebab-case, each has a description and a level, and knobs come from policies/config", () => {
    const names = allPolicies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length, "duplicate policy names");
    for (const p of allPolicies) {
      assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, p.name);
      assert.ok(p.description.length > 20, `${p.name} needs a description`);
      assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", p.name);
      for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
        assert.equal(schema, KNOB_SCHEMAS[k as keyof typeof KNOB_SCHEMAS], `${p.name}.${k}`);
      }
    }
    assert.deepEqual(
      allPolicies.filter((p) => p.enforcementLevel !== "mandatory").map((p) => p.name),
      ["gateway-drain-verifiable", "pod-image-digest"],
    );
  });

  it("GIVEN policies/README.md THEN its rule table lists every policy with its level", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "policies", "README.md"), "utf8");
    for (const p of allPolicies) {
      // Prettier pads table cells, so the row is matched with any spacing.
      assert.match(readme, new RegExp(`\\| \`${p.name}\` +\\| ${p.enforcementLevel} +\\|`), p.name);
    }
  });

  it("GIVEN the knob schemas THEN every default is what policies fall back to", () => {
    const d = defaultKnobs();
    assert.equal(d.minDrainSeconds, 300);
    assert.equal(d.drainSeconds, undefined);
    assert.equal(d.minPauseSeconds, 60);
    assert.equal(d.minChartVersion, "4.12.1");
    assert.deepEqual(d.protectedStacks, ["prod"]);
  });

  it("GIVEN the compliant baseline stack WHEN every policy runs THEN only the advisory digest rule speaks", async () => {
    const vs = await runPack(baselineStack());
    assert.deepEqual(
      vs.map((v) => `${v.level} ${v.policy}: ${v.message}`),
      [
        'advisory pod-image-digest: Deployment "ws-gateway-2f9c1ab": container "gateway" image "europe-docker.pkg.dev/acme-ws-prod/gw/ws-gateway:2f9c1ab" has no digest; a tag can be pushed again. Fix: append "@sha256:<digest>" to the image.',
      ],
    );
  });

  it("GIVEN a resource of a type no policy inspects WHEN each resource policy runs THEN it is not applicable", async () => {
    const cm: FakeResource = {
      type: "kubernetes:core/v1:ConfigMap",
      name: "cm",
      props: { metadata: { name: "cm", labels: { "app.kubernetes.io/name": "ws-gateway" } }, data: {} },
    };
    for (const p of resourcePolicies) {
      const o = await checkResource(p, cm);
      assert.deepEqual(o.violations, [], p.name);
      assert.ok(o.notApplicable !== undefined, `${p.name} should call notApplicable()`);
    }
  });

  it("GIVEN a stack without the resources a stack policy reads THEN it reports nothing", async () => {
    for (const p of stackPolicies) {
      const o = await checkStack(p, []);
      assert.deepEqual(o.violations, [], p.name);
    }
  });

  it("GIVEN any single property of any baseline resource unknown (preview) WHEN every policy runs THEN no violation appears and no rule fails", async () => {
    const stack = baselineStack();
    // Policies that already speak on the baseline (the advisory digest rule) may repeat themselves.
    const baseline = new Set((await runPack(stack)).map((v) => v.policy));
    let sweeps = 0;
    for (let i = 0; i < stack.length; i++) {
      const r = stack[i] as FakeResource;
      for (const p of allPaths(r.props)) {
        const changed = { ...r, props: withValue(r.props, p, UNKNOWN_VALUE) };
        const resources = stack.map((x, j) => (j === i ? changed : x));
        const extra: string[] = [];
        for (const policy of resourcePolicies) {
          const o = await checkResource(policy, changed);
          if (!baseline.has(policy.name)) extra.push(...o.violations.map((m) => `${policy.name}: ${m}`));
        }
        for (const policy of stackPolicies) {
          const o = await checkStack(policy, resources);
          if (!baseline.has(policy.name)) extra.push(...o.violations.map((m) => `${policy.name}: ${m}`));
        }
        assert.deepEqual(extra, [], `${r.type} ${r.name} with ${p.join(".")} unknown`);
        sweeps++;
      }
    }
    assert.ok(sweeps > 300, `swept ${sweeps} properties`);
  });
});
