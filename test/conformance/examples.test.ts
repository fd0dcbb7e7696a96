/**
 * The examples under docs/examples/ (Node, Go, Python) pass the conformance
 * check, and each one's deliberately broken variant (BROKEN=close-all: every
 * socket closed at once on SIGTERM) fails it on the spread. A language whose
 * toolchain is missing is skipped, saying why. The Go example is built once
 * per content into a directory under the system temp dir and reused.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers/stacks";
import { failedPoints, reportOf, runChecker } from "./run";

const EXAMPLES = path.join(REPO_ROOT, "docs", "examples");
/** Few clients and a short drain keep each run to a few seconds (the checker's defaults). */
const CHECK_ARGS = ["--json", "--drain-seconds", "4", "--clients", "24"];

/** A program on PATH, or the reason it is not usable. */
function onPath(program: string, versionArg: string): string | undefined {
  const probe = spawnSync(program, [versionArg], { encoding: "utf8" });
  return probe.error === undefined && probe.status === 0 ? undefined : `${program} is not on PATH`;
}

/** Builds docs/examples/go once per content; returns the binary, or throws with the build's output. */
function goBinary(): string {
  const dir = path.join(EXAMPLES, "go");
  const hash = createHash("sha256");
  for (const f of fs.readdirSync(dir).sort()) hash.update(f).update(fs.readFileSync(path.join(dir, f)));
  const out = path.join(
    os.tmpdir(),
    `ws-gateway-conformance-go-${hash.digest("hex").slice(0, 12)}`,
    "drain-gateway",
  );
  if (fs.existsSync(out)) return out;
  const build = spawnSync("go", ["build", "-trimpath", "-o", out, "."], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local", CGO_ENABLED: "0" },
  });
  assert.equal(build.status, 0, `go build of docs/examples/go failed:\n${build.stderr}`);
  return out;
}

interface Example {
  readonly name: string;
  /** Why the example cannot run here, or undefined. */
  readonly skip: () => string | undefined;
  /** The --cmd that starts it. */
  readonly command: () => string;
}

const EXAMPLES_UNDER_TEST: readonly Example[] = [
  {
    name: "Node (docs/examples/drain-gateway.js)",
    skip: () => undefined,
    command: () => `'${process.execPath}' docs/examples/drain-gateway.js`,
  },
  {
    name: "Go (docs/examples/go)",
    skip: () => onPath("go", "version"),
    command: () => `'${goBinary()}'`,
  },
  {
    name: "Python (docs/examples/python/drain_gateway.py)",
    skip: () => onPath("python3", "--version"),
    command: () => "python3 docs/examples/python/drain_gateway.py",
  },
];

describe("conformance of the examples", () => {
  for (const example of EXAMPLES_UNDER_TEST) {
    const skip = example.skip();
    it(
      `GIVEN the ${example.name} example WHEN checked THEN every point passes and the exit code is 0`,
      { skip: skip ?? false, timeout: 120_000 },
      async () => {
        const run = await runChecker(["--cmd", example.command(), ...CHECK_ARGS], REPO_ROOT);
        const report = reportOf(run);
        assert.deepEqual(failedPoints(report), [], run.stdout);
        assert.equal(run.status, 0);
        assert.ok(report.points.length >= 11, "every point was measured");
      },
    );

    it(
      `GIVEN the ${example.name} example with BROKEN=close-all WHEN checked THEN the spread fails and the exit code is 1`,
      { skip: skip ?? false, timeout: 120_000 },
      async () => {
        const run = await runChecker(
          ["--cmd", `BROKEN=close-all ${example.command()}`, ...CHECK_ARGS],
          REPO_ROOT,
        );
        const report = reportOf(run);
        assert.equal(run.status, 1, run.stdout);
        assert.ok(failedPoints(report).includes("spread"), run.stdout);
        const spread = report.points.find((p) => p.id === "spread");
        assert.ok(
          spread?.values !== undefined && Number(spread.values.distance) > 0.9,
          `every close at once is far from uniform: ${spread?.measured}`,
        );
      },
    );
  }
});
