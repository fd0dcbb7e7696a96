/**
 * Reading the project's Markdown as GitHub renders it: which files are
 * documentation, what counts as prose (links in code are not links), the
 * relative links of a file, and the anchors its headings get.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../helpers/stacks";

export const DOCS_DIR = path.join(REPO_ROOT, "docs");
/** Generated and installed trees, never documentation or source. */
export const SKIPPED_DIRS = new Set(["node_modules", "dist", ".tools", ".rehearsal", "results"]);
const TEXT_FILE = /\.(ts|js|mjs|md|ya?ml|json|sh)$|^[^.]+$/;

export function read(file: string): string {
  return fs.readFileSync(file, "utf8");
}

/** Text files under `dir`, generated trees skipped. */
export function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : walk(full);
    return TEXT_FILE.test(entry.name) ? [full] : [];
  });
}

/** README.md, CHANGELOG.md, policies/README.md and every Markdown file under docs/. */
export function markdownFiles(): string[] {
  const top = ["README.md", "CHANGELOG.md", path.join("policies", "README.md")].map((f) =>
    path.join(REPO_ROOT, f),
  );
  return [...top, ...walk(DOCS_DIR).filter((f) => f.endsWith(".md"))].filter((f) => fs.existsSync(f));
}

const FENCED_BLOCK = /^(```|~~~)[\s\S]*?^\1/gm;

/** Markdown without fenced code blocks and inline code, where links are not links. */
export function prose(markdown: string): string {
  return markdown.replace(FENCED_BLOCK, "").replace(/`[^`\n]*`/g, "");
}

/** Markdown without fenced code blocks (inline code kept). */
export function withoutFences(markdown: string): string {
  return markdown.replace(FENCED_BLOCK, "");
}

/**
 * GitHub's heading anchor (github-slugger, as github.com renders Markdown):
 * the heading's rendered text (code spans without backticks, link text without
 * the target, emphasis markers and HTML tags dropped), lower-cased, every
 * character that is not a letter, mark, number, connector, hyphen or space
 * removed, each space turned into a hyphen. Nothing is trimmed or collapsed
 * (docs/facts.md F48).
 */
export function githubSlug(heading: string): string {
  const rendered = heading
    .trim()
    .replace(/<[^>]+>/g, "")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|[^\p{L}\p{N}])[*_](.+?)[*_](?=[^\p{L}\p{N}]|$)/gu, "$1$2");
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors of a Markdown file: its headings' slugs (repeats get -1, -2, ...) and explicit `<a id>`/`<a name>`. */
export function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const text = withoutFences(read(file));
  const headings = [
    ...[...text.matchAll(/^ {0,3}#{1,6} +(.+?)(?: +#+)? *$/gm)].map((m) => ({ at: m.index, text: m[1] })),
    // Setext headings: a line underlined with = or -.
    ...[...text.matchAll(/^(?! {0,3}[-*>|#])(\S.*)\n {0,3}(=+|-+) *$/gm)].map((m) => ({
      at: m.index,
      text: m[1],
    })),
  ].sort((a, b) => a.at - b.at);
  for (const heading of headings) {
    const base = githubSlug(heading.text);
    let slug = base;
    for (let n = 1; anchors.has(slug); n++) slug = `${base}-${n}`;
    anchors.add(slug);
  }
  for (const match of text.matchAll(/<a (?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
  return anchors;
}

/** Targets of the relative links (and images) in a Markdown file's prose; URLs with a scheme left out. */
export function relativeLinks(file: string): string[] {
  const text = prose(read(file));
  const inline = [...text.matchAll(/\]\(<?([^)\s>]+)>?(?: "[^"]*")?\)/g)].map((m) => m[1]);
  const definitions = [...text.matchAll(/^ {0,3}\[[^\]]+\]: +<?(\S+?)>?(?: .*)?$/gm)].map((m) => m[1]);
  return [...inline, ...definitions].filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

export function rel(file: string): string {
  return path.relative(REPO_ROOT, file);
}
