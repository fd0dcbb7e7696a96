/**
 * The e2e tool script is runnable by someone who has never seen the build
 * machine: it names what to pass when the pulumi/pulumi checkout is missing,
 * before it builds anything, and defaults to no machine's path. Nothing here
 * builds a tool. (The runner's own command line: ./cli.test.ts.)
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers/stacks";

const TOOLS = path.join(REPO_ROOT, "test", "e2e", "tools.sh");

/** tools.sh with an empty cache and the given pulumi/pulumi checkout setting. */
function runTools(pulumiGit: string, ...args: string[]) {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "ws-gateway-e2e-tools-"));
  try {
    const result = spawnSync("bash", [TOOLS, ...args], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, WS_E2E_CACHE: cache, WS_E2E_PULUMI_GIT: pulumiGit },
    });
    return { ...result, cacheEntries: fs.readdirSync(cache) };
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

describe("e2e tool script", () => {
  it("GIVEN no WS_E2E_PULUMI_GIT WHEN the language host is to be built THEN tools.sh says what to pass and builds nothing", () => {
    const result = runTools("", "langhost");
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /WS_E2E_PULUMI_GIT is not set/);
    assert.match(result.stderr, /git clone --bare https:\/\/github\.com\/pulumi\/pulumi\.git/);
    assert.deepEqual(result.cacheEntries, [], "nothing was written to the cache");
  });

  it("GIVEN WS_E2E_PULUMI_GIT naming no directory WHEN all tools are to be built THEN tools.sh names the value and builds nothing", () => {
    const missing = path.join(os.tmpdir(), "ws-gateway-no-such-pulumi-checkout");
    const result = runTools(missing);
    assert.equal(result.status, 2, result.stderr);
    assert.ok(result.stderr.includes(`WS_E2E_PULUMI_GIT=${missing} is not a directory`), result.stderr);
    assert.deepEqual(result.cacheEntries, []);
  });

  it("GIVEN tools.sh THEN no default points at a path of a particular machine", () => {
    const script = fs.readFileSync(TOOLS, "utf8");
    assert.match(script, /PULUMI_GIT="\$\{WS_E2E_PULUMI_GIT:-\}"/);
    assert.doesNotMatch(script, /:-\/(?!dev\/)/, "a default value starting with an absolute path");
  });
});
