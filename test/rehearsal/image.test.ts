/**
 * The reference gateway's image (test/rehearsal/Dockerfile) is built from
 * what gateway.js needs: its build stage gathers the runtime file set with
 * test/rehearsal/imageFiles.ts and its runtime stage copies that and nothing
 * else. CI has no container engine, so these tests hold the Dockerfile to that
 * shape and run the very file set on its own, outside the repository.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { ENV_GATEWAY_VERSION, LIVENESS_PATH, READINESS_PATH, VERSION_HEADER } from "../../components/names";
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

function get(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: urlPath, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject);
  });
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
    "GIVEN only the runtime set in an empty directory WHEN gateway.js starts there THEN it serves probes and upgrades and exits on SIGTERM",
    { timeout: 30_000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ws-gateway-image-"));
      try {
        copyRuntimeSet(REPO_ROOT, dir);
        const child = spawn(process.execPath, [IMAGE_ENTRY], {
          cwd: dir,
          env: {
            PATH: process.env.PATH ?? "",
            HOST: "127.0.0.1",
            PORT: "0",
            [ENV_GATEWAY_VERSION]: "image-test",
          },
          stdio: ["ignore", "pipe", "pipe"],
        });
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        const port = await new Promise<number>((resolve, reject) => {
          let out = "";
          child.stdout.on("data", (c: Buffer) => {
            out += c.toString();
            const m = /"port":\s*(\d+)/.exec(out);
            if (m !== null) resolve(Number(m[1]));
          });
          void exited.then((code) => reject(new Error(`gateway.js exited with ${code}: ${stderr}`)));
        });
        try {
          assert.equal(await get(port, READINESS_PATH), 200);
          assert.equal(await get(port, LIVENESS_PATH), 200);
          const version = await new Promise<string | undefined>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
            ws.on("upgrade", (res) =>
              resolve(res.headers[VERSION_HEADER.toLowerCase()] as string | undefined),
            );
            ws.on("open", () => ws.close());
            ws.on("error", reject);
          });
          assert.equal(version, "image-test");
          child.kill("SIGTERM");
          assert.equal(await exited, 0, stderr);
        } finally {
          child.kill("SIGKILL");
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
