/**
 * The e2e runner's command line, run as `npm run e2e -- ...` runs it (the
 * built main.js in a fresh process): --help lists every scenario and exits 0;
 * a wrong argument exits 2 with the usage, before any tool is looked for.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { SCENARIOS } from "./scenarios";

const MAIN = path.join(__dirname, "main.js");

function runMain(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("e2e runner: command line", () => {
  it("GIVEN --help WHEN the runner starts THEN it prints the usage and every scenario with its summary, and exits 0", () => {
    const r = runMain("--help");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: npm run e2e -- /);
    for (const s of SCENARIOS)
      assert.ok(r.stdout.includes(`${s.name}  `) && r.stdout.includes(s.summary), s.name);
  });

  it("GIVEN --only with a name that is not a scenario WHEN the runner starts THEN it exits 2 naming the value and the scenarios allowed", () => {
    const r = runMain("--only", "first-release,no-such-scenario");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--only no-such-scenario: not a scenario; pick from first-release, /);
  });

  it("GIVEN an unknown argument WHEN the runner starts THEN it exits 2 with the usage", () => {
    const r = runMain("--fast");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown argument --fast\. Usage: npm run e2e -- /);
  });

  it("GIVEN the scenarios THEN each name is unique and kebab-case and each says GIVEN, WHEN and THEN", () => {
    const names = SCENARIOS.map((s) => s.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
    );
    for (const s of SCENARIOS) {
      assert.match(s.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.match(s.summary, /GIVEN .+ WHEN .+ THEN /, s.name);
    }
  });
});
