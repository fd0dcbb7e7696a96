/**
 * docs/configuration.md against the schema: every key the schema accepts has
 * a row, every row is a key the schema accepts, and each row's default is the
 * schema's own default (so a default is stated in the code once and the page
 * cannot drift). The shared thresholds table matches components/shared/limits.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { LIMITS } from "../../components/shared/limits";
import { formatDuration } from "../../components/shared/units";
import { DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS } from "../../infra/config";
import { disruptionSchema } from "../../infra/config/disruption";
import { clusterSchema, gatewaySchema, ingressSchema, rolloutSchema } from "../../infra/config/schema";
import { fieldAt, leafKeys, type LeafKey, type Schema } from "../../infra/config/walk";
import { REPO_ROOT } from "../helpers/stacks";

const SCHEMA_KEYS = [
  ...leafKeys(clusterSchema as unknown as Schema, "cluster"),
  ...leafKeys(ingressSchema as unknown as Schema, "ingress"),
  ...leafKeys(gatewaySchema as unknown as Schema, "gateway"),
  ...leafKeys(rolloutSchema as unknown as Schema, "rollout"),
  ...leafKeys(disruptionSchema as unknown as Schema, "disruption"),
];

const DOC = fs.readFileSync(path.join(REPO_ROOT, "docs", "configuration.md"), "utf8");

/** Table rows as cells, for rows whose first cell is a back-quoted name. */
function rows(): string[][] {
  return DOC.split("\n")
    .filter((l) => /^\| `[^`]+` /.test(l))
    .map((l) =>
      l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

const keyRows = new Map(
  rows()
    .filter((r) => /^`(cluster|ingress|gateway|rollout|disruption)\./.test(r[0] ?? ""))
    .map((r) => [(r[0] ?? "").slice(1, -1), r]),
);

function expectedDefault(k: LeafKey, type: string): string {
  if (k.presence === "required") return "required";
  if (k.presence === "optional") return "unset";
  const v = k.defaultValue;
  if (type.startsWith("duration")) return `\`${formatDuration(v as number)}\``;
  return `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;
}

describe("docs/configuration.md", () => {
  it("GIVEN the schema THEN every key has a row and every row is a key", () => {
    assert.ok(SCHEMA_KEYS.length > 50);
    assert.deepEqual([...keyRows.keys()].sort(), SCHEMA_KEYS.map((k) => k.path).sort());
  });

  for (const k of SCHEMA_KEYS) {
    it(`GIVEN ${k.path} THEN the documented default is the schema's`, () => {
      const row = keyRows.get(k.path);
      assert.ok(row !== undefined, `no row for ${k.path}`);
      assert.equal(row[2], expectedDefault(k, row[1] ?? ""));
    });
  }

  it("GIVEN the keys without a default of their own THEN their rows state what the program uses", () => {
    assert.match(
      keyRows.get("ingress.workerShutdownTimeout")?.[3] ?? "",
      new RegExp(`Unset means \`${formatDuration(DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS)}\``),
    );
    const window = fieldAt(clusterSchema as unknown as Schema, ["maintenanceWindow"])?.defaultValue as Record<
      string,
      string
    >;
    for (const v of Object.values(window)) {
      assert.ok((keyRows.get("cluster.maintenanceWindow.start")?.[3] ?? "").includes(`\`${v}\``), v);
    }
  });

  it("GIVEN the shared thresholds THEN the table lists each with its value", () => {
    const table = new Map(rows().map((r) => [(r[0] ?? "").slice(1, -1), r[1]]));
    for (const [name, value] of Object.entries(LIMITS)) assert.equal(table.get(name), String(value), name);
  });
});
