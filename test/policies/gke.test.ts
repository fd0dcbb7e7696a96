/** GKE rules on the real Cluster and NodePool arguments. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  gkeBlueGreenUpgrades,
  gkeControlPlaneAuthorizedNetworks,
  gkeDeletionProtection,
  gkeLegacyAbacDisabled,
  gkeLoggingMonitoring,
  gkeMaintenanceWindow,
  gkeNetworkPolicy,
  gkeNoClientCertificate,
  gkeNodeAutoRepairUpgrade,
  gkeNodeServiceAccount,
  gkePolicies,
  gkePrivateNodes,
  gkeRegional,
  gkeReleaseChannel,
  gkeShieldedNodes,
  gkeWorkloadIdentity,
  stackOfUrn,
} from "../../policies/rules/gke";
import { change, cluster, deployment, nodePool } from "./fixtures";
import { UNKNOWN_VALUE, checkResource, expectNotApplicable, expectResource } from "./harness";

const CL = 'Cluster "ws-gateway"';
const NP = 'NodePool "ws-gateway-gateway"';

describe("GKE rules", () => {
  it("GIVEN the program's cluster and node pool THEN every GKE rule passes", async () => {
    for (const p of gkePolicies) {
      for (const r of [cluster(), nodePool()]) {
        const o = await checkResource(p, r);
        assert.deepEqual(o.violations, [], `${p.name} on ${r.type}`);
      }
    }
  });

  it("GIVEN a Deployment THEN GKE rules do not apply", async () => {
    for (const p of gkePolicies) await expectNotApplicable(p, deployment());
  });

  it("GIVEN public nodes or an open control plane THEN gke-private-nodes and gke-control-plane-authorized-networks report it", async () => {
    await expectResource(
      gkePrivateNodes,
      change(cluster(), "privateClusterConfig.enablePrivateNodes", false),
      [
        `${CL}: privateClusterConfig.enablePrivateNodes is false, not true. Fix: set privateClusterConfig.enablePrivateNodes to true (with a masterIpv4CidrBlock).`,
      ],
    );
    await expectResource(
      gkeControlPlaneAuthorizedNetworks,
      change(cluster(), "masterAuthorizedNetworksConfig", undefined),
      [
        `${CL}: masterAuthorizedNetworksConfig is nothing, so the Kubernetes API is open to the internet. Fix: set masterAuthorizedNetworksConfig.cidrBlocks to the networks that may reach the API (an empty list allows none).`,
      ],
    );
    await expectResource(gkePrivateNodes, change(cluster(), "privateClusterConfig", UNKNOWN_VALUE), []);
  });

  it("GIVEN no workload pool or GCE metadata on nodes THEN gke-workload-identity reports it", async () => {
    await expectResource(gkeWorkloadIdentity, change(cluster(), "workloadIdentityConfig", undefined), [
      `${CL}: workloadIdentityConfig.workloadPool is nothing. Fix: set it to "<project>.svc.id.goog".`,
    ]);
    await expectResource(
      gkeWorkloadIdentity,
      change(nodePool(), "nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA"),
      [
        `${NP}: nodeConfig.workloadMetadataConfig.mode is "GCE_METADATA", not "GKE_METADATA": pods could read the node's credentials from the metadata server. Fix: set nodeConfig.workloadMetadataConfig.mode to "GKE_METADATA".`,
      ],
    );
    await expectResource(
      gkeWorkloadIdentity,
      change(cluster(), "workloadIdentityConfig.workloadPool", UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN shielded nodes off or no secure boot THEN gke-shielded-nodes reports it", async () => {
    await expectResource(gkeShieldedNodes, change(cluster(), "enableShieldedNodes", false), [
      `${CL}: enableShieldedNodes is false. Fix: set enableShieldedNodes to true.`,
    ]);
    await expectResource(
      gkeShieldedNodes,
      change(nodePool(), "nodeConfig.shieldedInstanceConfig", undefined),
      [
        `${NP}: nodeConfig.shieldedInstanceConfig.enableSecureBoot is nothing, not true. Fix: set it to true (with enableIntegrityMonitoring).`,
      ],
    );
  });

  it("GIVEN auto-repair or auto-upgrade off THEN gke-node-auto-repair-upgrade reports it", async () => {
    await expectResource(
      gkeNodeAutoRepairUpgrade,
      change(nodePool(), "management", { autoRepair: false, autoUpgrade: false }),
      [
        `${NP}: management.autoRepair is false. Fix: set management.autoRepair to true.`,
        `${NP}: management.autoUpgrade is false. Fix: set management.autoUpgrade to true.`,
      ],
    );
  });

  it("GIVEN no release channel, no network policy, legacy ABAC, a client certificate or logging off THEN each rule reports it", async () => {
    await expectResource(gkeReleaseChannel, change(cluster(), "releaseChannel", { channel: "UNSPECIFIED" }), [
      `${CL}: releaseChannel.channel is "UNSPECIFIED". Fix: set releaseChannel.channel to one of RAPID, REGULAR, STABLE, EXTENDED.`,
    ]);
    await expectResource(gkeNetworkPolicy, change(cluster(), "datapathProvider", "LEGACY_DATAPATH"), [
      `${CL}: datapathProvider is "LEGACY_DATAPATH" and networkPolicy.enabled is nothing, so NetworkPolicies are not enforced. Fix: set datapathProvider to "ADVANCED_DATAPATH" (Dataplane V2).`,
    ]);
    await expectResource(
      gkeNetworkPolicy,
      change(change(cluster(), "datapathProvider", undefined), "networkPolicy", { enabled: true }),
      [],
    );
    await expectResource(gkeLegacyAbacDisabled, change(cluster(), "enableLegacyAbac", true), [
      `${CL}: enableLegacyAbac is true. Fix: set enableLegacyAbac to false.`,
    ]);
    await expectResource(
      gkeNoClientCertificate,
      change(cluster(), "masterAuth.clientCertificateConfig.issueClientCertificate", true),
      [
        `${CL}: masterAuth.clientCertificateConfig.issueClientCertificate is true: a long-lived admin credential would exist. Fix: set it to false.`,
      ],
    );
    await expectResource(
      gkeLoggingMonitoring,
      change(change(cluster(), "loggingService", "none"), "monitoringConfig.enableComponents", []),
      [
        `${CL}: loggingService is "none". Fix: remove loggingService or set it to its default.`,
        `${CL}: monitoringConfig.enableComponents is empty. Fix: enable at least "SYSTEM_COMPONENTS".`,
      ],
    );
  });

  it("GIVEN a zonal location THEN gke-regional reports it", async () => {
    await expectResource(gkeRegional, change(cluster(), "location", "europe-west1-b"), [
      `${CL}: location is "europe-west1-b", not a region: a zonal control plane goes down with its zone. Fix: set location to the region (e.g. "europe-west1") and list zones in nodeLocations.`,
    ]);
    await expectResource(gkeRegional, change(cluster(), "location", UNKNOWN_VALUE), []);
  });

  it("GIVEN the default compute service account or none THEN gke-node-service-account reports it", async () => {
    const msg = (what: string, found: string) =>
      `${what}: nodeConfig.serviceAccount is ${found}, the project's default compute service account (Editor on the project). Fix: create a dedicated node service account with only logging, monitoring and registry-read roles and set nodeConfig.serviceAccount to its email.`;
    await expectResource(gkeNodeServiceAccount, change(nodePool(), "nodeConfig.serviceAccount", undefined), [
      msg(NP, "nothing"),
    ]);
    await expectResource(
      gkeNodeServiceAccount,
      change(cluster(), "nodeConfig.serviceAccount", "123-compute@developer.gserviceaccount.com"),
      [msg(CL, '"123-compute@developer.gserviceaccount.com"')],
    );
    // The email of a service account created in the same update is unknown during preview.
    await expectResource(
      gkeNodeServiceAccount,
      change(nodePool(), "nodeConfig.serviceAccount", UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN surge upgrades or soaks shorter than the drain THEN gke-blue-green-upgrades reports it", async () => {
    await expectResource(
      gkeBlueGreenUpgrades,
      change(nodePool(), "upgradeSettings", { strategy: "SURGE", maxSurge: 1 }),
      [
        `${NP}: upgradeSettings.strategy is "SURGE", not "BLUE_GREEN": surge upgrades force-evict gateway pods after about an hour. Fix: set upgradeSettings.strategy to "BLUE_GREEN" with blueGreenSettings soaks of at least 300s.`,
      ],
    );
    await expectResource(
      gkeBlueGreenUpgrades,
      nodePool(),
      [
        `${NP}: upgradeSettings.blueGreenSettings.standardRolloutPolicy.batchSoakDuration is "1840s", shorter than the drain 2000 s: old nodes would go before their gateway pods finish draining. Fix: set it to at least "2000s" (the pod grace period).`,
      ],
      { "gke-blue-green-upgrades": { drainSeconds: 2000 } },
    );
    await expectResource(
      gkeBlueGreenUpgrades,
      change(nodePool(), "upgradeSettings.blueGreenSettings.nodePoolSoakDuration", undefined),
      [
        `${NP}: upgradeSettings.blueGreenSettings.nodePoolSoakDuration is nothing, shorter than the drain 300 s: old nodes would go before their gateway pods finish draining. Fix: set it to at least "300s" (the pod grace period).`,
      ],
    );
    await expectResource(
      gkeBlueGreenUpgrades,
      change(nodePool(), "upgradeSettings.blueGreenSettings.nodePoolSoakDuration", UNKNOWN_VALUE),
      [],
    );
  });

  it("GIVEN no maintenance window THEN gke-maintenance-window reports it", async () => {
    await expectResource(gkeMaintenanceWindow, change(cluster(), "maintenancePolicy", undefined), [
      `${CL}: maintenancePolicy has no recurringWindow or dailyMaintenanceWindow (found nothing): GKE could upgrade at peak hours. Fix: set maintenancePolicy.recurringWindow with a start, end and RRULE.`,
    ]);
  });

  it("GIVEN deletion protection off THEN gke-deletion-protection reports it on protected stacks only", async () => {
    const off = change(cluster(), "deletionProtection", false);
    await expectResource(
      gkeDeletionProtection,
      off,
      [
        `${CL}: deletionProtection is false on stack "prod", which must keep it on: a mistaken destroy would drop every connection. Fix: set ws-gateway:cluster.deletionProtection to true.`,
      ],
      {},
      "prod",
    );
    await expectResource(gkeDeletionProtection, off, [], {}, "dev");
    await expectResource(
      gkeDeletionProtection,
      off,
      [
        `${CL}: deletionProtection is false on stack "dev", which must keep it on: a mistaken destroy would drop every connection. Fix: set ws-gateway:cluster.deletionProtection to true.`,
      ],
      { "gke-deletion-protection": { requireDeletionProtection: true } },
      "dev",
    );
    assert.equal(
      stackOfUrn("urn:pulumi:prod::ws-gateway::gcp:container/cluster:Cluster::ws-gateway"),
      "prod",
    );
  });
});
