/**
 * GKE cluster fields. Release channels in the pinned @pulumi/gcp 9.37.0
 * (ClusterReleaseChannel.channel): UNSPECIFIED, RAPID, REGULAR, STABLE,
 * EXTENDED, upper-case. Maintenance policy: RFC 3339 "Zulu" times (other
 * forms come back in UTC, a permanent diff: pinned provider's
 * ClusterMaintenancePolicy docs); at most 20 exclusions; weekday recurrences
 * apply in UTC; at least 48 hours of maintenance availability in a 32-day
 * rolling window, counting only windows of four hours or more
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/maintenance-window).
 * Exclusion scopes: NO_UPGRADES, NO_MINOR_UPGRADES, NO_MINOR_OR_NODE_UPGRADES.
 * Regions look like europe-west1, zones like europe-west1-b.
 */
import { family, refused, refusedAt, set } from "../mutate";

const at = refusedAt;
const rrule =
  "docs/configuration.md maintenanceWindow.recurrence: FREQ=DAILY, WEEKLY or MONTHLY; BYDAY two-letter days, each once";
const exclusion = (name: string, start: string, end: string, scope = "NO_MINOR_OR_NODE_UPGRADES") => ({
  name,
  start,
  end,
  scope,
});

export const gkeCases = family("gke-cluster", [
  at(
    "gke-channel-lowercase",
    "releaseChannel regular",
    "cluster.releaseChannel",
    "regular",
    "GKE release channels are upper-case enums",
    "dev",
  ),
  at(
    "gke-channel-capitalised",
    "releaseChannel Stable",
    "cluster.releaseChannel",
    "Stable",
    "GKE release channels are upper-case enums",
  ),
  at(
    "gke-channel-unspecified",
    "releaseChannel UNSPECIFIED (no channel: the cluster is not enrolled)",
    "cluster.releaseChannel",
    "UNSPECIFIED",
    "docs/configuration.md cluster.releaseChannel: RAPID, REGULAR, STABLE",
  ),
  at(
    "gke-channel-none",
    "releaseChannel NONE",
    "cluster.releaseChannel",
    "NONE",
    "pinned provider: UNSPECIFIED, RAPID, REGULAR, STABLE, EXTENDED",
  ),
  at(
    "gke-region-is-zone",
    "region europe-west1-b (a zone)",
    "cluster.region",
    "europe-west1-b",
    "docs/configuration.md cluster.region: GCP region, e.g. europe-west1",
  ),
  at(
    "gke-region-aws-style",
    "region eu-west-1 (AWS naming)",
    "cluster.region",
    "eu-west-1",
    "GCP regions are named like europe-west1",
  ),
  at(
    "gke-region-uppercase",
    "region EUROPE-WEST1",
    "cluster.region",
    "EUROPE-WEST1",
    "GCP region names are lower-case",
  ),
  at(
    "gke-zone-other-region",
    "zones in us-central1 for a europe-west1 cluster",
    "cluster.zones[0]",
    "us-central1-a",
    "docs/configuration.md cluster.zones: zones of the region",
  ),
  at(
    "gke-zone-is-region",
    "a zone written as the region",
    "cluster.zones[1]",
    "europe-west1",
    "docs/configuration.md cluster.zones: zones of the region",
  ),
  at(
    "gke-zones-repeated",
    "zone europe-west1-b twice",
    "cluster.zones[1]",
    "europe-west1-b",
    "docs/configuration.md cluster.zones: each once",
  ),
  at(
    "gke-zones-five",
    "five zones",
    "cluster.zones",
    ["europe-west1-b", "europe-west1-c", "europe-west1-d", "europe-west1-e", "europe-west1-f"],
    "docs/configuration.md cluster.zones: 1 to 4 zones",
  ),
  at(
    "gke-zones-empty",
    "zones: []",
    "cluster.zones",
    [],
    "docs/configuration.md cluster.zones: 1 to 4 zones",
  ),
  at(
    "gke-rrule-three-letter-days",
    "BYDAY=SAT,SUN",
    "cluster.maintenanceWindow.recurrence",
    "FREQ=WEEKLY;BYDAY=SAT,SUN",
    rrule,
  ),
  at(
    "gke-rrule-lowercase-days",
    "BYDAY=sa,su",
    "cluster.maintenanceWindow.recurrence",
    "FREQ=WEEKLY;BYDAY=sa,su",
    rrule,
  ),
  at(
    "gke-rrule-repeated-day",
    "BYDAY=SA,SA",
    "cluster.maintenanceWindow.recurrence",
    "FREQ=WEEKLY;BYDAY=SA,SA",
    rrule,
  ),
  at("gke-rrule-hourly", "FREQ=HOURLY", "cluster.maintenanceWindow.recurrence", "FREQ=HOURLY", rrule),
  at(
    "gke-rrule-range",
    "BYDAY=MO-FR (a range, not a list)",
    "cluster.maintenanceWindow.recurrence",
    "FREQ=WEEKLY;BYDAY=MO-FR",
    rrule,
    "dev",
  ),
  at(
    "gke-window-too-short",
    "a one-hour weekend window: under 48 h of availability per 32 days",
    "cluster.maintenanceWindow.end",
    "2026-01-03T03:00:00Z",
    "GKE: at least 48 hours in a 32-day window, windows of 4 hours or more",
  ),
  at(
    "gke-window-end-before-start",
    "window end before start",
    "cluster.maintenanceWindow.end",
    "2026-01-03T01:00:00Z",
    "docs/configuration.md maintenanceWindow.end: after start",
  ),
  at(
    "gke-window-unreal-date",
    "window start 2026-02-30",
    "cluster.maintenanceWindow.start",
    "2026-02-30T02:00:00Z",
    "docs/configuration.md maintenanceWindow.start: a real calendar date",
  ),
  at(
    "gke-window-no-zone",
    "window start without a time zone",
    "cluster.maintenanceWindow.start",
    "2026-01-03T02:00:00",
    "RFC 3339: a time carries its offset",
  ),
  at(
    "gke-window-local-offset",
    "window start 04:00+02:00: GKE stores UTC (permanent diff) and applies BYDAY in UTC",
    "cluster.maintenanceWindow.start",
    "2026-01-03T04:00:00+02:00",
    "pinned provider: Zulu times; GKE: weekday recurrences are in UTC",
  ),
  at(
    "gke-window-date-only",
    "window start as a date",
    "cluster.maintenanceWindow.start",
    "2026-01-03",
    "docs/configuration.md maintenanceWindow.start: RFC 3339 time",
  ),
  at(
    "gke-exclusion-scope-lowercase",
    "exclusion scope no_upgrades",
    "cluster.maintenanceExclusions[0].scope",
    "no_upgrades",
    "docs/configuration.md maintenanceExclusions[].scope",
  ),
  at(
    "gke-exclusion-scope-unknown",
    "exclusion scope NO_NODE_UPGRADES",
    "cluster.maintenanceExclusions[0].scope",
    "NO_NODE_UPGRADES",
    "docs/configuration.md maintenanceExclusions[].scope: NO_UPGRADES, NO_MINOR_UPGRADES, NO_MINOR_OR_NODE_UPGRADES",
  ),
  at(
    "gke-exclusion-name-spaces",
    "exclusion name 'Black Friday'",
    "cluster.maintenanceExclusions[0].name",
    "Black Friday",
    "docs/configuration.md maintenanceExclusions[].name: lower-case name",
  ),
  at(
    "gke-exclusion-end-before-start",
    "exclusion ending before it starts",
    "cluster.maintenanceExclusions[0].end",
    "2026-11-20T00:00:00Z",
    "docs/configuration.md maintenanceExclusions[].end: after start",
  ),
  {
    id: "gke-exclusion-names-repeated",
    description: "two exclusions named black-friday",
    source: "docs/configuration.md maintenanceExclusions[].name: unique within the list",
    stack: "prod",
    mutate: set(
      "ws-gateway:cluster.maintenanceExclusions[1]",
      exclusion("black-friday", "2026-12-20T00:00:00Z", "2026-12-27T00:00:00Z"),
    ),
    expect: refused("ws-gateway:cluster.maintenanceExclusions[1].name"),
  },
  {
    id: "gke-exclusions-over-twenty",
    description: "21 maintenance exclusions",
    source: "pinned provider ClusterMaintenancePolicy: up to 20 maintenance exclusions at a time",
    stack: "prod",
    mutate: set(
      "ws-gateway:cluster.maintenanceExclusions",
      Array.from({ length: 21 }, (_, i) =>
        exclusion(
          `freeze-${i + 1}`,
          `2026-${String((i % 12) + 1).padStart(2, "0")}-0${(i % 3) + 1}T00:00:00Z`,
          `2026-${String((i % 12) + 1).padStart(2, "0")}-0${(i % 3) + 2}T00:00:00Z`,
        ),
      ),
    ),
    expect: refused("ws-gateway:cluster.maintenanceExclusions"),
  },
  at(
    "gke-cidr-host-bits",
    "network 10.20.1.0/16 (not the network address)",
    "cluster.masterAuthorizedNetworks[0].cidr",
    "10.20.1.0/16",
    "docs/configuration.md masterAuthorizedNetworks[].cidr: written as its network address",
  ),
  at(
    "gke-cidr-prefix-over",
    "network 10.20.0.0/33",
    "cluster.masterAuthorizedNetworks[0].cidr",
    "10.20.0.0/33",
    "docs/configuration.md masterAuthorizedNetworks[].cidr: /8 to /32",
  ),
  at(
    "gke-cidr-prefix-wide",
    "network 0.0.0.0/0 (the whole internet)",
    "cluster.masterAuthorizedNetworks[0].cidr",
    "0.0.0.0/0",
    "docs/configuration.md masterAuthorizedNetworks[].cidr: /8 to /32",
  ),
  at(
    "gke-cidr-no-prefix",
    "network 10.20.0.0 without a prefix",
    "cluster.masterAuthorizedNetworks[0].cidr",
    "10.20.0.0",
    "docs/configuration.md masterAuthorizedNetworks[].cidr: IPv4 CIDR",
  ),
  at(
    "gke-cidr-ipv6",
    "network 2001:db8::/32",
    "cluster.masterAuthorizedNetworks[0].cidr",
    "2001:db8::/32",
    "docs/configuration.md masterAuthorizedNetworks[].cidr: IPv4 CIDR",
  ),
  {
    id: "gke-cidr-repeated",
    description: "the same network twice under two names",
    source: "docs/configuration.md masterAuthorizedNetworks[].cidr: each once",
    stack: "prod",
    mutate: set("ws-gateway:cluster.masterAuthorizedNetworks[1]", {
      cidr: "10.20.0.0/16",
      name: "ops-bastion-2",
    }),
    expect: refused("ws-gateway:cluster.masterAuthorizedNetworks[1].cidr"),
  },
  at(
    "gke-master-cidr-size",
    "masterIpv4Cidr 172.16.0.0/24",
    "cluster.masterIpv4Cidr",
    "172.16.0.0/24",
    "docs/configuration.md cluster.masterIpv4Cidr: private IPv4 /28",
  ),
  at(
    "gke-master-cidr-public",
    "masterIpv4Cidr 8.8.8.0/28",
    "cluster.masterIpv4Cidr",
    "8.8.8.0/28",
    "docs/configuration.md cluster.masterIpv4Cidr: inside 10/8, 172.16/12 or 192.168/16",
  ),
  at(
    "gke-master-cidr-host-bits",
    "masterIpv4Cidr 172.16.0.8/28",
    "cluster.masterIpv4Cidr",
    "172.16.0.8/28",
    "docs/configuration.md cluster.masterIpv4Cidr: a network address",
  ),
  at(
    "gke-master-cidr-outside-172-16",
    "masterIpv4Cidr 172.32.0.0/28 (outside 172.16.0.0/12)",
    "cluster.masterIpv4Cidr",
    "172.32.0.0/28",
    "docs/configuration.md cluster.masterIpv4Cidr: inside 172.16.0.0/12",
  ),
  at(
    "gke-mode-uppercase",
    "cluster.mode GKE",
    "cluster.mode",
    "GKE",
    "docs/configuration.md cluster.mode: gke or existing",
  ),
  at(
    "gke-mode-kind",
    "cluster.mode kind",
    "cluster.mode",
    "kind",
    "docs/configuration.md cluster.mode: gke or existing",
    "local",
  ),
]);
