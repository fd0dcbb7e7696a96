/**
 * The generated adversarial suite: every mutation of mutations.ts must be
 * caught by the pack (a mandatory finding the unchanged render does not
 * have), except those listed in knownMisses.ts, which must still be missed
 * (an exact ratchet: a fix forces their removal from the list). Every edit of
 * harmless.ts must add no finding at all. The last test prints the catch rate
 * per family.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HARMLESS } from "./harmless";
import { KNOWN_MISSES } from "./knownMisses";
import { MUTATIONS, type Mutation } from "./mutations";
import { outcomeOf, show } from "./run";

const families = [...new Set(MUTATIONS.map((m) => m.family))];
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const outcome = (m: { id: string; stack: Mutation["stack"]; apply: Mutation["apply"] }) =>
  outcomeOf(m.id, m.stack, m.apply);

describe("generated mutations and harmless edits: the catalogue", () => {
  it("GIVEN the catalogue THEN it holds at least 100 mutations and 20 harmless edits, each id unique and kebab-case", () => {
    const ids = [...MUTATIONS, ...HARMLESS].map((c) => c.id);
    assert.ok(MUTATIONS.length >= 100, `${MUTATIONS.length} mutations`);
    assert.ok(HARMLESS.length >= 20, `${HARMLESS.length} harmless edits`);
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
    );
    assert.deepEqual(
      ids.filter((id) => !KEBAB.test(id)),
      [],
    );
  });

  it("GIVEN the catalogue THEN every mutation names its family (kebab-case), what it breaks and the behaviour it relies on", () => {
    assert.deepEqual(
      MUTATIONS.filter(
        (m) => !KEBAB.test(m.family) || m.description.trim() === "" || m.source.trim() === "",
      ).map((m) => m.id),
      [],
    );
  });

  it("GIVEN KNOWN_MISSES THEN every entry names a mutation of the catalogue", () => {
    const ids = new Set(MUTATIONS.map((m) => m.id));
    assert.deepEqual(
      [...KNOWN_MISSES.keys()].filter((id) => !ids.has(id)),
      [],
    );
  });
});

for (const family of families) {
  describe(`generated mutations: ${family}`, () => {
    for (const m of MUTATIONS.filter((x) => x.family === family)) {
      const known = KNOWN_MISSES.get(m.id);
      it(`GIVEN the ${m.stack} render WHEN ${m.id}: ${m.description} THEN ${known === undefined ? "the pack catches it" : "it is still a known miss"}`, async () => {
        // given the stack's render, when the mutation is applied and the pack runs
        const o = await outcome(m);
        // then the render changed, and the pack catches it unless it is a known miss
        assert.equal(o.unchanged, false, `${m.id} changes nothing in the ${m.stack} render`);
        if (known === undefined) {
          assert.ok(
            o.addedMandatory.length > 0,
            `${m.id} is missed (source: ${m.source}). Fix the pack, or list it in KNOWN_MISSES with the reason.` +
              (o.added.length > 0 ? ` Non-mandatory findings: ${show(o.added).join(" | ")}` : ""),
          );
        } else {
          assert.deepEqual(
            show(o.addedMandatory),
            [],
            `${m.id} is now caught: remove it from KNOWN_MISSES (was: ${known})`,
          );
        }
      });
    }
  });
}

describe("generated harmless edits", () => {
  for (const h of HARMLESS) {
    it(`GIVEN the ${h.stack} render WHEN ${h.id}: ${h.description} THEN the pack reports nothing new`, async () => {
      // given the stack's render, when the edit is applied and the pack runs
      const o = await outcome(h);
      // then the render changed and no finding of any level appeared
      assert.equal(o.unchanged, false, `${h.id} changes nothing in the ${h.stack} render`);
      assert.deepEqual(show(o.added), []);
    });
  }
});

describe("generated mutations: catch rate", () => {
  it("GIVEN every mutation WHEN run THEN the catch rate per family is printed", async (t) => {
    const rows: string[][] = [["family", "total", "caught", "known misses", "catch rate"]];
    let total = 0;
    let caught = 0;
    for (const family of [...families, undefined]) {
      const ms = family === undefined ? MUTATIONS : MUTATIONS.filter((m) => m.family === family);
      let c = 0;
      for (const m of ms) if ((await outcome(m)).addedMandatory.length > 0) c++;
      const misses = ms.filter((m) => KNOWN_MISSES.has(m.id)).length;
      if (family === undefined) {
        total = ms.length;
        caught = c;
      }
      rows.push([
        family ?? "all",
        String(ms.length),
        String(c),
        String(misses),
        `${((100 * c) / ms.length).toFixed(1)} %`,
      ]);
    }
    const widths = rows[0]?.map((_h, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
    for (const r of rows)
      t.diagnostic(
        r
          .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
          .join("  "),
      );
    // then every mutation is either caught or a known miss
    assert.equal(total - caught, KNOWN_MISSES.size);
  });
});
