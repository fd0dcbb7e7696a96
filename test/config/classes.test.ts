/**
 * Config validation by class of mistake a user can make: values Kubernetes or
 * GCP would reject minutes into `pulumi up` (or accept and read differently),
 * unknown keys, YAML typing surprises, missing keys, and values the policy
 * pack would refuse. Every case asserts the exact messages.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig } from "../../infra/config";

type Section = Record<string, unknown>;
type Config = { cluster: Section; ingress: Section; gateway: Section; rollout: Section } & Record<
  string,
  unknown
>;

/** A complete, valid GKE config; each case below changes one thing. */
function base(): Config {
  return {
    cluster: {
      mode: "gke",
      project: "acme-ws-prod",
      region: "europe-west1",
      masterAuthorizedNetworks: [{ cidr: "203.0.113.0/24", name: "ops" }],
    },
    ingress: { host: "ws.acme.example", tlsSecretName: "ws-tls" },
    gateway: { image: "europe-docker.pkg.dev/acme/gw/ws-gateway", version: "2f9c1ab", drainSeconds: 1800 },
    rollout: { steps: [{ weight: 5, pause: "2m" }, { weight: 25, pause: "5m" }, { weight: 100 }] },
  };
}

/** Sets one gateway resource key. */
function R(c: Config, k: string, v: unknown): void {
  c.gateway.resources = { ...((c.gateway.resources as Section | undefined) ?? {}), [k]: v };
}

function problemsOf(raw: Config): readonly string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.fail("expected a ConfigError");
}

interface Case {
  readonly group: string;
  readonly name: string;
  readonly mutate: (c: Config) => void;
  readonly problems: readonly string[];
}

export const CLASS_CASES: readonly Case[] = [
  {
    group: "quantities",
    name: "cpu request in Mi",
    mutate: (c: Config) => R(c, "cpuRequest", "250Mi"),
    problems: [
      'ws-gateway:gateway.resources.cpuRequest: must be a CPU quantity like "250m" (got "250Mi": the suffix "Mi" is a memory unit; for CPU it would mean 262144000 cores). Fix: write CPU in cores ("1") or millicores ("250m"); for 250 millicores write "250m".',
    ],
  },
  {
    group: "quantities",
    name: "cpu request in Ki",
    mutate: (c: Config) => R(c, "cpuRequest", "1Ki"),
    problems: [
      'ws-gateway:gateway.resources.cpuRequest: must be a CPU quantity like "250m" (got "1Ki": the suffix "Ki" is a memory unit; for CPU it would mean 1024 cores). Fix: write CPU in cores ("1") or millicores ("250m").',
    ],
  },
  {
    group: "quantities",
    name: "cpu limit above 64 cores",
    mutate: (c: Config) => R(c, "cpuLimit", "128"),
    problems: [
      'ws-gateway:gateway.resources.cpuLimit: must be a CPU quantity like "1" (got "128": it is 128 cores, outside 10m to 64). Fix: pick a CPU amount like "250m" or "2".',
    ],
  },
  {
    group: "quantities",
    name: "cpu request below 10m",
    mutate: (c: Config) => R(c, "cpuRequest", "1m"),
    problems: [
      'ws-gateway:gateway.resources.cpuRequest: must be a CPU quantity like "250m" (got "1m": it is 0.001 cores, outside 10m to 64). Fix: pick a CPU amount like "250m" or "2".',
    ],
  },
  {
    group: "quantities",
    name: "cpu request as a number",
    mutate: (c: Config) => R(c, "cpuRequest", 0.5),
    problems: [
      'ws-gateway:gateway.resources.cpuRequest: must be a CPU quantity like "250m" (got 0.5). Fix: YAML reads the unquoted value as the number 0.5 (dropping leading zeros, trailing zeros and exponents); quote it exactly as written, e.g. "0.5" (with pulumi config set --path, add --type string).',
    ],
  },
  {
    group: "quantities",
    name: "memory in milli",
    mutate: (c: Config) => R(c, "memoryLimit", "512m"),
    problems: [
      'ws-gateway:gateway.resources.memoryLimit: must be a memory quantity like "512Mi" (got "512m": "m" means thousandths, so this is 0.512 bytes). Fix: write mebibytes with "Mi", e.g. "512Mi".',
    ],
  },
  {
    group: "quantities",
    name: "memory without unit",
    mutate: (c: Config) => R(c, "memoryRequest", "512"),
    problems: [
      'ws-gateway:gateway.resources.memoryRequest: must be a memory quantity like "256Mi" (got "512": a number without a unit counts bytes, so this is 512 bytes). Fix: add a unit, e.g. "512Mi".',
    ],
  },
  {
    group: "quantities",
    name: "memory MB",
    mutate: (c: Config) => R(c, "memoryLimit", "512MB"),
    problems: [
      'ws-gateway:gateway.resources.memoryLimit: must be a memory quantity like "512Mi" (got "512MB": not a Kubernetes quantity). Fix: write memory like "512Mi" or "1Gi".',
    ],
  },
  {
    group: "quantities",
    name: "memory above 1Ti",
    mutate: (c: Config) => R(c, "memoryLimit", "2Ti"),
    problems: [
      'ws-gateway:gateway.resources.memoryLimit: must be a memory quantity like "512Mi" (got "2Ti": it is 2199023255552 bytes, outside 16Mi to 1Ti). Fix: pick a memory amount like "512Mi" or "2Gi".',
    ],
  },
  {
    group: "quantities",
    name: "cpu request above limit",
    mutate: (c: Config) => {
      R(c, "cpuRequest", "2");
      R(c, "cpuLimit", "500m");
    },
    problems: [
      'ws-gateway:gateway.resources.cpuRequest: must not exceed gateway.resources.cpuLimit (got request "2" > limit "500m"); Kubernetes rejects such a pod. Fix: lower cpuRequest or raise cpuLimit.',
    ],
  },
  {
    group: "quantities",
    name: "memory request above limit",
    mutate: (c: Config) => {
      R(c, "memoryRequest", "1Gi");
      R(c, "memoryLimit", "512Mi");
    },
    problems: [
      'ws-gateway:gateway.resources.memoryRequest: must not exceed gateway.resources.memoryLimit (got request "1Gi" > limit "512Mi"); Kubernetes rejects such a pod. Fix: lower memoryRequest or raise memoryLimit.',
    ],
  },
  {
    group: "ip / cidr",
    name: "loadBalancerIP octet 256",
    mutate: (c: Config) => {
      c.ingress.loadBalancerIP = "203.0.113.256";
    },
    problems: [
      'ws-gateway:ingress.loadBalancerIP: must be a reserved regional IPv4 address like "203.0.113.10" (got "203.0.113.256": not an IPv4 address: four numbers 0-255 without leading zeros, separated by dots). Fix: write the reserved address like "203.0.113.10".',
    ],
  },
  {
    group: "ip / cidr",
    name: "loadBalancerIP leading zero",
    mutate: (c: Config) => {
      c.ingress.loadBalancerIP = "203.0.113.010";
    },
    problems: [
      'ws-gateway:ingress.loadBalancerIP: must be a reserved regional IPv4 address like "203.0.113.10" (got "203.0.113.010": not an IPv4 address: four numbers 0-255 without leading zeros, separated by dots). Fix: write the reserved address like "203.0.113.10".',
    ],
  },
  {
    group: "ip / cidr",
    name: "loadBalancerIP three octets",
    mutate: (c: Config) => {
      c.ingress.loadBalancerIP = "203.0.113";
    },
    problems: [
      'ws-gateway:ingress.loadBalancerIP: must be a reserved regional IPv4 address like "203.0.113.10" (got "203.0.113": not an IPv4 address: four numbers 0-255 without leading zeros, separated by dots). Fix: write the reserved address like "203.0.113.10".',
    ],
  },
  {
    group: "ip / cidr",
    name: "loadBalancerIP with prefix",
    mutate: (c: Config) => {
      c.ingress.loadBalancerIP = "203.0.113.10/32";
    },
    problems: [
      'ws-gateway:ingress.loadBalancerIP: must be a reserved regional IPv4 address like "203.0.113.10" (got "203.0.113.10/32": not an IPv4 address: four numbers 0-255 without leading zeros, separated by dots). Fix: write the reserved address like "203.0.113.10".',
    ],
  },
  {
    group: "ip / cidr",
    name: "authorized cidr octet 300",
    mutate: (c: Config) => {
      c.cluster.masterAuthorizedNetworks = [{ cidr: "10.300.0.0/16", name: "vpn" }];
    },
    problems: [
      'ws-gateway:cluster.masterAuthorizedNetworks[0].cidr: must be an IPv4 CIDR like "10.0.0.0/8" (got "10.300.0.0/16": not an IPv4 CIDR: an address with four octets 0-255, a slash and a prefix length). Fix: write it like "10.0.0.0/8".',
    ],
  },
  {
    group: "ip / cidr",
    name: "authorized cidr prefix 33",
    mutate: (c: Config) => {
      c.cluster.masterAuthorizedNetworks = [{ cidr: "10.0.0.0/33", name: "vpn" }];
    },
    problems: [
      'ws-gateway:cluster.masterAuthorizedNetworks[0].cidr: must be an IPv4 CIDR like "10.0.0.0/8" (got "10.0.0.0/33": the prefix /33 is outside /8 to /32). Fix: use a prefix from /8 to /32, e.g. "10.0.0.0/8".',
    ],
  },
  {
    group: "ip / cidr",
    name: "authorized cidr whole internet",
    mutate: (c: Config) => {
      c.cluster.masterAuthorizedNetworks = [{ cidr: "0.0.0.0/0", name: "all" }];
    },
    problems: [
      'ws-gateway:cluster.masterAuthorizedNetworks[0].cidr: must be an IPv4 CIDR like "10.0.0.0/8" (got "0.0.0.0/0": the prefix /0 is outside /8 to /32). Fix: use a prefix from /8 to /32, e.g. "10.0.0.0/8".',
    ],
  },
  {
    group: "ip / cidr",
    name: "authorized cidr host bits",
    mutate: (c: Config) => {
      c.cluster.masterAuthorizedNetworks = [{ cidr: "10.1.2.3/8", name: "vpn" }];
    },
    problems: [
      'ws-gateway:cluster.masterAuthorizedNetworks[0].cidr: must be an IPv4 CIDR like "10.0.0.0/8" (got "10.1.2.3/8": host bits are set: 10.1.2.3/8 is inside 10.0.0.0/8). Fix: write the network address: "10.0.0.0/8".',
    ],
  },
  {
    group: "ip / cidr",
    name: "authorized cidr duplicate",
    mutate: (c: Config) => {
      c.cluster.masterAuthorizedNetworks = [
        { cidr: "10.0.0.0/8", name: "a" },
        { cidr: "10.0.0.0/8", name: "b" },
      ];
    },
    problems: [
      'ws-gateway:cluster.masterAuthorizedNetworks[1].cidr: "10.0.0.0/8" is already listed at masterAuthorizedNetworks[0]. Fix: list each network once.',
    ],
  },
  {
    group: "ip / cidr",
    name: "master cidr /24",
    mutate: (c: Config) => {
      c.cluster.masterIpv4Cidr = "172.16.0.0/24";
    },
    problems: [
      'ws-gateway:cluster.masterIpv4Cidr: must be a private IPv4 /28 range like "172.16.0.0/28" (got "172.16.0.0/24": the prefix /24 is outside /28 to /28). Fix: use a /28 range, e.g. "172.16.0.0/28".',
    ],
  },
  {
    group: "ip / cidr",
    name: "master cidr host bits",
    mutate: (c: Config) => {
      c.cluster.masterIpv4Cidr = "172.16.0.5/28";
    },
    problems: [
      'ws-gateway:cluster.masterIpv4Cidr: must be a private IPv4 /28 range like "172.16.0.0/28" (got "172.16.0.5/28": host bits are set: 172.16.0.5/28 is inside 172.16.0.0/28). Fix: write the network address: "172.16.0.0/28".',
    ],
  },
  {
    group: "ip / cidr",
    name: "master cidr public",
    mutate: (c: Config) => {
      c.cluster.masterIpv4Cidr = "8.8.8.0/28";
    },
    problems: [
      'ws-gateway:cluster.masterIpv4Cidr: must lie in a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) (got "8.8.8.0/28"). Fix: pick an unused private /28 such as "172.16.0.0/28".',
    ],
  },
  {
    group: "dates",
    name: "window start 30 February",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-02-30T02:00:00Z",
        end: "2026-03-01T08:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.start: must be an RFC 3339 time in UTC like "2026-01-03T02:00:00Z" (got "2026-02-30T02:00:00Z": 2026-02 has no day 30). Fix: use a day from 01 to 28, e.g. "2026-01-03T02:00:00Z".',
    ],
  },
  {
    group: "dates",
    name: "window end hour 24",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T24:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.end: must be an RFC 3339 time in UTC like "2026-01-03T08:00:00Z" (got "2026-01-03T24:00:00Z": the time of day is out of range). Fix: use hours 00-23, minutes and seconds 00-59, e.g. "2026-01-03T08:00:00Z".',
    ],
  },
  {
    group: "dates",
    name: "window month 13",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-13-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.start: must be an RFC 3339 time in UTC like "2026-01-03T02:00:00Z" (got "2026-13-03T02:00:00Z": month 13 does not exist). Fix: use a month from 01 to 12, e.g. "2026-01-03T02:00:00Z".',
    ],
  },
  {
    group: "dates",
    name: "window date without time",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.start: must be an RFC 3339 time in UTC like "2026-01-03T02:00:00Z" (got "2026-01-03": not an RFC 3339 time). Fix: write date, "T", time of day and "Z" (UTC), e.g. "2026-01-03T02:00:00Z".',
    ],
  },
  {
    group: "dates",
    name: "window 29 February of a common year",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2027-02-29T02:00:00Z",
        end: "2027-03-01T08:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.start: must be an RFC 3339 time in UTC like "2026-01-03T02:00:00Z" (got "2027-02-29T02:00:00Z": 2027-02 has no day 29). Fix: use a day from 01 to 28, e.g. "2026-01-03T02:00:00Z".',
    ],
  },
  {
    group: "dates",
    name: "window end before start",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T08:00:00Z",
        end: "2026-01-03T02:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.end: must be after maintenanceWindow.start (got start "2026-01-03T08:00:00Z", end "2026-01-03T02:00:00Z"). Fix: move the end after the start.',
    ],
  },
  {
    group: "dates",
    name: "exclusion end equal start",
    mutate: (c: Config) => {
      c.cluster.maintenanceExclusions = [
        { name: "freeze", start: "2026-11-25T00:00:00Z", end: "2026-11-25T00:00:00Z" },
      ];
    },
    problems: [
      'ws-gateway:cluster.maintenanceExclusions[0].end: must be after its start (got start "2026-11-25T00:00:00Z", end "2026-11-25T00:00:00Z"). Fix: move the end after the start.',
    ],
  },
  {
    group: "dates",
    name: "exclusion 31 April",
    mutate: (c: Config) => {
      c.cluster.maintenanceExclusions = [
        { name: "freeze", start: "2026-04-31T00:00:00Z", end: "2026-05-02T00:00:00Z" },
      ];
    },
    problems: [
      'ws-gateway:cluster.maintenanceExclusions[0].start: must be an RFC 3339 time like "2026-11-25T00:00:00Z" (got "2026-04-31T00:00:00Z": 2026-04 has no day 31). Fix: use a day from 01 to 30, e.g. "2026-11-25T00:00:00Z".',
    ],
  },
  {
    group: "rrule",
    name: "rrule lower-case day",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=sa,su",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.recurrence: must be an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU" (got "FREQ=WEEKLY;BYDAY=sa,su": BYDAY "sa" is not how RRULE names a day). Fix: write SA (two upper-case letters: MO,TU,WE,TH,FR,SA,SU), e.g. "FREQ=WEEKLY;BYDAY=SA,SU".',
    ],
  },
  {
    group: "rrule",
    name: "rrule three-letter day",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SAT,SUN",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.recurrence: must be an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU" (got "FREQ=WEEKLY;BYDAY=SAT,SUN": BYDAY "SAT" is not how RRULE names a day). Fix: write SA (two upper-case letters: MO,TU,WE,TH,FR,SA,SU), e.g. "FREQ=WEEKLY;BYDAY=SA,SU".',
    ],
  },
  {
    group: "rrule",
    name: "rrule unknown day",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=XX",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.recurrence: must be an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU" (got "FREQ=WEEKLY;BYDAY=XX": BYDAY "XX" is not a day). Fix: use the two-letter days MO,TU,WE,TH,FR,SA,SU, e.g. "FREQ=WEEKLY;BYDAY=SA,SU".',
    ],
  },
  {
    group: "rrule",
    name: "rrule repeated day",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SA,SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.recurrence: must be an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU" (got "FREQ=WEEKLY;BYDAY=SA,SA": BYDAY lists SA twice). Fix: list each day once, e.g. "FREQ=WEEKLY;BYDAY=SA".',
    ],
  },
  {
    group: "rrule",
    name: "rrule hourly",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=HOURLY",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.recurrence: must be an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU" (got "FREQ=HOURLY": FREQ=HOURLY is not a frequency GKE windows use). Fix: use FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY, e.g. "FREQ=WEEKLY;BYDAY=SA,SU".',
    ],
  },
  {
    group: "rrule",
    name: "rrule without freq",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "BYDAY=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.recurrence: must be an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU" (got "BYDAY=SA": FREQ is missing). Fix: start with FREQ, e.g. "FREQ=WEEKLY;BYDAY=SA,SU".',
    ],
  },
  {
    group: "rrule",
    name: "rrule lower-case key",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=WEEKLY;byday=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.recurrence: must be an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU" (got "FREQ=WEEKLY;byday=SA": "byday" must be upper case). Fix: write it as BYDAY, e.g. "FREQ=WEEKLY;BYDAY=SA".',
    ],
  },
  {
    group: "rrule",
    name: "rrule unknown part",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=WEEKLY;DAYS=SA",
      };
    },
    problems: [
      'ws-gateway:cluster.maintenanceWindow.recurrence: must be an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU" (got "FREQ=WEEKLY;DAYS=SA": "DAYS" is not an RRULE part). Fix: use FREQ, BYDAY, INTERVAL, BYMONTHDAY, BYMONTH, COUNT, UNTIL, WKST, e.g. "FREQ=WEEKLY;BYDAY=SA,SU".',
    ],
  },
  {
    group: "duplicates and namespaces",
    name: "zone listed twice",
    mutate: (c: Config) => {
      c.cluster.zones = ["europe-west1-b", "europe-west1-c", "europe-west1-b"];
    },
    problems: [
      'ws-gateway:cluster.zones[2]: lists "europe-west1-b" again (first at zones[0]). Fix: list each zone once.',
    ],
  },
  {
    group: "duplicates and namespaces",
    name: "exclusion names repeated",
    mutate: (c: Config) => {
      c.cluster.maintenanceExclusions = [
        { name: "freeze", start: "2026-11-25T00:00:00Z", end: "2026-11-26T00:00:00Z" },
        { name: "freeze", start: "2026-12-20T00:00:00Z", end: "2026-12-27T00:00:00Z" },
      ];
    },
    problems: [
      'ws-gateway:cluster.maintenanceExclusions[1].name: "freeze" is already the name of maintenanceExclusions[0]; GKE keys exclusions by name. Fix: give each exclusion its own name.',
    ],
  },
  {
    group: "duplicates and namespaces",
    name: "gateway and ingress in one namespace",
    mutate: (c: Config) => {
      c.gateway.namespace = "edge";
      c.ingress.namespace = "edge";
    },
    problems: [
      'ws-gateway:gateway.namespace: must differ from ingress.namespace (both "edge"): the gateway namespace enforces the "restricted" pod security level, which the controller (it binds ports 80/443) cannot meet, and the program owns each namespace once. Fix: keep the defaults, "ws-gateway" for the gateway and "ingress-nginx" for the controller.',
    ],
  },
  {
    group: "duplicates and namespaces",
    name: "gateway in kube-system",
    mutate: (c: Config) => {
      c.gateway.namespace = "kube-system";
    },
    problems: [
      'ws-gateway:gateway.namespace: must not be a "kube-" namespace, which Kubernetes reserves for the system (got "kube-system"). Fix: use the default "ws-gateway" or a namespace of your own.',
    ],
  },
  {
    group: "duplicates and namespaces",
    name: "ingress in kube-public",
    mutate: (c: Config) => {
      c.ingress.namespace = "kube-public";
    },
    problems: [
      'ws-gateway:ingress.namespace: must not be a "kube-" namespace, which Kubernetes reserves for the system (got "kube-public"). Fix: use the default "ingress-nginx" or a namespace of your own.',
    ],
  },
  {
    group: "images",
    name: "image with https scheme",
    mutate: (c: Config) => {
      c.gateway.image = "https://europe-docker.pkg.dev/acme/gw/ws-gateway";
    },
    problems: [
      'ws-gateway:gateway.image: must be an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway" (got "https://europe-docker.pkg.dev/acme/gw/ws-gateway": an image reference has no scheme ("https://")). Fix: write it without the scheme: "europe-docker.pkg.dev/acme/gw/ws-gateway".',
    ],
  },
  {
    group: "images",
    name: "image with docker scheme",
    mutate: (c: Config) => {
      c.gateway.image = "docker://ghcr.io/acme/ws-gateway";
    },
    problems: [
      'ws-gateway:gateway.image: must be an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway" (got "docker://ghcr.io/acme/ws-gateway": an image reference has no scheme ("docker://")). Fix: write it without the scheme: "ghcr.io/acme/ws-gateway".',
    ],
  },
  {
    group: "images",
    name: "image with digest",
    mutate: (c: Config) => {
      c.gateway.image =
        "ghcr.io/acme/ws-gateway@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    },
    problems: [
      'ws-gateway:gateway.image: must be an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway" (got "ghcr.io/acme/ws-gateway@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef": it carries a digest). Fix: remove the @sha256:... part; the program pins ws-gateway:gateway.version as the tag, e.g. "ghcr.io/acme/ws-gateway".',
    ],
  },
  {
    group: "images",
    name: "image upper-case path",
    mutate: (c: Config) => {
      c.gateway.image = "ghcr.io/Acme/ws-gateway";
    },
    problems: [
      'ws-gateway:gateway.image: must be an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway" (got "ghcr.io/Acme/ws-gateway": path component "Acme" has upper-case letters). Fix: write it in lower case: "acme", e.g. "ghcr.io/acme/ws-gateway".',
    ],
  },
  {
    group: "images",
    name: "image double slash",
    mutate: (c: Config) => {
      c.gateway.image = "ghcr.io/acme//ws-gateway";
    },
    problems: [
      'ws-gateway:gateway.image: must be an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway" (got "ghcr.io/acme//ws-gateway": it has an empty path component). Fix: remove the extra "/", e.g. "ghcr.io/acme/ws-gateway".',
    ],
  },
  {
    group: "images",
    name: "image registry with port and tag",
    mutate: (c: Config) => {
      c.gateway.image = "localhost:5001/ws-gateway:v2";
    },
    problems: [
      'ws-gateway:gateway.image: must be an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway" (got "localhost:5001/ws-gateway:v2": it carries a tag (":v2")). Fix: remove the tag; the tag comes from ws-gateway:gateway.version, e.g. "localhost:5001/ws-gateway".',
    ],
  },
  {
    group: "images",
    name: "image bad registry",
    mutate: (c: Config) => {
      c.gateway.image = "my_registry.example/ws-gateway";
    },
    problems: [
      'ws-gateway:gateway.image: must be an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway" (got "my_registry.example/ws-gateway": registry "my_registry.example" is not a host name with an optional port). Fix: write a registry like "europe-docker.pkg.dev" or "localhost:5001".',
    ],
  },
  {
    group: "images",
    name: "image trailing dash component",
    mutate: (c: Config) => {
      c.gateway.image = "ghcr.io/acme/ws-gateway-";
    },
    problems: [
      'ws-gateway:gateway.image: must be an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway" (got "ghcr.io/acme/ws-gateway-": path component "ws-gateway-" is not lower-case letters and digits joined by ".", "_" or "-"). Fix: start and end each path component with a letter or digit, e.g. "ws-gateway".',
    ],
  },
  {
    group: "unknown keys",
    name: "unknown top-level key close to gateway",
    mutate: (c: Config) => {
      c.gateways = { drainSeconds: 600 };
    },
    problems: [
      "ws-gateway:gateways: is not a key of this program (did you mean ws-gateway:gateway?); its settings would be ignored. Allowed keys: ws-gateway:cluster, ws-gateway:ingress, ws-gateway:gateway, ws-gateway:rollout, ws-gateway:disruption. Fix: move its settings under ws-gateway:gateway.",
    ],
  },
  {
    group: "unknown keys",
    name: "unknown top-level key far from all",
    mutate: (c: Config) => {
      c.monitoring = { enabled: true };
    },
    problems: [
      "ws-gateway:monitoring: is not a key of this program; its settings would be ignored. Allowed keys: ws-gateway:cluster, ws-gateway:ingress, ws-gateway:gateway, ws-gateway:rollout, ws-gateway:disruption. Fix: remove it.",
    ],
  },
  {
    group: "unknown keys",
    name: "unknown top-level key case",
    mutate: (c: Config) => {
      c.Rollout = { steps: [] };
    },
    problems: [
      "ws-gateway:Rollout: is not a key of this program (did you mean ws-gateway:rollout?); its settings would be ignored. Allowed keys: ws-gateway:cluster, ws-gateway:ingress, ws-gateway:gateway, ws-gateway:rollout, ws-gateway:disruption. Fix: move its settings under ws-gateway:rollout.",
    ],
  },
  {
    group: "unknown keys",
    name: "unknown nested key in resources",
    mutate: (c: Config) => {
      c.gateway.resources = { cpuRequests: "250m" };
    },
    problems: [
      'ws-gateway:gateway.resources.cpuRequests: is not a key of ws-gateway:gateway.resources (did you mean "cpuRequest"?): its settings would be ignored. Allowed keys: cpuRequest, memoryRequest, cpuLimit, memoryLimit. Fix: rename it to cpuRequest, or remove it.',
    ],
  },
  {
    group: "unknown keys",
    name: "unknown key in a step",
    mutate: (c: Config) => {
      c.rollout.steps = [{ weight: 5, pasue: "2m" }, { weight: 100 }];
    },
    problems: [
      'ws-gateway:rollout.steps[0].pasue: is not a key of ws-gateway:rollout.steps[0] (did you mean "pause"?): its settings would be ignored. Allowed keys: weight, pause. Fix: rename it to pause, or remove it.',
    ],
  },
  {
    group: "unknown keys",
    name: "unknown key in handshake gate",
    mutate: (c: Config) => {
      c.rollout.gates = { handshake: { timout: "5s" } };
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.timout: is not a key of ws-gateway:rollout.gates.handshake (did you mean "timeout"?): its settings would be ignored. Allowed keys: url, timeout, message, headers, subprotocols, reply, mode. Fix: rename it to timeout, or remove it.',
    ],
  },
  {
    group: "unknown keys",
    name: "unknown key in maintenance window",
    mutate: (c: Config) => {
      c.cluster.maintenanceWindow = {
        start: "2026-01-03T02:00:00Z",
        end: "2026-01-03T08:00:00Z",
        recurrence: "FREQ=WEEKLY;BYDAY=SA",
        timezone: "UTC",
      };
    },
    problems: [
      "ws-gateway:cluster.maintenanceWindow.timezone: is not a key of ws-gateway:cluster.maintenanceWindow: its settings would be ignored. Allowed keys: start, end, recurrence. Fix: remove it.",
    ],
  },
  {
    group: "unknown keys",
    name: "unknown key in node pool",
    mutate: (c: Config) => {
      c.cluster.nodePool = { machinetype: "e2-standard-4" };
    },
    problems: [
      'ws-gateway:cluster.nodePool.machinetype: is not a key of ws-gateway:cluster.nodePool (did you mean "machineType"?): its settings would be ignored. Allowed keys: machineType, minNodesPerZone, maxNodesPerZone, diskSizeGb, spot. Fix: rename it to machineType, or remove it.',
    ],
  },
  {
    group: "YAML type surprises",
    name: "version read as a number",
    mutate: (c: Config) => {
      c.gateway.version = 20240101;
    },
    problems: [
      'ws-gateway:gateway.version: must be a DNS-1123 label fragment: 1 to 52 lower-case letters, digits or "-", starting and ending with a letter or digit, not a tag that moves (latest, stable, main, master, dev, develop, edge, nightly, canary, head, current, release, prod, production, staging, or a major-only number like "1") (got 20240101). Fix: YAML reads the unquoted value as the number 20240101 (dropping leading zeros, trailing zeros and exponents); quote it exactly as written, e.g. "20240101" (with pulumi config set --path, add --type string).',
    ],
  },
  {
    group: "YAML type surprises",
    name: "version read as exponent",
    mutate: (c: Config) => {
      c.gateway.version = 1e5;
    },
    problems: [
      'ws-gateway:gateway.version: must be a DNS-1123 label fragment: 1 to 52 lower-case letters, digits or "-", starting and ending with a letter or digit, not a tag that moves (latest, stable, main, master, dev, develop, edge, nightly, canary, head, current, release, prod, production, staging, or a major-only number like "1") (got 100000). Fix: YAML reads the unquoted value as the number 100000 (dropping leading zeros, trailing zeros and exponents); quote it exactly as written, e.g. "100000" (with pulumi config set --path, add --type string).',
    ],
  },
  {
    group: "YAML type surprises",
    name: "drainSeconds quoted",
    mutate: (c: Config) => {
      c.gateway.drainSeconds = "1800";
    },
    problems: [
      'ws-gateway:gateway.drainSeconds: must be an integer from 300 to 86400 seconds (got "1800"). Fix: the quotes make YAML read "1800" as text; write the number without quotes: 1800 (with pulumi config set --path, add --type int).',
    ],
  },
  {
    group: "YAML type surprises",
    name: "weight quoted",
    mutate: (c: Config) => {
      c.rollout.steps = [{ weight: "5", pause: "2m" }, { weight: 100 }];
    },
    problems: [
      'ws-gateway:rollout.steps[0].weight: must be an integer from 1 to 100 percent (got "5"). Fix: the quotes make YAML read "5" as text; write the number without quotes: 5 (with pulumi config set --path, add --type int).',
    ],
  },
  {
    group: "YAML type surprises",
    name: "deletionProtection quoted",
    mutate: (c: Config) => {
      c.cluster.deletionProtection = "false";
    },
    problems: [
      'ws-gateway:cluster.deletionProtection: must be true or false (got "false"). Fix: "false" is text here; write false without quotes.',
    ],
  },
  {
    group: "YAML type surprises",
    name: "deletionProtection yes",
    mutate: (c: Config) => {
      c.cluster.deletionProtection = "yes";
    },
    problems: [
      'ws-gateway:cluster.deletionProtection: must be true or false (got "yes"). Fix: "yes" is text here; write true without quotes.',
    ],
  },
  {
    group: "YAML type surprises",
    name: "zones comma text",
    mutate: (c: Config) => {
      c.cluster.zones = "europe-west1-b,europe-west1-c";
    },
    problems: [
      'ws-gateway:cluster.zones: must be a list of zones (got "europe-west1-b,europe-west1-c"). Fix: YAML reads a comma-separated line as one text; write a list in brackets: [europe-west1-b, europe-west1-c].',
    ],
  },
  {
    group: "YAML type surprises",
    name: "gate interval bare number",
    mutate: (c: Config) => {
      c.rollout.gates = { interval: 15 };
    },
    problems: [
      'ws-gateway:rollout.gates.interval: must be a duration like "90s", "2m" or "1h30m" between 1s and 10m (got 15). Fix: a bare number has no unit; write it as a duration in quotes: "15s".',
    ],
  },
  {
    group: "YAML type surprises",
    name: "prometheus max quoted",
    mutate: (c: Config) => {
      c.rollout.gates = { prometheus: { url: "http://prom:9090", query: "up", max: "0.01" } };
    },
    problems: [
      'ws-gateway:rollout.gates.prometheus.max: must be a number (got "0.01"). Fix: the quotes make YAML read "0.01" as text; write the number without quotes: 0.01 (with pulumi config set --path, add --type float).',
    ],
  },
  {
    group: "YAML type surprises",
    name: "host read as boolean",
    mutate: (c: Config) => {
      c.ingress.host = true;
    },
    problems: [
      'ws-gateway:ingress.host: must be a lower-case DNS name like "ws.example.com", not an IP address (got true). Fix: YAML reads the unquoted value as the boolean true; quote it: "true".',
    ],
  },
  {
    group: "YAML type surprises",
    name: "chart version read as number",
    mutate: (c: Config) => {
      c.ingress.chartVersion = 4.15;
    },
    problems: [
      'ws-gateway:ingress.chartVersion: must be a chart version like "4.15.1" (got 4.15: YAML reads the unquoted value as the number 4.15, and written as "4.15" it would not pass either). Fix: pin the chart, e.g. 4.15.1.',
    ],
  },
  {
    group: "required messages",
    name: "no cluster mode",
    mutate: (c: Config) => {
      delete c.cluster.mode;
    },
    problems: [
      "ws-gateway:cluster.mode: is required: one of gke, existing. Fix: add mode: gke (a new regional GKE cluster) or mode: existing (the cluster of your kubeconfig).",
    ],
  },
  {
    group: "required messages",
    name: "no host",
    mutate: (c: Config) => {
      delete c.ingress.host;
    },
    problems: [
      'ws-gateway:ingress.host: is required: a lower-case DNS name like "ws.example.com", not an IP address. Fix: add host, the public name clients connect to, e.g. host: ws.example.com.',
    ],
  },
  {
    group: "required messages",
    name: "no image",
    mutate: (c: Config) => {
      delete c.gateway.image;
    },
    problems: [
      'ws-gateway:gateway.image: is required: an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway". Fix: add image, the repository the gateway image is pushed to, e.g. europe-docker.pkg.dev/acme/gw/ws-gateway.',
    ],
  },
  {
    group: "required messages",
    name: "no steps",
    mutate: (c: Config) => {
      delete c.rollout.steps;
    },
    problems: [
      "ws-gateway:rollout.steps: is required: a list of steps. Fix: add steps, e.g. [{ weight: 10, pause: 5m }, { weight: 100 }].",
    ],
  },
  {
    group: "required messages",
    name: "step without weight",
    mutate: (c: Config) => {
      c.rollout.steps = [{ pause: "2m" }, { weight: 100 }];
    },
    problems: [
      "ws-gateway:rollout.steps[0].weight: is required: an integer from 1 to 100 percent. Fix: give every step a weight, e.g. { weight: 25, pause: 5m }.",
    ],
  },
  {
    group: "required messages",
    name: "exclusion without name and end",
    mutate: (c: Config) => {
      c.cluster.maintenanceExclusions = [{ start: "2026-11-25T00:00:00Z" }];
    },
    problems: [
      "ws-gateway:cluster.maintenanceExclusions[0].name: is required: a lower-case name. Fix: name the exclusion, e.g. name: black-friday.",
      'ws-gateway:cluster.maintenanceExclusions[0].end: is required: an RFC 3339 time like "2026-12-02T00:00:00Z". Fix: add end, when the exclusion stops, e.g. "2026-12-02T00:00:00Z".',
    ],
  },
  {
    group: "required messages",
    name: "prometheus without url and query",
    mutate: (c: Config) => {
      c.rollout.gates = { prometheus: { max: 1 } };
    },
    problems: [
      'ws-gateway:rollout.gates.prometheus.url: is required: a Prometheus base URL like "http://prometheus.monitoring:9090" (the gate queries <url>/api/v1/query). Fix: add url, the Prometheus base URL, e.g. http://prometheus.monitoring:9090.',
      "ws-gateway:rollout.gates.prometheus.query: is required: a PromQL expression, with ASCII quotes and no invisible characters. Fix: add query, the PromQL expression whose value the gate compares.",
    ],
  },
  {
    group: "required messages",
    name: "authorized network without cidr",
    mutate: (c: Config) => {
      c.cluster.masterAuthorizedNetworks = [{ name: "vpn" }];
    },
    problems: [
      'ws-gateway:cluster.masterAuthorizedNetworks[0].cidr: is required: an IPv4 CIDR like "10.0.0.0/8". Fix: add cidr, a network allowed to reach the API.',
    ],
  },
  {
    group: "thresholds shared with the pack",
    name: "drain below the pack minimum",
    mutate: (c: Config) => {
      c.gateway.drainSeconds = 120;
    },
    problems: [
      "ws-gateway:gateway.drainSeconds: must be an integer from 300 to 86400 seconds (got 120). Fix: set how long a retiring version spreads its clients' reconnects, e.g. 1800.",
    ],
  },
  {
    group: "thresholds shared with the pack",
    name: "preStop below the pack minimum",
    mutate: (c: Config) => {
      c.gateway.preStopSeconds = 3;
    },
    problems: [
      "ws-gateway:gateway.preStopSeconds: must be an integer from 5 to 120 seconds (got 3). Fix: set how long a pod waits for endpoint removal to propagate, e.g. 5.",
    ],
  },
  {
    group: "thresholds shared with the pack",
    name: "margin below the pack minimum",
    mutate: (c: Config) => {
      c.gateway.terminationMarginSeconds = 2;
    },
    problems: [
      "ws-gateway:gateway.terminationMarginSeconds: must be an integer from 5 to 600 seconds (got 2). Fix: set the slack between the drain and SIGKILL, e.g. 5.",
    ],
  },
  {
    group: "thresholds shared with the pack",
    name: "pause below the pack minimum",
    mutate: (c: Config) => {
      c.rollout.steps = [{ weight: 5, pause: "30s" }, { weight: 100 }];
    },
    problems: [
      'ws-gateway:rollout.steps[0].pause: must be at least 1m before the next step, so the gates see real traffic (got "30s"). Fix: pause 1m or longer.',
    ],
  },
  {
    group: "thresholds shared with the pack",
    name: "pauses above the pack maximum",
    mutate: (c: Config) => {
      c.rollout.steps = [{ weight: 5, pause: "1h" }, { weight: 50, pause: "1h30m" }, { weight: 100 }];
    },
    problems: [
      "ws-gateway:rollout.steps: the pauses must add up to at most 2h, since the previous version stays frozen meanwhile (got 2h30m). Fix: shorten the pauses, or end the schedule below 100 and continue in a later update.",
    ],
  },
  {
    group: "thresholds shared with the pack",
    name: "gke min replicas below the pack minimum",
    mutate: (c: Config) => {
      c.gateway.minReplicas = 2;
    },
    problems: [
      "ws-gateway:gateway.minReplicas: must be at least 3 on a regional GKE cluster so every zone keeps gateway pods (got 2). Fix: set it to 3 or more.",
    ],
  },
  {
    group: "thresholds shared with the pack",
    name: "gke controller replicas below the pack minimum",
    mutate: (c: Config) => {
      c.ingress.controllerReplicas = 2;
    },
    problems: [
      "ws-gateway:ingress.controllerReplicas: must be at least 3 on a regional GKE cluster so every zone keeps a controller (got 2). Fix: set it to 3 or more.",
    ],
  },
  {
    group: "thresholds shared with the pack",
    name: "maxReplicas equal to minReplicas (the pack wants room to scale)",
    mutate: (c: Config) => {
      c.gateway.minReplicas = 4;
      c.gateway.maxReplicas = 4;
    },
    problems: [
      "ws-gateway:gateway.maxReplicas: must be above gateway.minReplicas so the autoscaler can add pods under load (got 4 with minReplicas 4). Fix: raise maxReplicas above 4, or lower minReplicas.",
    ],
  },
];

describe("config validation by class", () => {
  for (const c of CLASS_CASES) {
    it(`GIVEN ${c.group}: ${c.name} WHEN parsed THEN it fails with the exact message`, () => {
      const raw = base();
      c.mutate(raw);
      assert.deepEqual(problemsOf(raw), c.problems);
    });
  }

  it("GIVEN the prod stack, which the pack protects, WHEN deletion protection is off THEN config refuses it; on another stack it is allowed", () => {
    const raw = base();
    raw.cluster.deletionProtection = false;
    assert.throws(
      () => parseConfig(raw, { stack: "prod" }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.join("\n") ===
          'ws-gateway:cluster.deletionProtection: must stay true on stack "prod", which the policy pack protects: a mistaken destroy would drop every connection (got false). Fix: remove the key (it defaults to true), or set it to true.',
    );
    assert.doesNotThrow(() => parseConfig(raw, { stack: "dev" }));
  });

  it("GIVEN the base config WHEN parsed THEN it is valid (every case above fails because of its one change)", () => {
    assert.doesNotThrow(() => parseConfig(base()));
  });

  it("GIVEN each required key WHEN it is missing, and WHEN it holds a wrong value THEN the two messages give different fixes", () => {
    const exclusion = { name: "freeze", start: "2026-11-25T00:00:00Z", end: "2026-11-26T00:00:00Z" };
    const window = { start: "2026-01-03T02:00:00Z", end: "2026-01-03T08:00:00Z", recurrence: "FREQ=WEEKLY" };
    const withPrometheus = (c: Config) => {
      c.rollout.gates = { prometheus: { url: "http://prom:9090", query: "up", max: 1 } };
    };
    const required: [string, (string | number)[], (c: Config) => void][] = [
      ["cluster.mode", ["cluster", "mode"], () => undefined],
      ["cluster.region", ["cluster", "region"], () => undefined],
      ["ingress.host", ["ingress", "host"], () => undefined],
      ["gateway.image", ["gateway", "image"], () => undefined],
      ["gateway.version", ["gateway", "version"], () => undefined],
      ["rollout.steps", ["rollout", "steps"], () => undefined],
      ["rollout.steps[0].weight", ["rollout", "steps", 0, "weight"], () => undefined],
      [
        "exclusion name",
        ["cluster", "maintenanceExclusions", 0, "name"],
        (c) => (c.cluster.maintenanceExclusions = [{ ...exclusion }]),
      ],
      [
        "exclusion start",
        ["cluster", "maintenanceExclusions", 0, "start"],
        (c) => (c.cluster.maintenanceExclusions = [{ ...exclusion }]),
      ],
      [
        "exclusion end",
        ["cluster", "maintenanceExclusions", 0, "end"],
        (c) => (c.cluster.maintenanceExclusions = [{ ...exclusion }]),
      ],
      [
        "window start",
        ["cluster", "maintenanceWindow", "start"],
        (c) => (c.cluster.maintenanceWindow = { ...window }),
      ],
      [
        "window end",
        ["cluster", "maintenanceWindow", "end"],
        (c) => (c.cluster.maintenanceWindow = { ...window }),
      ],
      [
        "window recurrence",
        ["cluster", "maintenanceWindow", "recurrence"],
        (c) => (c.cluster.maintenanceWindow = { ...window }),
      ],
      [
        "network cidr",
        ["cluster", "masterAuthorizedNetworks", 0, "cidr"],
        (c) => (c.cluster.masterAuthorizedNetworks = [{ cidr: "10.0.0.0/8", name: "vpn" }]),
      ],
      [
        "network name",
        ["cluster", "masterAuthorizedNetworks", 0, "name"],
        (c) => (c.cluster.masterAuthorizedNetworks = [{ cidr: "10.0.0.0/8", name: "vpn" }]),
      ],
      ["prometheus url", ["rollout", "gates", "prometheus", "url"], withPrometheus],
      ["prometheus query", ["rollout", "gates", "prometheus", "query"], withPrometheus],
    ];
    const set = (c: Config, path: (string | number)[], v: unknown) => {
      let cur = c as unknown as Record<string | number, unknown>;
      for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
      const last = path[path.length - 1] as string | number;
      if (v === undefined) delete cur[last];
      else cur[last] = v;
    };
    const fixOf = (problems: readonly string[], prefix: string) => {
      const m = problems.find((p) => p.startsWith(prefix));
      assert.ok(m !== undefined, `${prefix} not reported in ${JSON.stringify(problems)}`);
      return m.slice(m.indexOf(" Fix: ") + 6);
    };
    for (const [label, path, prepare] of required) {
      const missing = base();
      prepare(missing);
      set(missing, path, undefined);
      const wrong = base();
      prepare(wrong);
      set(wrong, path, { not: "valid" });
      const prefix = `ws-gateway:${path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("")}: `;
      const missingProblems = problemsOf(missing);
      assert.ok(
        missingProblems.some((p) => p.startsWith(`${prefix}is required`)),
        `${label}: ${JSON.stringify(missingProblems)}`,
      );
      assert.notEqual(fixOf(missingProblems, prefix), fixOf(problemsOf(wrong), prefix), label);
    }
  });

  it("GIVEN every message above THEN a missing key's fix never repeats the fix of a wrong value", () => {
    const all = CLASS_CASES.flatMap((c) => c.problems);
    const fixOf = (m: string) => m.slice(m.indexOf(" Fix: ") + 6);
    const required = all.filter((m) => m.includes(": is required"));
    const wrong = new Set(all.filter((m) => !m.includes(": is required")).map(fixOf));
    assert.ok(required.length >= 8);
    for (const m of required) assert.ok(!wrong.has(fixOf(m)), m);
  });
});
