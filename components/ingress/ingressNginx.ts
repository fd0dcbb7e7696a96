/**
 * The ingress-nginx controller, installed through @pulumi/kubernetes-ingress-nginx
 * with the chart pinned to the project's final release (FACTS 11).
 *
 * Every setting that protects open WebSockets lives here: worker-shutdown-timeout
 * at least the drain (an nginx reload closes old workers' connections when it
 * expires, FACTS 8), long proxy timeouts (FACTS 9), externalTrafficPolicy Local
 * (FACTS 16), replicas spread over zones with a PDB, and a grace period that
 * covers the worker shutdown timeout. Its inputs depend on drainSeconds but
 * never on the gateway version: a release never touches the controller.
 */
import * as nginx from "@pulumi/kubernetes-ingress-nginx";
import * as pulumi from "@pulumi/pulumi";

/** Helm release name; the chart labels its controller pods with it. */
export const INGRESS_NGINX_RELEASE = "ingress-nginx";
export const INGRESS_NGINX_CHART_REPO = "https://kubernetes.github.io/ingress-nginx";
/** Seconds the controller keeps serving after SIGTERM so the load balancer's health check notices first. */
export const CONTROLLER_SHUTDOWN_GRACE_SECONDS = 15;
/** Slack added to the controller's grace period beyond shutdown grace + worker shutdown timeout. */
export const CONTROLLER_GRACE_MARGIN_SECONDS = 60;

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
}

/** Controller grace period: shutdown grace + worker shutdown timeout + margin. */
export function controllerGraceSeconds(workerShutdownTimeoutSeconds: number): number {
  return CONTROLLER_SHUTDOWN_GRACE_SECONDS + workerShutdownTimeoutSeconds + CONTROLLER_GRACE_MARGIN_SECONDS;
}

/** Arguments of the IngressController component, as plain data (tests and policies read them). */
export function ingressControllerArgs(a: IngressNginxArgs): nginx.IngressControllerArgs {
  const podLabels = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/instance": INGRESS_NGINX_RELEASE,
    "app.kubernetes.io/component": "controller",
  };
  return {
    controller: {
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
      terminateGracePeriodSeconds: controllerGraceSeconds(a.workerShutdownTimeoutSeconds),
      service: { type: "LoadBalancer", externalTrafficPolicy: "Local" },
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
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: podLabels },
        },
      ],
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      metrics: { enabled: true },
      resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { memory: "1Gi" } },
    },
    helmOptions: {
      name: INGRESS_NGINX_RELEASE,
      namespace: a.namespace,
      version: a.chartVersion,
      repositoryOpts: { repo: INGRESS_NGINX_CHART_REPO },
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
