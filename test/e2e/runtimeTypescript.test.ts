/**
 * `pulumi up` compiles the program with ts-node inside @pulumi/pulumi's
 * cmd/run, with the `main` directory (infra/) as the working directory, and
 * takes the compiler options from ./tsconfig.json there, laid over its own
 * defaults. Found by the first real `pulumi up`: without infra/tsconfig.json
 * the program failed to compile (Error.cause needs the ES2022 library).
 * This test loads the program the way cmd/run does (its non-ESM branch),
 * with the SDK's own helpers, so a setting that only `tsc -p .` honours fails here.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "./workspace";

const LOADER = `
const fs = require("node:fs");
const sdk = process.argv[1];
const tsutils = require(sdk + "/tsutils.js");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const semver = require(require.resolve("semver", { paths: [sdk] }));
const ts = require(typescriptRequire);
const nodeNext = semver.gte(ts.version, "4.7.0");
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  transpileOnly: compilerOptions.noCheck,
  project: "tsconfig.json",
  skipProject: !fs.existsSync("tsconfig.json"),
  compilerOptions: {
    target: "ES2020",
    module: nodeNext ? "nodenext" : "commonjs",
    moduleResolution: nodeNext ? "nodenext" : "node",
    sourceMap: "true",
    ...compilerOptions,
  },
});
require(process.cwd() + "/program.ts");
console.log("compiled");
`;

describe("the program under the nodejs runtime's TypeScript loading", () => {
  it("GIVEN infra/ as the working directory, as `pulumi up` runs it WHEN cmd/run's ts-node settings load infra/program.ts THEN it type-checks and loads", () => {
    const root = repoRoot();
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const r = spawnSync(process.execPath, ["-e", LOADER, sdk], {
      cwd: path.join(root, "infra"),
      encoding: "utf8",
      timeout: 240_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(0, 3000));
    assert.match(r.stdout, /compiled/);
  });
});
