/** Objects that reach the gateway pods, or are the gateway pods, without our labels. */
import type { FakeResource } from "../../harness";
import {
  STABLE_SERVICE,
  TYPE,
  add,
  annotate,
  gatewayFacts,
  listAt,
  nginx,
  objAt,
  onCanary,
  onCanaryService,
  onContainer,
  onDeployment,
  onHpa,
  onPdb,
  onPodSpec,
  onPrimary,
  onStable,
  resource,
  seq,
  type Json,
  type Mutation,
} from "../model";
import { F1, PRECEDENCE, directService, extraIngress } from "./routing";

/**
 * The gateway as a generic template would label it: pods, Deployment, selectors of the Services,
 * the PDB and the spread constraints all on {app: ws} plus the version label; no app.kubernetes.io/name.
 */
const relabelGateway = (rs: FakeResource[]): FakeResource[] => {
  const version = gatewayFacts(rs).version;
  const labels = { app: "ws", "app.kubernetes.io/version": version };
  const selectorEverywhere = (p: Json, path: readonly string[]) => {
    objAt(p, path).matchLabels = { ...labels };
  };
  return seq(
    onDeployment((d) => {
      objAt(d, ["metadata"]).labels = { ...labels };
      selectorEverywhere(d, ["spec", "selector"]);
      objAt(d, ["spec", "template", "metadata"]).labels = { ...labels };
      for (const t of listAt(d, ["spec", "template", "spec", "topologySpreadConstraints"])) {
        selectorEverywhere(t, ["labelSelector"]);
      }
    }),
    onPdb((p) => {
      objAt(p, ["metadata"]).labels = { ...labels };
      selectorEverywhere(p, ["spec", "selector"]);
    }),
    onHpa((p) => {
      objAt(p, ["metadata"]).labels = { ...labels };
    }),
    onStable((p) => {
      objAt(p, ["spec"]).selector = { ...labels };
    }),
    onCanaryService((p) => {
      objAt(p, ["spec"]).selector = { ...labels };
    }),
  )(rs);
};

const stripOurLabels = (p: Json): void => {
  const meta = objAt(p, ["metadata"]);
  meta.labels = { app: "generic" };
};

const unlabelled = (m: Omit<Mutation, "family">): Mutation => ({ ...m, family: "unlabelled-objects" });

export const UNLABELLED: readonly Mutation[] = [
  unlabelled({
    id: "unlabelled-hpa-min-one",
    stack: "prod",
    description: "the gateway HPA loses our labels (a generic template) and keeps 1 pod minimum",
    source:
      "HPA scaleTargetRef decides what is scaled, not labels; one disruption then drops every connection",
    apply: onHpa((p) => {
      stripOurLabels(p);
      objAt(p, ["spec"]).minReplicas = 1;
    }),
  }),
  unlabelled({
    id: "unlabelled-hpa-fast-scale-down",
    stack: "prod",
    description:
      "the gateway HPA loses our labels and its slow scale-down behaviour (defaults: 300 s, 100 % per 15 s)",
    source: "docs/facts.md F18 (HPA default scale-down stabilization 300 s, 100 % per 15 s)",
    apply: onHpa((p) => {
      stripOurLabels(p);
      delete objAt(p, ["spec"]).behavior;
    }),
  }),
  unlabelled({
    id: "unlabelled-pdb-allows-all",
    stack: "prod",
    description: "the gateway PDB loses our labels and lets 100 % of the pods out at once",
    source:
      "Kubernetes PDB: the selector decides which pods are budgeted; maxUnavailable 100 % allows every eviction",
    apply: onPdb((p) => {
      stripOurLabels(p);
      objAt(p, ["spec"]).maxUnavailable = "100%";
    }),
  }),
  unlabelled({
    id: "unlabelled-primary-short-timeout",
    stack: "prod",
    description: "the primary Ingress loses our labels and its proxy-read-timeout drops to 60 s",
    source: "docs/facts.md F9 (nginx closes a WebSocket idle longer than proxy-read-timeout)",
    apply: onPrimary((p) => {
      stripOurLabels(p);
      annotate(nginx("proxy-read-timeout"), "60")(p);
    }),
  }),
  unlabelled({
    id: "unlabelled-canary-other-host",
    stack: "prod",
    description: "the canary Ingress loses our labels and its host changes, so ingress-nginx ignores it",
    source: F1,
    apply: onCanary((p) => {
      stripOurLabels(p);
      const rule = listAt(p, ["spec", "rules"])[0] as Json;
      rule.host = "canary.example.invalid";
    }),
  }),
  unlabelled({
    id: "unlabelled-gateway-short-grace",
    stack: "prod",
    description:
      "the gateway's pods, selectors and budget are relabelled from a generic template (app: ws) and the grace period is 30 s",
    source: "docs/facts.md F13 (SIGKILL when the grace period ends, whatever the drain)",
    apply: seq(
      relabelGateway,
      onPodSpec((s) => {
        s.terminationGracePeriodSeconds = 30;
      }),
    ),
  }),
  unlabelled({
    id: "unlabelled-gateway-no-prestop",
    stack: "prod",
    description: "the gateway is relabelled from a generic template (app: ws) and its preStop hook is gone",
    source: "docs/facts.md F13 (endpoint removal races SIGTERM without a preStop delay)",
    apply: seq(
      relabelGateway,
      onContainer((c) => {
        delete c.lifecycle;
      }),
    ),
  }),
  unlabelled({
    id: "unlabelled-gateway-short-drain",
    stack: "dev",
    description: "the gateway is relabelled from a generic template (app: ws) and DRAIN_SECONDS drops to 10",
    source: "docs/drain-contract.md (N connections come back at N / DRAIN_SECONDS per second)",
    apply: seq(
      relabelGateway,
      onContainer((c) => {
        const env = listAt(c, ["env"]).find((e) => e.name === "DRAIN_SECONDS");
        if (env === undefined) throw new Error("no DRAIN_SECONDS");
        env.value = "10";
      }),
    ),
  }),
  unlabelled({
    id: "unlabelled-loadbalancer-selecting-pods",
    stack: "prod",
    description:
      "a Service of type LoadBalancer from a generic template (no labels of ours) selects the gateway pods",
    source:
      "Kubernetes Service: a LoadBalancer Service sends outside traffic straight to the selected pods, past nginx",
    apply: add(directService("ws-public", "LoadBalancer", true)),
  }),
  unlabelled({
    id: "unlabelled-second-hpa",
    stack: "prod",
    description: "a second HPA without our labels targets the gateway Deployment with minReplicas 1",
    source: "Kubernetes HPA: two autoscalers on one target overwrite each other's replica count",
    apply: add(
      resource(TYPE.hpa, "generic-hpa", (rs) => {
        const g = gatewayFacts(rs);
        return {
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          metadata: { name: "generic-hpa", namespace: g.namespace },
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: g.name },
            minReplicas: 1,
            maxReplicas: 10,
            metrics: [
              {
                type: "Resource",
                resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
              },
            ],
          },
        };
      }),
    ),
  }),
  unlabelled({
    id: "unlabelled-second-pdb",
    stack: "prod",
    description: "a second PDB without our labels selects the gateway pods (maxUnavailable 1)",
    source:
      "Kubernetes eviction API (pkg/registry/core/pod/storage/eviction.go): a pod selected by more than one PodDisruptionBudget cannot be evicted (500), so every drain stalls until it is forced",
    apply: add(
      resource(TYPE.pdb, "generic-pdb", (rs) => {
        const g = gatewayFacts(rs);
        return {
          apiVersion: "policy/v1",
          kind: "PodDisruptionBudget",
          metadata: { name: "generic-pdb", namespace: g.namespace },
          spec: { maxUnavailable: 1, selector: { matchLabels: g.selector } },
        };
      }),
    ),
  }),
  unlabelled({
    id: "unlabelled-ingress-more-specific-path",
    stack: "prod",
    description: "an Ingress without our labels routes the same host's /ws (Prefix) to the stable Service",
    source: PRECEDENCE,
    apply: add(extraIngress("generic-ws", "/ws", "Prefix", STABLE_SERVICE)),
  }),
];
