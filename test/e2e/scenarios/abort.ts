/**
 * The operator's abort: the annotation on the canary Ingress stops a release
 * mid-step, the weight goes back to 0, and then (rollout.onAbort drain) the
 * aborted version's pods are asked to drain: in that order, seen from the
 * watcher.
 */
import { ANNOTATION_CANARY_WEIGHT, CANARY_INGRESS, STABLE_SERVICE } from "../../../components/names";
import { ANNOTATION_ABORT, abortClearCommand } from "../../../components/rollout/abortAnnotation";
import {
  NS,
  annotateCanary,
  canaryAnnotations,
  check,
  editStack,
  firstStepAfter,
  iso,
  section,
  selectorOf,
  sleep,
  stackSteps,
  tail,
  up,
  type Scenario,
} from "./support";

const REASON = "e2e abort";

export function abortAnnotation(serving: string, aborted: string): Scenario {
  return {
    name: "abort-annotation",
    summary: `GIVEN ${serving} serving and ${aborted} at its first step WHEN the abort annotation is set THEN pulumi up fails with the engine's message and the fix, the weight is 0, and only then are the ${aborted} pods deleted (drained)`,
    run: async (ctx) => {
      const full = stackSteps(ctx);
      editStack(ctx, (c) => {
        section(c, "gateway").version = aborted;
        // Pauses long enough that the abort lands mid-step.
        section(c, "rollout").steps = full.map((s) => (s.pause === undefined ? s : { ...s, pause: "1m" }));
      });
      const since = Date.now();
      const annotate = (async () => {
        const step = await firstStepAfter(ctx, since);
        await annotateCanary(ctx, ANNOTATION_ABORT, REASON);
        return step;
      })();
      const r = await up(ctx, `up-${aborted}-abort`);
      const step = await annotate;
      try {
        check(r.code !== 0, "pulumi up succeeded despite the abort annotation");
        const gate = `gate abort-request failed: measured abort requested: ${JSON.stringify(REASON)}, threshold no ${ANNOTATION_ABORT} annotation on the canary Ingress; canary weight set back to 0`;
        const fix = `remove it with: ${abortClearCommand({ name: CANARY_INGRESS, namespace: NS })}`;
        // The engine's own line (its progress output) and the CLI's error line carry the same text.
        const lines = r.output.split("\n");
        const engineLine = lines.find(
          (l) => l.includes(`[ws-gateway rollout ${aborted}] warning: `) && l.includes(gate),
        );
        const errorLine = lines.find((l) => l.startsWith("error: ") && l.includes(gate)) ?? "";
        check(
          engineLine !== undefined && errorLine !== "",
          `the CLI output lacks the engine's message (${gate}):\n${tail(r.output)}`,
        );
        const engineText = engineLine.slice(engineLine.indexOf("warning: ") + "warning: ".length).trim();
        check(
          errorLine.slice("error: ".length).trim() === engineText,
          `the CLI's error differs from the engine's message:\n  ${errorLine}\n  ${engineText}`,
        );
        check(errorLine.includes(fix), `the message lacks the way out: ${fix}`);
        check(
          (await canaryAnnotations(ctx))[ANNOTATION_CANARY_WEIGHT] === "0",
          "the weight after the abort is not 0",
        );
        check(
          (await selectorOf(ctx, STABLE_SERVICE)) === serving,
          "the stable selector changed during an aborted release",
        );
        // The drain, from the watcher: every aborted-version pod deleted, none before the weight was 0.
        await sleep(1500);
        const ev = ctx.watcher.since(since);
        const zero = ev.find(
          (e) => e.kind === "Ingress" && e.name === CANARY_INGRESS && e.weight === "0" && e.t >= step.t,
        );
        check(zero !== undefined, `no weight 0 recorded after the first step (${iso(step.t)})`);
        const deleting = ev.filter(
          (e) => e.kind === "Pod" && e.version === aborted && (e.deleting === true || e.type === "DELETED"),
        );
        check(
          deleting.length > 0,
          `no ${aborted} pod was asked to drain (no deletion timestamp seen) after the abort:\n${tail(r.output)}`,
        );
        const early = deleting.filter((e) => e.t < zero.t);
        check(
          early.length === 0,
          `${early.map((e) => e.name).join(", ")} got a deletion timestamp at ${iso(early[0]?.t ?? 0)}, before the weight was 0 (${iso(zero.t)})`,
        );
        const pods = [...new Set(deleting.map((e) => e.name))];
        check(
          /canary clients moved to stable/.test(errorLine),
          `the message does not say the canary's clients were moved: ${errorLine}`,
        );
        return `abort requested at weight ${step.weight}% (${iso(step.t)}); weight 0 at ${iso(zero.t)}; ${pods.length} ${aborted} pod(s) deleted from ${iso(deleting[0]?.t ?? 0)}; pulumi up failed in ${r.seconds.toFixed(1)}s with: ${errorLine.trim()}`;
      } finally {
        // Withdraw the request, as the message says (also when a check above fails).
        await annotateCanary(ctx, ANNOTATION_ABORT, null);
      }
    },
  };
}
