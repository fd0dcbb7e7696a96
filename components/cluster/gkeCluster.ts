/**
 * A regional, private GKE cluster for the gateway, and the Kubernetes
 * provider that targets it.
 *
 * Node upgrades are releases too, from a client's point of view: the gateway
 * node pool upgrades BLUE_GREEN, draining the old nodes in batches with a
 * soak that covers a pod's whole grace period (preStop + drain + margin), so a
 * node upgrade disconnects each client at most once, spread over the drain.
 * Argument names follow @pulumi/gcp 9.37 (`types/input.d.ts`, docs/facts.md F20-F22).
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ANNOTATION_ACCEPT_SPOT_CUTS } from "../shared/budget";

import type { ReleaseChannel } from "../shared/gke";

export type { ReleaseChannel };
export type ExclusionScope = "NO_UPGRADES" | "NO_MINOR_UPGRADES" | "NO_MINOR_OR_NODE_UPGRADES";

export interface MaintenanceWindow {
  /** RFC 3339 start of the first window, e.g. "2026-01-03T02:00:00Z". */
  readonly start: string;
  /** RFC 3339 end of the first window; its distance from `start` is the window length. */
  readonly end: string;
  /** RFC 5545 RRULE, e.g. "FREQ=WEEKLY;BYDAY=SA,SU". */
  readonly recurrence: string;
}

export interface MaintenanceExclusion {
  readonly name: string;
  readonly start: string;
  readonly end: string;
  readonly scope: ExclusionScope;
}

export interface NodePoolConfig {
  readonly machineType: string;
  readonly minNodesPerZone: number;
  readonly maxNodesPerZone: number;
  readonly diskSizeGb: number;
  /**
   * Spot VMs: about 15 s of notice cuts every gateway connection on the node
   * at once. Config refuses it unless disruption.acceptSpotCuts is true.
   */
  readonly spot: boolean;
}

export interface AuthorizedNetwork {
  readonly cidr: string;
  readonly name: string;
}

export interface GkeClusterArgs {
  readonly project: string;
  /** Region of the regional cluster (its control plane is replicated across zones). */
  readonly region: string;
  /** @default the region's default zones */
  readonly zones?: readonly string[];
  readonly releaseChannel: ReleaseChannel;
  readonly maintenanceWindow: MaintenanceWindow;
  readonly maintenanceExclusions: readonly MaintenanceExclusion[];
  /** Networks allowed to reach the control plane's public endpoint; empty means none. */
  readonly masterAuthorizedNetworks: readonly AuthorizedNetwork[];
  /** Private /28 of the control plane. */
  readonly masterIpv4Cidr: string;
  readonly nodePool: NodePoolConfig;
  readonly deletionProtection: boolean;
  /** Longest grace period of a gateway pod (preStop + drain + margin), seconds; sizes the upgrade soak. */
  readonly podGraceSeconds: number;
  /** The stack accepts Spot cuts (disruption.acceptSpotCuts): marks the pool so the policy pack allows it. */
  readonly acceptSpotCuts?: boolean;
}

/** Roles the dedicated node service account needs, and nothing more. */
export const NODE_SERVICE_ACCOUNT_ROLES = [
  "roles/logging.logWriter",
  "roles/monitoring.metricWriter",
  "roles/monitoring.viewer",
  "roles/stackdriver.resourceMetadata.writer",
  "roles/artifactregistry.reader",
] as const;

/** Share of the blue pool drained per batch during a node pool upgrade. */
export const UPGRADE_BATCH_PERCENTAGE = 0.25;
/** Extra soak after the last batch before the blue pool is deleted. */
export const NODE_POOL_SOAK_MARGIN_SECONDS = 600;

/** Blue-green soaks: each batch waits a full pod grace period; the pool waits one more plus a margin. */
export function blueGreenSoak(podGraceSeconds: number): {
  batchSoakSeconds: number;
  nodePoolSoakSeconds: number;
} {
  return {
    batchSoakSeconds: podGraceSeconds,
    nodePoolSoakSeconds: podGraceSeconds + NODE_POOL_SOAK_MARGIN_SECONDS,
  };
}

/** Node label that marks a Spot pool whose stack accepts the cuts (the pod annotation's key, as a label). */
export const SPOT_CUTS_NODE_LABEL = ANNOTATION_ACCEPT_SPOT_CUTS;

const NODE_SHIELDING = { enableSecureBoot: true, enableIntegrityMonitoring: true };

/** Cluster arguments, as plain data. */
export function clusterArgs(
  a: GkeClusterArgs,
  nodeServiceAccount: pulumi.Input<string>,
): gcp.container.ClusterArgs {
  return {
    project: a.project,
    location: a.region,
    nodeLocations: a.zones === undefined ? undefined : [...a.zones],
    // Node pools are managed separately so they can change without replacing the cluster.
    removeDefaultNodePool: true,
    initialNodeCount: 1,
    deletionProtection: a.deletionProtection,
    releaseChannel: { channel: a.releaseChannel },
    networkingMode: "VPC_NATIVE",
    ipAllocationPolicy: {},
    // Dataplane V2 (Cilium): network policy enforcement built in.
    datapathProvider: "ADVANCED_DATAPATH",
    privateClusterConfig: {
      enablePrivateNodes: true,
      enablePrivateEndpoint: false,
      masterIpv4CidrBlock: a.masterIpv4Cidr,
    },
    masterAuthorizedNetworksConfig: {
      cidrBlocks: a.masterAuthorizedNetworks.map((n) => ({ cidrBlock: n.cidr, displayName: n.name })),
    },
    masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
    enableLegacyAbac: false,
    enableShieldedNodes: true,
    workloadIdentityConfig: { workloadPool: `${a.project}.svc.id.goog` },
    // The successor path once ingress-nginx is replaced: GKE's built-in Gateway controller.
    gatewayApiConfig: { channel: "CHANNEL_STANDARD" },
    loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
    monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: true } },
    maintenancePolicy: {
      recurringWindow: {
        startTime: a.maintenanceWindow.start,
        endTime: a.maintenanceWindow.end,
        recurrence: a.maintenanceWindow.recurrence,
      },
      maintenanceExclusions: a.maintenanceExclusions.map((e) => ({
        exclusionName: e.name,
        startTime: e.start,
        endTime: e.end,
        exclusionOptions: { scope: e.scope },
      })),
    },
    // Applies to the temporary default pool too.
    nodeConfig: {
      serviceAccount: nodeServiceAccount,
      shieldedInstanceConfig: NODE_SHIELDING,
      workloadMetadataConfig: { mode: "GKE_METADATA" },
    },
  };
}

/** Gateway node pool arguments, as plain data. */
export function nodePoolArgs(
  a: GkeClusterArgs,
  cluster: pulumi.Input<string>,
  nodeServiceAccount: pulumi.Input<string>,
): gcp.container.NodePoolArgs {
  const soak = blueGreenSoak(a.podGraceSeconds);
  return {
    project: a.project,
    cluster,
    location: a.region,
    nodeLocations: a.zones === undefined ? undefined : [...a.zones],
    initialNodeCount: a.nodePool.minNodesPerZone,
    autoscaling: { minNodeCount: a.nodePool.minNodesPerZone, maxNodeCount: a.nodePool.maxNodesPerZone },
    management: { autoRepair: true, autoUpgrade: true },
    upgradeSettings: {
      strategy: "BLUE_GREEN",
      blueGreenSettings: {
        standardRolloutPolicy: {
          batchPercentage: UPGRADE_BATCH_PERCENTAGE,
          batchSoakDuration: `${soak.batchSoakSeconds}s`,
        },
        nodePoolSoakDuration: `${soak.nodePoolSoakSeconds}s`,
      },
    },
    nodeDrainConfigs: [{ respectPdbDuringNodePoolDeletion: true }],
    nodeConfig: {
      // Written only when true, so a pool that predates the setting keeps byte-identical inputs.
      ...(a.nodePool.spot ? { spot: true } : {}),
      machineType: a.nodePool.machineType,
      diskSizeGb: a.nodePool.diskSizeGb,
      diskType: "pd-balanced",
      imageType: "COS_CONTAINERD",
      serviceAccount: nodeServiceAccount,
      oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
      shieldedInstanceConfig: NODE_SHIELDING,
      workloadMetadataConfig: { mode: "GKE_METADATA" },
      metadata: { "disable-legacy-endpoints": "true" },
      labels: {
        "ws-gateway/pool": "gateway",
        ...(a.nodePool.spot && a.acceptSpotCuts === true ? { [SPOT_CUTS_NODE_LABEL]: "true" } : {}),
      },
    },
  };
}

/** kubeconfig for the cluster, authenticating through gke-gcloud-auth-plugin (no static credentials). */
export function gkeKubeconfig(name: string, endpoint: string, caCertificate: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name, cluster: { server: `https://${endpoint}`, "certificate-authority-data": caCertificate } },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "gke-gcloud-auth-plugin",
            installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
            provideClusterInfo: true,
          },
        },
      },
    ],
  });
}

/** Regional GKE cluster, gateway node pool, dedicated node service account and a provider. */
export class GkeCluster extends pulumi.ComponentResource {
  static readonly type = "ws-gateway:cluster:GkeCluster";
  readonly cluster: gcp.container.Cluster;
  readonly nodePool: gcp.container.NodePool;
  readonly nodeServiceAccount: gcp.serviceaccount.Account;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;

  constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GkeCluster.type, name, {}, opts);
    const parent = { parent: this };
    this.nodeServiceAccount = new gcp.serviceaccount.Account(
      `${name}-nodes`,
      { project: args.project, accountId: `${name}-nodes`, displayName: `${name} GKE nodes` },
      parent,
    );
    const members = NODE_SERVICE_ACCOUNT_ROLES.map(
      (role) =>
        new gcp.projects.IAMMember(
          `${name}-nodes-${role.replace(/^roles\//, "").replace(/\./g, "-")}`,
          {
            project: args.project,
            role,
            member: pulumi.interpolate`serviceAccount:${this.nodeServiceAccount.email}`,
          },
          parent,
        ),
    );
    this.cluster = new gcp.container.Cluster(name, clusterArgs(args, this.nodeServiceAccount.email), {
      ...parent,
      dependsOn: members,
    });
    this.nodePool = new gcp.container.NodePool(
      `${name}-gateway`,
      nodePoolArgs(args, this.cluster.name, this.nodeServiceAccount.email),
      parent,
    );
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([this.cluster.name, this.cluster.endpoint, this.cluster.masterAuth])
        .apply(([n, endpoint, auth]) => gkeKubeconfig(n, endpoint, auth.clusterCaCertificate ?? "")),
    );
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig },
      { ...parent, dependsOn: [this.nodePool] },
    );
    this.registerOutputs({ clusterName: this.cluster.name, endpoint: this.cluster.endpoint });
  }
}
