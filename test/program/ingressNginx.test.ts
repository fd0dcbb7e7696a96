/**
 * The ingress-nginx settings reach the chart: every stack rendered under
 * mocks through the real program, the Helm release it registers read through
 * the one model of delivery (policies/lib/chart.ts), and every controller value
 * the program declares found there as declared. Also: the release keeps the
 * component's type and name, carries the migration alias, and a release of the
 * gateway leaves it untouched.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  CONTROLLER_POST_SHUTDOWN_GRACE_SECONDS,
  CONTROLLER_SHUTDOWN_GRACE_SECONDS,
  FINAL_INGRESS_NGINX_CHART,
  HELM_RELEASE_TYPE,
  IngressNginx,
  LEGACY_CONTROLLER_TYPE,
  controllerValues,
} from "../../components/ingress/ingressNginx";
import { createProgram, ingressNginxArgs, loadStackConfig } from "../../infra/program";
import type { StackConfig } from "../../infra/config";
import {
  deliveredControllerValues,
  deliveredValues,
  isIngressNginxRelease,
  undeliveredKeys,
} from "../../policies/lib/chart";
import * as fs from "node:fs";
import * as path from "node:path";
import { installMocks, one, setStackConfig, settle, type Registered } from "../helpers/mocks";
import { REPO_ROOT, stackConfigMap, stackNames } from "../helpers/stacks";

type Json = Record<string, unknown>;

interface Monitor {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getAliasesList(): { getUrn(): string }[];
}

/** Renders a stack under mocks; also returns the alias URNs each resource registered with (type::name → URNs). */
async function render(
  stack: string,
  override: (c: Json) => void = () => undefined,
): Promise<{ resources: Registered[]; config: StackConfig; aliases: Map<string, string[]> }> {
  const raw = structuredClone(stackConfigMap(stack));
  override(raw);
  installMocks(stack);
  const aliases = new Map<string, string[]>();
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    aliases.set(
      `${req.getType()}::${req.getName()}`,
      req.getAliasesList().map((a) => a.getUrn()),
    );
    return register(req, callback);
  };
  setStackConfig(raw);
  const config = loadStackConfig();
  createProgram(config);
  return { resources: await settle(), config, aliases };
}

const release = (rs: readonly Registered[]) => one(rs, HELM_RELEASE_TYPE, "ingress-nginx-controller");

/** Stacks that install the controller (ingress.controller "existing" installs none). */
const installing = stackNames().filter(
  (stack) => (stackConfigMap(stack)["ws-gateway:ingress"] as Json | undefined)?.controller !== "existing",
);

describe("ingress-nginx settings reach the chart", () => {
  for (const stack of installing) {
    it(`GIVEN stacks/Pulumi.${stack}.yaml WHEN rendered THEN every controller value the program declares is delivered to the chart`, async () => {
      const { resources, config } = await render(stack);
      const r = release(resources);
      assert.equal(isIngressNginxRelease(r.inputs), true);
      const declared = controllerValues(ingressNginxArgs(config));
      const delivered = deliveredControllerValues(r.inputs);
      assert.deepEqual(undeliveredKeys(declared, delivered), []);
      // Nothing but the controller map: the chart's other sections keep their defaults.
      assert.deepEqual(Object.keys(deliveredValues(r.inputs) as Json), ["controller"]);
    });

    it(`GIVEN stacks/Pulumi.${stack}.yaml WHEN rendered THEN the chart receives the WebSocket settings, the drain budget, replicas, PDB, zone spread and Local traffic`, async () => {
      const { resources, config } = await render(stack);
      const r = release(resources).inputs;
      assert.equal(r.chart, "ingress-nginx");
      assert.equal(r.version, FINAL_INGRESS_NGINX_CHART);
      assert.equal(r.name, "ingress-nginx", "the Helm release name the chart's objects are named after");
      assert.equal(r.namespace, config.ingress.namespace);
      assert.deepEqual(r.repositoryOpts, { repo: "https://kubernetes.github.io/ingress-nginx" });

      const c = deliveredControllerValues(r) as Json;
      const cm = c.config as Json;
      // The controller ConfigMap: nginx time for the worker timeout, integer seconds for the proxy timeouts
      // (the controller parses those as integers; "3600s" would silently fall back to 60).
      assert.equal(cm["worker-shutdown-timeout"], "3600s");
      for (const k of ["proxy-read-timeout", "proxy-send-timeout"]) {
        assert.match(String(cm[k]), /^\d+$/, k);
        assert.equal(Number(cm[k]), 3600, k);
      }
      assert.equal(cm["allow-snippet-annotations"], "false");
      assert.equal(c.allowSnippetAnnotations, false);

      // Drain budget: shutdown grace + worker-shutdown-timeout + post-shutdown grace fits in the grace period.
      const args = c.extraArgs as Json;
      assert.equal(Number(args["shutdown-grace-period"]), CONTROLLER_SHUTDOWN_GRACE_SECONDS);
      assert.equal(Number(args["post-shutdown-grace-period"]), CONTROLLER_POST_SHUTDOWN_GRACE_SECONDS);
      const budget = CONTROLLER_SHUTDOWN_GRACE_SECONDS + 3600 + CONTROLLER_POST_SHUTDOWN_GRACE_SECONDS;
      assert.equal(typeof c.terminationGracePeriodSeconds, "number");
      assert.ok(
        (c.terminationGracePeriodSeconds as number) >= budget,
        `${String(c.terminationGracePeriodSeconds)} < ${budget}`,
      );

      // Replicas and the chart's PDB (rendered when replicas > 1; minAvailable below replicas so evictions proceed).
      const replicas = config.ingress.controllerReplicas;
      assert.equal(c.replicaCount, replicas);
      assert.equal(c.minAvailable, Math.max(1, replicas - 1));
      assert.equal(c.unhealthyPodEvictionPolicy, "AlwaysAllow");
      assert.equal(c.maxUnavailable, undefined, "the chart ignores minAvailable when maxUnavailable is set");
      if (stack === "local") {
        assert.equal(
          replicas,
          1,
          "one controller on kind: the chart renders no PDB (policies/stack-config/local.json)",
        );
      } else {
        assert.ok(replicas >= 3 && (c.minAvailable as number) < replicas);
      }

      // Zone spread selecting the chart's controller pods; required on GKE, best effort on kind.
      const [spread] = c.topologySpreadConstraints as Json[];
      assert.equal(spread?.topologyKey, "topology.kubernetes.io/zone");
      assert.equal(
        spread?.whenUnsatisfiable,
        config.cluster.mode === "gke" ? "DoNotSchedule" : "ScheduleAnyway",
      );
      assert.deepEqual((spread?.labelSelector as Json).matchLabels, {
        "app.kubernetes.io/name": "ingress-nginx",
        "app.kubernetes.io/instance": "ingress-nginx",
        "app.kubernetes.io/component": "controller",
      });

      const service = c.service as Json;
      assert.equal(service.externalTrafficPolicy, "Local");
      assert.equal(service.type, config.ingress.serviceType);
    });
  }

  it("GIVEN the program WHEN rendered THEN the component keeps its type and name, installs through one Helm release after the namespace, and no @pulumi/kubernetes-ingress-nginx resource remains", async () => {
    const { resources } = await render("prod");
    assert.equal(one(resources, IngressNginx.type, "ingress-nginx").type, "ws-gateway:ingress:IngressNginx");
    assert.equal(resources.filter((r) => r.type === HELM_RELEASE_TYPE).length, 1);
    assert.equal(resources.filter((r) => r.type.startsWith("kubernetes-ingress-nginx:")).length, 0);
    assert.ok(release(resources).dependsOn.includes("ingress-namespace"));
  });

  for (const stack of ["prod", "local"]) {
    it(`GIVEN ${stack} WHEN rendered THEN the release aliases the Helm release the old component created, so an existing stack upgrades it in place`, async () => {
      const { aliases } = await render(stack);
      assert.deepEqual(aliases.get(`${HELM_RELEASE_TYPE}::ingress-nginx-controller`), [
        `urn:pulumi:${stack}::ws-gateway::ws-gateway:ingress:IngressNginx$${LEGACY_CONTROLLER_TYPE}$${HELM_RELEASE_TYPE}::ingress-nginx-controller-helm`,
      ]);
    });
  }

  it("GIVEN prod WHEN only gateway.version or gateway.drainSeconds changes THEN the release's inputs are identical", async () => {
    const base = release((await render("prod")).resources).inputs;
    const other = release(
      (
        await render("prod", (c) => {
          (c["ws-gateway:gateway"] as Json).version = "9e8d7c6";
        })
      ).resources,
    ).inputs;
    assert.deepEqual(other, base);
    const shorterDrain = release(
      (
        await render("prod", (c) => {
          (c["ws-gateway:gateway"] as Json).drainSeconds = 900;
        })
      ).resources,
    ).inputs;
    assert.deepEqual(shorterDrain, base);
    // ...while a controller setting does change them: the comparison can fail.
    const moreReplicas = release(
      (
        await render("prod", (c) => {
          (c["ws-gateway:ingress"] as Json).controllerReplicas = 4;
        })
      ).resources,
    ).inputs;
    assert.notDeepEqual(moreReplicas, base);
  });

  it("GIVEN docs/ingress-controller.md THEN its table of delivered settings states what each stack's chart receives", async () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "ingress-controller.md"), "utf8");
    /** Cells of the table row whose first cell names `key`: [dev, prod, local, ...]. */
    const row = (key: string): string[] => {
      const line = doc.split("\n").find((l) => l.startsWith(`| \`${key}\``));
      assert.ok(line !== undefined, `docs/ingress-controller.md has no row for ${key}`);
      return line
        .split("|")
        .slice(2)
        .map((c) => c.trim());
    };
    const stacks = ["dev", "prod", "local"];
    for (const [i, stack] of stacks.entries()) {
      const c = deliveredControllerValues(release((await render(stack)).resources).inputs) as Json;
      // The first dot separates the section; ConfigMap keys and flags contain dashes, never dots.
      const at = (key: string): unknown => {
        const dot = key.indexOf(".");
        return dot < 0 ? c[key] : (c[key.slice(0, dot)] as Json)[key.slice(dot + 1)];
      };
      for (const key of [
        "config.worker-shutdown-timeout",
        "config.proxy-read-timeout",
        "config.proxy-send-timeout",
        "config.annotations-risk-level",
        "extraArgs.shutdown-grace-period",
        "extraArgs.post-shutdown-grace-period",
        "terminationGracePeriodSeconds",
        "replicaCount",
        "minAvailable",
        "unhealthyPodEvictionPolicy",
        "service.externalTrafficPolicy",
      ]) {
        const value = at(key);
        assert.equal(row(key)[i], `\`${String(value)}\``, `${key} on ${stack}`);
      }
    }
  });

  it("GIVEN ingress.chartRepository WHEN it names a mirror or an OCI registry THEN the same chart version and values come from there", async () => {
    const base = release((await render("prod")).resources).inputs;
    const mirror = release(
      (
        await render("prod", (c) => {
          (c["ws-gateway:ingress"] as Json).chartRepository = "http://127.0.0.1:8879/charts";
        })
      ).resources,
    ).inputs;
    assert.deepEqual(mirror, { ...base, repositoryOpts: { repo: "http://127.0.0.1:8879/charts" } });
    const oci = release(
      (
        await render("prod", (c) => {
          (c["ws-gateway:ingress"] as Json).chartRepository = "oci://europe-docker.pkg.dev/acme/charts/";
        })
      ).resources,
    ).inputs;
    const { repositoryOpts: _repo, ...rest } = base;
    assert.deepEqual(oci, { ...rest, chart: "oci://europe-docker.pkg.dev/acme/charts/ingress-nginx" });
    assert.equal(isIngressNginxRelease(oci), true);
    assert.deepEqual(deliveredControllerValues(oci), deliveredControllerValues(base));
  });

  it("GIVEN ingress.chartRepository that is not a URL THEN loading the config fails naming the key, before any resource", async () => {
    installMocks("prod");
    const raw = structuredClone(stackConfigMap("prod"));
    (raw["ws-gateway:ingress"] as Json).chartRepository = "charts.example.com/ingress-nginx";
    setStackConfig(raw);
    assert.throws(() => loadStackConfig(), {
      message:
        'Invalid stack configuration (1 problem); nothing was changed:\n  - ws-gateway:ingress.chartRepository: must be a Helm repository URL like "https://charts.example.com/ingress-nginx" (http:// on loopback only) or an OCI path like "oci://europe-docker.pkg.dev/acme/charts" (got "charts.example.com/ingress-nginx": it has no scheme (allowed: https://, oci://, http:// (loopback only))). Fix: write it with its scheme, e.g. "https://charts.example.com/ingress-nginx".',
    });
    assert.equal((await settle()).length, 0);
  });
});
