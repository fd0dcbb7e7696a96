/**
 * A kubeconfig whose server is plain http on loopback (what `kubectl proxy`
 * serves, with no credentials): the provider and the rollout engine both
 * reach the cluster through it, and the release completes.
 */
import { CANARY_INGRESS } from "../../../components/names";
import { MERGE_PATCH_CONTENT_TYPE } from "../../../components/rollout/kubernetesRouter";
import { startApiProxy } from "../apiProxy";
import { release } from "./release";
import { check, editStack, section, stackSteps, type Scenario } from "./support";

export function plainHttpKubeconfig(from: string, to: string): Scenario {
  return {
    name: "plain-http-kubeconfig",
    summary: `GIVEN a kubeconfig naming http://127.0.0.1 (a kubectl-proxy-style loopback proxy, no credentials) WHEN ${to} is released with the schedule [100] THEN the release completes and the engine's canary writes went through the proxy`,
    run: async (ctx) => {
      const proxy = await startApiProxy(ctx.cp.target);
      const full = stackSteps(ctx);
      editStack(ctx, (c) => {
        section(c, "rollout").steps = [{ weight: 100 }];
      });
      try {
        const kubeconfig = proxy.kubeconfig(ctx.ws.workdir);
        const detail = await release(ctx, from, to, `up-${to}-plain-http`, { KUBECONFIG: kubeconfig });
        const canaryWrites = proxy.requests.filter(
          (r) =>
            r.startsWith("PATCH ") &&
            r.includes(`/ingresses/${CANARY_INGRESS}`) &&
            r.endsWith(MERGE_PATCH_CONTENT_TYPE),
        );
        check(
          canaryWrites.length > 0,
          `no PATCH of the canary Ingress went through ${proxy.url} (${proxy.requests.length} requests did): the engine did not use the kubeconfig`,
        );
        return `${proxy.requests.length} requests through ${proxy.url}, ${canaryWrites.length} merge PATCH of ${CANARY_INGRESS} (the engine's weight writes); ${detail}`;
      } finally {
        editStack(ctx, (c) => {
          section(c, "rollout").steps = full;
        });
        await proxy.close();
      }
    },
  };
}
