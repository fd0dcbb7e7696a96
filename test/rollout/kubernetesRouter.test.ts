import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { runRollout } from "../../components/rollout/engine";
import { buildGates } from "../../components/rollout/gates";
import { loadKubeConfig } from "../../components/rollout/kubeClient";
import { KubernetesCanaryRouter } from "../../components/rollout/kubernetesRouter";
import { FakeClock, OK, RecordingLogger, scriptedGate } from "./fakes";
import { FakeKubeApi, INGRESS, INGRESS_PATH, NAMESPACE, pod } from "./fakeKubeApi";

const PODS_PATH =
  "/api/v1/namespaces/prod/pods?labelSelector=app.kubernetes.io%2Fname%3Dws-gateway%2Capp.kubernetes.io%2Fversion%3D2f9c1ab";

describe("KubernetesCanaryRouter against a fake API server", { timeout: 30_000 }, () => {
  let api: FakeKubeApi;
  let router: KubernetesCanaryRouter;

  beforeEach(async () => {
    api = await new FakeKubeApi().start();
    router = new KubernetesCanaryRouter({
      kubeconfig: api.kubeconfig(),
      namespace: NAMESPACE,
      canaryIngressName: INGRESS,
      version: "2f9c1ab",
      requestTimeoutSeconds: 0.3,
    });
  });
  afterEach(() => api.stop());

  it("GIVEN weight 25 WHEN set THEN it reads the Ingress, sends one merge patch of the weight and the exposure record conditional on the resourceVersion read, and reads the stored weight from the PATCH answer", async () => {
    const get = {
      method: "GET",
      url: INGRESS_PATH,
      contentType: undefined,
      authorization: "Bearer test-token",
      body: "",
    };

    await router.setCanaryWeight(25);

    assert.deepEqual(api.requests, [
      get,
      {
        method: "PATCH",
        url: INGRESS_PATH,
        contentType: "application/merge-patch+json",
        authorization: "Bearer test-token",
        body: '{"metadata":{"resourceVersion":"1","annotations":{"nginx.ingress.kubernetes.io/canary-weight":"25","ws-gateway.io/exposure":"{\\"version\\":\\"2f9c1ab\\",\\"weight\\":25}"}}}',
      },
    ]);
    assert.deepEqual(api.annotations, {
      "nginx.ingress.kubernetes.io/canary": "true",
      "nginx.ingress.kubernetes.io/canary-weight": "25",
      "ws-gateway.io/exposure": '{"version":"2f9c1ab","weight":25}',
    });
  });

  it("GIVEN someone writes the Ingress between our read and our patch WHEN the weight is set THEN the patch gets 409 Conflict and nothing of ours lands", async () => {
    api.reply = (request) => {
      if (request.method === "PATCH") api.resourceVersion += 1;
      return "default";
    };

    await assert.rejects(router.setCanaryWeight(25), {
      name: "KubernetesApiError",
      status: 409,
      transient: true,
    });

    assert.equal(api.annotations["nginx.ingress.kubernetes.io/canary-weight"], undefined);
  });

  it("GIVEN an exposure record of this version at 50 WHEN the weight is set to 10 THEN the record keeps 50, the highest weight reached", async () => {
    api.annotations["ws-gateway.io/exposure"] = '{"version":"2f9c1ab","weight":50}';

    await router.setCanaryWeight(10);

    assert.equal(api.annotations["ws-gateway.io/exposure"], '{"version":"2f9c1ab","weight":50}');
    assert.equal(await router.readExposure(), 50);
  });

  it("GIVEN an exposure record of another version WHEN read THEN this version's exposure is 0", async () => {
    api.annotations["ws-gateway.io/exposure"] = '{"version":"1a2b3c4","weight":100}';

    assert.equal(await router.readExposure(), 0);
  });

  it("GIVEN no weight annotation WHEN read THEN the weight is 0; GIVEN 40 THEN 40", async () => {
    assert.equal(await router.getCanaryWeight(), 0);
    api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "40";
    assert.equal(await router.getCanaryWeight(), 40);
  });

  it("GIVEN a weight annotation that is not a number WHEN read THEN it fails naming the Ingress", async () => {
    api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "lots";
    await assert.rejects(router.getCanaryWeight(), {
      message:
        'Ingress prod/ws-gateway-canary: annotation nginx.ingress.kubernetes.io/canary-weight is "lots", not an integer 0..100',
    });
  });

  it("GIVEN no abort annotation WHEN the abort request is read THEN it is undefined, from one GET of the canary Ingress", async () => {
    api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "25";
    assert.equal(await router.getAbortRequest(), undefined);
    assert.deepEqual(api.requests, [
      {
        method: "GET",
        url: INGRESS_PATH,
        contentType: undefined,
        authorization: "Bearer test-token",
        body: "",
      },
    ]);
  });

  it("GIVEN an abort annotation WHEN read THEN its reason comes from the same GET as the weight; an empty one still counts", async () => {
    api.annotations["ws-gateway.io/abort"] = "bad latency";
    assert.equal(await router.getAbortRequest(), "bad latency");
    assert.deepEqual(
      api.requests.map((request) => `${request.method} ${request.url}`),
      [`GET ${INGRESS_PATH}`],
    );
    api.annotations["ws-gateway.io/abort"] = "";
    assert.equal(await router.getAbortRequest(), "");
    assert.deepEqual(api.requests.at(-1)?.url, INGRESS_PATH);
  });

  it("GIVEN a malformed weight and an abort annotation WHEN the abort request is read THEN the weight does not hide it", async () => {
    api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "lots";
    api.annotations["ws-gateway.io/abort"] = "stop";
    assert.equal(await router.getAbortRequest(), "stop");
  });

  it("GIVEN the router WHEN asked where the abort request lives THEN it names its canary Ingress", () => {
    assert.deepEqual(router.canaryIngress, { namespace: NAMESPACE, name: INGRESS });
  });

  it("GIVEN the API answers 403 WHEN the abort request is read THEN the error names the Ingress", async () => {
    api.reply = () => ({ status: 403, reason: "Forbidden", message: "no" });
    await assert.rejects(router.getAbortRequest(), {
      message: `Kubernetes API GET ${INGRESS_PATH} (Ingress prod/ws-gateway-canary): HTTP 403 Forbidden: no; the credentials lack permission to get ingresses in namespace prod: grant it (see the rollout's RBAC in docs/release-safety.md) and run pulumi up again`,
      status: 403,
      reason: "Forbidden",
      path: INGRESS_PATH,
      transient: false,
    });
  });

  it("GIVEN a weight of 101 WHEN set THEN it is refused before any request", async () => {
    await assert.rejects(router.setCanaryWeight(101), {
      message: "canary weight 101 is not an integer from 0 to 100",
    });
    assert.deepEqual(api.requests, []);
  });

  it("GIVEN a mutating admission webhook that stores another weight WHEN the PATCH answer differs THEN setting fails", async () => {
    api.admit = (annotations) => {
      annotations["nginx.ingress.kubernetes.io/canary-weight"] = "0";
    };
    await assert.rejects(router.setCanaryWeight(25), {
      message: "Ingress prod/ws-gateway-canary: wrote canary weight 25 but read back 0",
    });
  });

  it("GIVEN canary pods WHEN listed THEN it sends the version label selector and reads readiness and restarts, skipping terminating pods", async () => {
    api.pods = [
      pod("gw-a", "2f9c1ab", true, [1, 2]),
      pod("gw-b", "2f9c1ab", false, [0]),
      pod("gw-c", "2f9c1ab", false, [0], true),
    ];

    const pods = await router.listCanaryPods();

    assert.deepEqual(pods, [
      { name: "gw-a", ready: true, restarts: 3 },
      { name: "gw-b", ready: false, restarts: 0 },
    ]);
    assert.deepEqual(api.requests, [
      { method: "GET", url: PODS_PATH, contentType: undefined, authorization: "Bearer test-token", body: "" },
    ]);
  });

  it("GIVEN pods with creation timestamps WHEN listed THEN each RFC 3339 time becomes epoch ms, and an unparsable one is left out", async () => {
    const created = (name: string, creationTimestamp: string) => {
      const base = pod(name, "2f9c1ab", true, [0]);
      return { ...base, metadata: { ...base.metadata, creationTimestamp } };
    };
    api.pods = [
      created("gw-a", "2026-03-01T12:00:00Z"),
      created("gw-b", "2026-03-01T13:30:05.250+01:00"),
      created("gw-c", "yesterday"),
      created("gw-d", "2026-02-30T00:00:00Z"),
      created("gw-e", ""),
    ];

    assert.deepEqual(await router.listCanaryPods(), [
      { name: "gw-a", ready: true, restarts: 0, createdAtMs: Date.UTC(2026, 2, 1, 12, 0, 0) },
      { name: "gw-b", ready: true, restarts: 0, createdAtMs: Date.UTC(2026, 2, 1, 12, 30, 5, 250) },
      { name: "gw-c", ready: true, restarts: 0 },
      { name: "gw-d", ready: true, restarts: 0 },
      { name: "gw-e", ready: true, restarts: 0 },
    ]);
  });

  for (const [status, reason, message] of [
    [404, "NotFound", 'ingresses.networking.k8s.io "ws-gateway-canary" not found'],
    [
      409,
      "Conflict",
      "Operation cannot be fulfilled on ingresses.networking.k8s.io: the object has been modified",
    ],
    [500, "InternalError", "etcdserver: request timed out"],
  ] as const) {
    it(`GIVEN the API answers ${status} WHEN the weight is set THEN the error names the path, the status and the reason, and says whether a retry can help`, async () => {
      api.reply = (request) => (request.method === "PATCH" ? { status, reason, message } : "default");
      const fix =
        status === 404
          ? "; the canary Ingress prod/ws-gateway-canary does not exist: check the namespace and canaryIngressName, and that the stack's routes were created (kubectl get ingress -n prod)"
          : "";
      await assert.rejects(router.setCanaryWeight(25), {
        name: "KubernetesApiError",
        status,
        reason,
        transient: status !== 404,
        mayHaveLanded: status === 500,
        message: `Kubernetes API PATCH ${INGRESS_PATH} (Ingress prod/ws-gateway-canary): HTTP ${status} ${reason}: ${message}${fix}`,
      });
    });
  }

  it("GIVEN a patch answered without the object WHEN the weight is set THEN it reads the Ingress back with a GET", async () => {
    api.reply = (request) => (request.method === "PATCH" ? "apply-then-empty" : "default");

    await router.setCanaryWeight(25);

    assert.deepEqual(
      api.requests.map((r) => r.method),
      ["GET", "PATCH", "GET"],
    );
    assert.equal(api.annotations["nginx.ingress.kubernetes.io/canary-weight"], "25");
  });

  it("GIVEN a patch that is accepted without the object and a read-back that fails WHEN the weight is set THEN the error says the write may have landed, with the read's status and path", async () => {
    let gets = 0;
    api.reply = (request) =>
      request.method === "PATCH"
        ? "apply-then-empty"
        : request.method === "GET" && ++gets === 2
          ? { status: 503, reason: "ServiceUnavailable", message: "etcd leader changed" }
          : "default";
    await assert.rejects(router.setCanaryWeight(25), {
      name: "KubernetesApiError",
      status: 503,
      method: "GET",
      path: INGRESS_PATH,
      transient: true,
      mayHaveLanded: true,
      message: `wrote canary weight 25, then reading it back failed: Kubernetes API GET ${INGRESS_PATH} (Ingress prod/ws-gateway-canary): HTTP 503 ServiceUnavailable: etcd leader changed`,
    });
    assert.equal(api.annotations["nginx.ingress.kubernetes.io/canary-weight"], "25");
  });

  it("GIVEN an API server that never answers WHEN the weight is read THEN it fails after the request timeout, naming the URL and the limit", async () => {
    api.reply = () => "hang";
    const started = Date.now();
    await assert.rejects(router.getCanaryWeight(), {
      name: "KubernetesApiError",
      message: `Kubernetes API GET ${api.url}${INGRESS_PATH} (Ingress prod/ws-gateway-canary): no answer within 0.3s (rollout.api.requestTimeout)`,
      transient: true,
      mayHaveLanded: false,
    });
    assert.ok(Date.now() - started < 2000);
  });

  it("GIVEN pods cannot be listed WHEN listed THEN the error names the selector", async () => {
    api.reply = () => ({
      status: 403,
      reason: "Forbidden",
      message: 'pods is forbidden: User "x" cannot list resource "pods"',
    });
    await assert.rejects(router.listCanaryPods(), {
      message: `Kubernetes API GET ${PODS_PATH} (pods prod/app.kubernetes.io/name=ws-gateway,app.kubernetes.io/version=2f9c1ab): HTTP 403 Forbidden: pods is forbidden: User "x" cannot list resource "pods"; the credentials lack permission to list pods in namespace prod: grant it (see the rollout's RBAC in docs/release-safety.md) and run pulumi up again`,
    });
  });

  describe("with the engine: the weight is never left above where it was", () => {
    const steps = [
      { weight: 5, pauseSeconds: 20 },
      { weight: 25, pauseSeconds: 20 },
      { weight: 100, pauseSeconds: 0 },
    ];
    const run = () => {
      const clock = new FakeClock();
      return runRollout({
        steps,
        gates: [scriptedGate("ok", clock, () => OK)],
        router,
        clock,
        logger: new RecordingLogger(),
        // Small budgets on the fake clock keep a hung server's attempts (0.3s real each) few.
        api: { retryBudgetSeconds: 2, abortBudgetSeconds: 2, random: () => 0 },
      });
    };
    const messageOf = async () => {
      const result = await run();
      return result.outcome.kind === "aborted"
        ? result.outcome.message
        : `not aborted: ${result.outcome.kind}`;
    };
    const patchedWeights = () =>
      api.requests
        .filter((r) => r.method === "PATCH")
        .map((r) => JSON.parse(r.body).metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]);
    const isPatchTo = (body: string, weight: number) =>
      (JSON.parse(body) as { metadata: { annotations: Record<string, string> } }).metadata.annotations[
        "nginx.ingress.kubernetes.io/canary-weight"
      ] === String(weight);

    for (const failure of ["500", "409", "hang", "apply-then-hang"] as const) {
      it(`GIVEN the patch to 25 ${failure === "apply-then-hang" ? "lands but is never answered" : `gets ${failure}`} WHEN the rollout reaches step 2 THEN the annotation ends at 0 and the rollout fails`, async () => {
        api.reply = (request) => {
          if (request.method !== "PATCH" || !isPatchTo(request.body, 25)) return "default";
          if (failure === "500") return { status: 500, reason: "InternalError", message: "boom" };
          if (failure === "409") return { status: 409, reason: "Conflict", message: "modified" };
          return failure;
        };
        assert.match(
          await messageOf(),
          /^step 2\/3 \(weight 25%\): could not set the canary weight to 25%: Kubernetes API PATCH .*; still failing after \d+ attempts in .* \(rollout.api.retryBudget 2s\); canary weight set back to 0$/,
        );
        assert.equal(api.weight, "0");
        const weights = patchedWeights();
        assert.deepEqual(weights.slice(0, 3), ["0", "5", "25"]);
        assert.equal(weights.at(-1), "0");
        assert.ok(weights.filter((w: string) => w === "25").length >= 3, `retried: ${weights.join(",")}`);
      });
    }

    it("GIVEN the abort annotation written during step 2 WHEN the next gate round reads it THEN the weight ends at 0, the message says how to remove it, and each round sent one GET of the Ingress", async () => {
      api.pods = [pod("gw-a", "2f9c1ab", true, [0])];
      const clock = new FakeClock();
      // Step 2 starts at 20s; written during 20s..30s, the 30s round is the first to see it.
      clock.onSleep = (nowMs) => {
        if (nowMs === 30_000) api.annotations["ws-gateway.io/abort"] = "bad latency";
      };
      const result = await runRollout({
        steps,
        gates: buildGates({ intervalSeconds: 10 }, router),
        router,
        clock,
        logger: new RecordingLogger(),
        gateIntervalSeconds: 10,
      });

      assert.equal(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        'step 2/3 (weight 25%): gate abort-request failed: measured abort requested: "bad latency", threshold no ws-gateway.io/abort annotation on the canary Ingress; canary weight set back to 0; remove it with: kubectl annotate ingress ws-gateway-canary -n prod ws-gateway.io/abort-',
      );
      assert.equal(api.weight, "0");
      // The engine only reads it: the request stays until the operator removes it.
      assert.equal(api.annotations["ws-gateway.io/abort"], "bad latency");
      // Rounds: 3 in step 1 (0s, 10s, 20s), 2 in step 2 (20s, 30s). Each reads the Ingress once (the
      // weight is not re-read during a pause); each of the 4 writes reads it once, before its PATCH.
      const count = (method: string, url: string) =>
        api.requests.filter((r) => r.method === method && r.url === url).length;
      assert.deepEqual(patchedWeights(), ["0", "5", "25", "0"]);
      assert.equal(count("GET", INGRESS_PATH), 4 + 5);
      assert.equal(count("GET", PODS_PATH), 2 + 5, "one pod list per step start and per round");
    });

    it("GIVEN every write fails with 503 after step 1 WHEN step 2 starts THEN the message says the reset failed too, what is left and the command, and the annotation stays at 5", async () => {
      // Once step 1's weight is stored, every write fails; a 503 may have landed (the write of 25 and the reset alike), so 5, 25 and 0 are all possible.
      api.reply = (request) =>
        request.method === "PATCH" && api.weight === "5"
          ? { status: 503, reason: "ServiceUnavailable", message: "down" }
          : "default";
      assert.match(
        await messageOf(),
        /; setting the canary weight back to 0 failed: Kubernetes API PATCH .*HTTP 503 ServiceUnavailable: down; still failing after \d+ attempts in .* \(rollout.api.abortBudget 2s\); left behind: the canary weight is 5%, 25% or 0% \(a write may have landed\); check the canary Ingress by hand \(kubectl get ingress ws-gateway-canary -n prod .*\) and set it to 0: kubectl annotate ingress ws-gateway-canary -n prod nginx.ingress.kubernetes.io\/canary-weight=0 --overwrite$/,
      );
      assert.equal(api.weight, "5");
    });

    it("GIVEN one 500 and one 409 on the patch to 25 WHEN the rollout runs THEN each is retried on a fresh read of the Ingress and it promotes", async () => {
      const script = [
        { status: 500, reason: "InternalError", message: "etcd leader changed" },
        { status: 409, reason: "Conflict", message: "the object has been modified" },
      ];
      api.reply = (request) =>
        request.method === "PATCH" && isPatchTo(request.body, 25) && script.length > 0
          ? (script.shift() ?? "default")
          : "default";
      const result = await run();
      assert.deepEqual(result.outcome, { kind: "promoted" });
      assert.deepEqual(patchedWeights(), ["0", "5", "25", "25", "25", "100"]);
      // Every attempt reads the Ingress and patches on what it read: a 409 is never answered with stale data.
      const patch25 = api.requests.findIndex((r) => r.method === "PATCH" && isPatchTo(r.body, 25));
      assert.deepEqual(
        api.requests.slice(patch25, patch25 + 5).map((r) => r.method),
        ["PATCH", "GET", "PATCH", "GET", "PATCH"],
      );
      assert.equal(result.events.filter((event) => event.kind === "retry").length, 2);
    });

    it("GIVEN a drain whose second delete fails once with 503 WHEN the engine retries the drain THEN the outcome still lists the pod deleted by the first attempt", async () => {
      api.pods = [pod("gw-a", "2f9c1ab", true, [0]), pod("gw-b", "2f9c1ab", true, [0])];
      let failures = 1;
      api.reply = (request) =>
        request.method === "DELETE" && request.url.endsWith("/gw-b") && failures-- > 0
          ? { status: 503, reason: "ServiceUnavailable", message: "down" }
          : "default";
      const clock = new FakeClock();
      const result = await runRollout({
        steps,
        gates: [
          scriptedGate("bad", clock, (ctx) =>
            ctx.step === 2 ? { ok: false, measured: "x", threshold: "y" } : OK,
          ),
        ],
        router,
        drainer: router,
        clock,
        logger: new RecordingLogger(),
      });
      const deletes = api.requests.filter((r) => r.method === "DELETE").map((r) => r.url);
      assert.deepEqual(deletes, [
        "/api/v1/namespaces/prod/pods/gw-a",
        "/api/v1/namespaces/prod/pods/gw-b",
        "/api/v1/namespaces/prod/pods/gw-b",
      ]);
      assert.equal(result.outcome.kind === "aborted" ? result.outcome.drained?.join(",") : "", "gw-a,gw-b");
      assert.match(
        result.outcome.kind === "aborted" ? result.outcome.message : "",
        /2 pods of the aborted version asked to drain \(gw-a, gw-b\)/,
      );
    });

    it("GIVEN onAbort drain WHEN a gate aborts THEN each live canary pod is deleted after the weight is 0, terminating ones skipped, a 404 counted as gone", async () => {
      api.pods = [
        pod("gw-a", "2f9c1ab", true, [0]),
        pod("gw-b", "2f9c1ab", true, [0]),
        pod("gw-c", "2f9c1ab", true, [0], true),
      ];
      const clock = new FakeClock();
      const result = await runRollout({
        steps,
        gates: [
          scriptedGate("bad", clock, (ctx) =>
            ctx.step === 2 ? { ok: false, measured: "x", threshold: "y" } : OK,
          ),
        ],
        router,
        drainer: router,
        clock,
        logger: new RecordingLogger(),
      });
      assert.equal(result.outcome.kind === "aborted" ? result.outcome.drained?.join(",") : "", "gw-a,gw-b");
      const deletes = api.requests.filter((r) => r.method === "DELETE").map((r) => r.url);
      assert.deepEqual(deletes, ["/api/v1/namespaces/prod/pods/gw-a", "/api/v1/namespaces/prod/pods/gw-b"]);
      const weightPatches = api.requests.flatMap((r, i) =>
        r.method === "PATCH" && r.body.includes("canary-weight") ? [i] : [],
      );
      const firstDelete = api.requests.map((r) => r.method).indexOf("DELETE");
      assert.ok((weightPatches.at(-1) ?? Infinity) < firstDelete, "weight 0 before any pod is deleted");
      // After the drain, the exposure record says its clients are gone: the next update need not drain again.
      assert.equal(api.annotations["ws-gateway.io/exposure"], '{"version":"2f9c1ab","weight":0}');
      assert.ok(api.requests.map((r) => r.method).lastIndexOf("PATCH") > firstDelete);
      assert.equal(api.weight, "0");
      assert.equal(
        router.drainCommand,
        "kubectl delete pods -n prod -l app.kubernetes.io/name=ws-gateway,app.kubernetes.io/version=2f9c1ab --wait=false",
      );
    });
  });
});

describe("kubeconfig loading", () => {
  let api: FakeKubeApi;
  let dir: string;
  before(async () => {
    api = await new FakeKubeApi().start();
    dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-"));
  });
  after(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("GIVEN a kubeconfig with an exec credential plugin WHEN a request is sent THEN the plugin's token is used", async () => {
    const plugin = path.join(dir, "plugin.js");
    writeFileSync(
      plugin,
      `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential",
        status: { token: "from-plugin-" + process.env.EXTRA, expirationTimestamp: "2999-01-01T00:00:00Z" } }));`,
    );
    const kubeconfig = JSON.stringify({
      "current-context": "gke",
      contexts: [{ name: "gke", context: { cluster: "c", user: "u" } }],
      clusters: [{ name: "c", cluster: { server: api.url, "insecure-skip-tls-verify": true } }],
      users: [
        {
          name: "u",
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: process.execPath,
              args: [plugin],
              env: [{ name: "EXTRA", value: "x" }],
            },
          },
        },
      ],
    });
    const router = new KubernetesCanaryRouter({
      kubeconfig,
      namespace: NAMESPACE,
      canaryIngressName: INGRESS,
      version: "v",
    });
    await router.getCanaryWeight();
    assert.equal(api.requests.at(-1)?.authorization, "Bearer from-plugin-x");
  });

  it("GIVEN an exec credential plugin that never finishes WHEN a request is sent THEN it fails after three request timeouts, saying so and how to refresh the credentials", async () => {
    const plugin = path.join(dir, "hang.js");
    writeFileSync(plugin, "setTimeout(() => undefined, 5000);");
    const kubeconfig = JSON.stringify({
      "current-context": "gke",
      contexts: [{ name: "gke", context: { cluster: "c", user: "u" } }],
      clusters: [{ name: "c", cluster: { server: api.url } }],
      users: [
        {
          name: "u",
          user: {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1beta1",
              command: process.execPath,
              args: [plugin],
            },
          },
        },
      ],
    });
    const router = new KubernetesCanaryRouter({
      kubeconfig,
      namespace: NAMESPACE,
      canaryIngressName: INGRESS,
      version: "v",
      requestTimeoutSeconds: 0.3,
    });
    const sentBefore = api.requests.length;
    const started = Date.now();
    await assert.rejects(router.getCanaryWeight(), (error: Error & { reason?: string }) => {
      assert.equal(error.reason, "CredentialsUnavailable");
      assert.match(
        error.message,
        /^Kubernetes API GET \/apis\/networking\.k8s\.io\/v1\/namespaces\/prod\/ingresses\/ws-gateway-canary \(Ingress prod\/ws-gateway-canary\): could not get credentials: no credentials within 0\.9s \(3 times rollout\.api\.requestTimeout, or what was left of the call's budget\): the exec credential plugin did not finish; the credentials of kubeconfig context "gke" could not be obtained: refresh them/,
      );
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 800 && elapsed < 4000, `gave up after ${elapsed}ms`);
    assert.equal(api.requests.length, sentBefore, "no request sent without credentials");
  });

  it("GIVEN KUBECONFIG names a missing file and an existing one WHEN loading the default THEN the existing one is used", async () => {
    const file = path.join(dir, "config");
    writeFileSync(file, api.kubeconfig("file-token"));
    const loaded = await loadKubeConfig({
      env: { KUBECONFIG: `${path.join(dir, "missing")}${path.delimiter}${file}`, HOME: dir },
    });
    assert.equal(loaded.server, api.url);
    assert.equal(loaded.context, "fake");
    assert.equal(loaded.kc.getCurrentUser()?.token, "file-token");
  });

  it("GIVEN no kubeconfig anywhere WHEN loading the default THEN the error lists where it looked", async () => {
    await assert.rejects(loadKubeConfig({ env: { HOME: path.join(dir, "nohome") } }), {
      message: `no kubeconfig found: looked at ${path.join(dir, "nohome", ".kube", "config")} and for an in-cluster service account; pass kubeconfig explicitly`,
    });
  });

  it("GIVEN a kubeconfig whose context names a missing cluster WHEN loaded THEN it says which", async () => {
    const text =
      "current-context: a\ncontexts:\n- name: a\n  context: {cluster: nope, user: u}\nclusters: []\nusers: []\n";
    await assert.rejects(loadKubeConfig({ kubeconfig: text }), {
      message: 'kubeconfig context "a" names a cluster that the kubeconfig does not define',
    });
  });

  it("GIVEN a kubeContext the kubeconfig lacks WHEN loaded THEN it lists the contexts there are", async () => {
    await assert.rejects(loadKubeConfig({ kubeconfig: api.kubeconfig(), kubeContext: "prod" }), {
      message: 'kubeconfig has no context named "prod" (it has: fake); set kubeContext to one of them',
    });
  });

  it("GIVEN an empty kubeconfig string WHEN a router is built THEN it uses the default lookup ($KUBECONFIG)", async () => {
    const file = path.join(dir, "default-config");
    writeFileSync(file, api.kubeconfig("default-token"));
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    try {
      const router = new KubernetesCanaryRouter({
        kubeconfig: "",
        namespace: NAMESPACE,
        canaryIngressName: INGRESS,
        version: "v",
      });
      await router.getCanaryWeight();
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
    assert.equal(api.requests.at(-1)?.authorization, "Bearer default-token");
  });
});
