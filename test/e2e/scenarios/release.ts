/**
 * A release as the watcher saw it: the checks every release scenario makes,
 * from the moment its `pulumi up` started to the moment it ended.
 */
import { CANARY_INGRESS, CANARY_SERVICE, STABLE_SERVICE, versionedName } from "../../../components/names";
import {
  IDENTITY_OFF_WARNING,
  check,
  distinctWeights,
  expectOk,
  first,
  iso,
  seconds,
  selectorOf,
  sleep,
  stackSteps,
  tail,
  up,
  type ScenarioContext,
} from "./support";

/**
 * A release: the new Deployment available before the canary selector moves,
 * the weight reset first, the weights in schedule order with their pauses,
 * the stable selector after the last step, the previous version deleted after
 * promotion with background propagation and without the update waiting.
 */
export async function checkRelease(
  ctx: ScenarioContext,
  from: string,
  to: string,
  since: number,
  upEnded: number,
  resumeFrom?: number,
): Promise<string> {
  const ev = ctx.watcher.since(since);
  const steps = stackSteps(ctx);
  const avail = first(
    ev,
    (r) =>
      r.kind === "Deployment" &&
      r.name === versionedName(to) &&
      (r.replicas ?? 0) > 0 &&
      (r.availableReplicas ?? 0) >= (r.replicas ?? 0),
    `available ${versionedName(to)}`,
  );
  const canary = first(
    ev,
    (r) => r.kind === "Service" && r.name === CANARY_SERVICE && r.selectorVersion === to,
    `canary selector -> ${to}`,
  );
  check(
    avail.t <= canary.t,
    `the canary selector moved to ${to} at ${iso(canary.t)}, before ${versionedName(to)} was available (${iso(avail.t)})`,
  );
  const before = ctx.watcher.records.filter(
    (r) => r.kind === "Ingress" && r.name === CANARY_INGRESS && r.t <= canary.t && r.weight !== undefined,
  );
  const weightAtSwitch = before[before.length - 1]?.weight;
  if (resumeFrom === undefined) {
    check(
      weightAtSwitch === undefined || weightAtSwitch === "0",
      `the canary weight was ${weightAtSwitch} when the canary selector moved to ${to}, not 0`,
    );
  }
  const weights = distinctWeights(ev.filter((r) => r.t >= canary.t));
  const expected = steps
    .map((s) => String(s.weight))
    .filter((w) => resumeFrom === undefined || Number(w) > resumeFrom);
  const seen = weights.map((w) => w.weight).filter((w) => w !== "0");
  check(
    JSON.stringify(seen) === JSON.stringify(expected),
    `weights after the canary switch were [${seen.join(", ")}], schedule [${expected.join(", ")}]`,
  );
  const pauses: string[] = [];
  for (let i = 0; i + 1 < weights.length; i++) {
    const w = weights[i];
    const next = weights[i + 1];
    if (w === undefined || next === undefined || w.weight === "0") continue;
    const step = steps.find((s) => String(s.weight) === w.weight);
    const held = (next.t - w.t) / 1000;
    const pause = seconds(step?.pause);
    // The watcher sees both changes through the same API server; allow 0.3 s of delivery skew.
    check(held >= pause - 0.3, `weight ${w.weight} held ${held.toFixed(1)}s, less than its pause ${pause}s`);
    pauses.push(`${w.weight}%: ${held.toFixed(1)}s (pause ${pause}s)`);
  }
  const lastWeight = weights[weights.length - 1];
  const stable = first(
    ev,
    (r) => r.kind === "Service" && r.name === STABLE_SERVICE && r.selectorVersion === to,
    `stable selector -> ${to}`,
  );
  check(
    lastWeight !== undefined && lastWeight.weight === "100" && lastWeight.t <= stable.t,
    `the stable selector moved to ${to} at ${iso(stable.t)} before the last step (weight 100)`,
  );
  let retire = "";
  if (from !== to) {
    const gone = first(
      ev,
      (r) => r.kind === "Deployment" && r.name === versionedName(from) && r.type === "DELETED",
      `deletion of ${versionedName(from)}`,
    );
    check(
      gone.t >= stable.t,
      `${versionedName(from)} was deleted at ${iso(gone.t)}, before promotion (${iso(stable.t)})`,
    );
    const foreground = ev.find(
      (r) => r.kind === "Deployment" && r.name === versionedName(from) && r.deleting === true && r.t < gone.t,
    );
    check(
      foreground === undefined,
      `${versionedName(from)} sat in deletion (foreground propagation) from ${iso(foreground?.t ?? 0)}`,
    );
    const podGone = ev.filter((r) => r.kind === "Pod" && r.version === from && r.type === "DELETED");
    const lastPod = podGone[podGone.length - 1];
    check(
      podGone.every((p) => p.t >= gone.t),
      `a ${from} pod vanished before its Deployment: not background propagation`,
    );
    const stillThere = lastPod === undefined || lastPod.t > upEnded;
    check(
      stillThere,
      `every ${from} pod was gone (${iso(lastPod?.t ?? 0)}) before pulumi up ended (${iso(upEnded)}): the update waited for the drain`,
    );
    retire = `; ${versionedName(from)} deleted ${iso(gone.t)} (background: Deployment gone first, its pods draining until ${lastPod === undefined ? "after the run" : iso(lastPod.t)}, update ended ${iso(upEnded)})`;
  }
  return (
    `${versionedName(to)} available ${iso(avail.t)} <= canary selector ${iso(canary.t)}; weights ${weights.map((w) => `${w.weight}@${iso(w.t)}`).join(" ")}; ` +
    `pauses ${pauses.join(", ")}; stable selector ${iso(stable.t)}` +
    retire
  );
}

/** `gateway.version` from -> to through the CLI, one `pulumi up`, then checkRelease. */
export async function release(
  ctx: ScenarioContext,
  from: string,
  to: string,
  label: string,
  env?: Readonly<Record<string, string>>,
): Promise<string> {
  expectOk(await ctx.ws.configSet("gateway.version", to), "pulumi config set gateway.version");
  const since = Date.now();
  const r = await up(ctx, label, undefined, env);
  expectOk(r, `pulumi up (${from} -> ${to})`);
  const ended = Date.now();
  // The e2e data plane is one reference gateway naming one version, so identity is off: the release must say so.
  check(
    r.output.includes(IDENTITY_OFF_WARNING),
    `the release does not say identity is off:\n${tail(r.output)}`,
  );
  await sleep(1500);
  check((await selectorOf(ctx, STABLE_SERVICE)) === to, `stable Service does not select ${to}`);
  return `pulumi up ${r.seconds.toFixed(1)}s; ` + (await checkRelease(ctx, from, to, since, ended));
}
