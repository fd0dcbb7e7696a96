/**
 * Paths from outside to a gateway pod that do not go through the primary/canary
 * Ingress pair whose weight the engine steps, and wiring that blinds the gates.
 */
import {
  CANARY_SERVICE,
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
  onPrimary,
  onRollout,
  onStable,
  onValues,
  resource,
  seq,
  type Json,
  type Mutation,
} from "../model";
import { F1, PRECEDENCE, directService, extraIngress } from "./routing";

const bypass = (m: Omit<Mutation, "family">): Mutation => ({ ...m, family: "bypass-routes" });

export const BYPASS: readonly Mutation[] = [
  bypass({
    id: "bypass-exact-root-path",
    stack: "prod",
    description:
      "another Ingress routes the same host's / as Exact to the stable Service: the root handshake skips the canary",
    source: PRECEDENCE,
    apply: add(extraIngress("exact-root", "/", "Exact", STABLE_SERVICE)),
  }),
  bypass({
    id: "bypass-more-specific-path-to-canary",
    stack: "prod",
    description:
      "another Ingress sends the same host's /ws straight to the canary Service, whatever the weight",
    source: PRECEDENCE,
    apply: add(extraIngress("ws-direct-canary", "/ws", "Prefix", CANARY_SERVICE)),
  }),
  bypass({
    id: "bypass-more-specific-path-dev",
    stack: "dev",
    description: "another Ingress routes the same host's /socket to the stable Service (no canary there)",
    source: PRECEDENCE,
    apply: add(extraIngress("socket", "/socket", "Prefix", STABLE_SERVICE)),
  }),
  bypass({
    id: "bypass-same-path-other-namespace",
    stack: "prod",
    description:
      "an Ingress in another namespace claims the same host and path / for another backend: the route then depends on which Ingress is older",
    source:
      "ingress-nginx merges Ingresses of every namespace per host and path; on a conflict the oldest Ingress wins, so the route depends on creation order",
    apply: add(extraIngress("shadow", "/", "Prefix", "other-backend", "nginx", {}, "team-b")),
  }),
  bypass({
    id: "bypass-gce-class-same-host",
    stack: "prod",
    description:
      "an Ingress of class gce for the same host sends clients to the stable Service through a Google L7 load balancer",
    source:
      "GKE Ingress: class gce provisions its own external load balancer (backend timeout 30 s by default), past nginx and the canary",
    apply: add(extraIngress("gce-route", "/", "Prefix", STABLE_SERVICE, "gce")),
  }),
  bypass({
    id: "bypass-no-class-same-host",
    stack: "prod",
    description:
      "an Ingress with no class for the same host: GKE's own controller takes Ingresses without a class",
    source: "GKE Ingress: the GKE controller serves Ingresses that name no class (gce is the default)",
    apply: add(extraIngress("classless", "/", "Prefix", STABLE_SERVICE, undefined)),
  }),
  bypass({
    id: "bypass-legacy-class-annotation",
    stack: "prod",
    description:
      "an Ingress selecting nginx through the legacy kubernetes.io/ingress.class annotation adds /ws to the stable Service",
    source: `${PRECEDENCE}; the ingress.class annotation still selects the controller`,
    apply: add(
      extraIngress("legacy", "/ws", "Prefix", STABLE_SERVICE, undefined, {
        "kubernetes.io/ingress.class": "nginx",
      }),
    ),
  }),
  bypass({
    id: "bypass-httproute-gateway-api",
    stack: "prod",
    description:
      "an HTTPRoute (the cluster has the Gateway API on) sends the host to the stable Service past nginx",
    source:
      "GKE Gateway API (gatewayApiConfig CHANNEL_STANDARD): an HTTPRoute attached to a Gateway is a separate path to the Service",
    apply: add(
      resource(TYPE.httpRoute, "route-gw", (rs) => {
        const g = gatewayFacts(rs);
        return {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: { name: "ws", namespace: g.namespace },
          spec: {
            parentRefs: [{ name: "external", namespace: "gateways" }],
            hostnames: [g.host],
            rules: [{ backendRefs: [{ name: STABLE_SERVICE, port: 80 }] }],
          },
        };
      }),
    ),
  }),
  bypass({
    id: "bypass-loadbalancer-all-versions",
    stack: "prod",
    description:
      "a LoadBalancer Service selects every gateway version (name label only) and exposes them directly",
    source:
      "Kubernetes Service: outside traffic reaches the selected pods directly, untested versions included",
    apply: add(directService("ws-direct", "LoadBalancer", false)),
  }),
  bypass({
    id: "bypass-loadbalancer-one-version",
    stack: "dev",
    description:
      "a LoadBalancer Service selects the current version's pods: clients skip nginx and a release switches it",
    source: "docs/facts.md F15/F23 (switching a pass-through load balancer's backends resets connections)",
    apply: add(directService("ws-direct", "LoadBalancer", true)),
  }),
  bypass({
    id: "bypass-nodeport-all-versions",
    stack: "local",
    description: "a NodePort Service selects every gateway version's pods",
    source: "Kubernetes Service: a NodePort opens the pods on every node's port",
    apply: add(directService("ws-nodeport", "NodePort", false)),
  }),
  bypass({
    id: "bypass-externalips-service",
    stack: "prod",
    description: "a ClusterIP Service with externalIPs selects the gateway pods",
    source:
      "Kubernetes Service externalIPs: traffic to those IPs on the node is routed to the Service's pods",
    apply: add(directService("ws-extip", "ClusterIP", false, { externalIPs: ["203.0.113.50"] })),
  }),
  bypass({
    id: "bypass-stable-service-loadbalancer",
    stack: "prod",
    description:
      "the stable Service becomes type LoadBalancer: promotion switches the selector of a pass-through load balancer",
    source: "docs/faq.md (switching a LoadBalancer Service's selector drops connections); docs/facts.md F15",
    apply: onStable((p) => {
      objAt(p, ["spec"]).type = "LoadBalancer";
    }),
  }),
  bypass({
    id: "bypass-canary-service-nodeport",
    stack: "dev",
    description:
      "the canary Service becomes type NodePort: the version under test is reachable on every node",
    source: "Kubernetes Service: a NodePort opens the pods on every node's port, past the weight",
    apply: onCanaryService((p) => {
      objAt(p, ["spec"]).type = "NodePort";
    }),
  }),
  bypass({
    id: "bypass-primary-backend-canary-service",
    stack: "prod",
    description: "the primary Ingress points at the canary Service: the weight no longer decides anything",
    source: F1,
    apply: onPrimary((p) => {
      const path = listAt(p, ["spec", "rules"])[0] as Json;
      const backend = (listAt(path, ["http", "paths"])[0] as Json).backend as Json;
      objAt(backend, ["service"]).name = CANARY_SERVICE;
    }),
  }),
  bypass({
    id: "bypass-canary-backend-stable-service",
    stack: "prod",
    description:
      "the canary Ingress points at the stable Service: the canary gets no traffic and the gates test the stable version",
    source: F1,
    apply: onCanary((p) => {
      const rule = listAt(p, ["spec", "rules"])[0] as Json;
      objAt((listAt(rule, ["http", "paths"])[0] as Json).backend as Json, ["service"]).name = STABLE_SERVICE;
    }),
  }),
  bypass({
    id: "bypass-primary-backend-unknown-service",
    stack: "dev",
    description: "the primary Ingress points at a Service nothing declares: every new connection gets a 503",
    source: "ingress-nginx: a backend Service without endpoints answers 503",
    apply: onPrimary((p) => {
      const rule = listAt(p, ["spec", "rules"])[0] as Json;
      objAt((listAt(rule, ["http", "paths"])[0] as Json).backend as Json, ["service"]).name =
        "ws-gateway-old";
    }),
  }),
  bypass({
    id: "bypass-primary-backend-wrong-port",
    stack: "prod",
    description:
      "the primary Ingress names port 8080 of the stable Service, which exposes only 80: no endpoints, 503",
    source: "ingress-nginx: a backend port the Service does not expose has no endpoints (503)",
    apply: onPrimary((p) => {
      const rule = listAt(p, ["spec", "rules"])[0] as Json;
      objAt((listAt(rule, ["http", "paths"])[0] as Json).backend as Json, ["service", "port"]).number = 8080;
    }),
  }),
  bypass({
    id: "bypass-service-target-port-unserved",
    stack: "prod",
    description:
      "the stable Service targets port 9090, which no gateway container serves: connections are refused",
    source: "Kubernetes Service targetPort: traffic goes to that port of the selected pods",
    apply: onStable((p) => {
      (listAt(p, ["spec", "ports"])[0] as Json).targetPort = 9090;
    }),
  }),
  bypass({
    id: "bypass-primary-extra-path",
    stack: "prod",
    description: "the primary Ingress gains a /ws path that the canary does not mirror: /ws has no canary",
    source: F1,
    apply: onPrimary((p) => {
      const rule = listAt(p, ["spec", "rules"])[0] as Json;
      const paths = listAt(rule, ["http", "paths"]);
      paths.push({ ...structuredClone(paths[0] as Json), path: "/ws" });
    }),
  }),
  bypass({
    id: "bypass-primary-extra-host",
    stack: "prod",
    description:
      "the primary Ingress gains a second host the canary does not mirror: that host has no canary",
    source: F1,
    apply: onPrimary((p) => {
      const rules = listAt(p, ["spec", "rules"]);
      rules.push({ ...structuredClone(rules[0] as Json), host: "ws2.acme.example" });
    }),
  }),
  bypass({
    id: "bypass-canary-path-type-exact",
    stack: "prod",
    description:
      "the canary Ingress uses pathType Exact where the primary uses Prefix: ingress-nginx ignores it",
    source: F1,
    apply: onCanary((p) => {
      const rule = listAt(p, ["spec", "rules"])[0] as Json;
      (listAt(rule, ["http", "paths"])[0] as Json).pathType = "Exact";
    }),
  }),
  bypass({
    id: "bypass-second-canary",
    stack: "prod",
    description: "a second canary Ingress for the same host and path (only one canary applies per rule)",
    source: F1,
    apply: add(
      extraIngress("canary-2", "/", "Prefix", STABLE_SERVICE, "nginx", {
        [nginx("canary")]: "true",
        [nginx("canary-weight")]: "50",
      }),
    ),
  }),
  bypass({
    id: "bypass-canary-class-differs",
    stack: "prod",
    description:
      "the canary Ingress moves to class nginx-internal: another controller, no primary to merge into",
    source: F1,
    apply: onCanary((p) => {
      objAt(p, ["spec"]).ingressClassName = "nginx-internal";
    }),
  }),
  bypass({
    id: "bypass-pair-on-gce-class",
    stack: "prod",
    description:
      "both Ingresses move to class gce: GKE's controller ignores the nginx canary annotations and serves each",
    source:
      "GKE Ingress reads no nginx.ingress.kubernetes.io annotations; each Ingress becomes its own load balancer",
    apply: seq(
      onPrimary((p) => {
        objAt(p, ["spec"]).ingressClassName = "gce";
      }),
      onCanary((p) => {
        objAt(p, ["spec"]).ingressClassName = "gce";
      }),
    ),
  }),
  bypass({
    id: "bypass-l4-tcp-to-stable",
    stack: "prod",
    description:
      "the controller's values open TCP port 9000 straight to the stable Service (an L4 route, no canary)",
    source:
      "ingress-nginx chart values tcp: a TCP stream proxy to a Service, past every Ingress and annotation",
    apply: onValues((v) => {
      v.tcp = { "9000": `ws-gateway/${STABLE_SERVICE}:80` };
    }),
  }),
  bypass({
    id: "bypass-l4-tcp-to-canary",
    stack: "dev",
    description: "the controller's values open TCP port 9443 straight to the canary Service",
    source:
      "ingress-nginx chart values tcp: a TCP stream proxy to a Service, past every Ingress and annotation",
    apply: onValues((v) => {
      v.tcp = { "9443": `ws-gateway/${CANARY_SERVICE}:80` };
    }),
  }),
  bypass({
    id: "bypass-tcp-services-configmap-arg",
    stack: "prod",
    description: "the controller reads L4 routes from a ConfigMap named by --tcp-services-configmap",
    source: "ingress-nginx --tcp-services-configmap: TCP ports proxied to Services the ConfigMap names",
    apply: onValues((v) => {
      objAt(v, ["controller", "extraArgs"])["tcp-services-configmap"] = "ws-gateway/l4-routes";
    }),
  }),
  bypass({
    id: "bypass-rollout-aims-at-primary",
    stack: "prod",
    description:
      "the rollout engine writes the weight on the primary Ingress: the canary stays at 0 whatever the schedule, so promotion moves every new connection at once",
    source: "docs/how-it-works.md (the engine writes only canary-weight on the canary Ingress)",
    apply: onRollout((p) => {
      p.canaryIngressName = "ws-gateway";
    }),
  }),
  bypass({
    id: "bypass-canary-weight-total",
    stack: "prod",
    description:
      "the canary Ingress sets canary-weight-total 1000: the engine's 100 sends 10 % before promotion",
    source: "docs/facts.md F2/F6 (canary chosen when random(total) <= weight; total 100 unless larger)",
    apply: onCanary(annotate(nginx("canary-weight-total"), "1000")),
  }),
  bypass({
    id: "bypass-handshake-gate-other-host",
    stack: "prod",
    description: "the handshake gate probes another host's URL: the gates never see the canary they judge",
    source:
      "docs/operations.md (ws-handshake: a real WebSocket through the public URL with the canary header)",
    apply: onRollout((p) => {
      objAt(p, ["gates", "handshake"]).url = "wss://status.acme.example/";
    }),
  }),
];
