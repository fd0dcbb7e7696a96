/**
 * Every rule's type filter matches resources the real program registers: each
 * resource rule applies (does not call notApplicable) to at least one resource
 * of some stack's render, and each stack rule reads the properties of at least
 * one. A filter on a type the program never registers (such as the generic
 * "pulumi-nodejs:dynamic:Resource" where the program registers its own
 * dynamic types) fails here, whatever the rule's unit tests say.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES } from "../../policies/lib/kube";
import { allPolicies } from "../../policies/rules";
import { rolloutSchedule } from "../../policies/rules/rollout";
import { REPO_ROOT, stackNames } from "../helpers/stacks";
import { renderedStack } from "./fixtures";
import { checkResource, checkStack, isStackPolicy, stackPackConfig, type FakeResource } from "./harness";

const renders: ReadonlyMap<string, FakeResource[]> = new Map(stackNames().map((s) => [s, renderedStack(s)]));

/** The types a policy looks at in every stack's render. */
async function typesSeen(policy: (typeof allPolicies)[number]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const [stack, resources] of renders) {
    const config = stackPackConfig(REPO_ROOT, stack);
    if (isStackPolicy(policy)) {
      await checkStack(policy, resources, config, stack, seen);
    } else {
      for (const r of resources) {
        const o = await checkResource(policy, r, config, stack);
        if (o.notApplicable === undefined) seen.add(r.type);
      }
    }
  }
  return seen;
}

describe("rule type filters against the rendered program", () => {
  for (const policy of allPolicies) {
    it(`GIVEN every stack's render WHEN ${policy.name} runs THEN its filter matches a registered resource`, async () => {
      const seen = await typesSeen(policy);
      assert.ok(
        seen.size > 0,
        `${policy.name} applies to none of: ${[...new Set([...renders.values()].flat().map((r) => r.type))].join(", ")}`,
      );
    });
  }

  it("GIVEN the rollout-schedule rule THEN it reads the program's CanaryRollout resource", async () => {
    assert.deepEqual([...(await typesSeen(rolloutSchedule))], [TYPES.rollout]);
    for (const resources of renders.values()) {
      assert.ok(resources.some((r) => r.type === "pulumi-nodejs:dynamic/ws-gateway:CanaryRollout"));
    }
  });

  it("GIVEN a rule filtering on the generic dynamic type (the old rollout-schedule filter) THEN the check fails it", async () => {
    const generic: StackValidationPolicy = {
      name: "generic-dynamic-filter",
      description: "Reads the steps of pulumi-nodejs:dynamic:Resource resources.",
      enforcementLevel: "mandatory",
      validateStack: (args) => {
        for (const r of args.resources.filter((x) => x.type === "pulumi-nodejs:dynamic:Resource")) {
          void (r.props as Record<string, unknown>).steps;
        }
      },
    };
    assert.equal((await typesSeen(generic)).size, 0);
  });
});
