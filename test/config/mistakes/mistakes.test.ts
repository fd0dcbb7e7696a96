/**
 * The generated config cases against the entry point's parser
 * (`parseConfigMap`): every mistaken config is refused with a line that names
 * its key and gives a fix; every valid one is accepted. Cases in KNOWN_MISSES
 * must still miss, so a fix fails this suite until its entry is removed.
 * The last test prints the result per family.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfigMap } from "../../../infra/config";
import { stackConfigMap } from "../../helpers/stacks";
import { CASES, type ConfigCase, type StackName } from "./cases";
import { caseConfig, judge, type Verdict } from "./judge";
import { KNOWN_MISSES } from "./knownMisses";

const STACKS: readonly StackName[] = ["dev", "prod", "local", "e2e"];

function describeVerdict(v: Verdict): string {
  if (v.kind === "caught") return "caught";
  if (v.kind === "missed") return `missed (${v.how})`;
  return `crashed with ${v.error instanceof Error ? (v.error.stack ?? v.error.message) : String(v.error)}`;
}

/** One case, one scenario. */
function checkCase(c: ConfigCase): void {
  // given: the case's stack file, deep-cloned and changed as the case says
  const expected = c.expect.refused ? `refused naming ${c.expect.key} with a Fix:` : "accepted";
  // when: the entry point parses the whole config map
  const verdict = judge(c);
  // then: never anything but a ConfigError, and the outcome the ratchet expects
  assert.notEqual(verdict.kind, "crashed", `${c.id}: ${describeVerdict(verdict)}`);
  const knownMiss = KNOWN_MISSES.get(c.id);
  if (knownMiss === undefined) {
    assert.equal(
      verdict.kind,
      "caught",
      `${c.id} (${c.description}; ${c.source}): expected ${expected}, ${describeVerdict(verdict)}`,
    );
  } else {
    assert.equal(
      verdict.kind,
      "missed",
      `${c.id} is caught now (${expected}): remove it from KNOWN_MISSES ("${knownMiss}")`,
    );
  }
}

test("the stack files the cases start from parse as they are", () => {
  // given: every stack file, unchanged
  for (const stack of STACKS) {
    // when / then: each parses, so a refusal of a case comes from its change
    assert.doesNotThrow(() => parseConfigMap(structuredClone(stackConfigMap(stack)), { stack }), stack);
  }
});

test("the generator holds at least 150 mistaken and 20 valid configs, with unique kebab-case ids that change their stack", () => {
  // given: every case
  const ids = CASES.map((c) => c.id);
  // then: the counts the issue asks for, ids usable as a ratchet, no case a no-op
  assert.ok(CASES.filter((c) => c.expect.refused).length >= 150);
  assert.ok(CASES.filter((c) => !c.expect.refused).length >= 20);
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    [],
  );
  assert.deepEqual(
    ids.filter((id) => !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)),
    [],
  );
  const unchanged = CASES.filter(
    (c) => JSON.stringify(caseConfig(c)) === JSON.stringify(stackConfigMap(c.stack)),
  );
  assert.deepEqual(
    unchanged.map((c) => c.id),
    [],
  );
});

test("every known miss names a case", () => {
  // given: the known misses; then: each is the id of a case
  const ids = new Set(CASES.map((c) => c.id));
  assert.deepEqual(
    [...KNOWN_MISSES.keys()].filter((id) => !ids.has(id)),
    [],
  );
});

for (const c of CASES) {
  test(`${c.family}: ${c.id}`, () => checkCase(c));
}

test("per-family report", (t) => {
  // given: every case's verdict, grouped by family
  const rows = new Map<string, { total: number; caught: number; known: number }>();
  for (const c of CASES) {
    const row = rows.get(c.family) ?? { total: 0, caught: 0, known: 0 };
    row.total += 1;
    if (judge(c).kind === "caught") row.caught += 1;
    if (KNOWN_MISSES.has(c.id)) row.known += 1;
    rows.set(c.family, row);
  }
  // then: one line per family, and the totals
  const width = Math.max(...[...rows.keys()].map((f) => f.length), "family".length);
  const line = (f: string, a: string | number, b: string | number, d: string | number) =>
    `${f.padEnd(width)}  ${String(a).padStart(5)}  ${String(b).padStart(6)}  ${String(d).padStart(12)}`;
  t.diagnostic(line("family", "total", "caught", "known misses"));
  let total = 0;
  let caught = 0;
  let known = 0;
  for (const [f, r] of rows) {
    t.diagnostic(line(f, r.total, r.caught, r.known));
    total += r.total;
    caught += r.caught;
    known += r.known;
  }
  t.diagnostic(line("all", total, caught, known));
});
