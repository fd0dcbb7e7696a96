/**
 * The termination path of a gateway pod: which process gets SIGTERM, which
 * container holds the sockets, what the hooks do, what DRAIN_SECONDS really
 * resolves to, and whether a leaving pod stays published.
 */
import {
  add,
  listAt,
  objAt,
  onContainer,
  onPodSpec,
  onStable,
  onCanaryService,
  resource,
  seq,
  TYPE,
  gatewayFacts,
  type Json,
  type Mutation,
} from "../model";

const F13 = "docs/facts.md F13 (preStop, then SIGTERM; SIGKILL at the end of the grace period)";
const PID1 =
  "docs/drain-contract.md Pitfalls (run node as PID 1; a shell or npm does not forward SIGTERM); Kubernetes sends SIGTERM to PID 1 of each container";
const ENV =
  "Kubernetes container env: with duplicate names the last entry wins; valueFrom resolves only in the cluster";

const term = (m: Omit<Mutation, "family">): Mutation => ({ ...m, family: "termination-path" });

const drainEnv = (c: Json): Json => {
  const env = listAt(c, ["env"]).find((e) => e.name === "DRAIN_SECONDS");
  if (env === undefined) throw new Error("the gateway container has no DRAIN_SECONDS");
  return env;
};

/** A sidecar that takes the gateway's port (the gateway moves to 8081 behind it) and drains nothing. */
const proxySidecar = (preStop: boolean) =>
  onPodSpec((s) => {
    const containers = listAt(s, ["containers"]);
    const gateway = containers[0] as Json;
    const gatewayPort = listAt(gateway, ["ports"])[0] as Json;
    gatewayPort.containerPort = 8081;
    gatewayPort.name = "app";
    for (const probe of ["readinessProbe", "livenessProbe"]) objAt(gateway, [probe, "httpGet"]).port = 8081;
    const sidecar: Json = {
      name: "proxy",
      image: "envoyproxy/envoy:v1.31.2",
      ports: [{ name: "ws", containerPort: 8080, protocol: "TCP" }],
      resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      securityContext: structuredClone(gateway.securityContext),
      readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2 },
    };
    if (preStop) sidecar.lifecycle = { preStop: { sleep: { seconds: 5 } } };
    containers.push(sidecar);
  });

export const TERMINATION: readonly Mutation[] = [
  term({
    id: "term-shell-pid1-sh-c",
    stack: "prod",
    description:
      'command ["sh", "-c", "node server.js"]: the shell is PID 1 and never passes SIGTERM on, so nothing drains',
    source: PID1,
    apply: onContainer((c) => {
      c.command = ["sh", "-c", "node server.js"];
    }),
  }),
  term({
    id: "term-shell-pid1-bin-bash",
    stack: "dev",
    description:
      'command ["/bin/bash", "-c", "cd /app && node server.js"]: bash as PID 1 does not forward SIGTERM',
    source: PID1,
    apply: onContainer((c) => {
      c.command = ["/bin/bash", "-c", "cd /app && node server.js"];
    }),
  }),
  term({
    id: "term-shell-pid1-in-args",
    stack: "prod",
    description:
      'command ["/bin/sh"] with args ["-c", "node server.js"]: the same shell as PID 1, split over two fields',
    source: PID1,
    apply: onContainer((c) => {
      c.command = ["/bin/sh"];
      c.args = ["-c", "node server.js"];
    }),
  }),
  term({
    id: "term-npm-start-pid1",
    stack: "prod",
    description: 'command ["npm", "start"]: npm is PID 1 and the gateway never hears SIGTERM',
    source: PID1,
    apply: onContainer((c) => {
      c.command = ["npm", "start"];
    }),
  }),
  term({
    id: "term-sidecar-owns-port",
    stack: "prod",
    description:
      "a proxy sidecar owns port 8080 (the gateway moves behind it) with no drain: SIGTERM closes every socket at once",
    source: `${F13}; every container of the pod gets SIGTERM at the same time`,
    apply: proxySidecar(false),
  }),
  term({
    id: "term-sidecar-owns-port-short-prestop",
    stack: "dev",
    description:
      "a proxy sidecar owns port 8080 with a 5 s preStop sleep and no drain: its sockets close after 5 s",
    source: `${F13}; every container of the pod gets SIGTERM at the same time`,
    apply: proxySidecar(true),
  }),
  term({
    id: "term-stop-signal-sigquit",
    stack: "prod",
    description:
      "lifecycle.stopSignal SIGQUIT: the kubelet stops the gateway with a signal it does not drain on",
    source:
      "Kubernetes container lifecycle stopSignal (KEP-4960): the signal sent at termination replaces the image's STOPSIGNAL; docs/drain-contract.md (the drain starts on SIGTERM)",
    apply: seq(
      onPodSpec((s) => {
        s.os = { name: "linux" };
      }),
      onContainer((c) => {
        objAt(c, ["lifecycle"]).stopSignal = "SIGQUIT";
      }),
    ),
  }),
  term({
    id: "term-prestop-exec-kill",
    stack: "prod",
    description:
      "preStop exec kill 1 instead of a sleep: SIGTERM arrives before endpoint removal reaches nginx",
    source: F13,
    apply: onContainer((c) => {
      c.lifecycle = { preStop: { exec: { command: ["/bin/kill", "-TERM", "1"] } } };
    }),
  }),
  term({
    id: "term-prestop-http-drain",
    stack: "prod",
    description:
      "preStop httpGet /drain instead of a sleep: the gateway serves no /drain, the hook fails at once and SIGTERM races endpoint removal",
    source: `${F13}; a failed preStop hook is logged (FailedPreStopHook) and termination goes on`,
    apply: onContainer((c) => {
      c.lifecycle = { preStop: { httpGet: { path: "/drain", port: "ws" } } };
    }),
  }),
  term({
    id: "term-prestop-sleep-one",
    stack: "prod",
    description: "preStop sleep 1 s: shorter than endpoint removal takes to reach nginx",
    source: F13,
    apply: onContainer((c) => {
      c.lifecycle = { preStop: { sleep: { seconds: 1 } } };
    }),
  }),
  term({
    id: "term-drain-env-twice",
    stack: "prod",
    description:
      "DRAIN_SECONDS given twice, the second 30: Kubernetes keeps the last, a 30 s drain (60x the reconnect budget)",
    source: ENV,
    apply: onContainer((c) => {
      listAt(c, ["env"]).push({ name: "DRAIN_SECONDS", value: "30" });
    }),
  }),
  term({
    id: "term-drain-env-twice-dev",
    stack: "dev",
    description: "DRAIN_SECONDS given twice, the second 5",
    source: ENV,
    apply: onContainer((c) => {
      listAt(c, ["env"]).push({ name: "DRAIN_SECONDS", value: "5" });
    }),
  }),
  term({
    id: "term-drain-env-from-configmap",
    stack: "prod",
    description:
      "DRAIN_SECONDS from a ConfigMap key the stack declares with 60: a one-minute drain nobody checks",
    source: ENV,
    apply: seq(
      onContainer((c) => {
        const env = drainEnv(c);
        delete env.value;
        env.valueFrom = { configMapKeyRef: { name: "gateway-settings", key: "drain" } };
      }),
      add(
        resource(TYPE.configMap, "gateway-settings", (rs) => ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "gateway-settings", namespace: gatewayFacts(rs).namespace },
          data: { drain: "60" },
        })),
      ),
    ),
  }),
  term({
    id: "term-drain-env-not-a-number",
    stack: "prod",
    description: 'DRAIN_SECONDS "30m": not a number of seconds, the gateway reads NaN',
    source: "docs/drain-contract.md (DRAIN_SECONDS is a number of seconds)",
    apply: onContainer((c) => {
      drainEnv(c).value = "30m";
    }),
  }),
  term({
    id: "term-drain-env-removed",
    stack: "dev",
    description: "DRAIN_SECONDS removed: the gateway falls back to its own default",
    source: "docs/drain-contract.md (the pod gets DRAIN_SECONDS from gateway.drainSeconds)",
    apply: onContainer((c) => {
      c.env = listAt(c, ["env"]).filter((e) => e.name !== "DRAIN_SECONDS");
    }),
  }),
  term({
    id: "term-grace-equals-drain",
    stack: "prod",
    description:
      "terminationGracePeriodSeconds equal to DRAIN_SECONDS: the preStop eats into it, the last clients are killed",
    source: F13,
    apply: onPodSpec((s) => {
      s.terminationGracePeriodSeconds = 1800;
    }),
  }),
  term({
    id: "term-publish-not-ready-stable",
    stack: "prod",
    description:
      "publishNotReadyAddresses on the stable Service: draining pods stay in the endpoints nginx routes to",
    source: "Kubernetes Service publishNotReadyAddresses; docs/facts.md F14",
    apply: onStable((p) => {
      objAt(p, ["spec"]).publishNotReadyAddresses = true;
    }),
  }),
  term({
    id: "term-publish-not-ready-canary",
    stack: "dev",
    description: "publishNotReadyAddresses on the canary Service",
    source: "Kubernetes Service publishNotReadyAddresses; docs/facts.md F14",
    apply: onCanaryService((p) => {
      objAt(p, ["spec"]).publishNotReadyAddresses = true;
    }),
  }),
  term({
    id: "term-readiness-on-livez",
    stack: "prod",
    description:
      "the readiness probe reads /livez: a draining pod stays Ready and keeps receiving new connections",
    source: "docs/drain-contract.md (/readyz fails on SIGTERM, /livez stays healthy)",
    apply: onContainer((c) => {
      objAt(c, ["readinessProbe", "httpGet"]).path = "/livez";
    }),
  }),
  term({
    id: "term-liveness-on-readyz",
    stack: "prod",
    description:
      "the liveness probe reads /readyz: a draining pod fails liveness and is restarted, cutting every client",
    source: "docs/drain-contract.md Pitfalls (keep liveness healthy while draining)",
    apply: onContainer((c) => {
      objAt(c, ["livenessProbe", "httpGet"]).path = "/readyz";
    }),
  }),
  term({
    id: "term-readiness-removed",
    stack: "dev",
    description: "no readiness probe: a pod stays routable from start to SIGKILL",
    source: "Kubernetes probes: without readiness a running container counts as Ready",
    apply: onContainer((c) => {
      delete c.readinessProbe;
    }),
  }),
];
