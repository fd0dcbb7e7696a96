/**
 * The reference gateway's image (test/rehearsal/Dockerfile) is built from
 * what gateway.js needs: its build stage gathers the runtime file set with
 * test/rehearsal/imageFiles.ts and its runtime stage copies that and nothing
 * else. CI has no container engine, so these tests hold the Dockerfile to that
 * shape and run the very file set on its own, outside the repository, under
 * the conformance check (docs/conformance.md).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { failedPoints, reportOf, runChecker } from "../conformance/run";
import { REPO_ROOT } from "../helpers/stacks";
import { IMAGE_ENTRY, IMAGE_STAGING_DIR, copyRuntimeSet, runtimeSet } from "./imageFiles";

const DOCKERFILE = path.join(REPO_ROOT, "test", "rehearsal", "Dockerfile");

/** The Dockerfile's stages: each FROM line and the instructions after it, comments and blanks dropped. */
function stages(): string[][] {
  const lines = fs
    .readFileSync(DOCKERFILE, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const out: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) out.push([line]);
    else out[out.length - 1]?.push(line);
  }
  return out;
}

describe("reference gateway image", () => {
  it("GIVEN the compiled gateway THEN its runtime set is the require() closure, rollout modules included", () => {
    const set = runtimeSet(REPO_ROOT);
    assert.ok(set.files.includes(IMAGE_ENTRY));
    for (const needed of [
      "dist/test/rehearsal/protocol.js",
      "dist/components/names.js",
      "dist/components/rollout/defaults.js",
      "dist/components/rollout/metrics.js",
    ]) {
      assert.ok(set.files.includes(needed), `${needed} is missing from ${set.files.join(", ")}`);
    }
    assert.deepEqual(set.packages, ["ws"]);
  });

  it("GIVEN test/rehearsal/Dockerfile THEN the build stage gathers the runtime set and the runtime stage copies only it", () => {
    const all = stages();
    assert.equal(all.length, 2, "a build stage and a runtime stage");
    const [build, runtime] = all;
    assert.ok(
      build.includes(`RUN node dist/test/rehearsal/imageFiles.js ${IMAGE_ENTRY} ${IMAGE_STAGING_DIR}`),
      `the build stage should gather the runtime set of ${IMAGE_ENTRY} into ${IMAGE_STAGING_DIR}`,
    );
    const copies = runtime.filter((l) => /^COPY\s/i.test(l));
    assert.deepEqual(copies, [`COPY --from=build ${IMAGE_STAGING_DIR} ./`]);
    assert.ok(runtime.includes(`CMD ["node", "${IMAGE_ENTRY}"]`), `the image runs ${IMAGE_ENTRY}`);
    assert.ok(
      runtime.some((l) => /^USER\s+[1-9]\d*(:[1-9]\d*)?$/.test(l)),
      "runs as a numeric non-root user",
    );
  });

  it(
    "GIVEN only the runtime set in an empty directory WHEN gateway.js runs there under the conformance check THEN every point passes",
    { timeout: 60_000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ws-gateway-image-"));
      try {
        copyRuntimeSet(REPO_ROOT, dir);
        const run = await runChecker(["--json", "--cmd", `'${process.execPath}' ${IMAGE_ENTRY}`], dir);
        assert.deepEqual(failedPoints(reportOf(run)), [], run.stdout);
        assert.equal(run.status, 0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
