/**
 * Every reference in the documentation leads somewhere: relative links point
 * at files, #anchors at headings as GitHub names them, a section of another
 * document is referred to by a link (so it is checked) and not by its title in
 * prose, and the repository paths the prose names in code spans exist.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers/stacks";
import {
  anchorsOf,
  githubSlug,
  markdownFiles,
  prose,
  read,
  rel,
  relativeLinks,
  withoutFences,
} from "./markdown";

/** The repository's top-level source folders (a path in a code span starting with one is a repository path). */
const REPO_FOLDERS = ["infra", "components", "stacks", "policies", "test", "docs", ".ci"];

/** One problem per broken reference in one file; `check` returns undefined when the target resolves. */
function problemsOf(check: (file: string) => string[]): string[] {
  return markdownFiles().flatMap(check);
}

function linkProblems(file: string): string[] {
  const problems: string[] = [];
  for (const target of relativeLinks(file)) {
    const [targetPath, anchor] = target.split("#", 2);
    const resolved =
      targetPath === "" ? file : path.resolve(path.dirname(file), decodeURIComponent(targetPath));
    if (!fs.existsSync(resolved)) {
      problems.push(`${rel(file)}: ${target} (no such file)`);
    } else if (anchor === undefined || anchor === "") {
      continue;
    } else if (resolved.endsWith(".md")) {
      if (!anchorsOf(resolved).has(decodeURIComponent(anchor)))
        problems.push(`${rel(file)}: ${target} (no such heading in ${rel(resolved)})`);
    } else if (/^L\d+(-L\d+)?$/.test(anchor) && fs.statSync(resolved).isFile()) {
      const lines = read(resolved).split("\n").length;
      const last = Math.max(...anchor.split("-").map((l) => Number(l.slice(1))));
      if (last > lines) problems.push(`${rel(file)}: ${target} (${rel(resolved)} has ${lines} lines)`);
    } else {
      problems.push(`${rel(file)}: ${target} (an anchor into a file that is not Markdown)`);
    }
  }
  return problems;
}

/**
 * A section of a document named by its title in prose, outside a link:
 * `README, "Local stack"`, `operations.md "Aborting"`, `release-safety.md § Gates`.
 */
const PROSE_SECTION_REFERENCE =
  /\b(README(?:\.md)?|[\w./-]+\.md)(?:'s)?,? +(?:section +)?("[^"\n]+"|§ *[^,.;)\n]+)/g;

function sectionReferenceProblems(file: string): string[] {
  const text = prose(read(file)).replace(/!?\[[^\]]*\]\([^)]*\)/g, "");
  return [...text.matchAll(PROSE_SECTION_REFERENCE)].map(
    (m) =>
      `${rel(file)}: ${m[0]} (a section named in prose; link it: [${m[1]}](<path>#<anchor>), which the link check resolves)`,
  );
}

function codePathProblems(file: string): string[] {
  const problems: string[] = [];
  const folders = REPO_FOLDERS.map((f) => f.replace(".", "\\.")).join("|");
  const repoPath = new RegExp(`^(?:${folders})/[\\w.@/-]*$`);
  for (const match of withoutFences(read(file)).matchAll(/`([^`\n]+)`/g)) {
    const candidate = match[1].replace(/[:#]\S*$/, "");
    if (!repoPath.test(candidate)) continue;
    if (!fs.existsSync(path.join(REPO_ROOT, candidate)))
      problems.push(`${rel(file)}: \`${match[1]}\` (no such path)`);
  }
  return problems;
}

describe("documentation links", () => {
  it("GIVEN README.md and docs/**/*.md THEN every relative link points at a file and every anchor at a heading", () => {
    assert.deepEqual(problemsOf(linkProblems), []);
  });

  it("GIVEN README.md and docs/**/*.md THEN no section of another document is named in prose instead of linked", () => {
    assert.deepEqual(problemsOf(sectionReferenceProblems), []);
  });

  it("GIVEN README.md and docs/**/*.md THEN every repository path named in a code span exists", () => {
    assert.deepEqual(problemsOf(codePathProblems), []);
  });

  it("GIVEN headings as GitHub renders them THEN their anchors follow github-slugger", () => {
    const cases: Array<[string, string]> = [
      ["Getting started", "getting-started"],
      ["`ingress.controller: existing`", "ingresscontroller-existing"],
      [
        "Abnormal closes (from the gateway's metrics): `abnormal-closes`",
        "abnormal-closes-from-the-gateways-metrics-abnormal-closes",
      ],
      ["Second release: watch the canary", "second-release-watch-the-canary"],
      ["What the pod gets — and *why*", "what-the-pod-gets--and-why"],
      ["[Linked](other.md) title", "linked-title"],
      ["snake_case stays", "snake_case-stays"],
      ["Ünïcode 100 %", "ünïcode-100-"],
    ];
    for (const [heading, slug] of cases) assert.equal(githubSlug(heading), slug, heading);
  });

  it("GIVEN a document with a repeated heading THEN the repeats get -1, -2 like on GitHub", () => {
    const file = path.join(REPO_ROOT, "dist", "links-test-repeats.md");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      "# Notes\n\n## Setup\n\n```sh\n# Setup\n```\n\n## Setup\n\nText\n-----\n\n## Setup\n",
    );
    try {
      assert.deepEqual([...anchorsOf(file)].sort(), ["notes", "setup", "setup-1", "setup-2", "text"]);
    } finally {
      fs.rmSync(file);
    }
  });

  it("GIVEN a prose reference to a section by its title THEN the check reports it", () => {
    const text = 'load it into the node (README, "Local stack"), then see operations.md § Abort.';
    const found = [...text.matchAll(PROSE_SECTION_REFERENCE)].map((m) => m[0]);
    assert.deepEqual(found, ['README, "Local stack"', "operations.md § Abort"]);
  });
});
