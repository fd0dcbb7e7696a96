/** Drain contract rules: one changed field of the real gateway Deployment per case. */
import { describe, it } from "node:test";
import {
  gatewayBackgroundDeletion,
  gatewayDrainSeconds,
  gatewayDrainVerifiable,
  gatewayPreStopHook,
  gatewayReadinessProbe,
  gatewayTerminationGrace,
} from "../../policies/rules/drain";
import { deployment, stableService, withProps } from "./fixtures";
import { UNKNOWN_VALUE, expectNotApplicable, expectResource, withValue } from "./harness";

const C = "spec.template.spec.containers.0";
const D = 'Deployment "ws-gateway-2f9c1ab"';
const set = (path: string, value: unknown) =>
  withProps(deployment(), withValue(deployment().props, path, value));
const env = (value: unknown) => set(`${C}.env.0`, { name: "DRAIN_SECONDS", value });
const drainPolicies = [
  gatewayPreStopHook,
  gatewayDrainSeconds,
  gatewayTerminationGrace,
  gatewayReadinessProbe,
  gatewayBackgroundDeletion,
];

describe("drain rules", () => {
  it("GIVEN the gateway Deployment THEN every drain rule passes", async () => {
    for (const p of drainPolicies) await expectResource(p, deployment(), []);
  });

  it("GIVEN a Service or a Deployment of another app THEN drain rules do not apply", async () => {
    const other = set("metadata.labels", { "app.kubernetes.io/name": "other" });
    const otherPod = withProps(
      other,
      withValue(other.props, "spec.template.metadata.labels", { app: "other" }),
    );
    for (const p of drainPolicies) {
      await expectNotApplicable(p, stableService());
      await expectNotApplicable(p, otherPod);
    }
  });

  it("GIVEN no preStop hook, or a 2 s sleep THEN gateway-prestop-hook reports it", async () => {
    await expectResource(gatewayPreStopHook, set(`${C}.lifecycle`, undefined), [
      `${D}: container "gateway" has no preStop hook (found lifecycle.preStop: nothing). Fix: add lifecycle.preStop.sleep.seconds of at least 5 so the pod leaves every route before SIGTERM.`,
    ]);
    await expectResource(gatewayPreStopHook, set(`${C}.lifecycle.preStop.sleep.seconds`, 2), [
      `${D}: container "gateway" preStop sleep is 2 s, below the minimum 5 s. Fix: raise lifecycle.preStop.sleep.seconds to at least 5.`,
    ]);
    await expectResource(gatewayPreStopHook, set(`${C}.lifecycle.preStop.sleep.seconds`, UNKNOWN_VALUE), []);
  });

  it("GIVEN DRAIN_SECONDS missing, not a number, below the minimum or not the configured drain THEN gateway-drain-seconds reports it", async () => {
    await expectResource(gatewayDrainSeconds, set(`${C}.env`, [{ name: "PORT", value: "8080" }]), [
      `${D}: container "gateway" has no DRAIN_SECONDS environment variable (found nothing). Fix: set env DRAIN_SECONDS to the seconds over which the gateway closes its connections, e.g. "1800".`,
    ]);
    await expectResource(gatewayDrainSeconds, env("30m"), [
      `${D}: container "gateway" DRAIN_SECONDS is not a whole number of seconds (found "30m"). Fix: set it to an integer like "1800".`,
    ]);
    await expectResource(gatewayDrainSeconds, env("120"), [
      `${D}: container "gateway" DRAIN_SECONDS is 120, below the minimum 300: reconnects would arrive faster than clients back off. Fix: raise ws-gateway:gateway.drainSeconds to at least 300.`,
    ]);
    await expectResource(
      gatewayDrainSeconds,
      deployment(),
      [
        `${D}: container "gateway" DRAIN_SECONDS is 1800, not the configured drain 900. Fix: set ws-gateway:gateway.drainSeconds to 900, or change the policy's drainSeconds.`,
      ],
      { "gateway-drain-seconds": { drainSeconds: 900 } },
    );
    await expectResource(gatewayDrainSeconds, env(UNKNOWN_VALUE), []);
    await expectResource(
      gatewayDrainSeconds,
      set(`${C}.env.0`, { name: "DRAIN_SECONDS", valueFrom: { configMapKeyRef: { name: "x", key: "y" } } }),
      [],
    );
  });

  it("GIVEN a grace period below preStop + drain + margin, or none THEN gateway-termination-grace reports it", async () => {
    await expectResource(
      gatewayTerminationGrace,
      set("spec.template.spec.terminationGracePeriodSeconds", 1814),
      [
        `${D}: terminationGracePeriodSeconds is 1814, below preStop 10 + DRAIN_SECONDS 1800 + margin 5 = 1815 for container "gateway": the kubelet would kill the pod while it still holds connections. Fix: set terminationGracePeriodSeconds to at least 1815.`,
      ],
    );
    await expectResource(
      gatewayTerminationGrace,
      set("spec.template.spec.terminationGracePeriodSeconds", undefined),
      [
        `${D}: terminationGracePeriodSeconds is not set, so Kubernetes uses 30, below preStop 10 + DRAIN_SECONDS 1800 + margin 5 = 1815 for container "gateway": the kubelet would kill the pod while it still holds connections. Fix: set terminationGracePeriodSeconds to at least 1815.`,
      ],
    );
    await expectResource(
      gatewayTerminationGrace,
      set("spec.template.spec.terminationGracePeriodSeconds", 1815),
      [],
    );
    await expectResource(
      gatewayTerminationGrace,
      set("spec.template.spec.terminationGracePeriodSeconds", 1815),
      [
        `${D}: terminationGracePeriodSeconds is 1815, below preStop 10 + DRAIN_SECONDS 1800 + margin 60 = 1870 for container "gateway": the kubelet would kill the pod while it still holds connections. Fix: set terminationGracePeriodSeconds to at least 1870.`,
      ],
      { "gateway-termination-grace": { minTerminationMarginSeconds: 60 } },
    );
    await expectResource(
      gatewayTerminationGrace,
      set("spec.template.spec.terminationGracePeriodSeconds", UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN no readiness probe, or one identical to liveness THEN gateway-readiness-probe reports it", async () => {
    await expectResource(gatewayReadinessProbe, set(`${C}.readinessProbe`, undefined), [
      `${D}: container "gateway" has no readiness probe (found readinessProbe: nothing). Fix: add a readinessProbe that fails as soon as the gateway starts draining (e.g. httpGet /readyz).`,
    ]);
    await expectResource(gatewayReadinessProbe, set(`${C}.readinessProbe.httpGet.path`, "/livez"), [
      `${D}: container "gateway" readiness and liveness probes check the same endpoint (both HTTP GET :8080/livez): a draining pod would fail liveness and be restarted, cutting every connection at once. Fix: probe readiness on its own endpoint (e.g. /readyz) and liveness on another (e.g. /livez).`,
    ]);
    await expectResource(gatewayReadinessProbe, set(`${C}.readinessProbe`, UNKNOWN_VALUE), []);
  });

  it("GIVEN no or a foreground deletion propagation annotation THEN gateway-background-deletion reports it", async () => {
    await expectResource(gatewayBackgroundDeletion, set("metadata.annotations", undefined), [
      `${D}: annotation pulumi.com/deletionPropagationPolicy is nothing, not "background": Pulumi would wait in the foreground until every pod of the retired version has drained. Fix: set metadata.annotations["pulumi.com/deletionPropagationPolicy"] to "background".`,
    ]);
    await expectResource(
      gatewayBackgroundDeletion,
      set("metadata.annotations", { "pulumi.com/deletionPropagationPolicy": "foreground" }),
      [
        `${D}: annotation pulumi.com/deletionPropagationPolicy is "foreground", not "background": Pulumi would wait in the foreground until every pod of the retired version has drained. Fix: set metadata.annotations["pulumi.com/deletionPropagationPolicy"] to "background".`,
      ],
    );
    await expectResource(gatewayBackgroundDeletion, set("metadata.annotations", UNKNOWN_VALUE), []);
  });
});

describe("probes compared by the endpoint they hit", () => {
  const probes = (readiness: unknown, liveness: unknown) =>
    withProps(
      deployment(),
      withValue(
        withValue(deployment().props, `${C}.readinessProbe`, readiness),
        `${C}.livenessProbe`,
        liveness,
      ),
    );
  const same = (endpoint: string) =>
    `${D}: container "gateway" readiness and liveness probes check the same endpoint (both ${endpoint}): a draining pod would fail liveness and be restarted, cutting every connection at once. Fix: probe readiness on its own endpoint (e.g. /readyz) and liveness on another (e.g. /livez).`;

  it("GIVEN the same path written with the port's name and its number, or with and without the default scheme THEN they are one endpoint", async () => {
    await expectResource(
      gatewayReadinessProbe,
      probes(
        { httpGet: { path: "/healthz", port: "ws" } },
        { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" } },
      ),
      [same("HTTP GET :8080/healthz")],
    );
    await expectResource(
      gatewayReadinessProbe,
      probes(
        { httpGet: { path: "healthz", port: 8080 } },
        { httpGet: { path: "/healthz", port: "8080" }, periodSeconds: 30 },
      ),
      [same("HTTP GET :8080/healthz")],
    );
    await expectResource(
      gatewayReadinessProbe,
      probes({ tcpSocket: { port: "ws" } }, { tcpSocket: { port: 8080 } }),
      [same("TCP :8080")],
    );
  });

  it("GIVEN the same path on another port or scheme, or another handler THEN they are different endpoints", async () => {
    await expectResource(
      gatewayReadinessProbe,
      probes({ httpGet: { path: "/healthz", port: 9090 } }, { httpGet: { path: "/healthz", port: "ws" } }),
      [],
    );
    await expectResource(
      gatewayReadinessProbe,
      probes(
        { httpGet: { path: "/healthz", port: 8080, scheme: "HTTPS" } },
        { httpGet: { path: "/healthz", port: 8080 } },
      ),
      [],
    );
    await expectResource(
      gatewayReadinessProbe,
      probes({ httpGet: { path: "/readyz", port: "ws" } }, { tcpSocket: { port: "ws" } }),
      [],
    );
  });
});

describe("a drain the pack cannot read", () => {
  it("GIVEN DRAIN_SECONDS only through envFrom THEN the mandatory drain rule stays silent and gateway-drain-verifiable reports it", async () => {
    const env =
      (deployment().props as { spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } })
        .spec.template.spec.containers[0]?.env ?? [];
    const r = withProps(
      deployment(),
      withValue(
        withValue(
          deployment().props,
          `${C}.env`,
          env.filter((e) => e.name !== "DRAIN_SECONDS"),
        ),
        `${C}.envFrom`,
        [{ configMapRef: { name: "gateway-settings" } }],
      ),
    );
    await expectResource(gatewayDrainSeconds, r, []);
    await expectResource(gatewayDrainVerifiable, r, [
      `${D}: container "gateway" takes DRAIN_SECONDS from envFrom (ConfigMap "gateway-settings"), which only the cluster can read: the pack cannot check it against the minimum drain, the pod grace period, the node-upgrade soak or nginx's worker-shutdown-timeout. Fix: set DRAIN_SECONDS as a literal env value (ws-gateway:gateway.drainSeconds does), or check those four by hand.`,
    ]);
  });

  it("GIVEN DRAIN_SECONDS from a Secret THEN it is reported as unverifiable, and the literal value of the render is not", async () => {
    await expectResource(
      gatewayDrainVerifiable,
      set(`${C}.env.0`, { name: "DRAIN_SECONDS", valueFrom: { secretKeyRef: { name: "gw", key: "drain" } } }),
      [
        `${D}: container "gateway" takes DRAIN_SECONDS from Secret "gw" key "drain", which only the cluster can read: the pack cannot check it against the minimum drain, the pod grace period, the node-upgrade soak or nginx's worker-shutdown-timeout. Fix: set DRAIN_SECONDS as a literal env value (ws-gateway:gateway.drainSeconds does), or check those four by hand.`,
      ],
    );
    await expectResource(gatewayDrainVerifiable, deployment(), []);
  });
});
