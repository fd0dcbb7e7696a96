/**
 * Config validation: every rule with its exact message. Invalid config must
 * fail before any resource is registered, naming the key, the value, what is
 * allowed and the fix.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig, parseDuration, type RawStackConfig } from "../../infra/config";
import { rawStackConfig, stackNames } from "../helpers/stacks";

/** A complete, valid GKE config; each case below changes one thing. */
function base(): {
  cluster: Record<string, unknown>;
  ingress: Record<string, unknown>;
  gateway: Record<string, unknown>;
  rollout: Record<string, unknown>;
} {
  return {
    cluster: {
      mode: "gke",
      project: "acme-ws-prod",
      region: "europe-west1",
      masterAuthorizedNetworks: [{ cidr: "203.0.113.0/24", name: "ops" }],
    },
    ingress: { host: "ws.acme.example", tlsSecretName: "ws-tls" },
    gateway: { image: "europe-docker.pkg.dev/acme/gw/ws-gateway", version: "2f9c1ab", drainSeconds: 1800 },
    rollout: { steps: [{ weight: 5, pause: "2m" }, { weight: 25, pause: "5m" }, { weight: 100 }] },
  };
}

function problemsOf(raw: RawStackConfig): readonly string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.fail("expected a ConfigError");
}

interface Case {
  readonly name: string;
  readonly mutate: (c: ReturnType<typeof base>) => void;
  readonly problems: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: "drainSeconds 0",
    mutate: (c) => {
      c.gateway.drainSeconds = 0;
    },
    problems: [
      "ws-gateway:gateway.drainSeconds: must be an integer from 300 to 86400 seconds (got 0). Fix: set how long a retiring version spreads its clients' reconnects, e.g. 1800.",
    ],
  },
  {
    name: "drainSeconds above a day",
    mutate: (c) => {
      c.gateway.drainSeconds = 90000;
    },
    problems: [
      "ws-gateway:gateway.drainSeconds: must be an integer from 300 to 86400 seconds (got 90000). Fix: set how long a retiring version spreads its clients' reconnects, e.g. 1800.",
    ],
  },
  {
    name: "drainSeconds as a duration string",
    mutate: (c) => {
      c.gateway.drainSeconds = "30m";
    },
    problems: [
      'ws-gateway:gateway.drainSeconds: must be an integer from 300 to 86400 seconds (got "30m"). Fix: set how long a retiring version spreads its clients\' reconnects, e.g. 1800.',
    ],
  },
  {
    name: "an image tagged latest",
    mutate: (c) => {
      c.gateway.image = "europe-docker.pkg.dev/acme/gw/ws-gateway:latest";
    },
    problems: [
      'ws-gateway:gateway.image: must be an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway" (got "europe-docker.pkg.dev/acme/gw/ws-gateway:latest": it carries a tag (":latest")). Fix: remove the tag; the tag comes from ws-gateway:gateway.version, e.g. "europe-docker.pkg.dev/acme/gw/ws-gateway".',
    ],
  },
  {
    name: "version latest",
    mutate: (c) => {
      c.gateway.version = "latest";
    },
    problems: [
      'ws-gateway:gateway.version: must be a DNS-1123 label fragment: 1 to 52 lower-case letters, digits or "-", starting and ending with a letter or digit, not a tag that moves (latest, stable, main, master, dev, develop, edge, nightly, canary, head, current, release, prod, production, staging, or a major-only number like "1") (got "latest"). Fix: use the image tag, lower-case letters, digits and "-", e.g. a short git SHA "2f9c1ab" or "v1-4-2" in ws-gateway:gateway.version.',
    ],
  },
  {
    name: "a version with upper case and dots",
    mutate: (c) => {
      c.gateway.version = "V1.2.3";
    },
    problems: [
      'ws-gateway:gateway.version: must be a DNS-1123 label fragment: 1 to 52 lower-case letters, digits or "-", starting and ending with a letter or digit, not a tag that moves (latest, stable, main, master, dev, develop, edge, nightly, canary, head, current, release, prod, production, staging, or a major-only number like "1") (got "V1.2.3"). Fix: use the image tag, lower-case letters, digits and "-", e.g. a short git SHA "2f9c1ab" or "v1-4-2" in ws-gateway:gateway.version, e.g. "v1-2-3".',
    ],
  },
  {
    name: "a version too long for a Deployment name",
    mutate: (c) => {
      c.gateway.version = "a".repeat(53);
    },
    problems: [
      'ws-gateway:gateway.version: must be a DNS-1123 label fragment: 1 to 52 lower-case letters, digits or "-", starting and ending with a letter or digit, not a tag that moves (latest, stable, main, master, dev, develop, edge, nightly, canary, head, current, release, prod, production, staging, or a major-only number like "1") (got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"). Fix: use the image tag, lower-case letters, digits and "-", e.g. a short git SHA "2f9c1ab" or "v1-4-2" in ws-gateway:gateway.version.',
    ],
  },
  {
    name: "no version",
    mutate: (c) => {
      delete c.gateway.version;
    },
    problems: [
      'ws-gateway:gateway.version: is required: a DNS-1123 label fragment: 1 to 52 lower-case letters, digits or "-", starting and ending with a letter or digit, not a tag that moves (latest, stable, main, master, dev, develop, edge, nightly, canary, head, current, release, prod, production, staging, or a major-only number like "1"). Fix: add version, the image tag this update releases, e.g. version: 2f9c1ab.',
    ],
  },
  {
    name: "a misspelled gateway key",
    mutate: (c) => {
      c.gateway.drainSecs = 60;
    },
    problems: [
      'ws-gateway:gateway.drainSecs: is not a key of ws-gateway:gateway (did you mean "drainSeconds"?): its settings would be ignored. Allowed keys: namespace, image, version, port, minReplicas, maxReplicas, targetCpuUtilizationPercent, resources, drainSeconds, preStopSeconds, terminationMarginSeconds, pod. Fix: rename it to drainSeconds, or remove it.',
    ],
  },
  {
    name: "weights that do not rise",
    mutate: (c) => {
      c.rollout.steps = [{ weight: 25, pause: "2m" }, { weight: 10, pause: "2m" }, { weight: 100 }];
    },
    problems: [
      "ws-gateway:rollout.steps[1].weight: weights must rise strictly (got 10 after 25). Fix: order the steps by rising weight and drop repeats.",
    ],
  },
  {
    name: "a weight above 100",
    mutate: (c) => {
      c.rollout.steps = [{ weight: 5, pause: "2m" }, { weight: 150 }];
    },
    problems: [
      "ws-gateway:rollout.steps[1].weight: must be an integer from 1 to 100 percent (got 150). Fix: set the canary weight of this step.",
    ],
  },
  {
    name: "a fractional weight",
    mutate: (c) => {
      c.rollout.steps = [{ weight: 2.5, pause: "2m" }, { weight: 100 }];
    },
    problems: [
      "ws-gateway:rollout.steps[0].weight: must be an integer from 1 to 100 percent (got 2.5). Fix: set the canary weight of this step.",
    ],
  },
  {
    name: "a pause that is not a duration",
    mutate: (c) => {
      c.rollout.steps = [{ weight: 5, pause: "2 minutes" }, { weight: 100 }];
    },
    problems: [
      'ws-gateway:rollout.steps[0].pause: must be a duration like "90s", "2m" or "1h30m" between 0s and 168h (got "2 minutes"). Fix: set how long to hold this weight, e.g. "5m".',
    ],
  },
  {
    name: "a pause given as a number",
    mutate: (c) => {
      c.rollout.steps = [{ weight: 5, pause: 120 }, { weight: 100 }];
    },
    problems: [
      'ws-gateway:rollout.steps[0].pause: must be a duration like "90s", "2m" or "1h30m" between 0s and 168h (got 120). Fix: a bare number has no unit; write it as a duration in quotes: "120s".',
    ],
  },
  {
    name: "a step without pause before the last",
    mutate: (c) => {
      c.rollout.steps = [{ weight: 5 }, { weight: 100 }];
    },
    problems: [
      'ws-gateway:rollout.steps[0].pause: is required on every step but the last: a duration like "2m" during which gates run. Fix: add pause to step 1, at least 1m.',
    ],
  },
  {
    name: "weight 100 before the last step",
    mutate: (c) => {
      c.rollout.steps = [{ weight: 100, pause: "1m" }, { weight: 100 }];
    },
    problems: [
      "ws-gateway:rollout.steps[0].weight: weight 100 must be the last step (got step 1 of 2). Fix: remove the steps after it.",
      "ws-gateway:rollout.steps[1].weight: weights must rise strictly (got 100 after 100). Fix: order the steps by rising weight and drop repeats.",
    ],
  },
  {
    name: "a hold without stableVersion",
    mutate: (c) => {
      c.rollout.steps = [
        { weight: 5, pause: "2m" },
        { weight: 50, pause: "1h" },
      ];
    },
    problems: [
      "ws-gateway:rollout.stableVersion: is required when the schedule holds below 100 (last weight 50): the version the stable route keeps meanwhile. Fix: set rollout.stableVersion to the version now serving, or end the schedule with { weight: 100 }.",
    ],
  },
  {
    name: "stableVersion with a schedule ending at 100",
    mutate: (c) => {
      c.rollout.stableVersion = "1a2b3c4";
    },
    problems: [
      'ws-gateway:rollout.stableVersion: applies only to a schedule that holds below 100 (got "1a2b3c4" with a last weight of 100). Fix: remove rollout.stableVersion.',
    ],
  },
  {
    name: "stableVersion equal to version",
    mutate: (c) => {
      c.rollout.steps = [{ weight: 50, pause: "1h" }];
      c.rollout.stableVersion = "2f9c1ab";
    },
    problems: [
      'ws-gateway:rollout.stableVersion: must differ from gateway.version (both "2f9c1ab"). Fix: set it to the version now serving.',
    ],
  },
  {
    name: "an empty schedule",
    mutate: (c) => {
      c.rollout.steps = [];
    },
    problems: [
      "ws-gateway:rollout.steps: must hold 1 to 20 steps (got 0). Fix: add entries to hold 1 to 20.",
    ],
  },
  {
    name: "steps that are not a list",
    mutate: (c) => {
      c.rollout.steps = "5,25,100";
    },
    problems: [
      'ws-gateway:rollout.steps: must be a list of steps (got "5,25,100"). Fix: YAML reads a comma-separated line as one text; write a list in brackets: [5, 25, 100].',
    ],
  },
  {
    name: "an unknown cluster mode",
    mutate: (c) => {
      c.cluster.mode = "autopilot";
    },
    problems: [
      'ws-gateway:cluster.mode: must be one of gke, existing (got "autopilot"). Fix: use "gke" to create a regional GKE cluster or "existing" for the cluster of the current kubeconfig.',
    ],
  },
  {
    name: "gke without region",
    mutate: (c) => {
      delete c.cluster.region;
    },
    problems: [
      'ws-gateway:cluster.region: is required when cluster.mode is "gke": a GCP region like "europe-west1". Fix: add region, where the regional cluster runs, e.g. region: europe-west1.',
    ],
  },
  {
    name: "a zone outside the region",
    mutate: (c) => {
      c.cluster.zones = ["europe-west1-b", "us-central1-a"];
    },
    problems: [
      'ws-gateway:cluster.zones[1]: must be a zone of region "europe-west1" (got "us-central1-a"). Fix: list zones like "europe-west1-b".',
    ],
  },
  {
    name: "GKE keys with mode existing",
    mutate: (c) => {
      c.cluster = { mode: "existing", region: "europe-west1" };
      c.ingress.controllerReplicas = 1;
    },
    problems: [
      'ws-gateway:cluster.region: applies to cluster.mode "gke" only (got "europe-west1" with mode "existing"). Fix: remove it, or set cluster.mode to "gke".',
    ],
  },
  {
    name: "two controller replicas on GKE",
    mutate: (c) => {
      c.ingress.controllerReplicas = 2;
    },
    problems: [
      "ws-gateway:ingress.controllerReplicas: must be at least 3 on a regional GKE cluster so every zone keeps a controller (got 2). Fix: set it to 3 or more.",
    ],
  },
  {
    name: "a chart older than the CVE-2025-1974 fix",
    mutate: (c) => {
      c.ingress.chartVersion = "4.11.3";
    },
    problems: [
      'ws-gateway:ingress.chartVersion: must be 4.12.1 or later, the first chart with the CVE-2025-1974 fix (got "4.11.3"). Fix: pin 4.15.1, the final release.',
    ],
  },
  {
    name: "a worker shutdown timeout shorter than the drain",
    mutate: (c) => {
      c.ingress.workerShutdownTimeout = "10m";
    },
    problems: [
      "ws-gateway:ingress.workerShutdownTimeout: must be at least gateway.drainSeconds so an nginx reload never cuts a drain short (got 600s < 1800s). Fix: raise it to 1800s or more.",
    ],
  },
  {
    name: "a drain longer than the default worker shutdown timeout",
    mutate: (c) => {
      c.gateway.drainSeconds = 7200;
    },
    problems: [
      "ws-gateway:ingress.workerShutdownTimeout: its default 3600s is below gateway.drainSeconds (7200s), so an nginx reload could cut a drain short. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 7200s.",
      // A GKE node upgrade evicts by force after an hour (docs/disruption-budget.md).
      "ws-gateway:gateway.drainSeconds: a GKE node upgrade honours a pod's grace period for at most 3600 s, then evicts by force; preStop 10 + drain 7200 + margin 30 = 7240 s would cut the clients still on a pod at once (got 7200). Fix: set gateway.drainSeconds to 3560 or less.",
    ],
  },
  {
    name: "a load balancer IP on a NodePort controller",
    mutate: (c) => {
      c.ingress.serviceType = "NodePort";
      c.ingress.loadBalancerIP = "203.0.113.10";
    },
    problems: [
      // The base config is a GKE one, where NodePort is refused on its own (rules.ts).
      'ws-gateway:ingress.serviceType: must be "LoadBalancer" on cluster.mode "gke" (got "NodePort" with mode "gke"): the nodes are private, so a NodePort is reachable from nowhere outside the VPC. Fix: set ingress.serviceType to "LoadBalancer" (or remove it; it is the default).',
      'ws-gateway:ingress.loadBalancerIP: applies to ingress.serviceType "LoadBalancer" only (got "203.0.113.10" with "NodePort"). Fix: remove it, or set ingress.serviceType to "LoadBalancer".',
    ],
  },
  {
    name: "an unknown controller Service type",
    mutate: (c) => {
      c.ingress.serviceType = "ClusterIP";
    },
    problems: [
      'ws-gateway:ingress.serviceType: must be one of LoadBalancer, NodePort (got "ClusterIP"). Fix: use "LoadBalancer" on GKE, "NodePort" for a local cluster without load balancers.',
    ],
  },
  {
    name: "a preStop of 0 seconds",
    mutate: (c) => {
      c.gateway.preStopSeconds = 0;
    },
    problems: [
      "ws-gateway:gateway.preStopSeconds: must be an integer from 5 to 120 seconds (got 0). Fix: set how long a pod waits for endpoint removal to propagate, e.g. 5.",
    ],
  },
  {
    name: "two gateway pods on a regional GKE cluster",
    mutate: (c) => {
      c.gateway.minReplicas = 2;
    },
    problems: [
      "ws-gateway:gateway.minReplicas: must be at least 3 on a regional GKE cluster so every zone keeps gateway pods (got 2). Fix: set it to 3 or more.",
    ],
  },
  {
    name: "a host with upper case",
    mutate: (c) => {
      c.ingress.host = "WS.Acme.Example";
    },
    problems: [
      'ws-gateway:ingress.host: must be a lower-case DNS name like "ws.example.com", not an IP address (got "WS.Acme.Example": not a DNS-1123 subdomain (lower-case labels of letters, digits and "-", joined by dots)). Fix: write it in lower case: "ws.acme.example".',
    ],
  },
  {
    name: "maxReplicas below minReplicas",
    mutate: (c) => {
      c.gateway.minReplicas = 6;
      c.gateway.maxReplicas = 4;
    },
    problems: [
      "ws-gateway:gateway.maxReplicas: must be above gateway.minReplicas so the autoscaler can add pods under load (got 4 with minReplicas 6). Fix: raise maxReplicas above 6, or lower minReplicas.",
    ],
  },
  {
    name: "a single replica",
    mutate: (c) => {
      c.gateway.minReplicas = 1;
    },
    problems: [
      "ws-gateway:gateway.minReplicas: must be an integer from 2 to 1000 (got 1). Fix: keep at least 2 pods so a disruption never takes all connections.",
    ],
  },
  {
    name: "a privileged port",
    mutate: (c) => {
      c.gateway.port = 80;
    },
    problems: [
      "ws-gateway:gateway.port: must be an integer from 1024 to 65535 (got 80). Fix: use the unprivileged port the container listens on, e.g. 1024.",
    ],
  },
  {
    name: "a memory limit that is not a quantity",
    mutate: (c) => {
      c.gateway.resources = { memoryLimit: "512MB" };
    },
    problems: [
      'ws-gateway:gateway.resources.memoryLimit: must be a memory quantity like "512Mi" (got "512MB": not a Kubernetes quantity). Fix: write memory like "512Mi" or "1Gi".',
    ],
  },
  {
    name: "a maintenance window ending before it starts",
    mutate: (c) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T08:00:00Z",
        end: "2026-01-03T02:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.end: must be after maintenanceWindow.start (got start "2026-01-03T08:00:00Z", end "2026-01-03T02:00:00Z"). Fix: move the end after the start.',
    ],
  },
  {
    name: "a Prometheus gate with both max and min",
    mutate: (c) => {
      c.rollout.gates = { prometheus: { url: "http://prom:9090", query: "up", max: 1, min: 0 } };
    },
    problems: [
      "ws-gateway:rollout.gates.prometheus: needs exactly one of max or min (got both). Fix: set max for an error ratio, or min for a success ratio.",
    ],
  },
  {
    name: "a handshake URL that is not a WebSocket URL",
    mutate: (c) => {
      c.rollout.gates = { handshake: { url: "https://ws.acme.example/" } };
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.url: must be a WebSocket URL like "wss://ws.example.com/" (got "https://ws.acme.example/": the scheme https:// is not one this key takes (wss://, ws://)). Fix: write it as "wss://ws.acme.example/".',
    ],
  },
  {
    name: "a gateway section that is a string",
    mutate: (c) => {
      (c as Record<string, unknown>).gateway = "ws-gateway";
    },
    problems: [
      'ws-gateway:gateway: must be a map of gateway settings with keys namespace, image, version, port, minReplicas, maxReplicas, targetCpuUtilizationPercent, resources, drainSeconds, preStopSeconds, terminationMarginSeconds, pod (got "ws-gateway"). Fix: write it as an indented YAML map of key: value lines.',
    ],
  },
];

describe("stack config", () => {
  for (const stack of stackNames()) {
    it(`GIVEN stacks/Pulumi.${stack}.yaml WHEN parsed THEN it is valid`, () => {
      assert.doesNotThrow(() => parseConfig(rawStackConfig(stack)));
    });
  }

  it("GIVEN a minimal config WHEN parsed THEN documented defaults apply and durations become seconds", () => {
    const c = parseConfig(base());
    assert.equal(c.cluster.mode, "gke");
    if (c.cluster.mode !== "gke") return;
    assert.equal(c.cluster.releaseChannel, "REGULAR");
    assert.equal(c.cluster.deletionProtection, true);
    assert.deepEqual(c.cluster.nodePool, {
      machineType: "e2-standard-4",
      minNodesPerZone: 1,
      maxNodesPerZone: 3,
      diskSizeGb: 100,
      spot: false,
    });
    assert.equal(c.ingress.path, "/");
    assert.equal(c.ingress.className, "nginx");
    assert.equal(c.ingress.controllerReplicas, 3);
    assert.equal(c.ingress.chartVersion, "4.15.1");
    assert.equal(
      c.ingress.workerShutdownTimeoutSeconds,
      3600,
      "fixed, so a drain change never touches the controller",
    );
    assert.equal(c.ingress.serviceType, "LoadBalancer");
    assert.equal(c.ingress.loadBalancerIP, undefined);
    assert.equal(c.gateway.namespace, "ws-gateway");
    assert.equal(c.gateway.port, 8080);
    assert.equal(c.gateway.minReplicas, 3);
    assert.equal(c.gateway.preStopSeconds, 10);
    assert.deepEqual(c.rollout.steps, [
      { weight: 5, pauseSeconds: 120 },
      { weight: 25, pauseSeconds: 300 },
      { weight: 100, pauseSeconds: 0 },
    ]);
    assert.equal(c.rollout.gates.intervalSeconds, 15);
    assert.equal(c.rollout.gates.podStartupSeconds, 120);
    assert.equal(c.rollout.gates.versionIdentity, "required");
    assert.equal(c.rollout.gates.canaryRouteWaitSeconds, 120);
    assert.deepEqual(c.rollout.gates.handshake, {
      url: "wss://ws.acme.example/",
      timeoutSeconds: 5,
      message: "ping",
    });
    assert.equal(c.rollout.gates.prometheus, undefined);
  });

  it("GIVEN a schedule that holds below 100 WHEN it names the stable version THEN it parses", () => {
    const c = base();
    c.rollout = { steps: [{ weight: 10, pause: "1h" }], stableVersion: "1a2b3c4" };
    assert.equal(parseConfig(c).rollout.stableVersion, "1a2b3c4");
  });

  it("GIVEN a Prometheus gate with max WHEN parsed THEN it compares with <=", () => {
    const c = base();
    c.rollout.gates = { prometheus: { url: "http://prom:9090", query: "up", max: 0.01 } };
    assert.deepEqual(parseConfig(c).rollout.gates.prometheus, {
      url: "http://prom:9090",
      query: "up",
      threshold: 0.01,
      comparison: "<=",
    });
  });

  it("parses durations once at the boundary", () => {
    assert.equal(parseDuration("2m"), 120);
    assert.equal(parseDuration("1h30m"), 5400);
    assert.equal(parseDuration("45s"), 45);
    assert.equal(parseDuration("1h0m5s"), 3605);
    assert.equal(parseDuration("0s"), 0);
    assert.equal(parseDuration(""), undefined);
    assert.equal(parseDuration("2 minutes"), undefined);
    assert.equal(parseDuration("5"), undefined);
  });

  it("GIVEN a type error in one section and a cross-key problem in another WHEN parsed THEN both are reported", () => {
    const c = base();
    c.gateway.drainSeconds = 0;
    c.rollout.steps = [{ weight: 25, pause: "2m" }, { weight: 10, pause: "2m" }, { weight: 100 }];
    assert.deepEqual(problemsOf(c), [
      "ws-gateway:gateway.drainSeconds: must be an integer from 300 to 86400 seconds (got 0). Fix: set how long a retiring version spreads its clients' reconnects, e.g. 1800.",
      "ws-gateway:rollout.steps[1].weight: weights must rise strictly (got 10 after 25). Fix: order the steps by rising weight and drop repeats.",
    ]);
  });

  it("GIVEN several problems WHEN parsed THEN one error lists them all and says nothing changed", () => {
    const c = base();
    c.gateway.drainSeconds = 0;
    c.gateway.port = 80;
    assert.throws(
      () => parseConfig(c),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.length === 2 &&
        e.message.startsWith(
          "Invalid stack configuration (2 problems); nothing was changed:\n  - ws-gateway:gateway.port",
        ),
    );
  });

  for (const c of CASES) {
    it(`GIVEN ${c.name} WHEN parsed THEN it fails with the exact message`, () => {
      const raw = base();
      c.mutate(raw);
      assert.deepEqual(problemsOf(raw), c.problems);
    });
  }
});
