/** The ingress-nginx controller's own rollout, capacity and settings that every connection passes through. */
import { NAME, TYPE, edit, objAt, onController, type Mutation } from "../model";

const CHART = "ingress-nginx chart 4.15.1 values.yaml (controller.*)";
const F10 = "docs/facts.md F10 (controller shutdown: shutdown-grace-period, nginx -s quit, grace period)";

const ctl = (m: Omit<Mutation, "family">): Mutation => ({ ...m, family: "controller-capacity" });

export const CONTROLLER: readonly Mutation[] = [
  ctl({
    id: "ctl-replicas-one-prod",
    stack: "prod",
    description: "one controller replica in prod",
    source: `${CHART}; docs/ingress-controller.md`,
    apply: onController((c) => {
      c.replicaCount = 1;
    }),
  }),
  ctl({
    id: "ctl-max-unavailable-all",
    stack: "prod",
    description:
      "the controller's rolling update allows 3 unavailable: a chart upgrade replaces every controller at once",
    source: `${CHART} (updateStrategy)`,
    apply: onController((c) => {
      objAt(c, ["updateStrategy", "rollingUpdate"]).maxUnavailable = 3;
    }),
  }),
  ctl({
    id: "ctl-max-unavailable-percent",
    stack: "dev",
    description: "the controller's rolling update allows 67 %: two of three controllers at once",
    source: `${CHART} (updateStrategy); Kubernetes rounds maxUnavailable percentages down, ceil for PDBs`,
    apply: onController((c) => {
      objAt(c, ["updateStrategy", "rollingUpdate"]).maxUnavailable = "67%";
    }),
  }),
  ctl({
    id: "ctl-recreate-strategy",
    stack: "prod",
    description: "the controller Deployment uses Recreate: a chart upgrade stops every controller first",
    source: `${CHART} (updateStrategy)`,
    apply: onController((c) => {
      c.updateStrategy = { type: "Recreate" };
    }),
  }),
  ctl({
    id: "ctl-max-surge-zero-unavailable-two",
    stack: "prod",
    description: "the controller's rolling update: maxSurge 0 and maxUnavailable 2 of 3",
    source: `${CHART} (updateStrategy)`,
    apply: onController((c) => {
      c.updateStrategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 2 } };
    }),
  }),
  ctl({
    id: "ctl-hpa-min-one",
    stack: "prod",
    description:
      "the controller's HPA is enabled with minReplicas 1: a quiet hour scales two controllers and their sockets away",
    source: `${CHART} (controller.autoscaling); docs/facts.md F18`,
    apply: onController((c) => {
      c.autoscaling = { enabled: true, minReplicas: 1, maxReplicas: 11, targetCPUUtilizationPercentage: 50 };
    }),
  }),
  ctl({
    id: "ctl-hpa-default-behaviour",
    stack: "prod",
    description: "the controller's HPA is enabled (3 to 9) with the default scale-down behaviour",
    source: `${CHART} (controller.autoscaling, behavior {}); docs/facts.md F18`,
    apply: onController((c) => {
      c.autoscaling = { enabled: true, minReplicas: 3, maxReplicas: 9, targetCPUUtilizationPercentage: 50 };
    }),
  }),
  ctl({
    id: "ctl-keda-enabled",
    stack: "dev",
    description: "the chart's KEDA scaler is enabled for the controller (minReplicas 1)",
    source: `${CHART} (controller.keda)`,
    apply: onController((c) => {
      c.keda = { enabled: true, minReplicas: 1, maxReplicas: 11 };
    }),
  }),
  ctl({
    id: "ctl-pdb-blocks-all",
    stack: "prod",
    description: "controller minAvailable 3 with 3 replicas: no node drain can evict a controller",
    source: "Kubernetes PDB (minAvailable = replicas blocks every eviction); docs/facts.md F22",
    apply: onController((c) => {
      c.minAvailable = 3;
    }),
  }),
  ctl({
    id: "ctl-pdb-max-unavailable-all",
    stack: "prod",
    description:
      "controller maxUnavailable 3 (the chart then renders maxUnavailable instead of minAvailable)",
    source: `${CHART} (controller.maxUnavailable)`,
    apply: onController((c) => {
      delete c.minAvailable;
      c.maxUnavailable = 3;
    }),
  }),
  ctl({
    id: "ctl-pdb-min-available-zero",
    stack: "dev",
    description: "controller minAvailable 0: every controller may be evicted at once",
    source: `${CHART} (controller.minAvailable)`,
    apply: onController((c) => {
      c.minAvailable = 0;
    }),
  }),
  ctl({
    id: "ctl-grace-chart-default",
    stack: "prod",
    description: "the controller's terminationGracePeriodSeconds back to 300",
    source: F10,
    apply: onController((c) => {
      c.terminationGracePeriodSeconds = 300;
    }),
  }),
  ctl({
    id: "ctl-shutdown-grace-zero",
    stack: "prod",
    description:
      "shutdown-grace-period 0: the load balancer keeps sending new connections to a stopping controller",
    source: F10,
    apply: onController((c) => {
      objAt(c, ["extraArgs"])["shutdown-grace-period"] = "0";
    }),
  }),
  ctl({
    id: "ctl-worker-shutdown-short",
    stack: "dev",
    description: "worker-shutdown-timeout 240s against a 300 s drain",
    source: "docs/facts.md F8",
    apply: onController((c) => {
      objAt(c, ["config"])["worker-shutdown-timeout"] = "240s";
    }),
  }),
  ctl({
    id: "ctl-external-traffic-cluster",
    stack: "prod",
    description: "externalTrafficPolicy Cluster on the controller Service",
    source: "docs/facts.md F16",
    apply: onController((c) => {
      objAt(c, ["service"]).externalTrafficPolicy = "Cluster";
    }),
  }),
  ctl({
    id: "ctl-service-nodeport-prod",
    stack: "prod",
    description: "the controller Service becomes NodePort in prod: the load balancer and its IP go away",
    source: "Kubernetes Service: changing type from LoadBalancer releases the cloud load balancer",
    apply: onController((c) => {
      objAt(c, ["service"]).type = "NodePort";
    }),
  }),
  ctl({
    id: "ctl-global-proxy-http-1-0",
    stack: "prod",
    description:
      "the controller's ConfigMap sets proxy-http-version 1.0 for every route: no WebSocket upgrade anywhere",
    source: "ingress-nginx ConfigMap proxy-http-version; nginx WebSocket proxying needs HTTP/1.1",
    apply: onController((c) => {
      objAt(c, ["config"])["proxy-http-version"] = "1.0";
    }),
  }),
  ctl({
    id: "ctl-global-read-timeout-suffixed",
    stack: "prod",
    description: 'the controller\'s proxy-read-timeout "3600s": not an integer, nginx falls back to 60',
    source: 'docs/ingress-controller.md (integer seconds; "3600s" silently falls back to 60)',
    apply: onController((c) => {
      objAt(c, ["config"])["proxy-read-timeout"] = "3600s";
    }),
  }),
  ctl({
    id: "ctl-snippets-enabled",
    stack: "prod",
    description: "snippet annotations turned on with risk level Critical",
    source: "docs/facts.md F12 (CVE-2025-1974; a bad snippet breaks every later reload)",
    apply: onController((c) => {
      c.allowSnippetAnnotations = true;
      objAt(c, ["config"])["allow-snippet-annotations"] = "true";
      objAt(c, ["config"])["annotations-risk-level"] = "Critical";
    }),
  }),
  ctl({
    id: "ctl-chart-version-vulnerable",
    stack: "prod",
    description: "chart 4.11.0 (controller before the CVE-2025-1974 fix)",
    source: "docs/facts.md F12",
    apply: edit(TYPE.helmRelease, NAME.controller, (p) => {
      p.version = "4.11.0";
    }),
  }),
];
