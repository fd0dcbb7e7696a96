/**
 * The GKE cluster and node pool, from their @pulumi/gcp arguments (see
 * docs/how-it-works.md; docs/facts.md F20-F22). Node upgrades are releases too from a client's
 * point of view: blue-green with a soak that covers the gateway drain.
 */
import * as gcp from "@pulumi/gcp";
import {
  validateResourceOfType,
  type ReportViolation,
  type ResourceValidation,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
} from "@pulumi/policy";
import { configSchema, knobs } from "../config";
import { at, isUnknown, seconds, show } from "../lib/values";
import { RELEASE_CHANNELS } from "../../components/shared/gke";

type Check = (props: unknown, what: string, report: ReportViolation, args: ResourceValidationArgs) => void;

function onCluster(check: Check): ResourceValidation {
  return validateResourceOfType(gcp.container.Cluster, (_p, args, report: ReportViolation) =>
    check(args.props, `Cluster ${JSON.stringify(args.name)}`, report, args),
  );
}

function onNodePool(check: Check): ResourceValidation {
  return validateResourceOfType(gcp.container.NodePool, (_p, args, report: ReportViolation) =>
    check(args.props, `NodePool ${JSON.stringify(args.name)}`, report, args),
  );
}

/** The stack name inside a URN: urn:pulumi:<stack>::<project>::<type>::<name>. */
export function stackOfUrn(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

const REGION_RE = /^[a-z]+-[a-z]+\d+$/;
const DEFAULT_COMPUTE_SA_RE = /-compute@developer\.gserviceaccount\.com$/;

export const gkePrivateNodes: ResourceValidationPolicy = {
  name: "gke-private-nodes",
  description: "Cluster nodes have no public IP addresses.",
  enforcementLevel: "mandatory",
  validateResource: onCluster((p, what, report) => {
    const v = at(p, "privateClusterConfig.enablePrivateNodes");
    if (isUnknown(v) || v === true) return;
    report(
      `${what}: privateClusterConfig.enablePrivateNodes is ${show(v)}, not true. Fix: set privateClusterConfig.enablePrivateNodes to true (with a masterIpv4CidrBlock).`,
    );
  }),
};

export const gkeControlPlaneAuthorizedNetworks: ResourceValidationPolicy = {
  name: "gke-control-plane-authorized-networks",
  description: "The control plane's public endpoint accepts only authorized networks.",
  enforcementLevel: "mandatory",
  validateResource: onCluster((p, what, report) => {
    const v = at(p, "masterAuthorizedNetworksConfig");
    const privateEndpoint = at(p, "privateClusterConfig.enablePrivateEndpoint");
    if (isUnknown(v) || privateEndpoint === true || (v !== undefined && v !== null)) return;
    report(
      `${what}: masterAuthorizedNetworksConfig is ${show(v)}, so the Kubernetes API is open to the internet. ` +
        `Fix: set masterAuthorizedNetworksConfig.cidrBlocks to the networks that may reach the API (an empty list allows none).`,
    );
  }),
};

function checkNodeMetadata(p: unknown, what: string, report: ReportViolation): void {
  const mode = at(p, "nodeConfig.workloadMetadataConfig.mode");
  if (isUnknown(mode) || mode === "GKE_METADATA") return;
  if (at(p, "nodeConfig") === undefined && what.startsWith("Cluster")) return;
  report(
    `${what}: nodeConfig.workloadMetadataConfig.mode is ${show(mode)}, not "GKE_METADATA": pods could read the node's credentials from the metadata server. ` +
      `Fix: set nodeConfig.workloadMetadataConfig.mode to "GKE_METADATA".`,
  );
}

export const gkeWorkloadIdentity: ResourceValidationPolicy = {
  name: "gke-workload-identity",
  description: "Workload Identity is on and nodes expose only the GKE metadata server.",
  enforcementLevel: "mandatory",
  validateResource: [
    onCluster((p, what, report) => {
      const pool = at(p, "workloadIdentityConfig.workloadPool");
      if (!isUnknown(pool) && (typeof pool !== "string" || pool === "")) {
        report(
          `${what}: workloadIdentityConfig.workloadPool is ${show(pool)}. Fix: set it to "<project>.svc.id.goog".`,
        );
      }
      checkNodeMetadata(p, what, report);
    }),
    onNodePool(checkNodeMetadata),
  ],
};

function checkSecureBoot(p: unknown, what: string, report: ReportViolation): void {
  if (at(p, "nodeConfig") === undefined && what.startsWith("Cluster")) return;
  const v = at(p, "nodeConfig.shieldedInstanceConfig.enableSecureBoot");
  if (isUnknown(v) || v === true) return;
  report(
    `${what}: nodeConfig.shieldedInstanceConfig.enableSecureBoot is ${show(v)}, not true. Fix: set it to true (with enableIntegrityMonitoring).`,
  );
}

export const gkeShieldedNodes: ResourceValidationPolicy = {
  name: "gke-shielded-nodes",
  description: "Shielded GKE nodes with secure boot.",
  enforcementLevel: "mandatory",
  validateResource: [
    onCluster((p, what, report, _args) => {
      const v = at(p, "enableShieldedNodes");
      if (v === false) {
        report(`${what}: enableShieldedNodes is false. Fix: set enableShieldedNodes to true.`);
      }
      checkSecureBoot(p, what, report);
    }),
    onNodePool(checkSecureBoot),
  ],
};

export const gkeNodeAutoRepairUpgrade: ResourceValidationPolicy = {
  name: "gke-node-auto-repair-upgrade",
  description:
    "Node pools repair and upgrade themselves (upgrades run blue-green, see gke-blue-green-upgrades).",
  enforcementLevel: "mandatory",
  validateResource: onNodePool((p, what, report) => {
    for (const field of ["autoRepair", "autoUpgrade"]) {
      const v = at(p, ["management", field]);
      if (v === false) {
        report(`${what}: management.${field} is false. Fix: set management.${field} to true.`);
      }
    }
  }),
};

export const gkeReleaseChannel: ResourceValidationPolicy = {
  name: "gke-release-channel",
  description: "The cluster follows a release channel, so GKE patches it inside the maintenance window.",
  enforcementLevel: "mandatory",
  validateResource: onCluster((p, what, report) => {
    const v = at(p, "releaseChannel.channel");
    if (isUnknown(v) || (typeof v === "string" && (RELEASE_CHANNELS as readonly string[]).includes(v)))
      return;
    report(
      `${what}: releaseChannel.channel is ${show(v)}. Fix: set releaseChannel.channel to one of ${RELEASE_CHANNELS.join(", ")}.`,
    );
  }),
};

export const gkeNetworkPolicy: ResourceValidationPolicy = {
  name: "gke-network-policy",
  description: "NetworkPolicy is enforced: Dataplane V2 (ADVANCED_DATAPATH) or the network policy add-on.",
  enforcementLevel: "mandatory",
  validateResource: onCluster((p, what, report) => {
    const dp = at(p, "datapathProvider");
    const np = at(p, "networkPolicy.enabled");
    if (isUnknown(dp) || isUnknown(np) || dp === "ADVANCED_DATAPATH" || np === true) return;
    report(
      `${what}: datapathProvider is ${show(dp)} and networkPolicy.enabled is ${show(np)}, so NetworkPolicies are not enforced. ` +
        `Fix: set datapathProvider to "ADVANCED_DATAPATH" (Dataplane V2).`,
    );
  }),
};

export const gkeLegacyAbacDisabled: ResourceValidationPolicy = {
  name: "gke-legacy-abac-disabled",
  description: "Legacy ABAC is off; RBAC alone authorizes API requests.",
  enforcementLevel: "mandatory",
  validateResource: onCluster((p, what, report) => {
    if (at(p, "enableLegacyAbac") === true) {
      report(`${what}: enableLegacyAbac is true. Fix: set enableLegacyAbac to false.`);
    }
  }),
};

export const gkeNoClientCertificate: ResourceValidationPolicy = {
  name: "gke-no-client-certificate",
  description: "No static client certificate is issued for the cluster.",
  enforcementLevel: "mandatory",
  validateResource: onCluster((p, what, report) => {
    if (at(p, "masterAuth.clientCertificateConfig.issueClientCertificate") === true) {
      report(
        `${what}: masterAuth.clientCertificateConfig.issueClientCertificate is true: a long-lived admin credential would exist. Fix: set it to false.`,
      );
    }
  }),
};

export const gkeLoggingMonitoring: ResourceValidationPolicy = {
  name: "gke-logging-monitoring",
  description: "Cloud Logging and Cloud Monitoring stay on.",
  enforcementLevel: "mandatory",
  validateResource: onCluster((p, what, report) => {
    for (const field of ["loggingService", "monitoringService"]) {
      const v = at(p, field);
      if (v === "none") {
        report(`${what}: ${field} is "none". Fix: remove ${field} or set it to its default.`);
      }
    }
    for (const field of ["loggingConfig", "monitoringConfig"]) {
      const comps = at(p, `${field}.enableComponents`);
      if (Array.isArray(comps) && comps.length === 0) {
        report(`${what}: ${field}.enableComponents is empty. Fix: enable at least "SYSTEM_COMPONENTS".`);
      }
    }
  }),
};

export const gkeRegional: ResourceValidationPolicy = {
  name: "gke-regional",
  description: "The cluster is regional (location is a region): its control plane survives a zone outage.",
  enforcementLevel: "mandatory",
  validateResource: onCluster((p, what, report) => {
    const v = at(p, "location");
    if (isUnknown(v) || (typeof v === "string" && REGION_RE.test(v))) return;
    report(
      `${what}: location is ${show(v)}, not a region: a zonal control plane goes down with its zone. ` +
        `Fix: set location to the region (e.g. "europe-west1") and list zones in nodeLocations.`,
    );
  }),
};

function checkServiceAccount(p: unknown, what: string, report: ReportViolation): void {
  if (at(p, "nodeConfig") === undefined && what.startsWith("Cluster")) return;
  const sa = at(p, "nodeConfig.serviceAccount");
  if (isUnknown(sa)) return;
  if (typeof sa !== "string" || sa === "" || sa === "default" || DEFAULT_COMPUTE_SA_RE.test(sa)) {
    report(
      `${what}: nodeConfig.serviceAccount is ${show(sa)}, the project's default compute service account (Editor on the project). ` +
        `Fix: create a dedicated node service account with only logging, monitoring and registry-read roles and set nodeConfig.serviceAccount to its email.`,
    );
  }
}

export const gkeNodeServiceAccount: ResourceValidationPolicy = {
  name: "gke-node-service-account",
  description: "Nodes run as a dedicated, least-privilege service account, not the default compute account.",
  enforcementLevel: "mandatory",
  validateResource: [onCluster(checkServiceAccount), onNodePool(checkServiceAccount)],
};

export const gkeBlueGreenUpgrades: ResourceValidationPolicy = {
  name: "gke-blue-green-upgrades",
  description:
    "Node pools upgrade BLUE_GREEN with batch and pool soaks that cover the gateway drain, so a node upgrade disconnects each client at most once.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minDrainSeconds", "drainSeconds"),
  validateResource: onNodePool((p, what, report, args) => {
    const { minDrainSeconds, drainSeconds } = knobs(args);
    const floor = drainSeconds ?? minDrainSeconds;
    const strategy = at(p, "upgradeSettings.strategy");
    if (isUnknown(strategy)) return;
    if (strategy !== "BLUE_GREEN") {
      report(
        `${what}: upgradeSettings.strategy is ${show(strategy)}, not "BLUE_GREEN": surge upgrades force-evict gateway pods after about an hour. ` +
          `Fix: set upgradeSettings.strategy to "BLUE_GREEN" with blueGreenSettings soaks of at least ${floor}s.`,
      );
      return;
    }
    for (const path of ["standardRolloutPolicy.batchSoakDuration", "nodePoolSoakDuration"]) {
      const raw = at(p, `upgradeSettings.blueGreenSettings.${path}`);
      const s = raw === undefined ? 0 : seconds(raw);
      if (isUnknown(s)) continue;
      if (s === undefined || s < floor) {
        report(
          `${what}: upgradeSettings.blueGreenSettings.${path} is ${show(raw)}, shorter than the drain ${floor} s: ` +
            `old nodes would go before their gateway pods finish draining. Fix: set it to at least "${floor}s" (the pod grace period).`,
        );
      }
    }
  }),
};

export const gkeMaintenanceWindow: ResourceValidationPolicy = {
  name: "gke-maintenance-window",
  description: "GKE may only upgrade inside a declared maintenance window.",
  enforcementLevel: "mandatory",
  validateResource: onCluster((p, what, report) => {
    const recurring = at(p, "maintenancePolicy.recurringWindow");
    const daily = at(p, "maintenancePolicy.dailyMaintenanceWindow");
    if (isUnknown(recurring) || isUnknown(daily) || recurring !== undefined || daily !== undefined) return;
    report(
      `${what}: maintenancePolicy has no recurringWindow or dailyMaintenanceWindow (found ${show(at(p, "maintenancePolicy"))}): GKE could upgrade at peak hours. ` +
        `Fix: set maintenancePolicy.recurringWindow with a start, end and RRULE.`,
    );
  }),
};

export const gkeDeletionProtection: ResourceValidationPolicy = {
  name: "gke-deletion-protection",
  description: "Clusters of protected stacks (default: prod) keep deletion protection on.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("protectedStacks", "requireDeletionProtection"),
  validateResource: onCluster((p, what, report, args) => {
    const { protectedStacks, requireDeletionProtection } = knobs(args);
    // @pulumi/policy exposes no stack name; the resource URN carries it.
    const stack = stackOfUrn(args.urn);
    const required = requireDeletionProtection || (stack !== undefined && protectedStacks.includes(stack));
    if (!required || at(p, "deletionProtection") !== false) return;
    report(
      `${what}: deletionProtection is false on stack ${show(stack)}, which must keep it on: a mistaken destroy would drop every connection. ` +
        `Fix: set ws-gateway:cluster.deletionProtection to true.`,
    );
  }),
};

export const gkePolicies = [
  gkePrivateNodes,
  gkeControlPlaneAuthorizedNetworks,
  gkeWorkloadIdentity,
  gkeShieldedNodes,
  gkeNodeAutoRepairUpgrade,
  gkeReleaseChannel,
  gkeNetworkPolicy,
  gkeLegacyAbacDisabled,
  gkeNoClientCertificate,
  gkeLoggingMonitoring,
  gkeRegional,
  gkeNodeServiceAccount,
  gkeBlueGreenUpgrades,
  gkeMaintenanceWindow,
  gkeDeletionProtection,
];
