/** The end: pulumi destroy leaves nothing of the program on the cluster. */
import { APP_NAME, LABEL_APP } from "../../../components/names";
import { kubeRequest } from "../kube";
import { STACK } from "../workspace";
import { NS, check, expectOk, get, type Scenario } from "./support";

export const destroy: Scenario = {
  name: "destroy",
  summary:
    "GIVEN the released stack WHEN pulumi destroy THEN no Deployment, Service, Ingress, HPA, PDB or namespace of the program is left and the stack is empty",
  run: async (ctx) => {
    const r = await ctx.ws.pulumi(["destroy", "--yes", "--skip-preview", "--stack", STACK], "destroy");
    expectOk(r, "pulumi destroy");
    const left: string[] = [];
    for (const p of [
      `/apis/apps/v1/deployments?labelSelector=${LABEL_APP}=${APP_NAME}`,
      `/api/v1/services?labelSelector=${LABEL_APP}=${APP_NAME}`,
      `/apis/networking.k8s.io/v1/ingresses?labelSelector=${LABEL_APP}=${APP_NAME}`,
      `/apis/autoscaling/v2/horizontalpodautoscalers?labelSelector=${LABEL_APP}=${APP_NAME}`,
      `/apis/policy/v1/poddisruptionbudgets?labelSelector=${LABEL_APP}=${APP_NAME}`,
    ]) {
      const list = (await kubeRequest(ctx.cp.target, "GET", p)) as {
        items: { metadata: { name: string } }[];
      };
      left.push(...list.items.map((i) => `${p.split("?")[0]}/${i.metadata.name}`));
    }
    const ns = await get(ctx, `/api/v1/namespaces/${NS}`);
    if (ns !== undefined) left.push(`namespace ${NS}`);
    check(left.length === 0, `left after destroy: ${left.join(", ")}`);
    const state = await ctx.ws.pulumi(["stack", "--stack", STACK, "--show-urns"], "stack-after-destroy");
    const remaining = (state.output.match(/urn:pulumi:/g) ?? []).length;
    check(remaining === 0, `the stack still holds ${remaining} resources`);
    return `pulumi destroy ${r.seconds.toFixed(1)}s; no Deployment, Service, Ingress, HPA, PDB or namespace left; stack empty`;
  },
};
