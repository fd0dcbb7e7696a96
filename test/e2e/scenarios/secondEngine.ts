/**
 * One writer per canary: another release (another stack, or a process left
 * by a cancelled update) holds the canary's release Lease. This update is
 * refused before it writes anything, naming the holder and its stack; once
 * the Lease is gone the same update finishes the release.
 */
import {
  CANARY_INGRESS,
  CANARY_SERVICE,
  STABLE_SERVICE,
  ANNOTATION_CANARY_WEIGHT,
} from "../../../components/names";
import {
  ANNOTATION_LEASE_STACK,
  LEASE_DURATION_SECONDS,
  leaseName,
  microTime,
} from "../../../components/rollout/lease";
import { ApiError, kubeRequest } from "../kube";
import {
  NS,
  canaryAnnotations,
  check,
  checkCleanOutput,
  editStack,
  expectOk,
  section,
  selectorOf,
  sleep,
  tail,
  up,
  type Scenario,
  type ScenarioContext,
} from "./support";

const OTHER_HOLDER = "other-stack pid 4242 on another-host (e2e)";
const OTHER_STACK = "team-b/prod";
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
const LEASE = `${LEASES}/${leaseName(CANARY_INGRESS)}`;

async function deleteLease(ctx: ScenarioContext): Promise<void> {
  try {
    await kubeRequest(ctx.cp.target, "DELETE", LEASE);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
}

/** What a second engine leaves on the cluster while it runs: a Lease it renews. */
async function takeLeaseAsAnotherRelease(ctx: ScenarioContext): Promise<void> {
  await deleteLease(ctx);
  const now = microTime(Date.now());
  await kubeRequest(ctx.cp.target, "POST", LEASES, {
    body: {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: leaseName(CANARY_INGRESS), annotations: { [ANNOTATION_LEASE_STACK]: OTHER_STACK } },
      spec: {
        holderIdentity: OTHER_HOLDER,
        leaseDurationSeconds: LEASE_DURATION_SECONDS,
        acquireTime: now,
        renewTime: now,
      },
    },
  });
}

export function secondEngineRefused(serving: string, to: string): Scenario {
  return {
    name: "second-engine-refused",
    summary: `GIVEN another release holding the canary's Lease WHEN pulumi up releases ${to} THEN it is refused naming the holder and its stack, nothing routed changes; WHEN the Lease is gone THEN the same update promotes ${to}`,
    run: async (ctx) => {
      editStack(ctx, (c) => {
        section(c, "gateway").version = to;
        // Back to the default budget (the outage scenario shortened it).
        const ro = section(c, "rollout");
        delete ro.api;
      });
      const weightBefore = (await canaryAnnotations(ctx))[ANNOTATION_CANARY_WEIGHT];
      const canaryBefore = await selectorOf(ctx, CANARY_SERVICE);
      await takeLeaseAsAnotherRelease(ctx);
      let refused;
      try {
        refused = await up(ctx, `up-${to}-second-engine`);
      } finally {
        await deleteLease(ctx);
      }
      checkCleanOutput(refused);
      check(
        refused.code !== 0,
        `pulumi up went ahead while another release held the Lease:\n${tail(refused.output)}`,
      );
      const line =
        refused.output
          .split("\n")
          .find((l) => l.startsWith("error: ") && l.includes(`held by "${OTHER_HOLDER}"`)) ?? "";
      check(line !== "", `no error names the holder "${OTHER_HOLDER}":\n${tail(refused.output)}`);
      check(line.includes(`(stack ${OTHER_STACK})`), `the refusal does not name the holder's stack: ${line}`);
      check(/nothing was changed/.test(line), `the refusal does not say nothing was changed: ${line}`);
      check(/kubectl delete lease/.test(line), `the refusal gives no way out: ${line}`);
      const weightAfter = (await canaryAnnotations(ctx))[ANNOTATION_CANARY_WEIGHT];
      check(weightAfter === weightBefore, `the canary weight changed from ${weightBefore} to ${weightAfter}`);
      check(
        (await selectorOf(ctx, CANARY_SERVICE)) === canaryBefore,
        `the canary Service moved off ${canaryBefore} while another release held the Lease`,
      );
      check((await selectorOf(ctx, STABLE_SERVICE)) === serving, `the stable Service moved off ${serving}`);
      // The other release is gone: the same update goes through.
      await sleep(500);
      const rerun = await up(ctx, `up-${to}-after-lease`);
      expectOk(rerun, `pulumi up (${to}) once the Lease was gone`);
      check((await selectorOf(ctx, STABLE_SERVICE)) === to, `stable does not select ${to}`);
      return `refused in ${refused.seconds.toFixed(1)} s: ${line.trim()}; weight ${weightBefore ?? "unset"} and the canary selector untouched; after the Lease was gone pulumi up promoted ${to} in ${rerun.seconds.toFixed(1)} s`;
    },
  };
}
