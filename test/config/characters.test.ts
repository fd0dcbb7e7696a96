/**
 * Characters that look right: every non-ASCII or invisible character in a
 * key or an ASCII-only value is named with its position and code point, and
 * the fix writes the ASCII the value meant when that passes the rule.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { characterNotes } from "../../infra/config/characters";
import { refused, stackWith, type ConfigMap } from "./parseMap";

/** The local stack with one key of one section replaced. */
function localWith(section: string, key: string, value: unknown): ConfigMap {
  const config = stackWith("local", {});
  config[`ws-gateway:${section}`] = { ...(config[`ws-gateway:${section}`] as object), [key]: value };
  return config;
}

describe("characters that look right", () => {
  it("GIVEN text with a non-breaking hyphen THEN the helper names its position and code point", () => {
    assert.deepEqual(characterNotes("v1\u20112"), ["character 3 is U+2011 NON-BREAKING HYPHEN"]);
  });

  it("GIVEN plain ASCII THEN the helper names nothing", () => {
    assert.deepEqual(characterNotes("ws.example.com"), []);
  });

  const cases: readonly {
    name: string;
    section: string;
    key: string;
    value: string;
    note: RegExp;
    fix: string;
  }[] = [
    {
      name: "a version with a non-breaking hyphen",
      section: "gateway",
      key: "version",
      value: "v1\u20114",
      note: /character 3 is U\+2011 NON-BREAKING HYPHEN/,
      fix: 'Fix: write it in plain ASCII: "v1-4".',
    },
    {
      name: "a host with a Cyrillic o",
      section: "ingress",
      key: "host",
      value: "ws.l\u043ecaltest.me",
      note: /character 5 is U\+043E CYRILLIC SMALL LETTER O/,
      fix: 'Fix: write it in plain ASCII: "ws.localtest.me".',
    },
    {
      name: "an image with a zero-width space",
      section: "gateway",
      key: "image",
      value: "localhost:5001/ws-\u200bgateway",
      note: /character 19 is U\+200B ZERO WIDTH SPACE/,
      fix: 'Fix: write it in plain ASCII: "localhost:5001/ws-gateway".',
    },
    {
      name: "a namespace with a trailing no-break space",
      section: "gateway",
      key: "namespace",
      value: "ws-gateway\u00a0",
      note: /character 11 is U\+00A0 NO-BREAK SPACE/,
      fix: 'Fix: write it in plain ASCII: "ws-gateway".',
    },
  ];
  for (const c of cases) {
    it(`GIVEN ${c.name} WHEN parsed THEN the message points at the character and the fix is the ASCII value`, () => {
      const problems = refused(localWith(c.section, c.key, c.value));
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0] ?? "", c.note);
      assert.ok(problems[0]?.endsWith(c.fix), problems[0]);
    });
  }

  it("GIVEN a key with a Cyrillic a WHEN parsed THEN the unknown key names the character and the key it resembles", () => {
    const problems = refused(localWith("gateway", "dr\u0430inSeconds", 1800));
    assert.match(
      problems[0] ?? "",
      /^ws-gateway:gateway\.dr\u0430inSeconds: is not a key of ws-gateway:gateway \(character 3 is U\+0430 CYRILLIC SMALL LETTER A; did you mean "drainSeconds"\?\)/,
    );
  });

  it("GIVEN a trailing dot in the host WHEN parsed THEN the fix writes the host without it", () => {
    const problems = refused(localWith("ingress", "host", "ws.localtest.me."));
    assert.match(problems[0] ?? "", /Fix: .*"ws\.localtest\.me"\.$/);
  });

  it("GIVEN typographic quotes in a Prometheus query WHEN parsed THEN they are named and the fix writes ASCII quotes", () => {
    const config = stackWith("prod", {});
    const rollout = structuredClone(config["ws-gateway:rollout"]) as {
      gates: { prometheus: Record<string, unknown> };
    };
    rollout.gates.prometheus.query = "sum(rate(x{service=\u201cws-gateway-canary\u201d}[2m]))";
    config["ws-gateway:rollout"] = rollout;
    const problems = refused(config);
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(
      problems[0] ?? "",
      /character 20 is U\+201C LEFT DOUBLE QUOTATION MARK, character 38 is U\+201D RIGHT DOUBLE QUOTATION MARK/,
    );
    assert.ok(
      problems[0]?.endsWith(
        'Fix: write it in plain ASCII: "sum(rate(x{service=\\"ws-gateway-canary\\"}[2m]))".',
      ),
      problems[0],
    );
  });
});
