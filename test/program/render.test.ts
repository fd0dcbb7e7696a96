/**
 * The whole program under Pulumi mocks: every stack renders, each component's
 * key properties are what the design requires, and a release (a change of
 * gateway.version only) changes nothing but the new version's objects and the
 * Service selectors.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ANNOTATION_CANARY,
  ANNOTATION_CANARY_BY_HEADER,
  ANNOTATION_CANARY_WEIGHT,
  ANNOTATION_DELETION_PROPAGATION,
  ANNOTATION_SKIP_AWAIT,
  CANARY_HEADER,
  ENV_DRAIN_SECONDS,
} from "../../components/names";
import { ConfigError, type StackConfig } from "../../infra/config";
import { createProgram, loadStackConfig } from "../../infra/program";
import { deliveredControllerValues } from "../../policies/lib/chart";
import {
  byType,
  DYNAMIC_TYPE_PREFIX,
  installMocks,
  one,
  setStackConfig,
  settle,
  unwrapSecret,
  type Registered,
} from "../helpers/mocks";
import { stackConfigMap, stackNames } from "../helpers/stacks";

const T = {
  cluster: "gcp:container/cluster:Cluster",
  nodePool: "gcp:container/nodePool:NodePool",
  account: "gcp:serviceaccount/account:Account",
  iamMember: "gcp:projects/iAMMember:IAMMember",
  controller: "kubernetes:helm.sh/v3:Release",
  deployment: "kubernetes:apps/v1:Deployment",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  service: "kubernetes:core/v1:Service",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  namespace: "kubernetes:core/v1:Namespace",
  reset: "pulumi-nodejs:dynamic/ws-gateway:CanaryWeightReset",
  rollout: "pulumi-nodejs:dynamic/ws-gateway:CanaryRollout",
  provider: "pulumi:providers:kubernetes",
} as const;

type Json = Record<string, unknown>;
const get = (o: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v === undefined || v === null ? undefined : (v as Json)[k]), o);

/** Renders one stack, optionally with config sections overridden, and returns every registered resource. */
async function render(
  stack: string,
  override: (config: Record<string, unknown>) => void = () => undefined,
  preview = false,
): Promise<{ resources: Registered[]; config: StackConfig }> {
  const config = structuredClone(stackConfigMap(stack));
  override(config);
  installMocks(stack, preview);
  setStackConfig(config);
  const parsed = loadStackConfig();
  createProgram(parsed);
  return { resources: await settle(), config: parsed };
}

function withVersion(version: string) {
  return (c: Record<string, unknown>) => {
    (c["ws-gateway:gateway"] as Json).version = version;
  };
}

describe("program under mocks", () => {
  for (const stack of stackNames()) {
    it(`GIVEN stacks/Pulumi.${stack}.yaml WHEN the program runs THEN the whole stack renders`, async (t) => {
      const started = process.hrtime.bigint();
      const { resources, config } = await render(stack);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      t.diagnostic(`stack ${stack}: ${resources.length} resources rendered in ${ms.toFixed(0)} ms`);

      const version = config.gateway.version;
      assert.equal(byType(resources, T.controller).length, 1);
      assert.equal(byType(resources, T.ingress).length, 2);
      assert.equal(byType(resources, T.service).length, 2);
      assert.equal(byType(resources, T.reset).length, 1, "canary weight reset");
      assert.equal(byType(resources, T.rollout).length, 1, "rollout");
      const deployment = one(resources, T.deployment);
      assert.equal(get(deployment.inputs, "metadata.name"), `ws-gateway-${version}`);
      assert.equal(byType(resources, T.cluster).length, config.cluster.mode === "gke" ? 1 : 0);
    });
  }

  it("GIVEN the local stack WHEN infra/index.ts runs as `pulumi up` would load it THEN it exports the URL and versions", async () => {
    installMocks("local");
    setStackConfig(stackConfigMap("local"));
    const entry = (await import("../../infra/index")) as Record<string, unknown>;
    await settle();
    assert.equal(entry.gatewayUrl, "ws://ws.localtest.me/");
    assert.equal(entry.version, "2f9c1ab");
    assert.equal(entry.stableVersion, "2f9c1ab");
    assert.equal(entry.clusterName, undefined);
    const outcome = await new Promise((resolve) =>
      (entry.rolloutOutcome as { apply: (f: (v: unknown) => void) => void }).apply(resolve),
    );
    assert.equal(outcome, "promoted");
  });

  it("GIVEN an invalid config WHEN the program loads it THEN it throws before registering any resource", async () => {
    installMocks("dev");
    const config = structuredClone(stackConfigMap("dev"));
    (config["ws-gateway:gateway"] as Json).drainSeconds = -5;
    setStackConfig(config);
    assert.throws(() => loadStackConfig(), ConfigError);
    assert.equal((await settle()).length, 0);
  });

  it("GIVEN a GKE stack without any project WHEN loaded THEN it names cluster.project and gcp:project", () => {
    installMocks("dev");
    const config = structuredClone(stackConfigMap("dev"));
    delete config["gcp:project"];
    setStackConfig(config);
    assert.throws(() => loadStackConfig(), {
      message:
        "Invalid stack configuration (1 problem); nothing was changed:\n  - ws-gateway:cluster.project: is required when gcp:project is not set: a GCP project ID. Fix: set ws-gateway:cluster.project or gcp:project.",
    });
  });
});

describe("prod stack: key properties", () => {
  let rendered: Registered[] = [];
  const resources = async () => {
    if (rendered.length === 0) rendered = (await render("prod")).resources;
    return rendered;
  };

  it("GKE cluster: regional, private, shielded, Workload Identity, Dataplane V2, release channel, maintenance", async () => {
    const c = one(await resources(), T.cluster).inputs;
    assert.equal(c.location, "europe-west1");
    assert.deepEqual(c.nodeLocations, ["europe-west1-b", "europe-west1-c", "europe-west1-d"]);
    assert.equal(c.removeDefaultNodePool, true);
    assert.equal(get(c, "privateClusterConfig.enablePrivateNodes"), true);
    assert.equal(get(c, "privateClusterConfig.masterIpv4CidrBlock"), "172.16.0.16/28");
    assert.deepEqual(get(c, "masterAuthorizedNetworksConfig.cidrBlocks"), [
      { cidrBlock: "10.20.0.0/16", displayName: "ops-bastion" },
    ]);
    assert.equal(c.enableShieldedNodes, true);
    assert.equal(c.enableLegacyAbac, false);
    assert.equal(get(c, "masterAuth.clientCertificateConfig.issueClientCertificate"), false);
    assert.equal(get(c, "workloadIdentityConfig.workloadPool"), "acme-ws-prod.svc.id.goog");
    assert.equal(c.datapathProvider, "ADVANCED_DATAPATH");
    assert.equal(get(c, "releaseChannel.channel"), "STABLE");
    assert.equal(c.deletionProtection, true);
    assert.deepEqual(get(c, "maintenancePolicy.recurringWindow"), {
      startTime: "2026-01-03T02:00:00Z",
      endTime: "2026-01-03T08:00:00Z",
      recurrence: "FREQ=WEEKLY;BYDAY=SA,SU",
    });
    assert.deepEqual(get(c, "maintenancePolicy.maintenanceExclusions"), [
      {
        exclusionName: "black-friday",
        startTime: "2026-11-25T00:00:00Z",
        endTime: "2026-12-02T00:00:00Z",
        exclusionOptions: { scope: "NO_MINOR_OR_NODE_UPGRADES" },
      },
    ]);
    assert.equal(
      get(c, "nodeConfig.serviceAccount"),
      "ws-gateway-nodes@acme-ws-prod.iam.gserviceaccount.com",
    );
  });

  it("node pool: autoscaling, auto-repair/upgrade, BLUE_GREEN with a soak covering the pod grace period", async () => {
    const rs = await resources();
    const p = one(rs, T.nodePool).inputs;
    assert.deepEqual(p.autoscaling, { minNodeCount: 2, maxNodeCount: 6 });
    assert.deepEqual(p.management, { autoRepair: true, autoUpgrade: true });
    assert.equal(get(p, "upgradeSettings.strategy"), "BLUE_GREEN");
    // grace = preStop 10 + drain 1800 + margin 30
    assert.equal(
      get(p, "upgradeSettings.blueGreenSettings.standardRolloutPolicy.batchSoakDuration"),
      "1840s",
    );
    assert.equal(get(p, "upgradeSettings.blueGreenSettings.nodePoolSoakDuration"), "2440s");
    assert.equal(get(p, "nodeConfig.shieldedInstanceConfig.enableSecureBoot"), true);
    assert.equal(get(p, "nodeConfig.workloadMetadataConfig.mode"), "GKE_METADATA");
    assert.equal(get(p, "nodeConfig.machineType"), "e2-standard-4");
    assert.equal(one(rs, T.account).inputs.accountId, "ws-gateway-nodes");
    assert.deepEqual(
      byType(rs, T.iamMember)
        .map((m) => m.inputs.role)
        .sort(),
      [
        "roles/artifactregistry.reader",
        "roles/logging.logWriter",
        "roles/monitoring.metricWriter",
        "roles/monitoring.viewer",
        "roles/stackdriver.resourceMetadata.writer",
      ],
    );
    const provider = one(rs, T.provider, "ws-gateway-k8s").inputs;
    assert.match(String(unwrapSecret(provider.kubeconfig)), /gke-gcloud-auth-plugin/);
  });

  it("ingress-nginx: pinned final chart, WebSocket timeouts, no snippets, Local traffic policy, 3 replicas spread, PDB, grace", async () => {
    const a = one(await resources(), T.controller).inputs;
    assert.equal(a.version, "4.15.1");
    assert.equal(a.chart, "ingress-nginx");
    // Read as the chart receives them (policies/lib/chart.ts), not as the program wrote them.
    const c = deliveredControllerValues(a) as Json;
    assert.equal(c.replicaCount, 3);
    assert.equal(c.minAvailable, 2);
    assert.equal(c.allowSnippetAnnotations, false);
    assert.deepEqual(c.config, {
      "worker-shutdown-timeout": "3600s",
      "proxy-read-timeout": "3600",
      "proxy-send-timeout": "3600",
      "allow-snippet-annotations": "false",
      "annotations-risk-level": "High",
    });
    assert.deepEqual(c.service, { type: "LoadBalancer", externalTrafficPolicy: "Local" });
    // The chart's key (templates/controller-deployment.yaml): shutdown grace + worker shutdown timeout + post-shutdown grace + margin.
    assert.equal(c.terminationGracePeriodSeconds, 15 + 3600 + 10 + 60);
    const spread = c.topologySpreadConstraints as Json[];
    assert.equal(spread[0]?.topologyKey, "topology.kubernetes.io/zone");
    assert.equal(spread[0]?.whenUnsatisfiable, "DoNotSchedule");
  });

  it("local stack: NodePort controller spread on a best-effort basis (kind nodes carry no zone label)", async () => {
    const { resources: local } = await render("local");
    const c = deliveredControllerValues(one(local, T.controller).inputs) as Json;
    assert.deepEqual(c.service, {
      type: "NodePort",
      externalTrafficPolicy: "Local",
      nodePorts: { http: 30080, https: 30443 },
    });
    assert.equal((c.topologySpreadConstraints as Json[])[0]?.whenUnsatisfiable, "ScheduleAnyway");
    assert.equal(c.replicaCount, 1);
  });

  it("versioned gateway: drain contract, restricted security, spread, HPA with slow scale-down, PDB, background deletion", async () => {
    const rs = await resources();
    const d = one(rs, T.deployment).inputs;
    assert.equal(get(d, "metadata.name"), "ws-gateway-2f9c1ab");
    assert.equal(get(d, "spec.replicas"), 6, "starts with minReplicas");
    assert.deepEqual(one(rs, T.deployment).ignoreChanges, ["spec.replicas"], "then the HPA owns the count");
    assert.equal((get(d, "metadata.annotations") as Json)[ANNOTATION_DELETION_PROPAGATION], "background");
    const pod = get(d, "spec.template.spec") as Json;
    assert.equal(pod.terminationGracePeriodSeconds, 1840);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(get(pod, "securityContext.runAsNonRoot"), true);
    assert.equal(get(pod, "securityContext.seccompProfile.type"), "RuntimeDefault");
    const container = (pod.containers as Json[])[0] as Json;
    assert.equal(container.image, "europe-docker.pkg.dev/acme-ws-prod/gw/ws-gateway:2f9c1ab");
    assert.deepEqual(
      (container.env as Json[]).find((e) => e.name === ENV_DRAIN_SECONDS),
      {
        name: ENV_DRAIN_SECONDS,
        value: "1800",
      },
    );
    assert.deepEqual(get(container, "lifecycle.preStop"), { sleep: { seconds: 10 } });
    assert.notDeepEqual(container.readinessProbe, container.livenessProbe);
    assert.equal(get(container, "readinessProbe.httpGet.path"), "/readyz");
    assert.equal(get(container, "livenessProbe.httpGet.path"), "/livez");
    assert.deepEqual(get(container, "securityContext"), {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    assert.deepEqual(get(container, "resources"), {
      requests: { cpu: "500m", memory: "512Mi" },
      limits: { memory: "1Gi" },
    });
    const spread = pod.topologySpreadConstraints as Json[];
    assert.deepEqual(
      spread.map((s) => s.topologyKey),
      ["topology.kubernetes.io/zone", "kubernetes.io/hostname"],
    );

    const hpa = one(rs, T.hpa).inputs;
    assert.equal(get(hpa, "spec.minReplicas"), 6);
    assert.equal(get(hpa, "spec.maxReplicas"), 30);
    assert.equal(get(hpa, "spec.scaleTargetRef.name"), "ws-gateway-2f9c1ab");
    assert.deepEqual(get(hpa, "spec.behavior.scaleDown"), {
      stabilizationWindowSeconds: 3600,
      selectPolicy: "Min",
      policies: [{ type: "Pods", value: 1, periodSeconds: 600 }],
    });
    const pdb = one(rs, T.pdb).inputs;
    assert.equal(get(pdb, "spec.maxUnavailable"), 1);
    assert.equal(get(pdb, "spec.unhealthyPodEvictionPolicy"), "AlwaysAllow");
    assert.deepEqual(get(pdb, "spec.selector.matchLabels"), {
      "app.kubernetes.io/name": "ws-gateway",
      "app.kubernetes.io/version": "2f9c1ab",
    });
  });

  it("routes: fixed Services, primary and permanent canary Ingress, no weight declared by Pulumi", async () => {
    const rs = await resources();
    const ingresses = byType(rs, T.ingress);
    const primary = ingresses.find((i) => get(i.inputs, "metadata.name") === "ws-gateway")?.inputs;
    const canary = ingresses.find((i) => get(i.inputs, "metadata.name") === "ws-gateway-canary")?.inputs;
    assert.ok(primary !== undefined && canary !== undefined);
    const pa = get(primary, "metadata.annotations") as Json;
    const ca = get(canary, "metadata.annotations") as Json;
    assert.equal(pa[ANNOTATION_CANARY], undefined);
    assert.equal(ca[ANNOTATION_CANARY], "true");
    assert.equal(ca[ANNOTATION_CANARY_BY_HEADER], CANARY_HEADER);
    assert.equal(ca[ANNOTATION_CANARY_WEIGHT], undefined, "the rollout engine owns the weight");
    assert.equal(pa[ANNOTATION_SKIP_AWAIT], "true");
    assert.equal(ca[ANNOTATION_SKIP_AWAIT], "true");
    assert.equal(pa["nginx.ingress.kubernetes.io/proxy-read-timeout"], "3600");
    // Host, path and pathType mirror each other (docs/facts.md F1).
    const rule = (i: Json) => get(i, "spec.rules") as Json[];
    assert.equal(get(rule(primary)[0], "host"), "ws.acme.example");
    assert.equal(get(rule(canary)[0], "host"), "ws.acme.example");
    const path = (i: Json) => (get(rule(i)[0], "http.paths") as Json[])[0] as Json;
    assert.equal(path(primary).path, path(canary).path);
    assert.equal(path(primary).pathType, path(canary).pathType);
    assert.equal(get(path(primary), "backend.service.name"), "ws-gateway-stable");
    assert.equal(get(path(canary), "backend.service.name"), "ws-gateway-canary");

    const services = byType(rs, T.service);
    for (const s of services) {
      assert.equal(get(s.inputs, "spec.type"), "ClusterIP");
      assert.equal((get(s.inputs, "spec.selector") as Json)["app.kubernetes.io/name"], "ws-gateway");
      assert.equal((get(s.inputs, "spec.selector") as Json)["app.kubernetes.io/version"], "2f9c1ab");
    }
    assert.deepEqual(services.map((s) => get(s.inputs, "metadata.name")).sort(), [
      "ws-gateway-canary",
      "ws-gateway-stable",
    ]);
  });

  it("namespaces: the gateway's enforces the restricted Pod Security Standard", async () => {
    const ns = byType(await resources(), T.namespace).find(
      (n) => get(n.inputs, "metadata.name") === "ws-gateway",
    );
    assert.equal(
      (get(ns?.inputs, "metadata.labels") as Json)["pod-security.kubernetes.io/enforce"],
      "restricted",
    );
  });

  it("rollout resources: schedule and gates from config, reset and rollout on the canary Ingress", async () => {
    const rs = await resources();
    const rollout = one(rs, T.rollout, "rollout").inputs;
    const reset = one(rs, T.reset, "canary-weight-reset").inputs;
    assert.deepEqual(rollout.steps, [
      { weight: 5, pauseSeconds: 120 },
      { weight: 25, pauseSeconds: 300 },
      { weight: 50, pauseSeconds: 300 },
      { weight: 100, pauseSeconds: 0 },
    ]);
    assert.equal(get(rollout, "gates.handshake.url"), "wss://ws.acme.example/");
    assert.equal(get(rollout, "gates.prometheus.comparison"), "<=");
    assert.equal(get(rollout, "gates.podStartupSeconds"), 120);
    assert.equal(rollout.canaryIngressName, "ws-gateway-canary");
    assert.equal(reset.version, "2f9c1ab");
    assert.equal(
      typeof rollout.__provider,
      "string",
      "the provider is serialized for the dynamic-provider host",
    );
  });
});

describe("release invariants", () => {
  /** Inputs of every resource whose logical name does not mention a version, keyed by type/name. */
  function byKey(rs: readonly Registered[]): Map<string, Json> {
    return new Map(rs.map((r) => [`${r.type}::${r.name}`, r.inputs] as const));
  }

  for (const stack of ["prod", "local"]) {
    it(`GIVEN ${stack} WHEN only gateway.version changes THEN cluster, node pool, controller and both Ingresses are identical and only the version's objects and selectors differ`, async () => {
      const a = byKey((await render(stack, withVersion("1a2b3c4"))).resources);
      const b = byKey((await render(stack, withVersion("9e8d7c6"))).resources);

      const mustBeIdentical = [...a.keys()].filter((k) =>
        [
          T.cluster,
          T.nodePool,
          T.controller,
          T.ingress,
          T.account,
          T.iamMember,
          T.namespace,
          T.provider,
        ].some((t) => k.startsWith(`${t}::`)),
      );
      assert.ok(mustBeIdentical.some((k) => k.startsWith(`${T.controller}::`)));
      assert.equal(mustBeIdentical.filter((k) => k.startsWith(`${T.ingress}::`)).length, 2);
      for (const k of mustBeIdentical) {
        assert.deepEqual(b.get(k), a.get(k), `${k} changed with the version`);
      }

      const changed = [...new Set([...a.keys(), ...b.keys()])]
        .filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k)))
        // Component resources carry no inputs of their own; their children are compared.
        .filter((k) => !k.startsWith(DYNAMIC_TYPE_PREFIX) && !k.startsWith("ws-gateway:"))
        .sort();
      assert.deepEqual(changed, [
        `${T.deployment}::gateway-1a2b3c4-deployment`,
        `${T.deployment}::gateway-9e8d7c6-deployment`,
        `${T.hpa}::gateway-1a2b3c4-hpa`,
        `${T.hpa}::gateway-9e8d7c6-hpa`,
        `${T.service}::canary-service`,
        `${T.service}::stable-service`,
        `${T.pdb}::gateway-1a2b3c4-pdb`,
        `${T.pdb}::gateway-9e8d7c6-pdb`,
      ]);
      for (const svc of ["canary-service", "stable-service"]) {
        const sa = a.get(`${T.service}::${svc}`) as Json;
        const sb = b.get(`${T.service}::${svc}`) as Json;
        assert.deepEqual(
          { ...sa, spec: { ...(sa.spec as Json), selector: null } },
          {
            ...sb,
            spec: { ...(sb.spec as Json), selector: null },
          },
        );
      }
    });
  }

  it("GIVEN a release WHEN rendered THEN the order is reset, canary selector, schedule, promotion", async () => {
    const { resources } = await render("prod");
    const deps = (type: string, name: string) => one(resources, type, name).dependsOn;
    // 1. the weight goes to 0 once the canary Ingress exists
    assert.ok(deps(T.reset, "canary-weight-reset").includes("routes-canary"));
    // 2. the canary Service selects the new version only after the reset and once the new pods are Ready
    assert.ok(deps(T.service, "canary-service").includes("canary-weight-reset"));
    assert.ok(deps(T.service, "canary-service").includes("gateway-2f9c1ab-deployment"));
    // 3. the schedule runs against the canary Service and the new Deployment
    assert.ok(deps(T.rollout, "rollout").includes("canary-service"));
    assert.ok(deps(T.rollout, "rollout").includes("gateway-2f9c1ab-deployment"));
    // 4. promotion waits for the schedule
    assert.deepEqual(deps(T.service, "stable-service"), ["rollout"]);
    // and nothing the release changes waits on the controller being replaced or re-rendered
    assert.ok(!deps(T.service, "canary-service").includes("ingress-nginx-controller"));
  });

  it("GIVEN a schedule that holds below 100 WHEN rendered THEN both versions are declared and stable keeps the old one", async () => {
    const { resources } = await render("prod", (c) => {
      (c["ws-gateway:rollout"] as Json).steps = [{ weight: 25, pause: "1h" }];
      (c["ws-gateway:rollout"] as Json).stableVersion = "1a2b3c4";
    });
    const names = byType(resources, T.deployment)
      .map((d) => get(d.inputs, "metadata.name"))
      .sort();
    assert.deepEqual(names, ["ws-gateway-1a2b3c4", "ws-gateway-2f9c1ab"]);
    const selector = (n: string) =>
      get(one(resources, T.service, n).inputs, "spec.selector") as Record<string, string>;
    assert.equal(selector("stable-service")["app.kubernetes.io/version"], "1a2b3c4");
    assert.equal(selector("canary-service")["app.kubernetes.io/version"], "2f9c1ab");
    // The version holding the stable route is frozen; the released one hands only replicas to its HPA.
    assert.deepEqual(one(resources, T.deployment, "gateway-1a2b3c4-deployment").ignoreChanges, ["spec"]);
    assert.deepEqual(one(resources, T.hpa, "gateway-1a2b3c4-hpa").ignoreChanges, ["spec"]);
    assert.deepEqual(one(resources, T.pdb, "gateway-1a2b3c4-pdb").ignoreChanges, ["spec"]);
    assert.deepEqual(one(resources, T.deployment, "gateway-2f9c1ab-deployment").ignoreChanges, [
      "spec.replicas",
    ]);
  });
});
