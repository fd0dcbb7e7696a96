/**
 * The program: reads and validates the stack config once, wires the
 * components in release order, and returns the stack outputs. No resource
 * logic of its own lives here.
 *
 * Release order inside one `pulumi up` (docs/how-it-works.md):
 *   1. the new version's Deployment, HPA and PDB (Pulumi waits until Ready);
 *   2. canary weight reset to 0, then the canary Service selects the new version;
 *   3. the rollout engine steps the canary weight through the schedule, running gates;
 *   4. the stable Service selects the new version (promotion);
 *   5. the previous version, no longer declared, is deleted last with
 *      background propagation; its pods drain over drainSeconds.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExistingCluster } from "../components/cluster/existingCluster";
import { GkeCluster } from "../components/cluster/gkeCluster";
import { gatewayPriorityClass } from "../components/gateway/priorityClass";
import { VersionedGateway, terminationGraceSeconds } from "../components/gateway/versionedGateway";
import { IngressNginx, type IngressNginxArgs } from "../components/ingress/ingressNginx";
import { GatewayRoutes, GatewayService, WEBSOCKET_PROXY_TIMEOUT_SECONDS } from "../components/ingress/routes";
import { APP_NAME, STABLE_SERVICE } from "../components/names";
import { CanaryRollout, CanaryWeightReset } from "../components/rollout/canaryRollout";
import { GATEWAY_PRIORITY_CLASS, scaleDownPace } from "../components/shared/budget";
import { parseConfigMap, type StackConfigMap, type StackConfig } from "./config";

/** Every config key of the stack, structured values decoded from the JSON text Pulumi hands them as. */
export function readConfigMap(): StackConfigMap {
  const all = pulumi.runtime.allConfig();
  const map: Record<string, unknown> = {};
  for (const [k, text] of Object.entries(all)) {
    // Objects and lists arrive as JSON text; plain values (a top-level string) as themselves.
    try {
      map[k] = typeof text === "string" && /^[[{]/.test(text.trim()) ? JSON.parse(text) : text;
    } catch {
      map[k] = text;
    }
  }
  return map;
}

/** Reads the stack's config and validates it; throws ConfigError before any resource exists. */
export function loadStackConfig(): StackConfig {
  return parseConfigMap(readConfigMap(), {
    stack: pulumi.getStack(),
    report: (note) => void pulumi.log.warn(note),
  });
}

/** The ingress-nginx controller's arguments for a validated config (the e2e check compares the release against them). */
export function ingressNginxArgs(config: StackConfig): IngressNginxArgs {
  const ing = config.ingress;
  return {
    namespace: ing.namespace,
    chartVersion: ing.chartVersion,
    chartRepository: ing.chartRepository,
    replicas: ing.controllerReplicas,
    workerShutdownTimeoutSeconds: ing.workerShutdownTimeoutSeconds,
    className: ing.className,
    proxyTimeoutSeconds: WEBSOCKET_PROXY_TIMEOUT_SECONDS,
    serviceType: ing.serviceType,
    loadBalancerIP: ing.loadBalancerIP,
    // A regional cluster keeps one controller per zone; clusters without zone labels (kind) cannot.
    zoneSpread: config.cluster.mode === "gke" ? "required" : "preferred",
  };
}

export interface ProgramOutputs {
  /** URL clients connect to. */
  readonly gatewayUrl: string;
  /** Version this update released. */
  readonly version: string;
  /** Version the stable route selects after this update. */
  readonly stableVersion: string;
  /** "promoted" or "held". */
  readonly rolloutOutcome: pulumi.Output<string>;
  readonly canaryWeight: pulumi.Output<number>;
  readonly clusterName: pulumi.Output<string> | undefined;
  readonly kubeconfig: pulumi.Output<string> | undefined;
}

/** The ingress-nginx controller this stack installs, in its own namespace. */
function installController(config: StackConfig, provider: k8s.Provider): IngressNginx {
  const ingressNs = new k8s.core.v1.Namespace(
    "ingress-namespace",
    // The controller binds ports 80/443 with NET_BIND_SERVICE, which "baseline" allows.
    {
      metadata: {
        name: config.ingress.namespace,
        labels: { "pod-security.kubernetes.io/enforce": "baseline" },
      },
    },
    { provider },
  );
  return new IngressNginx("ingress-nginx", ingressNginxArgs(config), {
    providers: { kubernetes: provider },
    dependsOn: [ingressNs],
  });
}

/** Registers every resource of the stack for an already validated config. */
export function createProgram(config: StackConfig): ProgramOutputs {
  const { cluster: clusterCfg, ingress: ing, gateway: gw, rollout } = config;
  const podGraceSeconds = terminationGraceSeconds(gw);

  let provider: k8s.Provider;
  let kubeconfig: pulumi.Output<string> | undefined;
  let kubeContext: string | undefined;
  let clusterName: pulumi.Output<string> | undefined;
  if (clusterCfg.mode === "gke") {
    const { mode: _mode, project, ...cluster } = clusterCfg;
    if (project === undefined) {
      throw new Error("cluster.project is unresolved: load the config with loadStackConfig()");
    }
    const gke = new GkeCluster(APP_NAME, {
      ...cluster,
      project,
      podGraceSeconds,
      acceptSpotCuts: config.disruption.acceptSpotCuts,
    });
    provider = gke.provider;
    kubeconfig = gke.kubeconfig;
    clusterName = gke.cluster.name;
  } else {
    const existing = new ExistingCluster("existing", { kubeContext: clusterCfg.kubeContext });
    provider = existing.provider;
    kubeContext = existing.kubeContext;
  }

  // With ingress.controller "existing" the cluster already runs ingress-nginx: nothing to install.
  const controller = ing.controller === "install" ? installController(config, provider) : undefined;

  const gatewayNs = new k8s.core.v1.Namespace(
    "gateway-namespace",
    {
      metadata: {
        name: gw.namespace,
        labels: {
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
        },
      },
    },
    { provider },
  );
  const opts = { providers: { kubernetes: provider } };
  const priorityClass = gatewayPriorityClass("gateway-priority-class", { provider });

  // HPA scale-down paced from the reconnect budget (components/shared/budget.ts); config refused a budget it cannot keep.
  const budget = config.disruption;
  const pace = scaleDownPace({
    reconnectsPerSecond: budget.reconnectsPerSecond,
    connectionsPerPod: budget.connectionsPerPod,
    drainSeconds: gw.drainSeconds,
  });
  const gatewayArgs = {
    ...gw,
    priorityClassName: GATEWAY_PRIORITY_CLASS.name,
    acceptSpotCuts: budget.acceptSpotCuts,
    budget: { reconnectsPerSecond: budget.reconnectsPerSecond, connectionsPerPod: budget.connectionsPerPod },
    scaleDownPods: pace?.pods,
    scaleDownPeriodSeconds: pace?.periodSeconds,
    scaleDownStabilizationSeconds: pace?.stabilizationSeconds,
  };

  // The version being released. A held schedule also keeps the stable version declared.
  const release = new VersionedGateway(`gateway-${gw.version}`, gatewayArgs, {
    ...opts,
    dependsOn: [gatewayNs, priorityClass],
  });
  const stableVersion = rollout.stableVersion ?? gw.version;
  if (rollout.stableVersion !== undefined) {
    // Serving clients while the canary holds: frozen, so config changes made
    // during the hold reach only the version being released.
    new VersionedGateway(
      `gateway-${rollout.stableVersion}`,
      { ...gatewayArgs, version: rollout.stableVersion, frozen: true },
      { ...opts, dependsOn: [gatewayNs, priorityClass] },
    );
  }

  const routes = new GatewayRoutes(
    "routes",
    {
      namespace: gw.namespace,
      host: ing.host,
      path: ing.path,
      tlsSecretName: ing.tlsSecretName,
      className: ing.className,
    },
    { ...opts, dependsOn: controller === undefined ? [gatewayNs] : [gatewayNs, controller] },
  );

  const engineTarget = {
    namespace: gw.namespace,
    canaryIngressName: routes.canaryIngressName,
    version: gw.version,
    kubeconfig,
    kubeContext,
    requestTimeoutSeconds: rollout.api.requestTimeoutSeconds,
    retryBudgetSeconds: rollout.api.retryBudgetSeconds,
    abortBudgetSeconds: rollout.api.abortBudgetSeconds,
    // Named on the release Lease, so a second release's refusal says which stack holds it.
    releaseOwner: `${pulumi.getProject()}/${pulumi.getStack()}`,
  };
  const reset = new CanaryWeightReset("canary-weight-reset", engineTarget, { dependsOn: [routes] });
  const canary = new GatewayService(
    "canary",
    { namespace: gw.namespace, role: "canary", version: gw.version, targetPort: gw.port },
    { ...opts, dependsOn: [release, reset] },
  );

  const rolloutResource = new CanaryRollout(
    "rollout",
    {
      ...engineTarget,
      steps: [...rollout.steps],
      gates: rollout.gates,
      stableVersion: rollout.stableVersion,
      onAbort: rollout.onAbort,
      metricsPort: rollout.gates.abnormalCloses?.port,
      stableServiceName: STABLE_SERVICE,
    },
    { dependsOn: [canary, release] },
  );
  // Promotion: the stable route selects the released version only after the schedule succeeded.
  new GatewayService(
    "stable",
    { namespace: gw.namespace, role: "stable", version: stableVersion, targetPort: gw.port },
    { ...opts, dependsOn: [rolloutResource] },
  );

  const scheme = ing.tlsSecretName === undefined ? "ws" : "wss";
  return {
    gatewayUrl: `${scheme}://${ing.host}${ing.path}`,
    version: gw.version,
    stableVersion,
    rolloutOutcome: rolloutResource.outcome,
    canaryWeight: rolloutResource.weight,
    clusterName,
    kubeconfig,
  };
}
