/**
 * The traffic objects of the ingress-nginx traffic layer.
 *
 * Shape (docs/how-it-works.md, docs/facts.md F1-F5): two fixed Services, `ws-gateway-stable`
 * and `ws-gateway-canary`, whose selectors name a version; a primary Ingress
 * pointing at `stable` and a permanent canary Ingress (`canary: "true"`)
 * pointing at `canary`. A release changes only Service selectors (endpoint
 * updates) and the canary-weight annotation, which ingress-nginx applies
 * without a reload; both Ingress objects stay byte-identical from release to
 * release, so no release ever closes connections through an nginx reload.
 *
 * The weight annotation is written by the rollout engine only; it is never
 * declared here (one writer per field).
 *
 * Replacing ingress-nginx with a Gateway API router means replacing this file
 * and the rollout engine's TrafficRouter implementation; the Services, the
 * versioned gateways and the engine stay as they are.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  ANNOTATION_CANARY,
  ANNOTATION_CANARY_BY_HEADER,
  ANNOTATION_PROXY_READ_TIMEOUT,
  ANNOTATION_PROXY_SEND_TIMEOUT,
  ANNOTATION_SKIP_AWAIT,
  APP_NAME,
  CANARY_HEADER,
  CANARY_INGRESS,
  CANARY_SERVICE,
  LABEL_APP,
  LABEL_COMPONENT,
  LABEL_MANAGED_BY,
  PRIMARY_INGRESS,
  STABLE_SERVICE,
} from "../names";
import { versionLabels } from "../gateway/versionedGateway";

import Input = k8s.types.input;

/** Seconds nginx waits between reads or writes on a proxied WebSocket (docs/facts.md F9). */
export const WEBSOCKET_PROXY_TIMEOUT_SECONDS = 3600;
/** Port of the stable and canary Services. */
export const SERVICE_PORT = 80;

export type RouteRole = "stable" | "canary";

export interface GatewayRoutesArgs {
  readonly namespace: string;
  /** Public host name clients connect to. */
  readonly host: string;
  /** URL path of the WebSocket endpoint. */
  readonly path: string;
  /** @default no TLS on the Ingress (e.g. a local cluster) */
  readonly tlsSecretName?: string;
  /** IngressClass of the controller. */
  readonly className: string;
}

const commonLabels = { [LABEL_APP]: APP_NAME, [LABEL_MANAGED_BY]: "pulumi" };

function ingress(a: GatewayRoutesArgs, role: RouteRole): Input.networking.v1.Ingress {
  const annotations: Record<string, string> = {
    // Pulumi's Ingress await wants backend endpoints and a load-balancer address; the
    // stable Service is created later in the first update, and kind has no load balancer.
    [ANNOTATION_SKIP_AWAIT]: "true",
    [ANNOTATION_PROXY_READ_TIMEOUT]: String(WEBSOCKET_PROXY_TIMEOUT_SECONDS),
    [ANNOTATION_PROXY_SEND_TIMEOUT]: String(WEBSOCKET_PROXY_TIMEOUT_SECONDS),
  };
  if (role === "canary") {
    annotations[ANNOTATION_CANARY] = "true";
    // Gates reach the canary through this header whatever the weight (docs/facts.md F2).
    annotations[ANNOTATION_CANARY_BY_HEADER] = CANARY_HEADER;
  }
  return {
    metadata: {
      name: role === "stable" ? PRIMARY_INGRESS : CANARY_INGRESS,
      namespace: a.namespace,
      labels: { ...commonLabels, [LABEL_COMPONENT]: role === "stable" ? "primary-route" : "canary-route" },
      annotations,
    },
    spec: {
      ingressClassName: a.className,
      // Host, path and pathType must match between primary and canary (docs/facts.md F1).
      rules: [
        {
          host: a.host,
          http: {
            paths: [
              {
                path: a.path,
                pathType: "Prefix",
                backend: {
                  service: {
                    name: role === "stable" ? STABLE_SERVICE : CANARY_SERVICE,
                    port: { number: SERVICE_PORT },
                  },
                },
              },
            ],
          },
        },
      ],
      tls: a.tlsSecretName === undefined ? undefined : [{ hosts: [a.host], secretName: a.tlsSecretName }],
    },
  };
}

/** The primary and canary Ingress, as plain data. */
export function routeIngresses(a: GatewayRoutesArgs): {
  primary: Input.networking.v1.Ingress;
  canary: Input.networking.v1.Ingress;
} {
  return { primary: ingress(a, "stable"), canary: ingress(a, "canary") };
}

/** The stable or canary Service selecting one version, as plain data. */
export function routeService(a: {
  namespace: string;
  role: RouteRole;
  version: string;
  targetPort: number;
}): Input.core.v1.Service {
  return {
    metadata: {
      name: a.role === "stable" ? STABLE_SERVICE : CANARY_SERVICE,
      namespace: a.namespace,
      labels: { ...commonLabels, [LABEL_COMPONENT]: `${a.role}-service` },
    },
    spec: {
      type: "ClusterIP",
      selector: versionLabels(a.version),
      ports: [{ name: "ws", port: SERVICE_PORT, targetPort: a.targetPort, protocol: "TCP" }],
    },
  };
}

/** Primary and canary Ingress: created once, identical in every release. */
export class GatewayRoutes extends pulumi.ComponentResource {
  static readonly type = "ws-gateway:ingress:GatewayRoutes";
  readonly primary: k8s.networking.v1.Ingress;
  readonly canary: k8s.networking.v1.Ingress;
  /** Name of the Ingress whose canary-weight annotation the rollout engine writes. */
  readonly canaryIngressName: string = CANARY_INGRESS;

  constructor(name: string, args: GatewayRoutesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GatewayRoutes.type, name, {}, opts);
    const m = routeIngresses(args);
    this.primary = new k8s.networking.v1.Ingress(`${name}-primary`, m.primary, { parent: this });
    this.canary = new k8s.networking.v1.Ingress(`${name}-canary`, m.canary, { parent: this });
    this.registerOutputs({});
  }
}

export interface GatewayServiceArgs {
  readonly namespace: string;
  readonly role: RouteRole;
  /** Version whose pods this Service selects; a release changes only this. */
  readonly version: string;
  /** Container port of the gateway. */
  readonly targetPort: number;
}

/** The stable or canary Service. Its selector is the only thing a release changes. */
export class GatewayService extends pulumi.ComponentResource {
  static readonly type = "ws-gateway:ingress:GatewayService";
  readonly service: k8s.core.v1.Service;

  constructor(name: string, args: GatewayServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GatewayService.type, name, {}, opts);
    // The component's dependsOn, repeated on the Service itself: release order hangs on this Service.
    this.service = new k8s.core.v1.Service(`${name}-service`, routeService(args), {
      parent: this,
      dependsOn: opts?.dependsOn,
    });
    this.registerOutputs({ selectedVersion: args.version });
  }
}
