/** ingress-nginx rules on the IngressController component's inputs. */
import { describe, it } from "node:test";
import {
  ingressNginxChartPinned,
  ingressNginxCoversGatewayDrain,
  ingressNginxNoSnippets,
  ingressNginxReplicas,
  ingressNginxValuesNotShadowed,
  ingressNginxWorkerShutdownTimeout,
} from "../../policies/rules/ingressNginx";
import {
  change,
  controller,
  deployment,
  type Json,
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

const WST = valuesPath("config", "worker-shutdown-timeout");
const rules = [
  ingressNginxWorkerShutdownTimeout,
  ingressNginxNoSnippets,
  ingressNginxChartPinned,
  ingressNginxReplicas,
  ingressNginxValuesNotShadowed,
];
/** The program's helmOptions.values.controller map. */
const valuesController = (): Json => {
  let v: unknown = controller().props;
  for (const k of VALUES_CONTROLLER) v = (v as Json)[k];
  return v as Json;
};
/** The controller with a typed `controller` argument, optionally without helmOptions.values.controller. */
const withTyped = (typed: unknown, keepValues = true): FakeResource => {
  const r = change(controller(), "controller", typed);
  return keepValues ? r : change(r, [...VALUES_CONTROLLER], undefined);
};
/** What the typed argument invites: the program's values with the grace period under the misnamed key. */
const misnamedGrace = (): Json => {
  const { terminationGracePeriodSeconds, ...rest } = valuesController();
  return { ...rest, terminateGracePeriodSeconds: terminationGracePeriodSeconds };
};
const SHADOWED =
  "IngressController: the typed controller argument is set together with helmOptions.values.controller: the component replaces helmOptions.values.controller with it as a whole, so none of helmOptions.values.controller's keys reach the chart. Fix: move every key into helmOptions.values.controller and remove the typed controller argument.";

describe("ingress-nginx rules", () => {
  it("GIVEN the program's controller THEN every ingress-nginx rule passes", async () => {
    for (const p of rules) await expectResource(p, controller(), []);
    await expectStack(ingressNginxCoversGatewayDrain, [deployment(), controller()], []);
  });

  it("GIVEN a Deployment THEN the controller rules do not apply", async () => {
    for (const p of rules) await expectNotApplicable(p, deployment());
  });

  it("GIVEN a typed controller argument THEN the rules read it instead of helmOptions.values.controller, as the chart would", async () => {
    // The typed map replaces the values map wholesale: every key of the values map is lost.
    const typedOnly = withTyped({ replicaCount: 3 });
    await expectResource(ingressNginxWorkerShutdownTimeout, typedOnly, [
      `IngressController: helmOptions.values.controller.config["worker-shutdown-timeout"] is not set, so nginx uses 240s, below the minimum drain 300 s: an nginx reload would cut every connection still open after 240 s. Fix: set it to at least "300s".`,
    ]);
    await expectResource(ingressNginxReplicas, typedOnly, [
      'IngressController: helmOptions.values.controller.topologySpreadConstraints has no topology.kubernetes.io/zone constraint (found nothing): replicas could share a zone and fail together. Fix: add {maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: <controller pod labels>}.',
    ]);
    // The same values under the typed argument alone reach the chart intact.
    for (const p of [ingressNginxReplicas, ingressNginxNoSnippets, ingressNginxValuesNotShadowed]) {
      await expectResource(p, withTyped(valuesController(), false), []);
    }
    // Go omits a nil typed argument: null is unset.
    for (const p of rules) await expectResource(p, withTyped(null), []);
    for (const p of rules) await expectResource(p, withTyped(UNKNOWN_VALUE), []);
  });

  it("GIVEN a typed controller set together with helmOptions.values.controller THEN ingress-nginx-values-not-shadowed reports it", async () => {
    await expectResource(ingressNginxValuesNotShadowed, withTyped(valuesController()), [SHADOWED]);
    await expectResource(ingressNginxValuesNotShadowed, withTyped({}), [SHADOWED]);
    await expectResource(
      ingressNginxValuesNotShadowed,
      change(controller(), "defaultBackend", { enabled: true }),
      [],
    );
    await expectResource(
      ingressNginxValuesNotShadowed,
      change(change(controller(), "defaultBackend", { enabled: true }), "helmOptions.values.defaultBackend", {
        enabled: false,
      }),
      [
        "IngressController: the typed defaultBackend argument is set together with helmOptions.values.defaultBackend: the component replaces helmOptions.values.defaultBackend with it as a whole, so none of helmOptions.values.defaultBackend's keys reach the chart. Fix: move every key into helmOptions.values.defaultBackend and remove the typed defaultBackend argument.",
      ],
    );
    await expectResource(ingressNginxValuesNotShadowed, withTyped(UNKNOWN_VALUE), []);
    await expectResource(
      ingressNginxValuesNotShadowed,
      change(withTyped({}), [...VALUES_CONTROLLER], UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN a worker-shutdown-timeout below the drain, unset, unreadable, or a short grace period THEN ingress-nginx-worker-shutdown-timeout reports it", async () => {
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, "120s"), [
      `IngressController: helmOptions.values.controller.config["worker-shutdown-timeout"] is "120s", below the minimum drain 300 s: an nginx reload would cut every connection still open after 120 s. Fix: set it to at least "300s".`,
    ]);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, undefined), [
      `IngressController: helmOptions.values.controller.config["worker-shutdown-timeout"] is not set, so nginx uses 240s, below the minimum drain 300 s: an nginx reload would cut every connection still open after 240 s. Fix: set it to at least "300s".`,
    ]);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, "soon"), [
      `IngressController: helmOptions.values.controller.config["worker-shutdown-timeout"] is not a duration (found "soon"). Fix: write it as "<seconds>s", e.g. "300s".`,
    ]);
    await expectResource(
      ingressNginxWorkerShutdownTimeout,
      controller(),
      [
        `IngressController: helmOptions.values.controller.config["worker-shutdown-timeout"] is "3600s", below the configured drain 7200 s: an nginx reload would cut every connection still open after 3600 s. Fix: set it to at least "7200s".`,
      ],
      { "ingress-nginx-worker-shutdown-timeout": { drainSeconds: 7200 } },
    );
    await expectResource(
      ingressNginxWorkerShutdownTimeout,
      change(controller(), valuesPath("terminationGracePeriodSeconds"), undefined),
      [
        `IngressController: helmOptions.values.controller.terminationGracePeriodSeconds is not set, so the chart uses 300, below shutdown-grace-period 15 + worker-shutdown-timeout 3600 = 3615: a stopping controller would be killed with connections open. Fix: set helmOptions.values.controller.terminationGracePeriodSeconds to at least 3615.`,
      ],
    );
    await expectResource(
      ingressNginxWorkerShutdownTimeout,
      change(controller(), valuesPath("terminationGracePeriodSeconds"), 3614),
      [
        `IngressController: helmOptions.values.controller.terminationGracePeriodSeconds is 3614, below shutdown-grace-period 15 + worker-shutdown-timeout 3600 = 3615: a stopping controller would be killed with connections open. Fix: set helmOptions.values.controller.terminationGracePeriodSeconds to at least 3615.`,
      ],
    );
    // The old key name on the values map is not read either: the chart falls back to its default.
    await expectResource(
      ingressNginxWorkerShutdownTimeout,
      change(
        change(controller(), valuesPath("terminationGracePeriodSeconds"), undefined),
        valuesPath("terminateGracePeriodSeconds"),
        3675,
      ),
      [
        `IngressController: helmOptions.values.controller.terminationGracePeriodSeconds is not set, so the chart uses 300, below shutdown-grace-period 15 + worker-shutdown-timeout 3600 = 3615: a stopping controller would be killed with connections open. Fix: set helmOptions.values.controller.terminationGracePeriodSeconds to at least 3615.`,
      ],
    );
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, UNKNOWN_VALUE), []);
  });

  it("GIVEN the typed controller.terminateGracePeriodSeconds THEN ingress-nginx-worker-shutdown-timeout explains the chart never reads it", async () => {
    const misnamed =
      "IngressController: the typed controller.terminateGracePeriodSeconds is 3675, a key the chart never reads (the chart reads controller.terminationGracePeriodSeconds): it does not set the controller pods' grace period. Fix: remove it and set helmOptions.values.controller.terminationGracePeriodSeconds instead.";
    await expectResource(ingressNginxWorkerShutdownTimeout, withTyped(misnamedGrace(), false), [
      misnamed,
      `IngressController: helmOptions.values.controller.terminationGracePeriodSeconds is not set, so the chart uses 300, below shutdown-grace-period 15 + worker-shutdown-timeout 3600 = 3615: a stopping controller would be killed with connections open. Fix: set helmOptions.values.controller.terminationGracePeriodSeconds to at least 3615.`,
    ]);
    // Beside a correct grace period the misnamed key is still reported: it suggests a setting that does nothing.
    await expectResource(
      ingressNginxWorkerShutdownTimeout,
      withTyped({ ...valuesController(), terminateGracePeriodSeconds: 3675 }, false),
      [misnamed],
    );
    await expectResource(
      ingressNginxWorkerShutdownTimeout,
      withTyped({ ...valuesController(), terminateGracePeriodSeconds: UNKNOWN_VALUE }, false),
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
        `IngressController: helmOptions.values.controller.config["worker-shutdown-timeout"] is "29m", shorter than DRAIN_SECONDS 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s.`,
      ],
    );
    // A typed controller without the timeout replaces the values map, so nginx's 240 s applies.
    await expectStack(
      ingressNginxCoversGatewayDrain,
      [deployment(), withTyped({ replicaCount: 3 })],
      [
        `IngressController: helmOptions.values.controller.config["worker-shutdown-timeout"] is not set, so nginx uses 240s, shorter than DRAIN_SECONDS 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s.`,
      ],
    );
    // A component whose recorded state lacks its inputs: nothing to compare.
    await expectStack(
      ingressNginxCoversGatewayDrain,
      [deployment(), withProps(controller(), { status: {} })],
      [],
    );
    await expectStack(
      ingressNginxCoversGatewayDrain,
      [deployment(), change(controller(), [...VALUES_CONTROLLER], UNKNOWN_VALUE)],
      [],
    );
    await expectStack(ingressNginxCoversGatewayDrain, [deployment(), withTyped(UNKNOWN_VALUE)], []);
  });

  it("GIVEN snippet annotations allowed THEN ingress-nginx-no-snippets reports each switch", async () => {
    await expectResource(
      ingressNginxNoSnippets,
      change(controller(), valuesPath("allowSnippetAnnotations"), true),
      [
        "IngressController: helmOptions.values.controller.allowSnippetAnnotations is true. Fix: set it to false.",
      ],
    );
    await expectResource(
      ingressNginxNoSnippets,
      change(controller(), valuesPath("config", "allow-snippet-annotations"), "true"),
      [
        'IngressController: helmOptions.values.controller.config["allow-snippet-annotations"] is "true". Fix: set it to "false".',
      ],
    );
    await expectResource(
      ingressNginxNoSnippets,
      change(controller(), valuesPath("allowSnippetAnnotations"), UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN an unpinned, ranged or vulnerable chart THEN ingress-nginx-chart-pinned reports it", async () => {
    const unpinned = (found: string) =>
      `IngressController: helmOptions.version is ${found}, not an exact chart version: every install could pick a different controller, and upgrading it restarts nginx. Fix: pin helmOptions.version to an exact release such as "4.15.1".`;
    await expectResource(ingressNginxChartPinned, change(controller(), "helmOptions.version", undefined), [
      unpinned("nothing"),
    ]);
    await expectResource(ingressNginxChartPinned, change(controller(), "helmOptions.version", "^4.15.0"), [
      unpinned('"^4.15.0"'),
    ]);
    await expectResource(ingressNginxChartPinned, change(controller(), "helmOptions.version", "4.12.0"), [
      `IngressController: helmOptions.version is "4.12.0", older than 4.12.1, which fixes CVE-2025-1974 (IngressNightmare). Fix: pin helmOptions.version to 4.12.1 or later (4.15.1 is the final release).`,
    ]);
    await expectResource(ingressNginxChartPinned, change(controller(), "helmOptions.version", "4.12.1"), []);
    await expectResource(
      ingressNginxChartPinned,
      change(controller(), "helmOptions.version", UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN too few replicas or no zone spread THEN ingress-nginx-replicas reports it", async () => {
    await expectResource(ingressNginxReplicas, change(controller(), valuesPath("replicaCount"), 2), [
      "IngressController: helmOptions.values.controller.replicaCount is 2, below 3. Fix: set helmOptions.values.controller.replicaCount to at least 3 (one per zone).",
    ]);
    await expectResource(ingressNginxReplicas, change(controller(), valuesPath("replicaCount"), undefined), [
      "IngressController: helmOptions.values.controller.replicaCount is not set (the chart uses 1), below 3. Fix: set helmOptions.values.controller.replicaCount to at least 3 (one per zone).",
    ]);
    await expectResource(
      ingressNginxReplicas,
      change(controller(), valuesPath("topologySpreadConstraints"), []),
      [
        'IngressController: helmOptions.values.controller.topologySpreadConstraints has no topology.kubernetes.io/zone constraint (found []): replicas could share a zone and fail together. Fix: add {maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: <controller pod labels>}.',
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
      'IngressController: helmOptions.values.controller.topologySpreadConstraints spreads over topology.kubernetes.io/zone with whenUnsatisfiable "ScheduleAnyway", not "DoNotSchedule": the scheduler may still put replicas in one zone, where they fail together. Fix: set whenUnsatisfiable to "DoNotSchedule" (on a cluster without zones, such as kind, set requireZoneSpread to false instead).',
    ]);
    const local = { "ingress-nginx-replicas": { minControllerReplicas: 1, requireZoneSpread: false } };
    await expectResource(ingressNginxReplicas, bestEffort, [], local);
    // Even best effort needs a zone constraint.
    await expectResource(
      ingressNginxReplicas,
      change(controller(), valuesPath("topologySpreadConstraints"), []),
      [
        'IngressController: helmOptions.values.controller.topologySpreadConstraints has no topology.kubernetes.io/zone constraint (found []): replicas could share a zone and fail together. Fix: add {maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: <controller pod labels>}.',
      ],
      local,
    );
    await expectResource(ingressNginxReplicas, change(controller(), WHEN, UNKNOWN_VALUE), []);
  });
});
