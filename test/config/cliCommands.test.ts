/**
 * Every `pulumi config set` command in README.md and docs/ works as written:
 * each is applied to the stack its page is about the way the CLI stores it
 * (with --path a value is stored as text at that path, lists and maps as
 * JSON text; without --path the whole key is text) and the result parses.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers/stacks";
import { configSet, setCommands } from "./cli";
import { parseMap, stackWith } from "./parseMap";

/** The stacks each page's commands are run against. */
const PAGES: Readonly<Record<string, readonly string[]>> = {
  "README.md": ["prod", "local"],
  "docs/operations.md": ["prod", "dev"],
  "docs/faq.md": ["prod"],
  "docs/getting-started.md": ["local", "prod"],
  "docs/e2e.md": ["e2e"],
  "docs/configuration.md": ["prod"],
};

/** Placeholders of the docs, as a reader fills them in. */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  "<your-project>": "acme-ws-prod",
  "<the reserved address>": "203.0.113.10",
};

/** Commands that only make sense on one kind of stack (a GKE address, a GCP project). */
function appliesTo(key: string, stack: string): boolean {
  if (key.includes("loadBalancerIP") || key.startsWith("gcp:")) return stack === "prod" || stack === "dev";
  return true;
}

describe("config commands in the docs", () => {
  it("GIVEN the docs THEN the commands are found (the emergency rollback among them)", () => {
    const all = Object.keys(PAGES).flatMap((p) =>
      setCommands(fs.readFileSync(path.join(REPO_ROOT, p), "utf8")),
    );
    assert.ok(all.length >= 8, JSON.stringify(all));
    assert.ok(all.some((c) => c.key === "ws-gateway:rollout.steps" && c.value === '[{"weight":100}]'));
  });

  it("GIVEN every page of README.md and docs/ THEN each page setting config is listed here", () => {
    const pages = [
      "README.md",
      ...fs
        .readdirSync(path.join(REPO_ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ];
    const withCommands = pages.filter(
      (p) => setCommands(fs.readFileSync(path.join(REPO_ROOT, p), "utf8")).length > 0,
    );
    assert.deepEqual(
      withCommands.filter((p) => PAGES[p] === undefined),
      [],
    );
  });

  for (const [page, stacks] of Object.entries(PAGES)) {
    const commands = setCommands(fs.readFileSync(path.join(REPO_ROOT, page), "utf8"));
    for (const c of commands) {
      for (const stack of stacks.filter((s) => appliesTo(c.key, s))) {
        it(`GIVEN ${page}: ${c.line} WHEN run on the ${stack} stack THEN the config is accepted`, () => {
          // given
          const value = (PLACEHOLDERS[c.value] ?? c.value).replace(":N/", ":18089/");
          // when
          const config = configSet(stackWith(stack, {}), c.key, value, { path: c.path });
          // then
          const r = parseMap(config);
          assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        });
      }
    }
  }

  it("GIVEN the emergency rollback WHEN run THEN the schedule is the one step at weight 100", () => {
    const config = configSet(stackWith("prod", {}), "ws-gateway:rollout.steps", '[{"weight":100}]', {
      path: true,
    });
    const r = parseMap(config);
    assert.ok(r.ok);
    assert.deepEqual(r.config.rollout.steps, [{ weight: 100, pauseSeconds: 0 }]);
  });

  it("GIVEN a number set with --path THEN the CLI stores an integer and the drain parses", () => {
    const config = configSet(stackWith("prod", {}), "ws-gateway:gateway.drainSeconds", "1800", {
      path: true,
    });
    const r = parseMap(config);
    assert.ok(r.ok);
    assert.equal(r.config.gateway.drainSeconds, 1800);
  });

  it("GIVEN a float set with --path THEN the CLI stores text and the fix names --type float", () => {
    const config = configSet(stackWith("prod", {}), "ws-gateway:rollout.gates.prometheus.max", "0.01", {
      path: true,
    });
    const r = parseMap(config);
    assert.ok(!r.ok);
    assert.match(r.problems[0] ?? "", /add --type float/);
  });
});
