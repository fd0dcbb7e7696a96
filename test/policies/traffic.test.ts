/** Traffic rules: timeouts, canary shape, weight ownership, load balancer selectors, Local traffic. */
import { describe, it } from "node:test";
import {
  canaryIngressMirrorsPrimary,
  canaryWeightNotDeclared,
  ingressNginxExternalTrafficLocal,
  ingressWebsocketTimeouts,
  noVersionSelectorOnLoadBalancer,
} from "../../policies/rules/traffic";
import {
  canaryIngress,
  change,
  controller,
  deployment,
  primaryIngress,
  stableService,
  valuesPath,
} from "./fixtures";
import { UNKNOWN_VALUE, expectNotApplicable, expectResource, expectStack } from "./harness";

const READ = "nginx.ingress.kubernetes.io/proxy-read-timeout";
const SEND = "nginx.ingress.kubernetes.io/proxy-send-timeout";
const PATH0 = ["spec", "rules", 0, "http", "paths", 0];

describe("traffic rules", () => {
  it("GIVEN the program's Ingresses, Service and controller THEN every traffic rule passes", async () => {
    for (const i of [primaryIngress(), canaryIngress()]) {
      await expectResource(ingressWebsocketTimeouts, i, []);
      await expectResource(canaryWeightNotDeclared, i, []);
    }
    await expectResource(noVersionSelectorOnLoadBalancer, stableService(), []);
    await expectResource(ingressNginxExternalTrafficLocal, controller(), []);
    await expectStack(canaryIngressMirrorsPrimary, [primaryIngress(), canaryIngress()], []);
  });

  it("GIVEN other resource types THEN the resource rules do not apply", async () => {
    await expectNotApplicable(ingressWebsocketTimeouts, stableService());
    await expectNotApplicable(canaryWeightNotDeclared, deployment());
    await expectNotApplicable(noVersionSelectorOnLoadBalancer, primaryIngress());
    await expectNotApplicable(ingressNginxExternalTrafficLocal, stableService());
  });

  it("GIVEN a missing or short proxy timeout THEN ingress-websocket-timeouts reports it", async () => {
    await expectResource(
      ingressWebsocketTimeouts,
      change(primaryIngress(), ["metadata", "annotations", READ], undefined),
      [
        `Ingress "ws-gateway": annotation ${READ} is not set, so nginx uses 60, below 3600 s: nginx closes a WebSocket idle for longer. Fix: set it to "3600".`,
      ],
    );
    await expectResource(
      ingressWebsocketTimeouts,
      change(canaryIngress(), ["metadata", "annotations", SEND], "600"),
      [
        `Ingress "ws-gateway-canary": annotation ${SEND} is "600", below 3600 s: nginx closes a WebSocket idle for longer. Fix: set it to "3600".`,
      ],
    );
    await expectResource(
      ingressWebsocketTimeouts,
      change(primaryIngress(), ["metadata", "annotations", READ], UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN a proxy timeout written as a duration or a fraction THEN ingress-websocket-timeouts reports it is not integer seconds", async () => {
    for (const value of ["3600s", "1h", "3600.5"]) {
      await expectResource(
        ingressWebsocketTimeouts,
        change(primaryIngress(), ["metadata", "annotations", READ], value),
        [
          `Ingress "ws-gateway": annotation ${READ} is "${value}", not integer seconds: ingress-nginx cannot parse it and uses the controller's own proxy timeout instead. Fix: set it to "3600".`,
        ],
      );
    }
    await expectResource(
      ingressWebsocketTimeouts,
      change(primaryIngress(), ["metadata", "annotations", SEND], 7200),
      [],
    );
  });

  it("GIVEN a canary Ingress with another host, path or pathType, or a second canary THEN canary-ingress-mirrors-primary reports it", async () => {
    const mismatch = (path: (string | number)[], value: string, route: string) =>
      expectStack(
        canaryIngressMirrorsPrimary,
        [primaryIngress(), change(canaryIngress(), path, value)],
        [
          `Ingress "ws-gateway-canary": canary route ${route} matches no primary Ingress route (primary routes: ["ws.acme.example / (Prefix)"]): ingress-nginx merges a canary only into a primary with the same host, path and pathType, so this canary gets no traffic. Fix: give the canary Ingress the primary's host, path and pathType.`,
        ],
      );
    await mismatch(["spec", "rules", 0, "host"], "canary.acme.example", "canary.acme.example / (Prefix)");
    await mismatch([...PATH0, "path"], "/ws", "ws.acme.example /ws (Prefix)");
    await mismatch([...PATH0, "pathType"], "Exact", "ws.acme.example / (Exact)");
    const second = {
      ...change(canaryIngress(), "metadata.name", "ws-gateway-canary-2"),
      name: "routes-canary-2",
    };
    await expectStack(
      canaryIngressMirrorsPrimary,
      [primaryIngress(), canaryIngress(), second],
      [
        `Ingress "ws-gateway-canary-2": route ws.acme.example / (Prefix) already has canary Ingress "ws-gateway-canary"; ingress-nginx honours one canary per route. Fix: keep a single canary Ingress per route.`,
      ],
    );
    await expectStack(
      canaryIngressMirrorsPrimary,
      [primaryIngress(), change(canaryIngress(), ["spec", "rules", 0, "host"], UNKNOWN_VALUE)],
      [],
    );
    await expectStack(
      canaryIngressMirrorsPrimary,
      [change(primaryIngress(), ["spec", "rules"], UNKNOWN_VALUE), canaryIngress()],
      [],
    );
  });

  it("GIVEN an Ingress declaring canary-weight THEN canary-weight-not-declared reports it", async () => {
    await expectResource(
      canaryWeightNotDeclared,
      change(canaryIngress(), ["metadata", "annotations", "nginx.ingress.kubernetes.io/canary-weight"], "10"),
      [
        `Ingress "ws-gateway-canary": declares nginx.ingress.kubernetes.io/canary-weight "10": the next \`pulumi up\` would reset the weight the rollout engine set, shifting live traffic. Fix: remove the annotation from the program; the rollout engine writes it.`,
      ],
    );
    await expectResource(
      canaryWeightNotDeclared,
      change(canaryIngress(), "metadata.annotations", UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN a LoadBalancer Service selecting a version THEN no-version-selector-on-load-balancer reports it", async () => {
    const lb = change(stableService(), "spec.type", "LoadBalancer");
    await expectResource(noVersionSelectorOnLoadBalancer, lb, [
      `Service "ws-gateway-stable": type LoadBalancer with selector {"app.kubernetes.io/name":"ws-gateway","app.kubernetes.io/version":"2f9c1ab"} including app.kubernetes.io/version: a release would switch its backends under the load balancer and reset connections forwarded between nodes. Fix: route through the ingress controller with ClusterIP stable/canary Services, and keep version labels off LoadBalancer selectors.`,
    ]);
    await expectResource(
      noVersionSelectorOnLoadBalancer,
      change(lb, ["spec", "selector", "app.kubernetes.io/version"], undefined),
      [],
    );
    await expectResource(noVersionSelectorOnLoadBalancer, change(lb, "spec.selector", UNKNOWN_VALUE), []);
  });

  it("GIVEN externalTrafficPolicy Cluster or unset THEN ingress-nginx-external-traffic-local reports it", async () => {
    const msg = (found: string) =>
      `Helm release "ingress-nginx": values.controller.service.externalTrafficPolicy is ${found}, not "Local": every node passes the load balancer's health check and forwards to other nodes, where connections can be reset. Fix: set values.controller.service.externalTrafficPolicy to "Local".`;
    await expectResource(
      ingressNginxExternalTrafficLocal,
      change(controller(), valuesPath("service", "externalTrafficPolicy"), "Cluster"),
      [msg('"Cluster"')],
    );
    await expectResource(
      ingressNginxExternalTrafficLocal,
      change(controller(), valuesPath("service", "externalTrafficPolicy"), undefined),
      [msg("nothing")],
    );
    // NodePort (the local stack) forwards between nodes just the same; a setting outside `values` never reaches the chart.
    await expectResource(
      ingressNginxExternalTrafficLocal,
      change(
        change(controller(), valuesPath("service", "type"), "NodePort"),
        valuesPath("service", "externalTrafficPolicy"),
        "Cluster",
      ),
      [msg('"Cluster"')],
    );
    await expectResource(
      ingressNginxExternalTrafficLocal,
      change(change(controller(), valuesPath("service", "externalTrafficPolicy"), undefined), "controller", {
        service: { externalTrafficPolicy: "Local" },
      }),
      [msg("nothing")],
    );
    await expectResource(
      ingressNginxExternalTrafficLocal,
      change(controller(), valuesPath("service", "type"), "ClusterIP"),
      [],
    );
    await expectResource(
      ingressNginxExternalTrafficLocal,
      change(controller(), valuesPath("service", "externalTrafficPolicy"), UNKNOWN_VALUE),
      [],
    );
  });
});
