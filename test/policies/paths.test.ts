/** The path rules over the stack model: routes outside the pair, the pair's shape, per-route settings. */
import { describe, it } from "node:test";
import { TYPES } from "../../policies/lib/kube";
import { gatewayCanaryPair } from "../../policies/rules/pair";
import { gatewayPathsThroughPair } from "../../policies/rules/paths";
import { gatewayRouteSettings } from "../../policies/rules/routes";
import { change, changeAll, plainIngress, renderedStack } from "./fixtures";
import { expectStack } from "./harness";

const D = 'Deployment "ws-gateway-2f9c1ab"';
const PAIR = 'Ingress "ws-gateway" / Ingress "ws-gateway-canary"';
const HOST = "ws.acme.example";
const A = (key: string) => ["metadata", "annotations", `nginx.ingress.kubernetes.io/${key}`];
const prod = () => renderedStack("prod");

describe("path rules", () => {
  it("GIVEN the rendered prod stack THEN the path, pair and route-settings rules are silent", async () => {
    for (const p of [gatewayPathsThroughPair, gatewayCanaryPair, gatewayRouteSettings])
      await expectStack(p, prod(), []);
  });

  it("GIVEN an Ingress without our labels routing a longer path of the host to the stable Service THEN gateway-paths-through-pair names it, the Service and the Deployment", async () => {
    await expectStack(
      gatewayPathsThroughPair,
      [...prod(), plainIngress("generic-ws", "ws-gateway", HOST, "/ws", "ws-gateway-stable")],
      [
        `Ingress "generic-ws": route ${HOST} /ws (Prefix) (class "nginx") reaches Service "ws-gateway-stable" → ${D} outside the governed pair ${PAIR}: clients on it skip the canary weight the rollout engine steps and the canary the gates probe, so they land on a version nobody chose for them. Fix: remove it, or serve the path from the primary Ingress with the same host, path and pathType on the canary Ingress.`,
      ],
    );
  });

  it("GIVEN an Ingress in another namespace claiming the pair's host for another backend THEN gateway-paths-through-pair reports the claim", async () => {
    await expectStack(
      gatewayPathsThroughPair,
      [...prod(), plainIngress("shadow", "team-b", HOST, "/", "other")],
      [
        `Ingress "shadow" (namespace team-b): route ${HOST} / (Prefix) (class "nginx") claims host ${HOST}, which the governed pair ${PAIR} serves: ingress-nginx gives a longer or Exact path precedence and keeps the oldest Ingress on a shared path, and another class's controller answers the host on its own address, so clients reach a backend the canary weight does not decide. Fix: give it another host, or remove it.`,
      ],
    );
  });

  it("GIVEN an Ingress for another host to its own Service THEN gateway-paths-through-pair stays silent", async () => {
    await expectStack(
      gatewayPathsThroughPair,
      [...prod(), plainIngress("status", "status", "status.acme.example", "/", "status")],
      [],
    );
  });

  it("GIVEN an L4 stream in the controller's values to the stable Service THEN gateway-paths-through-pair reports the stream", async () => {
    const rs = changeAll(prod(), TYPES.helmRelease, undefined, "values.tcp", {
      "9000": "ws-gateway/ws-gateway-stable:80",
    });
    await expectStack(gatewayPathsThroughPair, rs, [
      `Helm release "ingress-nginx": values.tcp["9000"] "ws-gateway/ws-gateway-stable:80" streams TCP port 9000 to Service "ws-gateway-stable" → ${D}: an L4 stream passes no Ingress, so no canary weight or header decides it and the per-route timeouts do not apply. Fix: remove values.tcp["9000"]; serve the gateway only through the primary Ingress.`,
    ]);
  });

  it("GIVEN the rollout engine aimed at the primary Ingress THEN gateway-canary-pair reports that the weight decides nothing", async () => {
    const rs = changeAll(prod(), TYPES.rollout, undefined, "canaryIngressName", "ws-gateway");
    await expectStack(gatewayCanaryPair, rs, [
      `Rollout "rollout": the engine writes the canary weight on Ingress "ws-gateway", whose nginx.ingress.kubernetes.io/canary is nothing, not "true": ingress-nginx reads canary-weight only on a canary Ingress, and an Ingress that is not one is a main route of its own, so the schedule decides nothing and the gates judge a canary no client is sent to. Fix: aim canaryIngressName at the canary Ingress ("ws-gateway-canary") and keep nginx.ingress.kubernetes.io/canary "true" on it.`,
    ]);
  });

  it("GIVEN the canary header renamed THEN gateway-canary-pair reports the gates can no longer reach the canary", async () => {
    const rs = changeAll(prod(), TYPES.ingress, "routes-canary", A("canary-by-header"), "X-Canary");
    await expectStack(gatewayCanaryPair, rs, [
      `Ingress "ws-gateway-canary": nginx.ingress.kubernetes.io/canary-by-header is "X-Canary", not "X-Ws-Gateway-Canary": the gates send X-Ws-Gateway-Canary: always to reach the canary whatever the weight, so at weight 0 they would probe the stable version and pass a broken canary. Fix: set nginx.ingress.kubernetes.io/canary-by-header to "X-Ws-Gateway-Canary".`,
    ]);
  });

  it("GIVEN the stable Service targeting a port no gateway container serves THEN gateway-canary-pair names the route, the Service and the Deployment", async () => {
    const rs = changeAll(prod(), TYPES.service, "stable-service", ["spec", "ports", 0, "targetPort"], 9090);
    await expectStack(gatewayCanaryPair, rs, [
      `Ingress "ws-gateway": route ${HOST} / (Prefix) reaches Service "ws-gateway-stable" whose targetPort 9090 no container of ${D} serves (its ports: 8080 (ws)): every connection is refused. Fix: make the backend port, the Service's port and targetPort and the gateway's containerPort agree.`,
    ]);
  });

  it("GIVEN session affinity on the canary Ingress THEN gateway-route-settings reports the sticky canary", async () => {
    const rs = changeAll(prod(), TYPES.ingress, "routes-canary", A("affinity"), "cookie");
    await expectStack(gatewayRouteSettings, rs, [
      `Ingress "ws-gateway-canary" (${HOST} / (Prefix) → Service "ws-gateway-canary" → ${D}): annotation nginx.ingress.kubernetes.io/affinity is "cookie": session affinity makes canary routing sticky (affinity-canary-behavior "sticky" by default): a client once sent to the canary keeps going there whatever the weight, even after an abort sets it to 0. Fix: remove session affinity from both Ingresses of the pair.`,
    ]);
  });

  it("GIVEN proxy-http-version 1.0 on the canary Ingress, which ingress-nginx ignores there THEN gateway-route-settings stays silent", async () => {
    await expectStack(
      gatewayRouteSettings,
      changeAll(prod(), TYPES.ingress, "routes-canary", A("proxy-http-version"), "1.0"),
      [],
    );
  });

  it("GIVEN an unlabelled Ingress on a gateway path with a 60 s read timeout THEN gateway-route-settings holds it to the WebSocket timeouts", async () => {
    const generic = change(
      plainIngress("generic-ws", "ws-gateway", HOST, "/ws", "ws-gateway-stable"),
      A("proxy-read-timeout"),
      "60",
    );
    await expectStack(
      gatewayRouteSettings,
      [...prod(), generic],
      [
        `Ingress "generic-ws": annotation nginx.ingress.kubernetes.io/proxy-read-timeout is "60", below 3600 s: nginx closes a WebSocket idle for longer. Fix: set it to "3600".`,
        `Ingress "generic-ws": annotation nginx.ingress.kubernetes.io/proxy-send-timeout is not set, so nginx uses 60, below 3600 s: nginx closes a WebSocket idle for longer. Fix: set it to "3600".`,
      ],
    );
  });
});
