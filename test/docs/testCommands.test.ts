/**
 * Every `node --test` command the documentation shows works on the supported
 * Node: since Node 21 the test runner takes its positional arguments as glob
 * patterns and loads every match as a module, so a directory argument fails
 * with "Cannot find module" (docs/facts.md F45). Each pattern must match test
 * files of the build, and only files.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers/stacks";
import { markdownFiles, read, rel } from "./markdown";

/** The positional arguments of each `node --test ...` command line in the documentation. */
function documentedTestPatterns(): Array<{ file: string; command: string; patterns: string[] }> {
  const found: Array<{ file: string; command: string; patterns: string[] }> = [];
  for (const file of markdownFiles()) {
    for (const match of read(file).matchAll(/node --test\b([^\n`|&;]*)/g)) {
      const words = match[1]
        .trim()
        .split(/\s+/)
        .filter((w) => w !== "");
      const patterns = words
        .filter((w) => !w.startsWith("-") && !w.includes("$("))
        .map((w) => w.replace(/^'(.*)'$|^"(.*)"$/, "$1$2"));
      found.push({ file, command: match[0].trim(), patterns });
    }
  }
  return found;
}

describe("documented test commands", () => {
  it("GIVEN policies/README.md THEN it shows a node --test command", () => {
    const commands = documentedTestPatterns().filter(
      (c) => rel(c.file) === path.join("policies", "README.md"),
    );
    assert.ok(commands.length > 0);
  });

  it("GIVEN every documented node --test command THEN each pattern matches compiled test files and no directory", () => {
    const problems: string[] = [];
    for (const { file, command, patterns } of documentedTestPatterns()) {
      for (const pattern of patterns) {
        const matches = fs.globSync(pattern, { cwd: REPO_ROOT });
        const dirs = matches.filter((m) => fs.statSync(path.join(REPO_ROOT, m)).isDirectory());
        if (matches.length === 0) problems.push(`${rel(file)}: ${command}: ${pattern} matches no file`);
        else if (dirs.length > 0)
          problems.push(
            `${rel(file)}: ${command}: ${pattern} matches the directory ${dirs[0]}, which node --test loads as a module and fails; use '${dirs[0].replace(/\/$/, "")}/**/*.test.js'`,
          );
      }
    }
    assert.deepEqual(problems, []);
  });
});
