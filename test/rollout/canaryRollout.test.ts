/**
 * The dynamic providers as Pulumi runs them: registered under mocks (which
 * serializes the provider into `__provider`), then loaded from that text in a
 * fresh plain `node` process the way @pulumi/pulumi's dynamic-provider host
 * does (`requireFromString(text).handler()`), and driven against a fake
 * Kubernetes API server.
 */
import assert from "node:assert/strict";
import { execFile, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { WebSocketServer } from "ws";
import { VERSION_HEADER } from "../../components/names";
import { CanaryRollout, CanaryWeightReset } from "../../components/rollout/canaryRollout";
import { FakeKubeApi, INGRESS, INGRESS_PATH, LEASE_PATH, NAMESPACE, pod } from "./fakeKubeApi";

const registered: pulumi.runtime.MockResourceArgs[] = [];

/** The project root: the dynamic-provider host runs in it, so packages resolve from its node_modules. */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");

const HARNESS = `
const fs = require("fs");
const requireFromString = require(process.env.REQUIRE_FROM_STRING);
const [providerFile, requestFile] = process.argv.slice(2);
const provider = requireFromString(fs.readFileSync(providerFile, "utf8")).handler();
const request = JSON.parse(fs.readFileSync(requestFile, "utf8"));
provider[request.op](...request.args).then(
  (result) => process.stdout.write(JSON.stringify({ result })),
  (error) => process.stdout.write(JSON.stringify({ error: error.message })),
);
`;

interface HostAnswer {
  readonly result?: Record<string, unknown>;
  readonly error?: string;
  readonly stderr: string;
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

function isDynamic(type: string): (args: pulumi.runtime.MockResourceArgs) => boolean {
  return (args) => args.type === `pulumi-nodejs:dynamic/ws-gateway:${type}`;
}

describe("dynamic providers, serialized and run in a fresh node process", { timeout: 120_000 }, () => {
  let dir: string;
  let api: FakeKubeApi;
  let resetProvider = "";
  let rolloutProvider = "";
  let requestCount = 0;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "canary-provider-"));
    writeFileSync(path.join(dir, "host.js"), HARNESS);
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "ws-gateway",
      "test",
      false,
    );
    const reset = new CanaryWeightReset("reset", {
      namespace: NAMESPACE,
      canaryIngressName: INGRESS,
      version: "v1",
    });
    const rollout = new CanaryRollout("rollout", {
      namespace: NAMESPACE,
      canaryIngressName: INGRESS,
      version: "v1",
      kubeconfig: "secret-kubeconfig",
      steps: [{ weight: 100, pauseSeconds: 0 }],
      gates: { intervalSeconds: 10 },
    });
    await Promise.all([promiseOf(reset.urn), promiseOf(rollout.urn)]);
    resetProvider = registered.find(isDynamic("CanaryWeightReset"))?.inputs.__provider;
    rolloutProvider = registered.find(isDynamic("CanaryRollout"))?.inputs.__provider;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    api = await new FakeKubeApi().start();
  });
  afterEach(() => api.stop());

  /** Runs one provider method in a fresh node process, as Pulumi's dynamic-provider host would. */
  function host(providerText: string, op: string, ...args: unknown[]): Promise<HostAnswer> {
    return hostWith(() => undefined, providerText, op, ...args);
  }

  function hostWith(
    onSpawn: (child: ChildProcess) => void,
    providerText: string,
    op: string,
    ...args: unknown[]
  ): Promise<HostAnswer> {
    requestCount += 1;
    const providerFile = path.join(dir, `provider-${requestCount}.js`);
    const requestFile = path.join(dir, `request-${requestCount}.json`);
    writeFileSync(providerFile, providerText);
    writeFileSync(requestFile, JSON.stringify({ op, args }));
    const requireFromString = require.resolve("require-from-string", {
      paths: [path.dirname(require.resolve("@pulumi/pulumi"))],
    });
    return new Promise((resolve, reject) => {
      const child = execFile(
        process.execPath,
        [path.join(dir, "host.js"), providerFile, requestFile],
        {
          cwd: PROJECT_ROOT,
          timeout: 20_000,
          env: { ...process.env, REQUIRE_FROM_STRING: requireFromString },
        },
        (error, stdout, stderr) => {
          if (error !== null) {
            reject(new Error(`provider host failed: ${error.message}\n${stderr}`));
            return;
          }
          resolve({ ...(JSON.parse(stdout) as Omit<HostAnswer, "stderr">), stderr });
        },
      );
      onSpawn(child);
    });
  }

  // The weights written, in order; patches of the exposure record alone (after a drain) carry none.
  const patchedWeights = () =>
    api.requests
      .filter((request) => request.method === "PATCH")
      .map(
        (request) =>
          JSON.parse(request.body).metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"] as
            string | undefined,
      )
      .filter((weight) => weight !== undefined);

  const target = (version: string) => ({
    namespace: NAMESPACE,
    canaryIngressName: INGRESS,
    version,
    kubeconfig: api.kubeconfig(),
  });

  it("GIVEN the resources under mocks WHEN registered THEN each carries its provider as serialized text that requires packages by name and holds our code by value", () => {
    assert.equal(typeof resetProvider, "string");
    assert.equal(typeof rolloutProvider, "string");
    assert.match(rolloutProvider, /exports\.handler/);
    assert.match(rolloutProvider, /require\("ws"\)/);
    assert.match(rolloutProvider, /require\("@kubernetes\/client-node"\)/);
    assert.ok(!rolloutProvider.includes("class KubeApiError"), "no subclass of a built-in is captured");
    assert.doesNotMatch(rolloutProvider, /extends (Error|Map|Set|Array|Promise)\b/);
    assert.ok(
      !rolloutProvider.includes(PROJECT_ROOT),
      "no absolute path of this checkout is frozen into state",
    );
    assert.ok(!rolloutProvider.includes("@pulumi/pulumi"), "the provider does not load the Pulumi SDK");
    // Probe headers read from the environment (fromEnv) must be read when the rollout runs, never captured.
    assert.ok(
      !rolloutProvider.includes(process.env.PATH ?? "\0"),
      "the environment is read at run time, not frozen into state",
    );
    const rollout = registered.find(isDynamic("CanaryRollout"));
    assert.deepEqual(rollout?.inputs.steps, [{ weight: 100, pauseSeconds: 0 }]);
  });

  it("GIVEN an invalid schedule WHEN a CanaryRollout is declared THEN it fails before registering", () => {
    assert.throws(
      () =>
        new CanaryRollout("bad", {
          namespace: NAMESPACE,
          canaryIngressName: INGRESS,
          version: "v1",
          steps: [
            { weight: 50, pauseSeconds: 60 },
            { weight: 50, pauseSeconds: 0 },
          ],
          gates: { intervalSeconds: 10 },
        }),
      {
        message:
          "CanaryRollout bad: invalid rollout schedule: step 2/2: weight 50 must be above the previous step's weight 50 (weights strictly rise)",
      },
    );
    assert.equal(registered.filter((args) => args.name === "bad").length, 0);
  });

  describe("CanaryWeightReset", () => {
    it("GIVEN a new version WHEN created THEN the weight is patched to 0", async () => {
      api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "100";
      const answer = await host(resetProvider, "create", target("v2"));
      assert.equal(answer.error, undefined);
      assert.deepEqual(answer.result, {
        id: "prod/ws-gateway-canary",
        outs: { namespace: NAMESPACE, canaryIngressName: INGRESS, version: "v2", weight: 0 },
      });
      assert.deepEqual(patchedWeights(), ["0"]);
      assert.match(
        answer.stderr,
        /\[ws-gateway rollout v2\] canary weight set to 0% before the canary points at v2/,
      );
    });

    it("GIVEN the same version WHEN diffed THEN there is no change; GIVEN another version THEN there is", async () => {
      const olds = { namespace: NAMESPACE, canaryIngressName: INGRESS, version: "v2", weight: 0 };
      assert.deepEqual((await host(resetProvider, "diff", "id", olds, target("v2"))).result, {
        changes: false,
      });
      assert.deepEqual((await host(resetProvider, "diff", "id", olds, target("v3"))).result, {
        changes: true,
      });
      assert.deepEqual(api.requests, []);
    });

    it("GIVEN a version change WHEN updated THEN the weight is patched to 0", async () => {
      api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "100";
      const olds = { namespace: NAMESPACE, canaryIngressName: INGRESS, version: "v2", weight: 0 };
      const answer = await host(resetProvider, "update", "id", olds, target("v3"));
      assert.deepEqual(answer.result, { outs: { ...olds, version: "v3" } });
      assert.equal(api.weight, "0");
    });
  });

  describe("data-plane gates in the host process", () => {
    let wsServer: http.Server;
    let wsUrl = "";
    let dropAfterMs: number | undefined;
    // The controller's sync lag, played: this many upgrades are answered by the healthy stable
    // version v1 before the canary version v2 answers (every answer names its version).
    let stableAnswersFirst = 0;
    before(async () => {
      wsServer = http.createServer();
      const wss = new WebSocketServer({ server: wsServer });
      const onStable = new WeakSet<object>();
      wss.on("headers", (headers, request) => {
        const stable = stableAnswersFirst > 0;
        if (stable) {
          stableAnswersFirst -= 1;
          onStable.add(request);
        }
        headers.push(`${VERSION_HEADER}: ${stable ? "v1" : "v2"}`);
      });
      wss.on("connection", (socket, request) => {
        socket.on("message", (data) => socket.send(data));
        if (dropAfterMs !== undefined && !onStable.has(request))
          setTimeout(() => socket.terminate(), dropAfterMs);
      });
      await new Promise<void>((resolve) => wsServer.listen(0, "127.0.0.1", () => resolve()));
      wsUrl = `ws://127.0.0.1:${(wsServer.address() as AddressInfo).port}/`;
    });
    after(async () => {
      wsServer.closeAllConnections();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    });
    const previous = {
      namespace: NAMESPACE,
      canaryIngressName: INGRESS,
      version: "v1",
      steps: [],
      gates: { intervalSeconds: 0.1 },
      outcome: "promoted",
      weight: 100,
    };
    const gates = () => ({
      intervalSeconds: 0.1,
      handshake: { url: wsUrl, timeoutSeconds: 1, message: "ping" },
      survival: { connections: 3, pingIntervalSeconds: 0.1, pongTimeoutSeconds: 0.5 },
    });
    const steps = [
      { weight: 10, pauseSeconds: 1 },
      { weight: 100, pauseSeconds: 0 },
    ];

    it("GIVEN a healthy version WHEN the rollout runs in the host THEN the handshake and survival gates pass and it promotes", async () => {
      dropAfterMs = undefined;
      stableAnswersFirst = 0;
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      const answer = await host(rolloutProvider, "update", "id", previous, {
        ...target("v2"),
        steps,
        gates: gates(),
      });
      assert.equal(answer.error, undefined, answer.stderr);
      assert.equal(answer.result?.outs && (answer.result.outs as { outcome: string }).outcome, "promoted");
    });

    it("GIVEN a version that drops sockets 0.3s after the upgrade WHEN the rollout runs in the host THEN ws-survival aborts step 1 with the close codes and the canary is drained", async () => {
      dropAfterMs = 300;
      stableAnswersFirst = 0;
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      const answer = await host(rolloutProvider, "update", "id", previous, {
        ...target("v2"),
        steps,
        gates: gates(),
      });
      assert.match(
        answer.error ?? "",
        /^step 1\/2 \(weight 10%\): gate ws-survival failed: measured 3 of 3 probe connections failed \(#1 closed with code 1006 after 0\.\d+s; #2 closed with code 1006 after 0\.\d+s; #3 closed with code 1006 after 0\.\d+s\), threshold 3 connections through the canary on version v2 held open, each answering a ping every 0\.1s within 0\.5s; canary weight set back to 0; canary clients moved to stable: 1 pod of the aborted version asked to drain \(gw-v2-a\)/,
      );
      assert.equal(api.weight, "0");
    });

    it("GIVEN the first upgrades answered by the healthy stable version (sync lag) and a canary that drops sockets WHEN the rollout runs in the host THEN the probes re-dial until v2 answers and ws-survival still aborts step 1", async () => {
      // GIVEN: the route and every probe's first dials land on v1, which never drops
      dropAfterMs = 300;
      stableAnswersFirst = 6;
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      // WHEN
      const answer = await host(rolloutProvider, "update", "id", previous, {
        ...target("v2"),
        steps,
        gates: gates(),
      });
      // THEN: measured on v2, not on the v1 answers
      assert.equal(stableAnswersFirst, 0, "the v1 answers were all used up by re-dials");
      assert.match(
        answer.error ?? "",
        /^step 1\/2 \(weight 10%\): gate ws-survival failed: measured [1-3] of 3 probe connections failed \(#/,
      );
      assert.match(answer.error ?? "", /through the canary on version v2 held open/);
      assert.equal(api.weight, "0");
    });

    it("GIVEN a route that keeps answering with the stable version WHEN the rollout runs in the host THEN it aborts before the first step naming the version that answered", async () => {
      // GIVEN: more v1 answers than the route check's bound allows for
      dropAfterMs = undefined;
      stableAnswersFirst = 1000;
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      // WHEN
      const answer = await host(rolloutProvider, "update", "id", previous, {
        ...target("v2"),
        steps,
        gates: { ...gates(), canaryRouteWaitSeconds: 2 },
      });
      stableAnswersFirst = 0;
      // THEN
      assert.match(
        answer.error ?? "",
        /^before the first step: gate canary-route failed: measured the canary route answered \d+ dials in 2s with v1 x\d+, never with the canary version v2/,
      );
      assert.deepEqual(patchedWeights(), ["0", "0"], "no weight above 0 was ever written");
    });
  });

  describe("API errors as they reach Pulumi, through the serialized provider", () => {
    const RBAC = "see the rollout's RBAC in docs/release-safety.md";
    const head = `could not set the canary weight to 0 before the canary points at v2: Kubernetes API PATCH ${INGRESS_PATH} (Ingress prod/ws-gateway-canary)`;
    const moved = "nothing moved: the canary still serves the previous version";
    const unchanged = "nothing was changed";
    const noRetry = "not retried (rollout.api.retryBudget 0s)";
    const cases = [
      {
        status: 401,
        reason: "Unauthorized",
        message: "Unauthorized",
        expected: `${head}: HTTP 401 Unauthorized: Unauthorized; ${moved}; the credentials of kubeconfig context "fake" were refused (expired or revoked): refresh them and run pulumi up again (GKE: gcloud container clusters get-credentials CLUSTER --region REGION, with gke-gcloud-auth-plugin installed and on PATH; otherwise renew the token or client certificate of that context, or pick another with rollout kubeContext)`,
      },
      {
        status: 403,
        reason: "Forbidden",
        message:
          'ingresses.networking.k8s.io "ws-gateway-canary" is forbidden: User "ci" cannot patch resource "ingresses"',
        expected: `${head}: HTTP 403 Forbidden: ingresses.networking.k8s.io "ws-gateway-canary" is forbidden: User "ci" cannot patch resource "ingresses"; ${moved}; the credentials lack permission to patch ingresses in namespace prod: grant it (${RBAC}) and run pulumi up again`,
      },
      {
        status: 404,
        reason: "NotFound",
        message: 'ingresses.networking.k8s.io "ws-gateway-canary" not found',
        expected: `${head}: HTTP 404 NotFound: ingresses.networking.k8s.io "ws-gateway-canary" not found; ${moved}; the canary Ingress prod/ws-gateway-canary does not exist: check the namespace and canaryIngressName, and that the stack's routes were created (kubectl get ingress -n prod)`,
      },
      {
        status: 409,
        reason: "Conflict",
        message: "the object has been modified",
        expected: `${head}: HTTP 409 Conflict: the object has been modified; ${noRetry}; ${moved}`,
      },
      {
        status: 429,
        reason: "TooManyRequests",
        message: "too many requests",
        expected: `${head}: HTTP 429 TooManyRequests: too many requests; ${noRetry}; ${moved}`,
      },
      {
        status: 500,
        reason: "InternalError",
        message: "etcdserver: request timed out",
        expected: `${head}: HTTP 500 InternalError: etcdserver: request timed out; ${noRetry}; ${moved}`,
      },
    ] as const;
    for (const c of cases) {
      it(`GIVEN the API answers ${c.status} WHEN the weight reset runs in the host THEN the error is the real message with status, reason, path and what to do`, async () => {
        // The weight write is the PATCH; the release Lease and the read before the write pass.
        api.reply = (request) =>
          request.method === "PATCH" ? { status: c.status, reason: c.reason, message: c.message } : "default";
        const answer = await host(resetProvider, "create", { ...target("v2"), retryBudgetSeconds: 0 });
        assert.equal(answer.error, c.expected);
      });
    }

    it("GIVEN a kubeconfig whose exec credential plugin fails WHEN the weight reset runs in the host THEN the error says how to refresh the credentials", async () => {
      const plugin = path.join(dir, "failing-plugin.js");
      writeFileSync(plugin, 'process.stderr.write("token expired, run gcloud auth login"); process.exit(1);');
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
              },
            },
          },
        ],
      });
      const answer = await host(resetProvider, "create", { ...target("v2"), kubeconfig });
      const error = answer.error ?? "";
      const head = `could not take the release Lease of the canary Ingress: Kubernetes API GET ${LEASE_PATH} (Lease prod/ws-gateway-canary-release): could not get credentials: `;
      const tail = `; ${unchanged}; the credentials of kubeconfig context "gke" could not be obtained: refresh them and run pulumi up again (GKE: gcloud container clusters get-credentials CLUSTER --region REGION, with gke-gcloud-auth-plugin installed and on PATH; otherwise renew the token or client certificate of that context, or pick another with rollout kubeContext)`;
      assert.ok(error.startsWith(head), error);
      assert.ok(error.endsWith(tail), error);
      assert.deepEqual(api.requests, [], "nothing was sent without credentials");
    });

    it("GIVEN an API server that never answers WHEN the weight reset runs in the host THEN the error names the URL and the limit", async () => {
      api.reply = () => "hang";
      const answer = await host(resetProvider, "create", {
        ...target("v2"),
        requestTimeoutSeconds: 0.3,
        retryBudgetSeconds: 0,
      });
      assert.equal(
        answer.error,
        `could not take the release Lease of the canary Ingress: Kubernetes API GET ${api.url}${LEASE_PATH} (Lease prod/ws-gateway-canary-release): no answer within 0.3s (rollout.api.requestTimeout); ${noRetry}; ${unchanged}`,
      );
    });

    it("GIVEN nothing listening at the API server's address WHEN the weight reset runs in the host THEN the error says the connection was refused and what to check", async () => {
      const closed = await new FakeKubeApi().start();
      await closed.stop();
      const answer = await host(resetProvider, "create", {
        ...target("v2"),
        kubeconfig: closed.kubeconfig(),
        retryBudgetSeconds: 0,
      });
      const address = closed.url.replace("http://", "");
      assert.equal(
        answer.error,
        `could not take the release Lease of the canary Ingress: Kubernetes API GET ${closed.url}${LEASE_PATH} (Lease prod/ws-gateway-canary-release): connection refused (connect ECONNREFUSED ${address}); ${noRetry}; ${unchanged}; check that the API server of kubeconfig context "fake" (${closed.url}) is reachable from this machine (VPN, GKE authorized networks, cluster up)`,
      );
    });

    it("GIVEN a 500 and a 409 that clear WHEN the weight reset runs in the host with its default budget THEN it retries and succeeds", async () => {
      const script = [
        { status: 500, reason: "InternalError", message: "etcd leader changed" },
        { status: 409, reason: "Conflict", message: "modified" },
      ];
      api.reply = (request) =>
        request.method === "PATCH" && script.length > 0 ? (script.shift() ?? "default") : "default";
      const answer = await host(resetProvider, "create", target("v2"));
      assert.equal(answer.error, undefined);
      assert.equal(api.weight, "0");
      assert.match(answer.stderr, /HTTP 500 InternalError: etcd leader changed; retrying in \d/);
      assert.match(answer.stderr, /HTTP 409 Conflict: modified; retrying in \d/);
    });

    it("GIVEN a 500 on every patch to 10 WHEN the rollout runs in the host THEN it aborts as the API's failure, weight 0, and the exposure record proves no client reached the canary", async () => {
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      api.reply = (request) =>
        request.method === "PATCH" && request.body.includes('"10"')
          ? { status: 500, reason: "InternalError", message: "boom" }
          : "default";
      const answer = await host(
        rolloutProvider,
        "update",
        "id",
        {
          namespace: NAMESPACE,
          canaryIngressName: INGRESS,
          version: "v1",
          steps: [],
          gates: { intervalSeconds: 0.05 },
          outcome: "promoted",
          weight: 100,
        },
        {
          ...target("v2"),
          steps: [
            { weight: 10, pauseSeconds: 0.1 },
            { weight: 100, pauseSeconds: 0 },
          ],
          gates: { intervalSeconds: 0.05 },
          retryBudgetSeconds: 0,
        },
      );
      assert.equal(
        answer.error,
        `step 1/2 (weight 10%): could not set the canary weight to 10%: Kubernetes API PATCH ${INGRESS_PATH} (Ingress prod/ws-gateway-canary): HTTP 500 InternalError: boom; ${noRetry}; canary weight set back to 0; no client reached the canary (its exposure record on the cluster shows it never above 0%), so nothing to drain`,
      );
      assert.equal(api.weight, "0");
    });

    it("GIVEN the pod list hangs during a pause WHEN the rollout runs in the host THEN the abort names the API, not the gate that read", async () => {
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      let lists = 0;
      api.reply = (request) => {
        if (request.method === "GET" && request.url.includes("/pods?")) {
          lists += 1;
          if (lists > 2) return "hang";
        }
        return "default";
      };
      const answer = await host(
        rolloutProvider,
        "update",
        "id",
        {
          namespace: NAMESPACE,
          canaryIngressName: INGRESS,
          version: "v1",
          steps: [],
          gates: { intervalSeconds: 0.05 },
          outcome: "promoted",
          weight: 100,
        },
        {
          ...target("v2"),
          steps: [
            { weight: 10, pauseSeconds: 1 },
            { weight: 100, pauseSeconds: 0 },
          ],
          gates: { intervalSeconds: 0.1 },
          requestTimeoutSeconds: 0.3,
          retryBudgetSeconds: 0,
        },
      );
      assert.match(
        answer.error ?? "",
        /^step 1\/2 \(weight 10%\): the Kubernetes API failed while gate pods-ready read: Kubernetes API GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/prod\/pods\?labelSelector=\S+ \(pods prod\/\S+\): no answer within 0\.3s \(rollout\.api\.requestTimeout\); not retried \(rollout\.api\.retryBudget 0s\); canary weight set back to 0; draining the canary failed: .*; its clients stay on the aborted version until it is retired: drain it by hand with: kubectl delete pods -n prod -l \S+ --wait=false$/,
      );
      assert.equal(api.weight, "0");
    });
  });

  describe("CanaryRollout", () => {
    const steps = [
      { weight: 10, pauseSeconds: 0.1 },
      { weight: 100, pauseSeconds: 0 },
    ];
    const gates = { intervalSeconds: 0.05 };
    const outs = (version: string, outcome: string, weight: number, s: unknown = steps) => ({
      namespace: NAMESPACE,
      canaryIngressName: INGRESS,
      version,
      steps: s,
      gates,
      outcome,
      weight,
    });

    it("GIVEN no previous state WHEN created THEN the gates run once at weight 0 and it promotes without stepping", async () => {
      api.pods = [pod("gw-v1-a", "v1", true, [0])];
      const answer = await host(rolloutProvider, "create", { ...target("v1"), steps, gates });
      assert.equal(answer.error, undefined);
      assert.deepEqual(answer.result, { id: "prod/ws-gateway-canary", outs: outs("v1", "promoted", 0) });
      assert.deepEqual(patchedWeights(), ["0"]);
      assert.ok(
        api.requests.some((request) => request.url.startsWith(`/api/v1/namespaces/${NAMESPACE}/pods?`)),
      );
    });

    it("GIVEN a new version WHEN updated THEN the weight goes 0, 10, 100 and it promotes", async () => {
      api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "100";
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      const answer = await host(rolloutProvider, "update", "id", outs("v1", "promoted", 100), {
        ...target("v2"),
        steps,
        gates,
      });
      assert.equal(answer.error, undefined);
      assert.deepEqual(answer.result, { outs: outs("v2", "promoted", 100) });
      assert.deepEqual(patchedWeights(), ["0", "10", "100"]);
      assert.match(answer.stderr, /step 1\/2: canary weight 10% for 0\.1s/);
      assert.match(answer.stderr, /step 2\/2: gates ok \(round 1\/1\)/);
    });

    it("GIVEN a canary pod that is not Ready WHEN updated THEN the update fails naming step, gate, measured value and threshold, weight back at 0", async () => {
      api.pods = [pod("gw-v3-a", "v3", false, [0])];
      const answer = await host(rolloutProvider, "update", "id", outs("v2", "promoted", 100), {
        ...target("v3"),
        steps,
        gates,
      });
      assert.equal(
        answer.error,
        "step 1/2 (weight 10%): gate pods-ready failed: measured 1 of 1 pod not Ready (gw-v3-a), threshold all pods Ready; canary weight set back to 0; canary clients moved to stable: 1 pod of the aborted version asked to drain (gw-v3-a), each closing its connections spread over its drain time",
      );
      assert.deepEqual(patchedWeights(), ["0", "10", "0"]);
      assert.equal(api.weight, "0");
    });

    it("GIVEN a release of v2 held over stable v1 WHEN rolled back to v1 and a gate aborts THEN no pod is deleted (v1's pods serve the stable route) and the warning says so", async () => {
      api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "30";
      api.pods = [pod("gw-v1-a", "v1", false, [0])];
      const answer = await host(
        rolloutProvider,
        "update",
        "id",
        { ...outs("v2", "held", 30), stableVersion: "v1" },
        { ...target("v1"), steps, gates },
      );
      assert.equal(
        answer.error,
        "step 1/2 (weight 10%): gate pods-ready failed: measured 1 of 1 pod not Ready (gw-v1-a), threshold all pods Ready; canary weight set back to 0",
      );
      assert.deepEqual(
        api.requests.filter((request) => request.method === "DELETE" && request.url.includes("/pods/")),
        [],
      );
      assert.match(
        answer.stderr,
        /v1 is also the version on the stable route: an abort sets the canary weight to 0 but drains nothing/,
      );
      assert.equal(api.weight, "0");
    });

    it("GIVEN an earlier update that exposed v2 up to 10% and kept its clients WHEN the re-run fails before raising the weight THEN the exposure record on the cluster makes it drain v2 and say why", async () => {
      // Given: what an earlier update with onAbort keep left behind (its weight 0, its record 10%).
      api.annotations["ws-gateway.io/exposure"] = '{"version":"v2","weight":10}';
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      api.reply = (request) =>
        request.method === "PATCH" && request.body.includes('"10"')
          ? { status: 500, reason: "InternalError", message: "boom" }
          : "default";

      // When: the re-run's first write fails, so this run never raised the weight.
      const answer = await host(rolloutProvider, "update", "id", outs("v1", "promoted", 100), {
        ...target("v2"),
        steps,
        gates,
        retryBudgetSeconds: 0,
      });

      // Then: v2's pods are drained, because the cluster says clients may be on them.
      assert.equal(
        answer.error,
        `step 1/2 (weight 10%): could not set the canary weight to 10%: Kubernetes API PATCH ${INGRESS_PATH} (Ingress prod/ws-gateway-canary): HTTP 500 InternalError: boom; not retried (rollout.api.retryBudget 0s); canary weight set back to 0; an earlier update exposed this version up to 10% (its exposure record); canary clients moved to stable: 1 pod of the aborted version asked to drain (gw-v2-a), each closing its connections spread over its drain time`,
      );
      assert.deepEqual(
        api.requests
          .filter((request) => request.method === "DELETE" && request.url.includes("/pods/"))
          .map((request) => request.url),
        ["/api/v1/namespaces/prod/pods/gw-v2-a"],
      );
      assert.equal(api.annotations["ws-gateway.io/exposure"], '{"version":"v2","weight":0}');
    });

    it("GIVEN a release of v2 WHEN it runs in the host THEN the canary Ingress ends with the status promoted and Events tell each phase", async () => {
      // Given
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      // When
      const answer = await host(rolloutProvider, "update", "id", outs("v1", "promoted", 100), {
        ...target("v2"),
        steps,
        gates,
      });
      // Then
      assert.equal(answer.error, undefined, answer.stderr);
      const status = JSON.parse(api.annotations["ws-gateway.io/status"] ?? "{}") as Record<string, unknown>;
      assert.deepEqual(
        [status.version, status.state, status.step, status.weight],
        ["v2", "promoted", 2, 100],
      );
      assert.deepEqual(
        api.events.map((e) => e.reason),
        ["ReleaseStarted", "ReleaseStep", "ReleaseStep", "ReleasePromoted"],
      );
      assert.deepEqual(api.events[0]?.involvedObject, {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        name: INGRESS,
        namespace: NAMESPACE,
      });
    });

    it("GIVEN an update of v2 killed at 10% (its weight and exposure record left in place) WHEN the next update of v2 runs in the host THEN it checks the gates at 10% and continues from there, saying so", async () => {
      // Given: what the killed update left; the state still says v1 is promoted.
      api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "10";
      api.annotations["ws-gateway.io/exposure"] = '{"version":"v2","weight":10}';
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      // When
      const answer = await host(rolloutProvider, "update", "id", outs("v1", "promoted", 100), {
        ...target("v2"),
        steps,
        gates,
      });
      // Then
      assert.equal(answer.error, undefined, answer.stderr);
      assert.deepEqual(patchedWeights(), ["100"]);
      assert.match(
        answer.stderr,
        /resuming from the live canary weight 10%: an earlier update of v2 did not finish and left it there \(the exposure record on the canary Ingress names v2 at 10%\)/,
      );
      assert.match(answer.stderr, /gates ok at the resumed canary weight 10%/);
    });

    it("GIVEN a live weight that the exposure record does not account for WHEN the next update of v2 runs in the host THEN it restarts the schedule from 0", async () => {
      // Given: the weight is 10 but the record says v2 reached 25 (someone changed the weight by hand).
      api.annotations["nginx.ingress.kubernetes.io/canary-weight"] = "10";
      api.annotations["ws-gateway.io/exposure"] = '{"version":"v2","weight":25}';
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      // When
      const answer = await host(rolloutProvider, "update", "id", outs("v1", "promoted", 100), {
        ...target("v2"),
        steps,
        gates,
      });
      // Then
      assert.equal(answer.error, undefined, answer.stderr);
      assert.deepEqual(patchedWeights(), ["0", "10", "100"]);
      assert.doesNotMatch(answer.stderr, /resuming from the live canary weight/);
    });

    it("GIVEN the promote annotation naming v2 on the canary Ingress WHEN v2 is released in the host THEN after step 1's first passing round it skips to 100% and promotes", async () => {
      // Given: three steps, the operator's promote request already there.
      api.annotations["ws-gateway.io/promote"] = "v2";
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      const three = [
        { weight: 10, pauseSeconds: 5 },
        { weight: 50, pauseSeconds: 5 },
        { weight: 100, pauseSeconds: 0 },
      ];
      // When
      const answer = await host(rolloutProvider, "update", "id", outs("v1", "promoted", 100), {
        ...target("v2"),
        steps: three,
        gates,
      });
      // Then
      assert.equal(answer.error, undefined, answer.stderr);
      assert.deepEqual(answer.result, { outs: outs("v2", "promoted", 100, three) });
      assert.deepEqual(patchedWeights(), ["0", "10", "100"]);
      assert.match(
        answer.stderr,
        /promote requested \(v2\): gates passed at step 1\/3; skipping to the last step/,
      );
    });

    it("GIVEN the pause annotation on the canary Ingress WHEN v2 is released in the host THEN it holds at 10% with gates running until the annotation is removed, then finishes the schedule", async () => {
      // Given: paused; the operator removes the request after the engine has read the Ingress
      // fourteen times at weight 10 (the step, then the hold, with its gate rounds, seen from the API).
      api.annotations["ws-gateway.io/pause"] = "checking dashboards";
      api.pods = [pod("gw-v2-a", "v2", true, [0])];
      let readsAtTen = 0;
      api.reply = (request) => {
        if (api.weight === "10" && request.method === "GET" && request.url === INGRESS_PATH) readsAtTen += 1;
        if (readsAtTen === 14) delete api.annotations["ws-gateway.io/pause"];
        return "default";
      };
      // When
      const answer = await host(rolloutProvider, "update", "id", outs("v1", "promoted", 100), {
        ...target("v2"),
        steps,
        gates,
      });
      // Then
      assert.equal(answer.error, undefined, answer.stderr);
      assert.ok(
        readsAtTen >= 6,
        `the weight left 10% after ${readsAtTen} reads: it did not hold for the pause`,
      );
      assert.deepEqual(patchedWeights(), ["0", "10", "100"]);
      assert.match(
        answer.stderr,
        /step 1\/2: paused by request \("checking dashboards"\) at canary weight 10%/,
      );
      assert.match(
        answer.stderr,
        /kubectl annotate ingress ws-gateway-canary -n prod --overwrite ws-gateway.io\/pause-/,
      );
      assert.match(answer.stderr, /step 1\/2: pause request removed after .*; resuming the schedule/);
    });

    it("GIVEN the release Lease held and renewed by another stack's update WHEN this update runs in the host THEN it is refused naming the holder, its stack and the lease's age, and nothing is written", async () => {
      const renewedMs = Date.now() - 5_000;
      api.lease = {
        metadata: {
          name: "ws-gateway-canary-release",
          namespace: NAMESPACE,
          resourceVersion: "7",
          annotations: { "ws-gateway.io/stack": "team-b/prod" },
        },
        spec: {
          holderIdentity: "team-b/prod pid 42 on ci-7 (x1y2z3)",
          leaseDurationSeconds: 60,
          renewTime: new Date(renewedMs).toISOString(),
        },
      };
      api.pods = [pod("gw-v2-a", "v2", true, [0])];

      const answer = await host(rolloutProvider, "update", "id", outs("v1", "promoted", 100), {
        ...target("v2"),
        steps,
        gates,
      });

      assert.match(
        answer.error ?? "",
        /^another release is stepping the canary Ingress prod\/ws-gateway-canary: Lease prod\/ws-gateway-canary-release is held by "team-b\/prod pid 42 on ci-7 \(x1y2z3\)" \(stack team-b\/prod\), renewed [5-9]s ago, and expires in 5\ds unless renewed; nothing was changed\. Fix: .*kubectl delete lease -n prod ws-gateway-canary-release$/,
      );
      assert.deepEqual(
        api.requests.filter((request) => request.method !== "GET"),
        [],
        "no write of any kind",
      );
      assert.equal(api.lease?.spec.holderIdentity, "team-b/prod pid 42 on ci-7 (x1y2z3)");
    });

    it("GIVEN a release Lease whose holder stopped renewing two minutes ago WHEN this update runs in the host THEN it takes the Lease over, promotes and gives the Lease up", async () => {
      api.lease = {
        metadata: { name: "ws-gateway-canary-release", namespace: NAMESPACE, resourceVersion: "7" },
        spec: {
          holderIdentity: "cancelled update",
          leaseDurationSeconds: 60,
          renewTime: new Date(Date.now() - 120_000).toISOString(),
        },
      };
      api.pods = [pod("gw-v2-a", "v2", true, [0])];

      const answer = await host(rolloutProvider, "update", "id", outs("v1", "promoted", 100), {
        ...target("v2"),
        steps,
        gates,
      });

      assert.equal(answer.error, undefined);
      assert.deepEqual(patchedWeights(), ["0", "10", "100"]);
      assert.ok(api.requests.some((request) => request.method === "PUT" && request.url === LEASE_PATH));
      assert.equal(api.lease, undefined, "given up at the end");
    });

    it("GIVEN a pod that joins mid-pause and is not Ready yet WHEN updated with podStartupSeconds THEN it counts as starting and the release promotes", async () => {
      api.pods = [pod("gw-v3-a", "v3", true, [0])];
      const paused = [
        { weight: 10, pauseSeconds: 1 },
        { weight: 100, pauseSeconds: 0 },
      ];
      const startupGates = { intervalSeconds: 0.1, podStartupSeconds: 60 };
      const answer = host(rolloutProvider, "update", "id", outs("v2", "promoted", 100), {
        ...target("v3"),
        steps: paused,
        gates: startupGates,
      });
      for (let i = 0; i < 200 && api.weight !== "10"; i++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal(api.weight, "10");
      // Join after the step's snapshot and first gate round have listed the pods, however slow the host is.
      const podLists = () =>
        api.requests.filter((request) => request.url.startsWith(`/api/v1/namespaces/${NAMESPACE}/pods?`))
          .length;
      const listsAtStep = podLists();
      for (let i = 0; i < 200 && podLists() < listsAtStep + 2; i++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      // The HPA's new pod: created now, not Ready for the rest of the release.
      const joined = pod("gw-v3-b", "v3", false, [0]);
      api.pods.push({
        ...joined,
        metadata: { ...joined.metadata, creationTimestamp: new Date().toISOString() },
      });

      const result = await answer;

      assert.equal(result.error, undefined);
      assert.deepEqual(result.result, {
        outs: { ...outs("v3", "promoted", 100, paused), gates: startupGates },
      });
      assert.deepEqual(patchedWeights(), ["0", "10", "100"]);
    });

    it("GIVEN podStartupSeconds that is not a number of seconds > 0 WHEN checked THEN the provider reports it against gates", async () => {
      for (const podStartupSeconds of [0, -5, "30"]) {
        const news = { ...target("v2"), steps, gates: { ...gates, podStartupSeconds } };
        const answer = await host(rolloutProvider, "check", {}, news);
        assert.deepEqual(answer.result?.failures, [
          {
            property: "gates",
            reason: `gates.podStartupSeconds ${podStartupSeconds} is not a number of seconds > 0`,
          },
        ]);
      }
    });

    it("GIVEN a release held at 30 WHEN the same version continues to 100 THEN it resumes from 30 without resetting", async () => {
      api.pods = [pod("gw-v4-a", "v4", true, [0])];
      const hold = [
        { weight: 10, pauseSeconds: 0 },
        { weight: 30, pauseSeconds: 0 },
      ];
      const held = await host(rolloutProvider, "update", "id", outs("v3", "promoted", 100), {
        ...target("v4"),
        steps: hold,
        gates,
      });
      assert.deepEqual(held.result, { outs: outs("v4", "held", 30, hold) });

      const full = [...hold, { weight: 100, pauseSeconds: 0 }];
      const heldOuts = outs("v4", "held", 30, hold);
      assert.deepEqual(
        (await host(rolloutProvider, "diff", "id", heldOuts, { ...target("v4"), steps: full, gates })).result,
        {
          changes: true,
        },
      );
      const resumed = await host(rolloutProvider, "update", "id", heldOuts, {
        ...target("v4"),
        steps: full,
        gates,
      });
      assert.deepEqual(resumed.result, { outs: outs("v4", "promoted", 100, full) });
      assert.deepEqual(patchedWeights(), ["0", "10", "30", "100"]);
      assert.match(resumed.stderr, /continuing from canary weight 30%/);
    });

    it("GIVEN a hold naming the version that serves WHEN updated THEN it holds and remembers it; GIVEN another name THEN nothing is touched", async () => {
      api.pods = [pod("gw-v5-a", "v5", true, [0])];
      const hold = [{ weight: 20, pauseSeconds: 0 }];
      const held = await host(rolloutProvider, "update", "id", outs("v4", "promoted", 100), {
        ...target("v5"),
        steps: hold,
        gates,
        stableVersion: "v4",
      });
      assert.equal(held.error, undefined);
      assert.deepEqual(held.result, { outs: { ...outs("v5", "held", 20, hold), stableVersion: "v4" } });

      api.requests.length = 0;
      const wrong = await host(rolloutProvider, "update", "id", outs("v4", "promoted", 100), {
        ...target("v6"),
        steps: hold,
        gates,
        stableVersion: "v9",
      });
      assert.equal(
        wrong.error,
        'rollout.stableVersion is "v9" but the stable route serves "v4"; nothing was changed. Fix: set ws-gateway:rollout.stableVersion to v4.',
      );
      assert.deepEqual(api.requests, [], "no request reached the API");
    });

    it("GIVEN a long pause WHEN SIGINT is sent to the host process itself THEN the weight goes back to 0 and the update fails as interrupted", async () => {
      api.pods = [pod("gw-v5-a", "v5", true, [0])];
      const long = [
        { weight: 10, pauseSeconds: 60 },
        { weight: 100, pauseSeconds: 0 },
      ];
      let child: ChildProcess | undefined;
      const answer = hostWith(
        (spawned) => (child = spawned),
        rolloutProvider,
        "update",
        "id",
        outs("v4", "promoted", 100),
        { ...target("v5"), steps: long, gates: { intervalSeconds: 1 } },
      );
      for (let i = 0; i < 200 && api.weight !== "10"; i++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal(api.weight, "10");
      child?.kill("SIGINT");

      const result = await answer;

      assert.equal(
        result.error,
        "step 1/2 (weight 10%): interrupted (SIGINT received); canary weight set back to 0; canary clients moved to stable: 1 pod of the aborted version asked to drain (gw-v5-a), each closing its connections spread over its drain time",
      );
      assert.equal(api.weight, "0");
    });

    const abortMessage = (step: string, reason: string, drained: string) =>
      `${step}: gate abort-request failed: measured abort requested: ${JSON.stringify(reason)}, threshold no ws-gateway.io/abort annotation on the canary Ingress; canary weight set back to 0; canary clients moved to stable: 1 pod of the aborted version asked to drain (${drained}), each closing its connections spread over its drain time; remove it with: kubectl annotate ingress ws-gateway-canary -n prod ws-gateway.io/abort-`;

    it("GIVEN a long pause WHEN an operator adds the abort annotation to the canary Ingress THEN the next gate round aborts: weight back to 0, update failed with the reason and how to remove it", async () => {
      api.pods = [pod("gw-v6-a", "v6", true, [0])];
      const long = [
        { weight: 10, pauseSeconds: 60 },
        { weight: 100, pauseSeconds: 0 },
      ];
      const answer = host(rolloutProvider, "update", "id", outs("v5", "promoted", 100), {
        ...target("v6"),
        steps: long,
        gates: { intervalSeconds: 0.2 },
      });
      for (let i = 0; i < 200 && api.weight !== "10"; i++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal(api.weight, "10");
      // Let a few rounds pass, so the request really lands mid-pause.
      await new Promise((resolve) => setTimeout(resolve, 500));
      api.annotations["ws-gateway.io/abort"] = "bad latency";
      const requestedAt = Date.now();

      const result = await answer;

      assert.equal(result.error, abortMessage("step 1/2 (weight 10%)", "bad latency", "gw-v6-a"));
      assert.equal(api.weight, "0");
      assert.deepEqual(patchedWeights(), ["0", "10", "0"]);
      // One gate interval (0.2s) plus the host's exit, not the 60s pause.
      assert.ok(Date.now() - requestedAt < 5_000, `took ${Date.now() - requestedAt}ms`);
      assert.match(result.stderr, /step 1\/2: gates ok \(round 1\/\d+\)/);
      assert.match(result.stderr, /warning: step 1\/2 \(weight 10%\): gate abort-request failed/);
      assert.equal(api.annotations["ws-gateway.io/abort"], "bad latency", "only the operator removes it");
    });

    it("GIVEN an abort annotation left from an earlier abort WHEN the next release starts THEN its first gate round fails it, weight back to 0, saying how to remove the annotation", async () => {
      api.pods = [pod("gw-v7-a", "v7", true, [0])];
      api.annotations["ws-gateway.io/abort"] = "";
      const answer = await host(rolloutProvider, "update", "id", outs("v6", "promoted", 100), {
        ...target("v7"),
        steps,
        gates,
      });
      assert.equal(answer.error, abortMessage("step 1/2 (weight 10%)", "", "gw-v7-a"));
      assert.deepEqual(patchedWeights(), ["0", "10", "0"]);
      assert.equal(api.weight, "0");
    });

    it("GIVEN unchanged inputs WHEN diffed THEN there is no change", async () => {
      const answer = await host(rolloutProvider, "diff", "id", outs("v2", "promoted", 100), {
        ...target("v2"),
        steps,
        gates,
      });
      assert.deepEqual(answer.result, { changes: false });
    });

    it("GIVEN a bad onAbort, a negative retry budget and a fractional probe count WHEN checked THEN each is reported against its property", async () => {
      const news = {
        ...target("v2"),
        steps,
        gates: { ...gates, survival: { connections: 2.5, pingIntervalSeconds: 5, pongTimeoutSeconds: 5 } },
        onAbort: "rollback",
        retryBudgetSeconds: -1,
      };
      const answer = await host(rolloutProvider, "check", {}, news);
      assert.deepEqual(answer.result?.failures, [
        { property: "onAbort", reason: 'onAbort "rollback" is not one of drain, keep' },
        { property: "retryBudgetSeconds", reason: "retryBudgetSeconds -1 is not a number of seconds >= 0" },
        { property: "gates", reason: "gates.survival.connections 2.5 is not an integer >= 0" },
      ]);
    });

    it("GIVEN a bad schedule WHEN checked THEN the provider reports each problem against steps", async () => {
      const news = {
        ...target("v2"),
        steps: [
          { weight: 100, pauseSeconds: 0 },
          { weight: 50, pauseSeconds: 0 },
        ],
        gates: { intervalSeconds: 0 },
      };
      const answer = await host(rolloutProvider, "check", {}, news);
      assert.deepEqual(answer.result?.failures, [
        { property: "steps", reason: "step 1/2: weight 100 must be the last step, but 1 more follow" },
        {
          property: "steps",
          reason: "step 2/2: weight 50 must be above the previous step's weight 100 (weights strictly rise)",
        },
        { property: "gates", reason: "gates.intervalSeconds 0 is not a number of seconds > 0" },
      ]);
    });
  });
});
