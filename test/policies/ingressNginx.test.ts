/** ingress-nginx rules on the IngressController component's inputs. */
import { describe, it } from "node:test";
import {
  ingressNginxChartPinned,
  ingressNginxCoversGatewayDrain,
  ingressNginxNoSnippets,
  ingressNginxReplicas,
  ingressNginxWorkerShutdownTimeout,
} from "../../policies/rules/ingressNginx";
import { controller, deployment, withProps } from "./fixtures";
import {
  UNKNOWN_VALUE,
  expectNotApplicable,
  expectResource,
  expectStack,
  withValue,
  type FakeResource,
} from "./harness";

const change = (r: FakeResource, path: string | (string | number)[], value: unknown) =>
  withProps(r, withValue(r.props, path, value));
const WST = ["controller", "config", "worker-shutdown-timeout"];
const rules = [
  ingressNginxWorkerShutdownTimeout,
  ingressNginxNoSnippets,
  ingressNginxChartPinned,
  ingressNginxReplicas,
];

describe("ingress-nginx rules", () => {
  it("GIVEN the program's controller THEN every ingress-nginx rule passes", async () => {
    for (const p of rules) await expectResource(p, controller(), []);
    await expectStack(ingressNginxCoversGatewayDrain, [deployment(), controller()], []);
  });

  it("GIVEN a Deployment THEN the controller rules do not apply", async () => {
    for (const p of rules) await expectNotApplicable(p, deployment());
  });

  it("GIVEN a worker-shutdown-timeout below the drain, unset, unreadable, or a short grace period THEN ingress-nginx-worker-shutdown-timeout reports it", async () => {
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, "120s"), [
      `IngressController: controller.config["worker-shutdown-timeout"] is "120s", below the minimum drain 300 s: an nginx reload would cut every connection still open after 120 s. Fix: set it to at least "300s".`,
    ]);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, undefined), [
      `IngressController: controller.config["worker-shutdown-timeout"] is not set, so nginx uses 240s, below the minimum drain 300 s: an nginx reload would cut every connection still open after 240 s. Fix: set it to at least "300s".`,
    ]);
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, "soon"), [
      `IngressController: controller.config["worker-shutdown-timeout"] is not a duration (found "soon"). Fix: write it as "<seconds>s", e.g. "300s".`,
    ]);
    await expectResource(
      ingressNginxWorkerShutdownTimeout,
      controller(),
      [
        `IngressController: controller.config["worker-shutdown-timeout"] is "1800s", below the configured drain 3600 s: an nginx reload would cut every connection still open after 1800 s. Fix: set it to at least "3600s".`,
      ],
      { "ingress-nginx-worker-shutdown-timeout": { drainSeconds: 3600 } },
    );
    await expectResource(
      ingressNginxWorkerShutdownTimeout,
      change(controller(), "controller.terminateGracePeriodSeconds", undefined),
      [
        `IngressController: controller.terminateGracePeriodSeconds is not set, so the chart uses 300, below shutdown-grace-period 15 + worker-shutdown-timeout 1800 = 1815: a stopping controller would be killed with connections open. Fix: set controller.terminateGracePeriodSeconds to at least 1815.`,
      ],
    );
    await expectResource(ingressNginxWorkerShutdownTimeout, change(controller(), WST, UNKNOWN_VALUE), []);
  });

  it("GIVEN a worker-shutdown-timeout below a gateway's DRAIN_SECONDS THEN ingress-nginx-covers-gateway-drain reports it", async () => {
    // Exactly the drain is enough.
    await expectStack(ingressNginxCoversGatewayDrain, [deployment(), change(controller(), WST, "30m")], []);
    await expectStack(
      ingressNginxCoversGatewayDrain,
      [deployment(), change(controller(), WST, "29m")],
      [
        `IngressController: controller.config["worker-shutdown-timeout"] is "29m", shorter than DRAIN_SECONDS 1800 of Deployment "ws-gateway-2f9c1ab": an nginx reload during a drain would cut the remaining connections at once. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least 1800s (or leave it unset to follow drainSeconds).`,
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
      [deployment(), change(controller(), "controller", UNKNOWN_VALUE)],
      [],
    );
  });

  it("GIVEN snippet annotations allowed THEN ingress-nginx-no-snippets reports each switch", async () => {
    await expectResource(
      ingressNginxNoSnippets,
      change(controller(), "controller.allowSnippetAnnotations", true),
      ["IngressController: controller.allowSnippetAnnotations is true. Fix: set it to false."],
    );
    await expectResource(
      ingressNginxNoSnippets,
      change(controller(), ["controller", "config", "allow-snippet-annotations"], "true"),
      [
        'IngressController: controller.config["allow-snippet-annotations"] is "true". Fix: set it to "false".',
      ],
    );
    await expectResource(
      ingressNginxNoSnippets,
      change(controller(), "controller.allowSnippetAnnotations", UNKNOWN_VALUE),
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
    await expectResource(ingressNginxReplicas, change(controller(), "controller.replicaCount", 2), [
      "IngressController: controller.replicaCount is 2, below 3. Fix: set controller.replicaCount to at least 3 (one per zone).",
    ]);
    await expectResource(ingressNginxReplicas, change(controller(), "controller.replicaCount", undefined), [
      "IngressController: controller.replicaCount is not set (the chart uses 1), below 3. Fix: set controller.replicaCount to at least 3 (one per zone).",
    ]);
    await expectResource(
      ingressNginxReplicas,
      change(controller(), "controller.topologySpreadConstraints", []),
      [
        'IngressController: controller.topologySpreadConstraints has no topology.kubernetes.io/zone constraint (found []): replicas could share a zone and fail together. Fix: add {maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: <controller pod labels>}.',
      ],
    );
    await expectResource(ingressNginxReplicas, change(controller(), "controller.replicaCount", 1), [], {
      "ingress-nginx-replicas": { minControllerReplicas: 1 },
    });
    await expectResource(
      ingressNginxReplicas,
      change(controller(), "controller.replicaCount", UNKNOWN_VALUE),
      [],
    );
  });
});
