/**
 * The ingress-nginx controller, installed through @pulumi/kubernetes-ingress-nginx
 * with the chart pinned to the project's final release (docs/facts.md F11).
 *
 * Every setting that protects open WebSockets lives here: worker-shutdown-timeout
 * at least the drain (an nginx reload closes old workers' connections when it
 * expires, docs/facts.md F8), long proxy timeouts (docs/facts.md F9), externalTrafficPolicy Local
 * (docs/facts.md F16), replicas spread over zones with a PDB, and a grace period that
 * covers the worker shutdown timeout. Its inputs never depend on the gateway
 * version, nor on drainSeconds: a release never touches the controller.
 *
 * All chart values go through `helmOptions.values`, none through the typed
 * `controller` argument. The component (pulumi-go-helmbase `InitDefaults`)
 * decodes the typed arguments over `helmOptions.values` key by key, so a typed
 * `controller` would replace the whole `values.controller` map; and the typed
 * argument has no field for the chart's `controller.terminationGracePeriodSeconds`
 * (its `terminateGracePeriodSeconds` is a key the chart never reads; see the
 * chart's templates/controller-deployment.yaml). One untyped map, checked by the
 * interface below and by the tests, is the only way to set every key we need.
 */
import * as nginx from "@pulumi/kubernetes-ingress-nginx";
import * as pulumi from "@pulumi/pulumi";

/** The last ingress-nginx Helm chart release (2026-03-19, controller v1.15.1); the project is retired. */
export const FINAL_INGRESS_NGINX_CHART = "4.15.1";
/** The first chart with the CVE-2025-1974 ("IngressNightmare") fix: controller v1.12.1. */
export const MIN_SAFE_INGRESS_NGINX_CHART = "4.12.1";

/** Helm release name; the chart labels its controller pods with it. */
export const INGRESS_NGINX_RELEASE = "ingress-nginx";
export const INGRESS_NGINX_CHART = "ingress-nginx";
export const INGRESS_NGINX_CHART_REPO = "https://kubernetes.github.io/ingress-nginx";
/** Seconds the controller keeps serving after SIGTERM so the load balancer's health check notices first. */
export const CONTROLLER_SHUTDOWN_GRACE_SECONDS = 15;
/** Fixed node ports of a NodePort controller, so a kind cluster can map host ports 80/443 to them. */
export const NODE_PORT_HTTP = 30080;
export const NODE_PORT_HTTPS = 30443;
/** Slack added to the controller's grace period beyond shutdown grace + worker shutdown timeout. */
export const CONTROLLER_GRACE_MARGIN_SECONDS = 60;

export type ControllerServiceType = "LoadBalancer" | "NodePort";
/** "required": controllers never share a zone (regional clusters); "preferred": best effort (clusters without zone labels, e.g. kind). */
export type ZoneSpread = "required" | "preferred";

export interface IngressNginxArgs {
  readonly namespace: string;
  /** Pinned chart version. */
  readonly chartVersion: string;
  /** Controller pods; 3 or more on a regional cluster. */
  readonly replicas: number;
  /** Seconds old nginx workers keep connections after a reload; at least drainSeconds. */
  readonly workerShutdownTimeoutSeconds: number;
  /** IngressClass name. */
  readonly className: string;
  /** Proxy read/send timeout for WebSockets, seconds. */
  readonly proxyTimeoutSeconds: number;
  /** @default "LoadBalancer" */
  readonly serviceType?: ControllerServiceType;
  /** Reserved regional IP for the load balancer, so DNS can point at it before the first release. @default an ephemeral IP */
  readonly loadBalancerIP?: string;
  /** @default "required" */
  readonly zoneSpread?: ZoneSpread;
}

/** Controller grace period: shutdown grace + worker shutdown timeout + margin. */
export function controllerGraceSeconds(workerShutdownTimeoutSeconds: number): number {
  return CONTROLLER_SHUTDOWN_GRACE_SECONDS + workerShutdownTimeoutSeconds + CONTROLLER_GRACE_MARGIN_SECONDS;
}

/** The chart's `controller` values this program sets (names as in the chart's values.yaml). */
export interface ControllerValues {
  readonly replicaCount: number;
  readonly minAvailable: number;
  readonly allowSnippetAnnotations: boolean;
  readonly config: Readonly<Record<string, string>>;
  readonly extraArgs: Readonly<Record<string, string>>;
  readonly terminationGracePeriodSeconds: number;
  readonly service: {
    readonly type: ControllerServiceType;
    readonly externalTrafficPolicy: "Local";
    readonly loadBalancerIP?: string;
    readonly nodePorts?: { readonly http: number; readonly https: number };
  };
  readonly ingressClassResource: {
    readonly name: string;
    readonly enabled: boolean;
    readonly default: boolean;
    readonly controllerValue: string;
  };
  readonly topologySpreadConstraints: readonly Record<string, unknown>[];
  readonly updateStrategy: {
    readonly type: "RollingUpdate";
    readonly rollingUpdate: { readonly maxUnavailable: number };
  };
  readonly metrics: { readonly enabled: boolean };
  readonly resources: {
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  };
}

/** The chart's controller values, as plain data (tests and policies read them). */
export function controllerValues(a: IngressNginxArgs): ControllerValues {
  const podLabels = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/instance": INGRESS_NGINX_RELEASE,
    "app.kubernetes.io/component": "controller",
  };
  const type = a.serviceType ?? "LoadBalancer";
  const service: ControllerValues["service"] = {
    type,
    externalTrafficPolicy: "Local",
    ...(a.loadBalancerIP === undefined ? {} : { loadBalancerIP: a.loadBalancerIP }),
    ...(type === "NodePort" ? { nodePorts: { http: NODE_PORT_HTTP, https: NODE_PORT_HTTPS } } : {}),
  };
  return {
    replicaCount: a.replicas,
    // PDB created by the chart: at most one controller down during node drains.
    minAvailable: Math.max(1, a.replicas - 1),
    allowSnippetAnnotations: false,
    config: {
      "worker-shutdown-timeout": `${a.workerShutdownTimeoutSeconds}s`,
      "proxy-read-timeout": String(a.proxyTimeoutSeconds),
      "proxy-send-timeout": String(a.proxyTimeoutSeconds),
      "allow-snippet-annotations": "false",
      "annotations-risk-level": "High",
    },
    extraArgs: { "shutdown-grace-period": String(CONTROLLER_SHUTDOWN_GRACE_SECONDS) },
    terminationGracePeriodSeconds: controllerGraceSeconds(a.workerShutdownTimeoutSeconds),
    service,
    ingressClassResource: {
      name: a.className,
      enabled: true,
      default: false,
      controllerValue: "k8s.io/ingress-nginx",
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: (a.zoneSpread ?? "required") === "required" ? "DoNotSchedule" : "ScheduleAnyway",
        labelSelector: { matchLabels: podLabels },
      },
    ],
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
    metrics: { enabled: true },
    resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { memory: "1Gi" } },
  };
}

/** Arguments of the IngressController component, as plain data. */
export function ingressControllerArgs(a: IngressNginxArgs): nginx.IngressControllerArgs {
  return {
    helmOptions: {
      name: INGRESS_NGINX_RELEASE,
      namespace: a.namespace,
      chart: INGRESS_NGINX_CHART,
      version: a.chartVersion,
      repositoryOpts: { repo: INGRESS_NGINX_CHART_REPO },
      values: { controller: controllerValues(a) },
    },
  };
}

/** The ingress-nginx controller. */
export class IngressNginx extends pulumi.ComponentResource {
  static readonly type = "ws-gateway:ingress:IngressNginx";
  readonly controller: nginx.IngressController;

  constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
    super(IngressNginx.type, name, {}, opts);
    this.controller = new nginx.IngressController(`${name}-controller`, ingressControllerArgs(args), {
      parent: this,
    });
    this.registerOutputs({});
  }
}
