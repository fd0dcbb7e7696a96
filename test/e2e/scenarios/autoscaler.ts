/**
 * The autoscaler owns replicas: an in-place update of the serving Deployment
 * keeps the replica count the HPA controller set through /scale.
 */
import { versionedName } from "../../../components/names";
import { kubeRequest } from "../kube";
import {
  check,
  deployment,
  editStack,
  expectOk,
  fail,
  NS,
  section,
  sleep,
  tail,
  up,
  type Scenario,
} from "./support";

export const autoscalerOwnedReplicas: Scenario = {
  name: "autoscaler-owned-replicas",
  summary:
    "GIVEN v3 scaled by the autoscaler through /scale WHEN an in-place change is applied THEN no conflict, same uid, and replicas stay the autoscaler's",
  run: async (ctx) => {
    const name = versionedName("v3");
    const before = await deployment(ctx, "v3");
    const minReplicas = before?.spec?.replicas ?? fail(`${name} missing`);
    const scaled = minReplicas + 2;
    // The HPA controller writes replicas through the scale subresource as kube-controller-manager.
    await kubeRequest(
      ctx.cp.target,
      "PATCH",
      `/apis/apps/v1/namespaces/${NS}/deployments/${name}/scale?fieldManager=kube-controller-manager`,
      {
        body: { spec: { replicas: scaled } },
        contentType: "application/merge-patch+json",
      },
    );
    editStack(ctx, (c) => {
      const gw = section(c, "gateway");
      const res = (gw.resources ?? {}) as Record<string, unknown>;
      res.memoryRequest = "96Mi";
      gw.resources = res;
    });
    const since = Date.now();
    const r = await up(ctx, "up-v3-inplace");
    expectOk(r, "pulumi up (in-place change of the serving Deployment)");
    const live = await deployment(ctx, "v3");
    const uidBefore = before?.metadata?.uid;
    check(
      live?.metadata?.uid === uidBefore,
      `${name} was replaced (uid ${uidBefore} -> ${live?.metadata?.uid}), not updated in place`,
    );
    const memory = live?.spec?.template?.spec?.containers?.[0]?.resources?.requests?.memory;
    check(memory === "96Mi", `${name} memory request is ${memory} after the update, expected 96Mi`);
    check(!/conflict/i.test(r.output), `server-side apply conflict:\n${tail(r.output)}`);
    await sleep(2000);
    const after = await deployment(ctx, "v3");
    check(
      after?.spec?.replicas === scaled,
      `replicas are ${after?.spec?.replicas} after pulumi up, expected the autoscaler's ${scaled}`,
    );
    const resets = ctx.watcher
      .since(since)
      .filter(
        (e) =>
          e.kind === "Deployment" && e.name === name && e.replicas !== undefined && e.replicas !== scaled,
      );
    check(
      resets.length === 0,
      `replicas went to ${resets.map((e) => e.replicas).join(", ")} during the update`,
    );
    return `scaled ${name} ${minReplicas} -> ${scaled} via /scale as kube-controller-manager; in-place update (memoryRequest 96Mi) in ${r.seconds.toFixed(1)}s: no conflict, replicas stayed ${scaled}`;
  },
};
