/** ingress-nginx rules on the Helm release that installs the chart, reading what the chart receives. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  deliveredControllerValues,
  deliveredValues,
  isIngressNginxRelease,
  mergeMaps,
  undeliveredKeys,
} from "../../policies/lib/chart";
import {
  ingressNginxChartPinned,
  ingressNginxCoversGatewayDrain,
  ingressNginxNoSnippets,
  ingressNginxProxyTimeouts,
  ingressNginxReplicas,
  ingressNginxValuesReadByChart,
  ingressNginxWorkerShutdownTimeout,
} from "../../policies/rules/ingressNginx";
import {
  change,
  controller,
  deployment,
  type Json,
  rollout,
  VALUES_CONTROLLER,
  valuesPath,
  withProps,
} from "./fixtures";
import {
  UNKNOWN_VALUE,
  expectNotApplicable,
  expectResource,
  expectStack,
  type FakeResource,
} from "./harness";

const R = 'Helm release "ingress-nginx"';
const WST = valuesPath("config", "worker-shutdown-timeout");
const GRACE = valuesPath("terminationGracePeriodSeconds");
const rules = [
  ingressNginxWorkerShutdownTimeout,
  ingressNginxNoSnippets,
  ingressNginxChartPinned,
  ingressNginxReplicas,
  ingressNginxProxyTimeouts,
  ingressNginxValuesReadByChart,
];
/** The program's values.controller map. */
const valuesController = (): Json => {
  let v: unknown = controller().props;
  for (const k of VALUES_CONTROLLER) v = (v as Json)[k];
  return v as Json;
};
/** A values file as the engine serializes an inline asset (pulumi.asset.StringAsset). */
const textAsset = (text: string): Json => ({
  "4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17",
  text,
});
/** The release with `values.controller` moved to `place` (where the release never reads it). */
const movedTo = (place: (string | number)[]): FakeResource =>
  change(change(controller(), place, valuesController()), [...VALUES_CONTROLLER], undefined);
/** The budget message of the baseline (prod: worker-shutdown-timeout 3600s, shutdown grace 15, post-shutdown grace 10). */
const graceBelow = (shown: string, before = 15, after = 10) =>
  `${R}: values.controller.terminationGracePeriodSeconds is ${shown}, below shutdown-grace-period ${before} + worker-shutdown-timeout 3600 + post-shutdown-grace-period ${after} = ${before + 3600 + after}: a stopping controller would be killed with connections open. Fix: set values.controller.terminationGracePeriodSeconds to at least ${before + 3600 + after}.`;
const WST_UNSET_300 = `${R}: values.controller.config["worker-shutdown-timeout"] is not set, so nginx uses 240s, below the minimum drain 300 s: an nginx reload would cut every connection still open after 240 s. Fix: set it to at least "300s".`;

describe("what the ingress-nginx chart receives (policies/lib/chart.ts)", () => {
  it("GIVEN the program's release THEN every controller value it sets is delivered as set", () => {
    const delivered = deliveredControllerValues(controller().props);
    assert.deepEqual(undeliveredKeys(valuesController(), delivered), []);
    assert.deepEqual(delivered, valuesController());
  });

  it("GIVEN values placed where a helm.v3.Release never reads them THEN nothing of them is delivered and the rules see chart defaults", async () => {
    // The old component's shape, and a misplaced top-level map: neither is a release input Helm reads.
    for (const place of [["helmOptions", "values", "controller"], ["controller"]]) {
      const r = movedTo(place);
      assert.equal(deliveredControllerValues(r.props), undefined);
      const missing = undeliveredKeys(valuesController(), deliveredControllerValues(r.props));
      assert.ok(
        missing.includes('config.worker-shutdown-timeout: expected "3600s", delivered nothing'),
        missing.join("\n"),
      );
      assert.ok(missing.includes("terminationGracePeriodSeconds: expected 3685, delivered nothing"));
      assert.ok(missing.includes("replicaCount: expected 3, delivered nothing"));
      await expectResource(ingressNginxWorkerShutdownTimeout, r, [WST_UNSET_300]);
    }
  });

  it("GIVEN a changed or missing leaf THEN undeliveredKeys names its path and both values", () => {
    const expected = valuesController();
    const delivered = deliveredControllerValues(change(controller(), GRACE, "3685").props);
    assert.deepEqual(undeliveredKeys(expected, delivered), [
      'terminationGracePeriodSeconds: expected 3685, delivered "3685"',
    ]);
    const noSpread = deliveredControllerValues(
      change(controller(), valuesPath("topologySpreadConstraints"), []).props,
    );
    assert.equal(undeliveredKeys(expected, noSpread).length, 1);
  });

  it("GIVEN valueYamlFiles THEN files merge in order and values win key by key, as the provider's decodeRelease does", () => {
    const props = withProps(controller(), {
      ...controller().props,
      valueYamlFiles: [
        textAsset(
          'controller:\n  config:\n    use-gzip: "true"\n    worker-shutdown-timeout: 10s\n  podLabels: {a: "1"}\n',
        ),
        textAsset("controller:\n  podLabels: {b: '2'}\n  tolerations: [{key: x}]\n"),
      ],
    }).props;
    const c = deliveredControllerValues(props) as Json;
    // values' worker-shutdown-timeout beats the file's; the file's extra key survives the merge.
    assert.equal((c.config as Json)["worker-shutdown-timeout"], "3600s");
    assert.equal((c.config as Json)["use-gzip"], "true");
    assert.deepEqual(c.podLabels, { a: "1", b: "2" });
    assert.deepEqual(c.tolerations, [{ key: "x" }]);
    assert.deepEqual(undeliveredKeys(valuesController(), c), []);
    // Lists and scalars replace; maps merge.
    assert.deepEqual(mergeMaps({ a: [1, 2], m: { x: 1 } }, { a: [3], m: { y: 2 } }), {
      a: [3],
      m: { x: 1, y: 2 },
    });
    // A null is kept: Helm then deletes the chart default.
    assert.deepEqual(mergeMaps({ m: { x: 1 } }, { m: null }), { m: null });
  });

  it("GIVEN a values file the model cannot read or an unknown values map THEN delivery is unknown and no rule reports", async () => {
    const pathAsset = change(controller(), "valueYamlFiles", [
      { "4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17", path: "./values.yaml" },
    ]);
    for (const r of [
      pathAsset,
      change(controller(), "values", UNKNOWN_VALUE),
      change(controller(), "valueYamlFiles", UNKNOWN_VALUE),
    ]) {
      assert.equal(typeof deliveredValues(r.props), "symbol");
      for (const p of rules) await expectResource(p, r, []);
      await expectStack(ingressNginxCoversGatewayDrain, [deployment(), r], []);
    }
  });

  it("GIVEN the gateway Deployment without our labels (a generic template) and the engine naming its version WHEN worker-shutdown-timeout is shorter than its drain THEN ingress-nginx-covers-gateway-drain still reports it", async () => {
    const generic = change(
      change(deployment(), "metadata.labels", { app: "ws" }),
      "spec.template.metadata.labels",
      { app: "ws" },
    );
    await expectStack(
      ingressNginxCoversGatewayDrain,
      [generic, rollout(), change(controller(), WST, "300s")],
      [
        `${R}: values.controller.config["worker-shutdown-timeout"] is "300s", shorter than DRAIN_SECONDS 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s.`,
      ],
    );
  });

  it("GIVEN chart references THEN only ingress-nginx ones are ingress-nginx releases", () => {
    for (const chart of [
      "ingress-nginx",
      "ingress-nginx/ingress-nginx",
      "oci://registry.example/charts/ingress-nginx",
      "./ingress-nginx-4.15.1.tgz",
      "./charts/ingress-nginx/",
    ]) {
      assert.equal(isIngressNginxRelease({ chart }), true, chart);
    }
    for (const chart of [
      "cert-manager",
      "jetstack/cert-manager",
      "nginx",
      "ingress-nginx-extras",
      undefined,
    ]) {
      assert.equal(isIngressNginxRelease({ chart }), false, String(chart));
    }
  });
});

describe("ingress-nginx rules", () => {
  it("GIVEN the program's release THEN every ingress-nginx rule passes", async () => {
    for (const p of rules) await expectResource(p, controller(), []);
    await expectStack(ingressNginxCoversGatewayDrain, [deployment(), controller()], []);
  });

  it("GIVEN a Deployment or a Helm release of another chart THEN the controller rules do not apply", async () => {
    const certManager = change(change(controller(), "chart", "cert-manager"), "name", "cert-manager");
    for (const p of rules) {
      await expectNotApplicable(p, deployment());
      await expectNotApplicable(p, certManager);
    }
    // Another chart's short worker-shutdown-timeout is none of the drain rule's business.
    await expectStack(ingressNginxCoversGatewayDrain, [deployment(), change(certManager, WST, "10s")], []);
    // While the chart is unknown the release is skipped.
    for (const p of rules) await expectResource(p, change(controller(), "chart", UNKNOWN_VALUE), []);
  });

  it("GIVEN a worker-shutdown-timeout below the drain, unset, null or unreadable THEN ingress-nginx-worker-shutdown-timeout reports it", async () => {
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, "120s"), [
      `${R}: values.controller.config["worker-shutdown-timeout"] is "120s", below the minimum drain 300 s: an nginx reload would cut every connection still open after 120 s. Fix: set it to at least "300s".`,
    ]);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, undefined), [
      WST_UNSET_300,
    ]);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, null), [WST_UNSET_300]);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, "soon"), [
      `${R}: values.controller.config["worker-shutdown-timeout"] is not a duration (found "soon"). Fix: write it as "<seconds>s", e.g. "300s".`,
    ]);
    await expectResource(
      ingressNginxWorkerShutdownTimeout,
      controller(),
      [
        `${R}: values.controller.config["worker-shutdown-timeout"] is "3600s", below the configured drain 7200 s: an nginx reload would cut every connection still open after 3600 s. Fix: set it to at least "7200s".`,
      ],
      { "ingress-nginx-worker-shutdown-timeout": { drainSeconds: 7200 } },
    );
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, UNKNOWN_VALUE), []);
  });

  it("GIVEN a grace period short of shutdown grace + worker-shutdown-timeout + post-shutdown grace THEN the drain budget is reported", async () => {
    // Exactly the budget is enough; one second less is not.
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), GRACE, 3625), []);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), GRACE, 3624), [
      graceBelow("3624"),
    ]);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), GRACE, undefined), [
      graceBelow("not set, so the chart uses 300"),
    ]);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), GRACE, null), [
      graceBelow("null, which deletes the chart's default, so Kubernetes uses 30"),
    ]);
    // The flags count as delivered: a longer shutdown grace needs a longer grace period...
    const longerFlag = change(controller(), valuesPath("extraArgs", "shutdown-grace-period"), "76");
    await expectResource(ingressNginxWorkerShutdownTimeout, longerFlag, [graceBelow("3685", 76)]);
    // ...and an unset post-shutdown grace is the controller's default, 10 s.
    const unsetPost = change(
      change(controller(), valuesPath("extraArgs", "post-shutdown-grace-period"), undefined),
      GRACE,
      3624,
    );
    await expectResource(ingressNginxWorkerShutdownTimeout, unsetPost, [graceBelow("3624")]);
    const longPost = change(controller(), valuesPath("extraArgs", "post-shutdown-grace-period"), "120");
    await expectResource(ingressNginxWorkerShutdownTimeout, longPost, [graceBelow("3685", 15, 120)]);
    // The budget reads the merged values: a grace period from a values file counts.
    const fromFile = withProps(controller(), {
      ...change(controller(), GRACE, undefined).props,
      valueYamlFiles: [textAsset("controller:\n  terminationGracePeriodSeconds: 3700\n")],
    });
    await expectResource(ingressNginxWorkerShutdownTimeout, fromFile, []);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), GRACE, UNKNOWN_VALUE), []);
  });

  it("GIVEN controller keys the chart never reads THEN ingress-nginx-values-read-by-chart names each", async () => {
    const { terminationGracePeriodSeconds, ...rest } = valuesController();
    const misnamed = change(controller(), [...VALUES_CONTROLLER], {
      ...rest,
      terminateGracePeriodSeconds: terminationGracePeriodSeconds,
      workerShutdownTimeout: "3600s",
    });
    await expectResource(ingressNginxValuesReadByChart, misnamed, [
      `${R}: values.controller.terminateGracePeriodSeconds is a key the ingress-nginx chart never reads: it does not set the controller pods' grace period. Fix: rename it to values.controller.terminationGracePeriodSeconds.`,
      `${R}: values.controller.workerShutdownTimeout is a key the ingress-nginx chart never reads: it has no effect. Fix: use the key the chart documents in its values.yaml, or remove it.`,
    ]);
    // ...and the grace check, reading what the chart gets, sees no grace period at all.
    await expectResource(ingressNginxWorkerShutdownTimeout, misnamed, [
      graceBelow("not set, so the chart uses 300"),
    ]);
    // Keys the templates read without a values.yaml default are known too.
    await expectResource(
      ingressNginxValuesReadByChart,
      change(controller(), valuesPath("maxUnavailable"), 1),
      [],
    );
    await expectResource(
      ingressNginxValuesReadByChart,
      change(controller(), [...VALUES_CONTROLLER], UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN a worker-shutdown-timeout below a gateway's DRAIN_SECONDS THEN ingress-nginx-covers-gateway-drain reports it", async () => {
    // Exactly the drain is enough.
    await expectStack(ingressNginxCoversGatewayDrain, [deployment(), change(controller(), WST, "30m")], []);
    await expectStack(
      ingressNginxCoversGatewayDrain,
      [deployment(), change(controller(), WST, "29m")],
      [
        `${R}: values.controller.config["worker-shutdown-timeout"] is "29m", shorter than DRAIN_SECONDS 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s.`,
      ],
    );
    // Values the release never reads leave nginx on its 240 s.
    await expectStack(
      ingressNginxCoversGatewayDrain,
      [deployment(), movedTo(["helmOptions", "values", "controller"])],
      [
        `${R}: values.controller.config["worker-shutdown-timeout"] is not set, so nginx uses 240s, shorter than DRAIN_SECONDS 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s.`,
      ],
    );
    // A release without values (its recorded outputs omit an empty map) runs on the chart's defaults.
    await expectStack(
      ingressNginxCoversGatewayDrain,
      [deployment(), withProps(controller(), { name: "ingress-nginx", chart: "ingress-nginx", status: {} })],
      [
        `${R}: values.controller.config["worker-shutdown-timeout"] is not set, so nginx uses 240s, shorter than DRAIN_SECONDS 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s.`,
      ],
    );
    await expectStack(
      ingressNginxCoversGatewayDrain,
      [deployment(), change(controller(), [...VALUES_CONTROLLER], UNKNOWN_VALUE)],
      [],
    );
  });

  it("GIVEN proxy timeouts unset, short, or written as a duration THEN ingress-nginx-proxy-timeouts reports each", async () => {
    const READ = valuesPath("config", "proxy-read-timeout");
    const SEND = valuesPath("config", "proxy-send-timeout");
    await expectResource(ingressNginxProxyTimeouts, change(controller(), READ, "3600s"), [
      `${R}: values.controller.config["proxy-read-timeout"] is "3600s", not integer seconds: the controller cannot parse it and uses 60, so nginx closes a WebSocket idle for longer. Fix: write it as "3600".`,
    ]);
    await expectResource(ingressNginxProxyTimeouts, change(controller(), SEND, undefined), [
      `${R}: values.controller.config["proxy-send-timeout"] is not set, so nginx uses 60, below 3600 s: nginx closes a WebSocket idle for longer. Fix: set it to "3600".`,
    ]);
    await expectResource(ingressNginxProxyTimeouts, change(controller(), READ, "600"), [
      `${R}: values.controller.config["proxy-read-timeout"] is "600", below 3600 s: nginx closes a WebSocket idle for longer. Fix: set it to "3600".`,
    ]);
    // A number is what the chart's toString turns into the same ConfigMap text.
    await expectResource(ingressNginxProxyTimeouts, change(controller(), READ, 7200), []);
    await expectResource(ingressNginxProxyTimeouts, change(controller(), READ, "600"), [], {
      "ingress-nginx-proxy-timeouts": { minProxyTimeoutSeconds: 600 },
    });
    await expectResource(ingressNginxProxyTimeouts, change(controller(), READ, UNKNOWN_VALUE), []);
  });

  it("GIVEN snippet annotations allowed THEN ingress-nginx-no-snippets reports each switch", async () => {
    await expectResource(
      ingressNginxNoSnippets,
      change(controller(), valuesPath("allowSnippetAnnotations"), true),
      [`${R}: values.controller.allowSnippetAnnotations is true. Fix: set it to false.`],
    );
    await expectResource(
      ingressNginxNoSnippets,
      change(controller(), valuesPath("config", "allow-snippet-annotations"), "true"),
      [`${R}: values.controller.config["allow-snippet-annotations"] is "true". Fix: set it to "false".`],
    );
    await expectResource(
      ingressNginxNoSnippets,
      change(controller(), valuesPath("allowSnippetAnnotations"), UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN an unpinned, ranged or vulnerable chart THEN ingress-nginx-chart-pinned reports it", async () => {
    const unpinned = (found: string) =>
      `${R}: version is ${found}, not an exact chart version: every install could pick a different controller, and upgrading it restarts nginx. Fix: pin version to an exact release such as "4.15.1".`;
    await expectResource(ingressNginxChartPinned, change(controller(), "version", undefined), [
      unpinned("nothing"),
    ]);
    await expectResource(ingressNginxChartPinned, change(controller(), "version", "^4.15.0"), [
      unpinned('"^4.15.0"'),
    ]);
    await expectResource(ingressNginxChartPinned, change(controller(), "version", "4.12.0"), [
      `${R}: version is "4.12.0", older than 4.12.1, which fixes CVE-2025-1974 (IngressNightmare). Fix: pin version to 4.12.1 or later (4.15.1 is the final release).`,
    ]);
    await expectResource(ingressNginxChartPinned, change(controller(), "version", "4.12.1"), []);
    await expectResource(ingressNginxChartPinned, change(controller(), "version", UNKNOWN_VALUE), []);
  });

  it("GIVEN too few replicas or no zone spread THEN ingress-nginx-replicas reports it", async () => {
    await expectResource(ingressNginxReplicas, change(controller(), valuesPath("replicaCount"), 2), [
      `${R}: values.controller.replicaCount is 2, below 3. Fix: set values.controller.replicaCount to at least 3 (one per zone).`,
    ]);
    await expectResource(ingressNginxReplicas, change(controller(), valuesPath("replicaCount"), undefined), [
      `${R}: values.controller.replicaCount is not set (the chart uses 1), below 3. Fix: set values.controller.replicaCount to at least 3 (one per zone).`,
    ]);
    await expectResource(
      ingressNginxReplicas,
      change(controller(), valuesPath("topologySpreadConstraints"), []),
      [
        `${R}: values.controller.topologySpreadConstraints has no topology.kubernetes.io/zone constraint (found []): replicas could share a zone and fail together. Fix: add {maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: <controller pod labels>}.`,
      ],
    );
    await expectResource(ingressNginxReplicas, change(controller(), valuesPath("replicaCount"), 1), [], {
      "ingress-nginx-replicas": { minControllerReplicas: 1 },
    });
    await expectResource(
      ingressNginxReplicas,
      change(controller(), valuesPath("replicaCount"), UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN a best-effort zone spread THEN ingress-nginx-replicas requires DoNotSchedule unless requireZoneSpread is false", async () => {
    const WHEN = valuesPath("topologySpreadConstraints", 0, "whenUnsatisfiable");
    const bestEffort = change(controller(), WHEN, "ScheduleAnyway");
    await expectResource(ingressNginxReplicas, bestEffort, [
      `${R}: values.controller.topologySpreadConstraints spreads over topology.kubernetes.io/zone with whenUnsatisfiable "ScheduleAnyway", not "DoNotSchedule": the scheduler may still put replicas in one zone, where they fail together. Fix: set whenUnsatisfiable to "DoNotSchedule" (on a cluster without zones, such as kind, set requireZoneSpread to false instead).`,
    ]);
    const local = { "ingress-nginx-replicas": { minControllerReplicas: 1, requireZoneSpread: false } };
    await expectResource(ingressNginxReplicas, bestEffort, [], local);
    // Even best effort needs a zone constraint.
    await expectResource(
      ingressNginxReplicas,
      change(controller(), valuesPath("topologySpreadConstraints"), []),
      [
        `${R}: values.controller.topologySpreadConstraints has no topology.kubernetes.io/zone constraint (found []): replicas could share a zone and fail together. Fix: add {maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: <controller pod labels>}.`,
      ],
      local,
    );
    await expectResource(ingressNginxReplicas, change(controller(), WHEN, UNKNOWN_VALUE), []);
  });
});
