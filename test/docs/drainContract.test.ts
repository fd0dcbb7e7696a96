/**
 * The drain contract (docs/drain-contract.md), checked on real processes: the
 * example the documentation shows (docs/examples/drain-gateway.js, which must be
 * the very block in the document) and the rehearsal's reference gateway each
 * answer their probes, refuse upgrades once SIGTERM arrives, close every
 * connection with 1012 spread over DRAIN_SECONDS, and exit when none is left,
 * as the conformance check (test/conformance/, docs/conformance.md) measures it.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { expectations } from "../conformance/checks";
import { failedPoints, reportOf, runChecker } from "../conformance/run";
import { REPO_ROOT } from "../helpers/stacks";

const DOC = path.join(REPO_ROOT, "docs", "drain-contract.md");
const EXAMPLE = path.join(REPO_ROOT, "docs", "examples", "drain-gateway.js");
/** The reference gateway, compiled next to this test (dist/test/rehearsal/gateway.js). */
const REFERENCE = path.join(__dirname, "..", "rehearsal", "gateway.js");

const DRAIN_SECONDS = 3;
const CLIENTS = 24;

/** The documented example and the reference gateway, each started by the conformance check. */
const IMPLEMENTATIONS: ReadonlyArray<{ readonly name: string; readonly command: string }> = [
  { name: "docs/examples/drain-gateway.js", command: `'${process.execPath}' '${EXAMPLE}'` },
  { name: "test/rehearsal/gateway.ts (reference)", command: `'${process.execPath}' '${REFERENCE}'` },
];

describe("drain contract", () => {
  it("GIVEN docs/drain-contract.md THEN its example is docs/examples/drain-gateway.js, byte for byte", () => {
    const doc = fs.readFileSync(DOC, "utf8");
    const blocks = [...doc.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    assert.equal(blocks.length, 1, "docs/drain-contract.md should show exactly one js block");
    assert.equal(blocks[0], fs.readFileSync(EXAMPLE, "utf8"));
  });

  for (const impl of IMPLEMENTATIONS) {
    it(
      `GIVEN ${impl.name} with ${CLIENTS} clients WHEN the conformance check sends SIGTERM THEN every point of the contract passes`,
      { timeout: 60_000 },
      async () => {
        const run = await runChecker(
          [
            "--json",
            "--drain-seconds",
            String(DRAIN_SECONDS),
            "--clients",
            String(CLIENTS),
            "--cmd",
            impl.command,
          ],
          REPO_ROOT,
        );
        const report = reportOf(run);
        assert.deepEqual(failedPoints(report), [], run.stdout);
        assert.deepEqual(
          report.points.map((p) => p.id),
          Object.keys(
            expectations({ drainSeconds: DRAIN_SECONDS, clients: CLIENTS, version: "v", message: "m" }),
          ).filter((id) => id !== "starts"),
          "every point was measured",
        );
        assert.equal(run.status, 0);
      },
    );
  }
});
