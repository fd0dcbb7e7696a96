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
import { VersionedGateway, terminationGraceSeconds } from "../components/gateway/versionedGateway";
import { IngressNginx } from "../components/ingress/ingressNginx";
import { GatewayRoutes, GatewayService, WEBSOCKET_PROXY_TIMEOUT_SECONDS } from "../components/ingress/routes";
import { APP_NAME } from "../components/names";
import { CanaryRollout, CanaryWeightReset } from "../components/rollout/canaryRollout";
import { CONFIG_NAMESPACE, ConfigError, parseConfig, type StackConfig } from "./config";

/** Reads the stack's `ws-gateway:*` keys and validates them; throws ConfigError before any resource exists. */
export function loadStackConfig(): StackConfig {
  const cfg = new pulumi.Config(CONFIG_NAMESPACE);
  const raw = {
    cluster: cfg.getObject<unknown>("cluster"),
    ingress: cfg.getObject<unknown>("ingress"),
    gateway: cfg.getObject<unknown>("gateway"),
    rollout: cfg.getObject<unknown>("rollout"),
  };
  const config = parseConfig(raw);
  if (config.cluster.mode === "gke" && config.cluster.project === undefined) {
    const gcpProject = new pulumi.Config("gcp").get("project");
    if (gcpProject === undefined) {
      throw new ConfigError([
        `${CONFIG_NAMESPACE}:cluster.project: is required when gcp:project is not set: a GCP project ID. Fix: set ws-gateway:cluster.project or gcp:project.`,
      ]);
    }
    return { ...config, cluster: { ...config.cluster, project: gcpProject } };
  }
  return config;
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
    const gke = new GkeCluster(APP_NAME, { ...cluster, project, podGraceSeconds });
    provider = gke.provider;
    kubeconfig = gke.kubeconfig;
    clusterName = gke.cluster.name;
  } else {
    const existing = new ExistingCluster("existing", { kubeContext: clusterCfg.kubeContext });
    provider = existing.provider;
    kubeContext = existing.kubeContext;
  }

  const ingressNs = new k8s.core.v1.Namespace(
    "ingress-namespace",
    // The controller binds ports 80/443 with NET_BIND_SERVICE, which "baseline" allows.
    { metadata: { name: ing.namespace, labels: { "pod-security.kubernetes.io/enforce": "baseline" } } },
    { provider },
  );
  const controller = new IngressNginx(
    "ingress-nginx",
    {
      namespace: ing.namespace,
      chartVersion: ing.chartVersion,
      replicas: ing.controllerReplicas,
      workerShutdownTimeoutSeconds: ing.workerShutdownTimeoutSeconds,
      className: ing.className,
      proxyTimeoutSeconds: WEBSOCKET_PROXY_TIMEOUT_SECONDS,
      serviceType: ing.serviceType,
      loadBalancerIP: ing.loadBalancerIP,
      // A regional cluster keeps one controller per zone; clusters without zone labels (kind) cannot.
      zoneSpread: clusterCfg.mode === "gke" ? "required" : "preferred",
    },
    { providers: { kubernetes: provider }, dependsOn: [ingressNs] },
  );

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

  const versionArgs = (version: string) => ({
    namespace: gw.namespace,
    image: gw.image,
    version,
    port: gw.port,
    minReplicas: gw.minReplicas,
    maxReplicas: gw.maxReplicas,
    targetCpuUtilizationPercent: gw.targetCpuUtilizationPercent,
    cpuRequest: gw.resources.cpuRequest,
    memoryRequest: gw.resources.memoryRequest,
    cpuLimit: gw.resources.cpuLimit,
    memoryLimit: gw.resources.memoryLimit,
    drainSeconds: gw.drainSeconds,
    preStopSeconds: gw.preStopSeconds,
    terminationMarginSeconds: gw.terminationMarginSeconds,
  });

  // The version being released. A held schedule also keeps the stable version declared.
  const release = new VersionedGateway(`gateway-${gw.version}`, versionArgs(gw.version), {
    ...opts,
    dependsOn: [gatewayNs],
  });
  const stableVersion = rollout.stableVersion ?? gw.version;
  if (rollout.stableVersion !== undefined) {
    // Serving clients while the canary holds: frozen, so config changes made
    // during the hold reach only the version being released.
    new VersionedGateway(
      `gateway-${rollout.stableVersion}`,
      { ...versionArgs(rollout.stableVersion), frozen: true },
      { ...opts, dependsOn: [gatewayNs] },
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
    { ...opts, dependsOn: [gatewayNs, controller] },
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
