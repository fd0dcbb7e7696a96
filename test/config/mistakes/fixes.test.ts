/**
 * Every fix the generated cases draw is valid: for each mistaken config,
 * each problem that carries a suggestion is written back, the config parsed
 * again, and the rule the problem stated no longer speaks at that key.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { applySuggestion, parseMap } from "../parseMap";
import { CASES } from "./cases";
import { caseConfig } from "./judge";

/** The rule a problem line states: its text up to the value received, or up to the fix. */
function ruleOf(problem: string): string {
  const got = problem.indexOf(" (got ");
  return problem.slice(0, got >= 0 ? got : problem.indexOf(". Fix:"));
}

let fed = 0;
for (const c of CASES.filter((x) => x.expect.refused)) {
  test(`GIVEN ${c.id} WHEN each suggested fix is written back THEN the rule it answered passes`, () => {
    // given: the case's config and what the parser said
    const config = caseConfig(c);
    const r = parseMap(config, c.stack);
    if (r.ok) return; // a miss, reported by mistakes.test
    r.problems.forEach((problem, i) => {
      const s = r.suggestions[i];
      if (s === undefined) return;
      // when: the suggestion is applied
      const after = parseMap(applySuggestion(config, s), c.stack);
      // then: no line at that key states the same rule again
      const again = after.ok
        ? []
        : after.problems.filter((p) => p.startsWith(`${s.key}: `) && ruleOf(p) === ruleOf(problem));
      assert.deepEqual(again, [], `${problem}\n  suggested ${JSON.stringify(s)}`);
      fed++;
    });
  });
}

test("GIVEN the cases above THEN most of them fed a suggestion back", () => {
  assert.ok(fed >= 100, `only ${fed} suggestions fed back`);
});
