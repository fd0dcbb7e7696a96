/**
 * gateway.pod rendered by the real program: every key of the fixture stack
 * reaches the versioned Deployment, around what the program owns (the drain
 * contract's environment, the /tmp volume, the app and version labels, the
 * restricted security context), and each sidecar gets the gateway's
 * termination handling.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ENV_DRAIN_SECONDS, ENV_GATEWAY_VERSION, LABEL_APP, LABEL_VERSION } from "../../components/names";
import { FULL_POD, POD_STACK_BASE, podStackConfigMap } from "../helpers/podStack";
import { renderStack } from "../helpers/render";

type Json = Record<string, unknown>;
const get = (o: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v === undefined || v === null ? undefined : (v as Json)[k]), o);

async function deployment(): Promise<Json> {
  const rs = await renderStack(POD_STACK_BASE, false, podStackConfigMap());
  const d = rs.filter((r) => r.type === "kubernetes:apps/v1:Deployment");
  assert.equal(d.length, 1);
  return d[0]?.props as Json;
}

const RESTRICTED = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

describe("gateway.pod in the rendered Deployment", () => {
  it("GIVEN every pod key WHEN rendered THEN the gateway container takes env after the program's, envFrom, command and args", async () => {
    const gw = get(await deployment(), "spec.template.spec.containers.0") as Json;
    const env = gw.env as Json[];
    assert.deepEqual(
      env.map((e) => e.name),
      [ENV_DRAIN_SECONDS, "PORT", ENV_GATEWAY_VERSION, "POD_NAME", ...FULL_POD.env.map((e) => e.name)],
    );
    assert.deepEqual(env.slice(4), FULL_POD.env);
    assert.deepEqual(
      gw.envFrom,
      FULL_POD.envFrom.map((s) => ({ ...s })),
    );
    assert.deepEqual(gw.command, FULL_POD.command);
    assert.deepEqual(gw.args, FULL_POD.args);
  });

  it("GIVEN every pod key WHEN rendered THEN service account, scheduling, volumes and mounts sit beside the program's own", async () => {
    const pod = get(await deployment(), "spec.template.spec") as Json;
    assert.equal(pod.serviceAccountName, "ws-gateway");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(pod.nodeSelector, FULL_POD.nodeSelector);
    assert.deepEqual(pod.tolerations, FULL_POD.tolerations);
    assert.deepEqual(pod.affinity, FULL_POD.affinity);
    assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }, ...FULL_POD.volumes]);
    assert.deepEqual(get(pod, "containers.0.volumeMounts"), [
      { name: "tmp", mountPath: "/tmp" },
      ...FULL_POD.volumeMounts,
    ]);
  });

  it("GIVEN pod and Deployment metadata WHEN rendered THEN they are added and the program's labels and annotation stay", async () => {
    const d = await deployment();
    const podLabels = get(d, "spec.template.metadata.labels") as Json;
    assert.equal(podLabels[LABEL_APP], "ws-gateway");
    assert.equal(podLabels[LABEL_VERSION], "2f9c1ab");
    assert.equal(podLabels.team, "realtime");
    assert.deepEqual(get(d, "spec.template.metadata.annotations"), {
      ...FULL_POD.annotations,
      // The program's own: kept out of cluster-autoscaler scale-downs (docs/disruption-budget.md).
      "cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
    });
    assert.equal(get(d, "metadata.labels.team"), "realtime");
    // The team's annotations, and the program's (background deletion; the budget the pack reads).
    const annotations = get(d, "metadata.annotations") as Json;
    for (const [k, v] of Object.entries({
      ...FULL_POD.deploymentAnnotations,
      "pulumi.com/deletionPropagationPolicy": "background",
    })) {
      assert.equal(annotations[k], v, k);
    }
    assert.deepEqual(get(d, "spec.selector.matchLabels"), {
      [LABEL_APP]: "ws-gateway",
      [LABEL_VERSION]: "2f9c1ab",
    });
  });

  it("GIVEN a native sidecar WHEN rendered THEN it is an init container with restartPolicy Always, the drain env, no preStop and the restricted context", async () => {
    const init = get(await deployment(), "spec.template.spec.initContainers") as Json[];
    assert.equal(init.length, 1);
    const s = init[0] as Json;
    assert.equal(s.name, "auth-proxy");
    assert.equal(s.restartPolicy, "Always");
    assert.equal(s.lifecycle, undefined);
    assert.deepEqual(
      (s.env as Json[]).map((e) => e.name),
      [ENV_DRAIN_SECONDS, ENV_GATEWAY_VERSION, "POD_NAME", ...FULL_POD.sidecars[0].env.map((e) => e.name)],
    );
    assert.equal((s.env as Json[])[0]?.value, "1800");
    assert.deepEqual(s.securityContext, RESTRICTED);
    assert.deepEqual(s.resources, {
      requests: { cpu: "100m", memory: "64Mi" },
      limits: { memory: "128Mi", cpu: "500m" },
    });
    assert.deepEqual(s.volumeMounts, [
      { name: "tmp", mountPath: "/tmp" },
      ...FULL_POD.sidecars[0].volumeMounts,
    ]);
  });

  it("GIVEN a regular sidecar WHEN rendered THEN it follows the gateway with its preStop sleep, the drain env, default resources and the restricted context", async () => {
    const containers = get(await deployment(), "spec.template.spec.containers") as Json[];
    assert.deepEqual(
      containers.map((c) => c.name),
      ["gateway", "log-shipper"],
    );
    const s = containers[1] as Json;
    assert.equal(s.restartPolicy, undefined);
    assert.deepEqual(s.lifecycle, { preStop: { sleep: { seconds: 10 } } });
    assert.equal((s.env as Json[]).find((e) => e.name === ENV_DRAIN_SECONDS)?.value, "1800");
    assert.deepEqual(s.securityContext, RESTRICTED);
    assert.deepEqual(s.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } });
    assert.deepEqual(s.ports, [{ name: "shipper-metrics", containerPort: 9102, protocol: "TCP" }]);
  });
});
