/**
 * The documentation keeps its promises: the README stays a front door under
 * 10 KB that links every document in docs/ (links.test.ts checks that links
 * resolve), every fact cited as "docs/facts.md F<n>" exists, and no comment or
 * document cites design notes that live outside the repository.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers/stacks";
import { DOCS_DIR, prose, read, rel, relativeLinks, walk } from "./markdown";

/** The README's size limit: a front door, everything else in docs/. */
const README_MAX_BYTES = 10 * 1024;
/** Folders whose text files may cite facts; generated and installed trees are skipped. */
const SOURCE_DIRS = ["infra", "components", "policies", "test", "stacks", "docs", ".ci"];

/** Fact numbers defined in docs/facts.md, from their anchors. */
function definedFacts(): Set<number> {
  return new Set(
    [...read(path.join(DOCS_DIR, "facts.md")).matchAll(/<a id="f(\d+)"><\/a>/g)].map((m) => Number(m[1])),
  );
}

/** Every "F<n>" in a citation such as "docs/facts.md F2, F4" or "F20-F22"; ranges expanded. */
function citedNumbers(citation: string): number[] {
  const numbers: number[] = [];
  for (const m of citation.matchAll(/F(\d+)(?:-F(\d+))?/g)) {
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let n = from; n <= to; n++) numbers.push(n);
  }
  return numbers;
}

describe("documentation", () => {
  it("GIVEN README.md THEN it stays under 10 KB and links every document in docs/", () => {
    const readme = path.join(REPO_ROOT, "README.md");
    const size = fs.statSync(readme).size;
    assert.ok(
      size <= README_MAX_BYTES,
      `README.md is ${size} bytes; the limit is ${README_MAX_BYTES}: move detail to docs/`,
    );
    const linked = new Set(relativeLinks(readme).map((t) => path.normalize(t.split("#")[0])));
    for (const doc of fs.readdirSync(DOCS_DIR).filter((f) => f.endsWith(".md"))) {
      assert.ok(linked.has(path.join("docs", doc)), `README.md does not link docs/${doc}`);
    }
  });

  it("GIVEN the README's quick start THEN its commands are the project's npm scripts run through .ci/npm", () => {
    const readme = read(path.join(REPO_ROOT, "README.md"));
    const scripts = (
      JSON.parse(read(path.join(REPO_ROOT, "package.json"))) as { scripts: Record<string, string> }
    ).scripts;
    for (const [command, script] of [
      ["bash .ci/npm run rehearse", "rehearse"],
      ["bash .ci/npm test", "test"],
    ]) {
      assert.ok(readme.includes(command), `README.md should show "${command}"`);
      assert.ok(script in scripts, `package.json has no "${script}" script`);
    }
    assert.ok(fs.existsSync(path.join(REPO_ROOT, ".ci", "npm")), ".ci/npm is missing");
  });

  it("GIVEN docs/facts.md THEN its facts are numbered from F1 without gaps and each names a source", () => {
    const facts = read(path.join(DOCS_DIR, "facts.md"));
    const numbers = [...definedFacts()];
    assert.ok(numbers.length > 0);
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i + 1),
    );
    const entries = facts.split(/<a id="f\d+"><\/a>/).slice(1);
    entries.forEach((entry, i) =>
      assert.match(entry, /Sources?:|Observed here/, `F${i + 1} names no source`),
    );
  });

  it("GIVEN the code and the docs THEN every cited fact exists in docs/facts.md", () => {
    const defined = definedFacts();
    const problems: string[] = [];
    for (const file of [
      path.join(REPO_ROOT, "README.md"),
      ...SOURCE_DIRS.flatMap((d) => walk(path.join(REPO_ROOT, d))),
    ]) {
      const text = read(file);
      const citations = [...text.matchAll(/docs\/facts\.md,? (F\d+(?:(?:-|, )F\d+)*)/g)].map((m) => m[1]);
      if (file.startsWith(DOCS_DIR) && file.endsWith(".md")) {
        // Inside docs/, facts are cited by number alone: "(F16, F23)".
        citations.push(...[...prose(text).matchAll(/\bF(\d+)(?:-F(\d+))?\b/g)].map((m) => m[0]));
      }
      for (const n of citations.flatMap(citedNumbers)) {
        if (!defined.has(n)) problems.push(`${rel(file)} cites F${n}, which docs/facts.md does not define`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("GIVEN the code and the docs THEN nothing cites design notes kept outside the repository", () => {
    // Built from parts so this file does not match itself.
    const outside = new RegExp(
      ["\\bFA" + "CTS \\d", "\\bDE" + "SIGN section", "shared/(FA" + "CTS|DE" + "SIGN)"].join("|"),
    );
    const problems: string[] = [];
    for (const file of [
      path.join(REPO_ROOT, "README.md"),
      ...SOURCE_DIRS.flatMap((d) => walk(path.join(REPO_ROOT, d))),
    ]) {
      read(file)
        .split("\n")
        .forEach((line, i) => {
          if (outside.test(line))
            problems.push(`${rel(file)}:${i + 1}: ${line.trim()} (cite docs/facts.md F<n> or a docs/ page)`);
        });
    }
    assert.deepEqual(problems, []);
  });
});
