/**
 * Releases: the first one, an ordinary one, one held at a step and resumed,
 * and the emergency schedule back to v1.
 */
import {
  ANNOTATION_CANARY_WEIGHT,
  CANARY_SERVICE,
  STABLE_SERVICE,
  versionedName,
} from "../../../components/names";
import { STACK } from "../workspace";
import { release } from "./release";
import {
  canaryAnnotations,
  check,
  deployment,
  distinctWeights,
  editStack,
  expectOk,
  fail,
  section,
  selectorOf,
  sleep,
  stackSteps,
  up,
  type Scenario,
  type ScenarioContext,
} from "./support";

/** Searches the exported state for the canary-weight annotation on any Pulumi-managed object. */
async function weightInState(ctx: ScenarioContext): Promise<string[]> {
  const r = await ctx.ws.pulumi(["stack", "export", "--stack", STACK], "stack-export");
  expectOk(r, "pulumi stack export");
  const state = JSON.parse(r.stdout) as {
    deployment?: { resources?: { urn: string; type: string; inputs?: unknown; outputs?: unknown }[] };
  };
  const hits: string[] = [];
  for (const res of state.deployment?.resources ?? []) {
    if (res.type.startsWith("pulumi:") || res.type.startsWith("pulumi-nodejs:")) continue;
    for (const [where, value] of [
      ["inputs", res.inputs],
      ["outputs", res.outputs],
    ] as const) {
      if (JSON.stringify(value ?? {}).includes(ANNOTATION_CANARY_WEIGHT)) hits.push(`${res.urn} (${where})`);
    }
  }
  return hits;
}

export const firstRelease: Scenario = {
  name: "first-release",
  summary:
    "GIVEN an empty namespace WHEN pulumi up v1 THEN both Services select v1 and rolloutOutcome is promoted",
  run: async (ctx) => {
    const r = await up(ctx, "up-v1");
    expectOk(r, "pulumi up (first release v1)");
    const stable = await selectorOf(ctx, STABLE_SERVICE);
    const canary = await selectorOf(ctx, CANARY_SERVICE);
    check(
      stable === "v1" && canary === "v1",
      `Services select stable=${stable} canary=${canary}, expected v1 and v1`,
    );
    check((await deployment(ctx, "v1")) !== undefined, `${versionedName("v1")} missing`);
    const outputs = await ctx.ws.pulumi(["stack", "output", "--json", "--stack", STACK], "outputs");
    expectOk(outputs, "pulumi stack output");
    const o = JSON.parse(outputs.stdout) as { rolloutOutcome?: string };
    check(o.rolloutOutcome === "promoted", `rolloutOutcome is ${o.rolloutOutcome}, expected promoted`);
    return `pulumi up ${r.seconds.toFixed(1)}s; both Services select v1; rolloutOutcome promoted`;
  },
};

export const releaseV2: Scenario = {
  name: "release-v2",
  summary:
    "GIVEN v1 serving WHEN gateway.version v2 THEN the schedule's weights and pauses in order, promotion after 100, v1 retired in the background, no weight in state",
  run: async (ctx) => {
    const detail = await release(ctx, "v1", "v2", "up-v2");
    const hits = await weightInState(ctx);
    check(hits.length === 0, `canary-weight annotation found in state: ${hits.join(", ")}`);
    return `${detail}; no Pulumi-managed object carries ${ANNOTATION_CANARY_WEIGHT} in state`;
  },
};

export const holdThenResume: Scenario = {
  name: "hold-then-resume",
  summary:
    "GIVEN v2 serving WHEN v3 is released with its last step held THEN it holds at that weight; WHEN the full schedule is restored THEN it resumes without a reset",
  run: async (ctx) => {
    const full = stackSteps(ctx);
    const holdAt = full[full.length - 2]?.weight ?? fail("the e2e schedule needs at least two steps");
    editStack(ctx, (c) => {
      section(c, "gateway").version = "v3";
      const ro = section(c, "rollout");
      ro.steps = full.slice(0, -1);
      ro.stableVersion = "v2";
    });
    const r1 = await up(ctx, "up-v3-hold");
    expectOk(r1, "pulumi up (v3, held)");
    const weight = (await canaryAnnotations(ctx))[ANNOTATION_CANARY_WEIGHT];
    const stable = await selectorOf(ctx, STABLE_SERVICE);
    const canary = await selectorOf(ctx, CANARY_SERVICE);
    check(weight === String(holdAt), `held weight is ${weight}, expected ${holdAt}`);
    check(stable === "v2" && canary === "v3", `held: stable=${stable} canary=${canary}, expected v2 and v3`);
    check((await deployment(ctx, "v2")) !== undefined, "v2 was deleted during the hold");
    editStack(ctx, (c) => {
      const ro = section(c, "rollout");
      ro.steps = full;
      delete ro.stableVersion;
    });
    const since = Date.now();
    const r2 = await up(ctx, "up-v3-resume");
    expectOk(r2, "pulumi up (v3, resume)");
    const ended = Date.now();
    await sleep(1500);
    const weights = distinctWeights(ctx.watcher.since(since)).map((w) => w.weight);
    check(
      !weights.includes("0") && weights[0] !== String(full[0]?.weight),
      `resume restarted the schedule: weights ${weights.join(", ")}`,
    );
    check((await selectorOf(ctx, STABLE_SERVICE)) === "v3", "stable does not select v3 after the resume");
    const gone = ctx.watcher
      .since(since)
      .find((r) => r.kind === "Deployment" && r.name === versionedName("v2") && r.type === "DELETED");
    check(gone !== undefined, "v2 not deleted after promotion of v3");
    check(gone.t <= ended + 1000, "v2 deleted after the update ended");
    return `held at ${holdAt}% (stable v2, canary v3, up ${r1.seconds.toFixed(1)}s); resumed without reset: weights ${weights.join(", ")}; v3 promoted, v2 deleted (up ${r2.seconds.toFixed(1)}s)`;
  },
};

/** The emergency schedule of docs/operations.md, from whatever serves now back to v1. */
export function rollbackToV1(from: string): Scenario {
  return {
    name: "rollback-v1",
    summary: `GIVEN ${from} serving WHEN the emergency schedule [100] releases v1 THEN v1 is promoted in one step and ${from} retired`,
    run: async (ctx) => {
      const full = stackSteps(ctx);
      editStack(ctx, (c) => {
        section(c, "rollout").steps = [{ weight: 100 }];
      });
      try {
        return `emergency schedule [100]: ${await release(ctx, from, "v1", "up-rollback-v1")}`;
      } finally {
        editStack(ctx, (c) => {
          section(c, "rollout").steps = full;
        });
      }
    },
  };
}
