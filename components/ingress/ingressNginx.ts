/**
 * The ingress-nginx controller: the chart, pinned to the retired project's
 * final release (docs/facts.md F11), installed as a Helm release through
 * @pulumi/kubernetes `helm.v3.Release`, with every chart value in the
 * release's `values` map.
 *
 * Every setting that protects open WebSockets lives here: worker-shutdown-timeout
 * at least the drain (an nginx reload closes old workers' connections when it
 * expires, docs/facts.md F8), long proxy timeouts (F9), externalTrafficPolicy
 * Local (F16), replicas spread over zones with a PDB, and a grace period that
 * covers the controller's whole shutdown (F10). Its inputs never depend on the
 * gateway version, nor on drainSeconds: a release never touches the controller.
 *
 * Why a Helm release and not the alternatives (docs/ingress-controller.md):
 * - @pulumi/kubernetes-ingress-nginx 0.1.3 (the component this file used to
 *   create) drops `helmOptions.values.<key>` for each of its typed top-level
 *   arguments, even unset ones (pulumi-go-helmbase v0.2.0 InitDefaults decodes
 *   the nil typed struct over the values map), so the chart ran on its
 *   defaults; its typed `controller` has no grace-period key the chart reads.
 * - helm.v4.Chart renders the chart client-side with Helm hooks disabled: the
 *   admission webhook's certificate Jobs (pre/post-install hooks) would never
 *   run, and moving an existing Helm release's objects under per-object
 *   Pulumi resources means uninstalling the release (every connection cut) or
 *   adopting each object by hand.
 * (docs/facts.md F8, F9, F11, F16 for the settings.)
 * A helm.v3.Release hands `values` to `helm upgrade` as they are (merged over
 * any valueYamlFiles; nulls kept), the release keeps its Helm name, and a
 * stack created with the old component upgrades the same release in place
 * through the alias below. What the chart receives is modelled once, in
 * policies/lib/chart.ts (deliveredValues), which the policy pack and the tests
 * read.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ANNOTATION_SAFE_TO_EVICT } from "../shared/budget";

/** The last ingress-nginx Helm chart release (2026-03-19, controller v1.15.1); the project is retired. */
export const FINAL_INGRESS_NGINX_CHART = "4.15.1";
/** The first chart with the CVE-2025-1974 ("IngressNightmare") fix: controller v1.12.1. */
export const MIN_SAFE_INGRESS_NGINX_CHART = "4.12.1";

/** Helm release name; the chart labels its controller pods with it. */
export const INGRESS_NGINX_RELEASE = "ingress-nginx";
export const INGRESS_NGINX_CHART = "ingress-nginx";
/** The upstream chart repository (a retired project's site: mirror the chart if you depend on it). */
export const INGRESS_NGINX_CHART_REPO = "https://kubernetes.github.io/ingress-nginx";
/** Seconds the controller keeps serving after SIGTERM so the load balancer's health check notices first. */
export const CONTROLLER_SHUTDOWN_GRACE_SECONDS = 15;
/** Fixed node ports of a NodePort controller, so a kind cluster can map host ports 80/443 to them. */
export const NODE_PORT_HTTP = 30080;
export const NODE_PORT_HTTPS = 30443;
/**
 * Seconds the controller waits after nginx has stopped before it exits
 * (`--post-shutdown-grace-period`, the controller's own default, set
 * explicitly so the drain budget is computed from delivered values).
 */
export const CONTROLLER_POST_SHUTDOWN_GRACE_SECONDS = 10;
/** Slack added to the controller's grace period beyond the shutdown sequence (shutdown grace + worker shutdown timeout + post-shutdown grace). */
export const CONTROLLER_GRACE_MARGIN_SECONDS = 60;
/** The controller flags the program sets (chart `controller.extraArgs`). */
export const SHUTDOWN_GRACE_FLAG = "shutdown-grace-period";
export const POST_SHUTDOWN_GRACE_FLAG = "post-shutdown-grace-period";

/** Type token of the Helm release that installs the chart (@pulumi/kubernetes helm.v3.Release). */
export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
/**
 * The component the controller used to be installed with (@pulumi/kubernetes-ingress-nginx),
 * and the name suffix pulumi-go-helmbase gave its Helm release child (`<name>-helm`).
 * Only the migration alias uses them.
 */
export const LEGACY_CONTROLLER_TYPE = "kubernetes-ingress-nginx:index:IngressController";
export const LEGACY_RELEASE_SUFFIX = "-helm";

export type ControllerServiceType = "LoadBalancer" | "NodePort";
/** "required": controllers never share a zone (regional clusters); "preferred": best effort (clusters without zone labels, e.g. kind). */
export type ZoneSpread = "required" | "preferred";

export interface IngressNginxArgs {
  readonly namespace: string;
  /** Pinned chart version. */
  readonly chartVersion: string;
  /**
   * Where the chart comes from: a Helm repository URL (http/https) or an OCI
   * registry path (oci://…, the chart is `<path>/ingress-nginx`) serving the
   * same chart, e.g. a mirror.
   * @default the upstream repository, INGRESS_NGINX_CHART_REPO
   */
  readonly chartRepository?: string;
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

/**
 * Controller grace period: the whole shutdown sequence plus a margin. On SIGTERM
 * the controller fails /healthz, keeps serving for the shutdown grace, runs
 * `nginx -s quit` (old workers keep their sockets up to worker-shutdown-timeout),
 * then waits the post-shutdown grace before it exits; the kubelet kills it when
 * the grace period ends, whatever is still open.
 */
export function controllerGraceSeconds(workerShutdownTimeoutSeconds: number): number {
  return (
    CONTROLLER_SHUTDOWN_GRACE_SECONDS +
    workerShutdownTimeoutSeconds +
    CONTROLLER_POST_SHUTDOWN_GRACE_SECONDS +
    CONTROLLER_GRACE_MARGIN_SECONDS
  );
}

/** The chart's `controller` values this program sets (names as in the chart's values.yaml). */
export interface ControllerValues {
  readonly replicaCount: number;
  readonly minAvailable: number;
  readonly unhealthyPodEvictionPolicy: "AlwaysAllow";
  readonly allowSnippetAnnotations: boolean;
  readonly config: Readonly<Record<string, string>>;
  readonly extraArgs: Readonly<Record<string, string>>;
  readonly terminationGracePeriodSeconds: number;
  /** The cluster autoscaler's 600 s cap would cut the controller's hour-long shutdown: keep its nodes out of scale-downs. */
  readonly podAnnotations: Readonly<Record<string, string>>;
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
    // An unready controller holds no connections worth protecting; never let it block a node drain.
    unhealthyPodEvictionPolicy: "AlwaysAllow",
    allowSnippetAnnotations: false,
    config: {
      "worker-shutdown-timeout": `${a.workerShutdownTimeoutSeconds}s`,
      "proxy-read-timeout": String(a.proxyTimeoutSeconds),
      "proxy-send-timeout": String(a.proxyTimeoutSeconds),
      "allow-snippet-annotations": "false",
      "annotations-risk-level": "High",
    },
    extraArgs: {
      [SHUTDOWN_GRACE_FLAG]: String(CONTROLLER_SHUTDOWN_GRACE_SECONDS),
      [POST_SHUTDOWN_GRACE_FLAG]: String(CONTROLLER_POST_SHUTDOWN_GRACE_SECONDS),
    },
    terminationGracePeriodSeconds: controllerGraceSeconds(a.workerShutdownTimeoutSeconds),
    podAnnotations: { [ANNOTATION_SAFE_TO_EVICT]: "false" },
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

/** The chart values the program sets: everything under `controller` (names as in the chart's values.yaml). */
export interface IngressNginxValues {
  readonly controller: ControllerValues;
}

/** Arguments of the Helm release, as plain data: tests and the e2e check read them. */
export interface IngressNginxReleaseArgs {
  /** Helm release name: the chart names its objects after it (ingress-nginx-controller). */
  readonly name: string;
  readonly namespace: string;
  /** `ingress-nginx`, or `oci://…/ingress-nginx` for an OCI registry. */
  readonly chart: string;
  readonly version: string;
  /** The Helm repository; absent for an OCI registry (the chart reference carries it). */
  readonly repositoryOpts?: { readonly repo: string };
  readonly values: IngressNginxValues;
}

/** The Helm release's arguments: the pinned chart and the values it receives. */
export function ingressNginxReleaseArgs(a: IngressNginxArgs): IngressNginxReleaseArgs {
  const repo = a.chartRepository ?? INGRESS_NGINX_CHART_REPO;
  // The provider resolves a repository URL through its index.yaml; an OCI chart is named by its full reference.
  const source = repo.startsWith("oci://")
    ? { chart: `${repo.replace(/\/+$/, "")}/${INGRESS_NGINX_CHART}` }
    : { chart: INGRESS_NGINX_CHART, repositoryOpts: { repo } };
  return {
    name: INGRESS_NGINX_RELEASE,
    namespace: a.namespace,
    ...source,
    version: a.chartVersion,
    values: { controller: controllerValues(a) },
  };
}

/**
 * URN the Helm release had when the old @pulumi/kubernetes-ingress-nginx
 * component created it: `<name>-controller-helm`, a child of the
 * `<name>-controller` IngressController, itself a child of this component.
 * As an alias it makes a stack created with the old component upgrade that
 * same Helm release in place instead of installing a second one (see
 * docs/ingress-controller.md, "Migrating a stack").
 */
export function legacyReleaseUrn(component: pulumi.Resource, name: string): pulumi.Output<string> {
  const legacyController = pulumi.createUrn(`${name}-controller`, LEGACY_CONTROLLER_TYPE, component);
  return pulumi.createUrn(`${name}-controller${LEGACY_RELEASE_SUFFIX}`, HELM_RELEASE_TYPE, legacyController);
}

/** The ingress-nginx controller. */
export class IngressNginx extends pulumi.ComponentResource {
  static readonly type = "ws-gateway:ingress:IngressNginx";
  /** The Helm release of the chart, named `<name>-controller`. */
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: IngressNginxArgs, opts?: pulumi.ComponentResourceOptions) {
    super(IngressNginx.type, name, {}, opts);
    this.release = new k8s.helm.v3.Release(`${name}-controller`, ingressNginxReleaseArgs(args), {
      parent: this,
      // A component's dependsOn does not reach its children; the release needs the namespace first.
      dependsOn: opts?.dependsOn,
      aliases: [legacyReleaseUrn(this, name)],
    });
    this.registerOutputs({});
  }
}
