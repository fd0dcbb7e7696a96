/**
 * Stack configuration: the one boundary where raw YAML becomes typed values.
 *
 * `parseConfig` validates everything before a single resource is registered
 * and reports every problem at once (cross-key rules run on every section
 * that parsed), one line per problem, each naming the config key, the value
 * received, what is allowed and how to fix it.
 * Durations such as "2m" are parsed here, once; the rest of the program sees
 * seconds.
 */
import { z } from "zod";
import { APP_NAME, versionedName } from "../components/names";
import { FINAL_INGRESS_NGINX_CHART, MIN_SAFE_INGRESS_NGINX_CHART } from "../components/ingress/ingressNginx";
import { DEFAULT_POD_STARTUP_SECONDS } from "../components/rollout/gates";
import type { RolloutStep } from "../components/rollout/types";
import type {
  ExclusionScope,
  GkeClusterArgs,
  MaintenanceWindow,
  NodePoolConfig,
  ReleaseChannel,
} from "../components/cluster/gkeCluster";

/** Config namespace: keys are written `ws-gateway:<section>` in stacks/Pulumi.<stack>.yaml. */
export const CONFIG_NAMESPACE = APP_NAME;

/**
 * Default worker-shutdown-timeout. Fixed rather than derived from drainSeconds,
 * so that changing the drain never changes (and never restarts) the controller.
 */
export const DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS = 3600;

/** The GKE cluster's settings: the component's arguments, but the grace period, which follows the gateway. */
export interface GkeClusterConfig extends Omit<GkeClusterArgs, "project" | "podGraceSeconds"> {
  readonly mode: "gke";
  /** GCP project; undefined means the provider's `gcp:project` (resolved by loadStackConfig). */
  readonly project: string | undefined;
}

export interface ExistingClusterConfig {
  readonly mode: "existing";
  /** kubeconfig context to use; undefined means the current context. */
  readonly kubeContext: string | undefined;
}

export type ClusterConfig = GkeClusterConfig | ExistingClusterConfig;

export interface IngressConfig {
  readonly host: string;
  readonly path: string;
  readonly tlsSecretName: string | undefined;
  readonly className: string;
  readonly namespace: string;
  readonly controllerReplicas: number;
  readonly chartVersion: string;
  readonly workerShutdownTimeoutSeconds: number;
  readonly serviceType: "LoadBalancer" | "NodePort";
  readonly loadBalancerIP: string | undefined;
}

export interface GatewayResources {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly cpuLimit: string | undefined;
  readonly memoryLimit: string;
}

export interface GatewayConfig {
  readonly namespace: string;
  readonly image: string;
  readonly version: string;
  readonly port: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCpuUtilizationPercent: number;
  readonly resources: GatewayResources;
  readonly drainSeconds: number;
  readonly preStopSeconds: number;
  readonly terminationMarginSeconds: number;
}

export interface HandshakeGateConfig {
  readonly url: string;
  readonly timeoutSeconds: number;
  readonly message: string;
}

export interface PrometheusGateConfig {
  readonly url: string;
  readonly query: string;
  readonly threshold: number;
  readonly comparison: "<=" | ">=";
}

export interface RolloutConfig {
  readonly steps: readonly RolloutStep[];
  /** Set only when the schedule holds below 100: the version the stable route keeps. */
  readonly stableVersion: string | undefined;
  readonly gates: {
    readonly intervalSeconds: number;
    /** A canary pod that joins during a step (HPA scale-up) may take this long to become Ready. */
    readonly podStartupSeconds: number;
    readonly handshake: HandshakeGateConfig;
    readonly prometheus: PrometheusGateConfig | undefined;
  };
}

export interface StackConfig {
  readonly cluster: ClusterConfig;
  readonly ingress: IngressConfig;
  readonly gateway: GatewayConfig;
  readonly rollout: RolloutConfig;
}

/** Raw values as read from the stack file, one entry per top-level key. */
export interface RawStackConfig {
  readonly cluster?: unknown;
  readonly ingress?: unknown;
  readonly gateway?: unknown;
  readonly rollout?: unknown;
}

/** Thrown by `parseConfig`; `problems` holds one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

// ---------------------------------------------------------------------------
// Durations

const DURATION_RE = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses "1h30m", "2m", "45s" into seconds; undefined when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (m === null || text.trim() === "" || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) {
    return undefined;
  }
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

// ---------------------------------------------------------------------------
// Leaf rules. Each one carries its own "allowed" text and "fix" so every
// message is complete on its own.

/** Renders a received value for a message: strings quoted, nothing as "nothing". */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function message(allowed: string, value: unknown, fix: string): string {
  return value === undefined
    ? `is required: ${allowed}. Fix: ${fix}.`
    : `must be ${allowed} (got ${show(value)}). Fix: ${fix}.`;
}

/** A leaf whose value is checked by `accept`; `accept` returns the parsed value or undefined. */
function leaf<T>(allowed: string, fix: string, accept: (v: unknown) => T | undefined) {
  return z.unknown().transform((v, ctx): T => {
    const parsed = v === undefined ? undefined : accept(v);
    if (parsed === undefined) {
      ctx.addIssue({ code: "custom", message: message(allowed, v, fix) });
      return z.NEVER;
    }
    return parsed;
  });
}

function intIn(min: number, max: number, fix: string, unit = "") {
  const u = unit === "" ? "" : ` ${unit}`;
  return leaf(`an integer from ${min} to ${max}${u}`, fix, (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : undefined,
  );
}

function oneOf<T extends string>(values: readonly T[], fix: string) {
  return leaf(`one of ${values.join(", ")}`, fix, (v) =>
    typeof v === "string" && (values as readonly string[]).includes(v) ? (v as T) : undefined,
  );
}

function matching(re: RegExp, allowed: string, fix: string) {
  return leaf(allowed, fix, (v) => (typeof v === "string" && re.test(v) ? v : undefined));
}

function bool(fix: string) {
  return leaf("true or false", fix, (v) => (typeof v === "boolean" ? v : undefined));
}

function duration(minSeconds: number, maxSeconds: number, fix: string) {
  return leaf(
    `a duration like "90s", "2m" or "1h30m" between ${minSeconds}s and ${maxSeconds}s`,
    fix,
    (v) => {
      if (typeof v !== "string") return undefined;
      const s = parseDuration(v);
      return s !== undefined && s >= minSeconds && s <= maxSeconds ? s : undefined;
    },
  );
}

/** An object with a fixed set of keys; unknown keys are reported with the keys that are allowed. */
function section<S extends z.ZodRawShape>(shape: S, what: string) {
  const keys = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown key${iss.keys.length === 1 ? "" : "s"} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}. ` +
          `Allowed keys: ${keys}. Fix: remove ${iss.keys.length === 1 ? "it" : "them"} or correct the spelling.`
        : message(`a map of ${what} with keys ${keys}`, iss.input, `write it as a YAML map`),
  });
}

function list<T extends z.ZodType>(item: T, what: string, min: number, max: number) {
  return z
    .array(item, { error: (iss) => message(`a list of ${what}`, iss.input, "write it as a YAML list") })
    .check(
      z.superRefine((v, ctx) => {
        if (v.length < min || v.length > max) {
          ctx.addIssue({
            code: "custom",
            message: `must hold ${min} to ${max} ${what} (got ${v.length}). Fix: add or remove entries.`,
          });
        }
      }),
    );
}

// ---------------------------------------------------------------------------
// Rules shared by several keys

/** DNS-1123 label characters; the Deployment name `ws-gateway-<version>` must stay a valid label (63 chars). */
const VERSION_MAX = 63 - versionedName("").length;
const VERSION_RE = new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${VERSION_MAX - 2}}[a-z0-9])?$`);
const VERSION_FIX =
  'use the image tag, lower-case letters, digits and "-", e.g. a short git SHA "2f9c1ab" or "v1-4-2"';

function version(fixKey: string) {
  return leaf(
    `a DNS-1123 label fragment: 1 to ${VERSION_MAX} lower-case letters, digits or "-", starting and ending with a letter or digit, not "latest"`,
    `${VERSION_FIX} in ${fixKey}`,
    (v) => (typeof v === "string" && VERSION_RE.test(v) && v !== "latest" ? v : undefined),
  );
}

const DNS_NAME_RE =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const DNS_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const CIDR_RE = /^(?:\d{1,3}\.){3}\d{1,3}\/(?:\d|[12]\d|3[0-2])$/;
const QUANTITY_RE = /^\d+(?:\.\d+)?(?:m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const SEMVER_RE = /^\d+\.\d+\.\d+$/;
const REGION_RE = /^[a-z]+-[a-z]+\d+$/;
const ZONE_RE = /^[a-z]+-[a-z]+\d+-[a-z]$/;

// ---------------------------------------------------------------------------
// Sections

const maintenanceWindowSchema = section(
  {
    start: matching(
      RFC3339_RE,
      'an RFC 3339 time like "2026-01-03T02:00:00Z"',
      "set the first window's start",
    ),
    end: matching(RFC3339_RE, 'an RFC 3339 time like "2026-01-03T08:00:00Z"', "set the first window's end"),
    recurrence: matching(
      /^FREQ=(DAILY|WEEKLY|MONTHLY)(;[A-Z]+=[A-Z0-9,+-]+)*$/,
      'an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU"',
      "write the recurrence as an RRULE",
    ),
  },
  "maintenance window settings",
);

const exclusionSchema = section(
  {
    name: matching(DNS_LABEL_RE, "a lower-case name", 'name the exclusion, e.g. "black-friday"'),
    start: matching(RFC3339_RE, "an RFC 3339 time", "set when the exclusion starts"),
    end: matching(RFC3339_RE, "an RFC 3339 time", "set when the exclusion ends"),
    scope: oneOf<ExclusionScope>(
      ["NO_UPGRADES", "NO_MINOR_UPGRADES", "NO_MINOR_OR_NODE_UPGRADES"],
      "pick the scope of upgrades to exclude",
    ).default("NO_MINOR_OR_NODE_UPGRADES"),
  },
  "maintenance exclusion settings",
);

const DEFAULT_MAINTENANCE_WINDOW: MaintenanceWindow = {
  start: "2026-01-03T02:00:00Z",
  end: "2026-01-03T08:00:00Z",
  recurrence: "FREQ=WEEKLY;BYDAY=SA,SU",
};

const DEFAULT_NODE_POOL: NodePoolConfig = {
  machineType: "e2-standard-4",
  minNodesPerZone: 1,
  maxNodesPerZone: 3,
  diskSizeGb: 100,
};

const clusterSchema = section(
  {
    mode: oneOf(
      ["gke", "existing"] as const,
      'use "gke" to create a regional GKE cluster or "existing" for the cluster of the current kubeconfig',
    ),
    project: matching(
      /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
      "a GCP project ID",
      "set ws-gateway:cluster.project or gcp:project",
    ).optional(),
    region: matching(
      REGION_RE,
      'a GCP region like "europe-west1"',
      "set the region of the regional cluster",
    ).optional(),
    zones: list(
      matching(ZONE_RE, 'a GCP zone like "europe-west1-b"', "list zones of the cluster's region"),
      "zones",
      1,
      4,
    ).optional(),
    releaseChannel: oneOf<ReleaseChannel>(
      ["RAPID", "REGULAR", "STABLE"],
      "pick a GKE release channel",
    ).default("REGULAR"),
    maintenanceWindow: maintenanceWindowSchema.default(DEFAULT_MAINTENANCE_WINDOW),
    maintenanceExclusions: list(exclusionSchema, "maintenance exclusions", 0, 20).default([]),
    masterAuthorizedNetworks: list(
      section(
        {
          cidr: matching(
            CIDR_RE,
            'an IPv4 CIDR like "10.0.0.0/8"',
            "list the networks allowed to reach the API",
          ),
          name: leaf("a non-empty text", "name the network", (v) =>
            typeof v === "string" && v.trim() !== "" ? v : undefined,
          ),
        },
        "authorized network settings",
      ),
      "authorized networks",
      0,
      50,
    ).default([]),
    masterIpv4Cidr: matching(
      /^(?:\d{1,3}\.){3}\d{1,3}\/28$/,
      'an IPv4 /28 range like "172.16.0.0/28"',
      "pick a private /28 for the control plane",
    ).default("172.16.0.0/28"),
    nodePool: section(
      {
        machineType: matching(
          /^[a-z0-9]+-[a-z0-9-]+$/,
          'a machine type like "e2-standard-4"',
          "set a machine type",
        ).default(DEFAULT_NODE_POOL.machineType),
        minNodesPerZone: intIn(0, 100, "set how many nodes each zone keeps at least").default(
          DEFAULT_NODE_POOL.minNodesPerZone,
        ),
        maxNodesPerZone: intIn(1, 1000, "set how many nodes each zone may grow to").default(
          DEFAULT_NODE_POOL.maxNodesPerZone,
        ),
        diskSizeGb: intIn(10, 65536, "set the boot disk size in GB").default(DEFAULT_NODE_POOL.diskSizeGb),
      },
      "node pool settings",
    ).default(DEFAULT_NODE_POOL),
    deletionProtection: bool("set whether the cluster may be deleted").default(true),
    kubeContext: leaf("a kubeconfig context name", "name a context of your kubeconfig", (v) =>
      typeof v === "string" && v !== "" ? v : undefined,
    ).optional(),
  },
  "cluster settings",
);

const ingressSchema = section(
  {
    host: matching(
      DNS_NAME_RE,
      'a lower-case DNS name like "ws.example.com"',
      "set the public host name of the gateway",
    ),
    path: matching(
      /^\/[A-Za-z0-9._~/-]*$/,
      'an absolute URL path like "/" or "/ws"',
      "set the path clients connect to",
    ).default("/"),
    tlsSecretName: matching(
      DNS_NAME_RE,
      "a Kubernetes Secret name",
      "name the TLS Secret for the host",
    ).optional(),
    className: matching(
      DNS_LABEL_RE,
      "an IngressClass name",
      'use "nginx" unless you renamed the class',
    ).default("nginx"),
    namespace: matching(DNS_LABEL_RE, "a namespace name", "pick the ingress controller's namespace").default(
      "ingress-nginx",
    ),
    controllerReplicas: intIn(1, 50, "set how many controller pods to run (3 or more on GKE)").default(3),
    chartVersion: matching(
      SEMVER_RE,
      'a chart version like "4.15.1"',
      `pin the chart, e.g. ${FINAL_INGRESS_NGINX_CHART}`,
    ).default(FINAL_INGRESS_NGINX_CHART),
    workerShutdownTimeout: duration(
      1,
      86400,
      "set how long old nginx workers keep connections after a reload",
    ).optional(),
    serviceType: oneOf(
      ["LoadBalancer", "NodePort"] as const,
      'use "LoadBalancer" on GKE, "NodePort" for a local cluster without load balancers',
    ).default("LoadBalancer"),
    loadBalancerIP: matching(
      /^(?:\d{1,3}\.){3}\d{1,3}$/,
      'a reserved regional IPv4 address like "203.0.113.10"',
      "reserve one with gcloud compute addresses create and point DNS at it",
    ).optional(),
  },
  "ingress settings",
);

const gatewaySchema = section(
  {
    namespace: matching(DNS_LABEL_RE, "a namespace name", "pick the gateway's namespace").default(APP_NAME),
    image: leaf(
      'an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway"',
      "remove the tag; the tag comes from ws-gateway:gateway.version",
      (v) =>
        typeof v === "string" &&
        /^[a-z0-9][a-z0-9._:/-]*$/.test(v) &&
        !(v.split("/").pop() ?? "").includes(":")
          ? v
          : undefined,
    ),
    version: version("ws-gateway:gateway.version"),
    port: intIn(1024, 65535, "use the unprivileged port the container listens on").default(8080),
    minReplicas: intIn(2, 1000, "keep at least 2 pods so a disruption never takes all connections").default(
      3,
    ),
    maxReplicas: intIn(2, 1000, "set the most pods the autoscaler may run").default(12),
    targetCpuUtilizationPercent: intIn(10, 95, "set the autoscaler's CPU target", "percent").default(60),
    resources: section(
      {
        cpuRequest: matching(QUANTITY_RE, 'a CPU quantity like "250m"', "set the CPU request").default(
          "250m",
        ),
        memoryRequest: matching(
          QUANTITY_RE,
          'a memory quantity like "256Mi"',
          "set the memory request",
        ).default("256Mi"),
        cpuLimit: matching(
          QUANTITY_RE,
          'a CPU quantity like "1"',
          "set the CPU limit or leave it out",
        ).optional(),
        memoryLimit: matching(QUANTITY_RE, 'a memory quantity like "512Mi"', "set the memory limit").default(
          "512Mi",
        ),
      },
      "resource settings",
    ).default({ cpuRequest: "250m", memoryRequest: "256Mi", cpuLimit: undefined, memoryLimit: "512Mi" }),
    drainSeconds: intIn(
      1,
      86400,
      "set how long a retiring version spreads its clients' reconnects, e.g. 1800",
      "seconds",
    ).default(1800),
    preStopSeconds: intIn(
      1,
      120,
      "set how long a pod waits for endpoint removal to propagate",
      "seconds",
    ).default(10),
    terminationMarginSeconds: intIn(5, 600, "set the slack between the drain and SIGKILL", "seconds").default(
      30,
    ),
  },
  "gateway settings",
);

const DEFAULT_GATE_INTERVAL_SECONDS = 15;
const DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 5;
const DEFAULT_HANDSHAKE_MESSAGE = "ping";
const DEFAULT_HANDSHAKE = {
  url: undefined,
  timeout: DEFAULT_HANDSHAKE_TIMEOUT_SECONDS,
  message: DEFAULT_HANDSHAKE_MESSAGE,
};

const rolloutSchema = section(
  {
    steps: list(
      section(
        {
          weight: intIn(1, 100, "set the canary weight of this step", "percent"),
          pause: duration(0, 7 * 86400, 'set how long to hold this weight, e.g. "5m"').optional(),
        },
        "step settings",
      ),
      "steps",
      1,
      20,
    ),
    stableVersion: version("ws-gateway:rollout.stableVersion").optional(),
    gates: section(
      {
        interval: duration(1, 600, "set how often gates run during a pause").default(
          DEFAULT_GATE_INTERVAL_SECONDS,
        ),
        podStartup: duration(
          1,
          1800,
          "set how long a pod that joins during a step may take to become Ready",
        ).default(DEFAULT_POD_STARTUP_SECONDS),
        handshake: section(
          {
            url: matching(
              /^wss?:\/\/[^\s]+$/,
              'a WebSocket URL like "wss://ws.example.com/"',
              "set the public URL the gate connects to",
            ).optional(),
            timeout: duration(1, 120, "set how long the handshake gate waits").default(
              DEFAULT_HANDSHAKE_TIMEOUT_SECONDS,
            ),
            message: leaf("a non-empty text", "set the message the gate sends", (v) =>
              typeof v === "string" && v !== "" ? v : undefined,
            ).default(DEFAULT_HANDSHAKE_MESSAGE),
          },
          "handshake gate settings",
        ).default(DEFAULT_HANDSHAKE),
        prometheus: section(
          {
            url: matching(
              /^https?:\/\/[^\s]+$/,
              'an HTTP URL like "http://prometheus.monitoring:9090"',
              "set the Prometheus base URL",
            ),
            query: leaf("a PromQL expression", "write the query whose value is compared", (v) =>
              typeof v === "string" && v.trim() !== "" ? v : undefined,
            ),
            max: leaf("a number", "set the highest value that passes", (v) =>
              typeof v === "number" ? v : undefined,
            ).optional(),
            min: leaf("a number", "set the lowest value that passes", (v) =>
              typeof v === "number" ? v : undefined,
            ).optional(),
          },
          "Prometheus gate settings",
        ).optional(),
      },
      "gate settings",
    ).default({
      interval: DEFAULT_GATE_INTERVAL_SECONDS,
      podStartup: DEFAULT_POD_STARTUP_SECONDS,
      handshake: DEFAULT_HANDSHAKE,
      prometheus: undefined,
    }),
  },
  "rollout settings",
);

interface Parsed {
  readonly cluster: z.output<typeof clusterSchema>;
  readonly ingress: z.output<typeof ingressSchema>;
  readonly gateway: z.output<typeof gatewaySchema>;
  readonly rollout: z.output<typeof rolloutSchema>;
}

// ---------------------------------------------------------------------------
// Cross-field rules: each message shows both values.

function key(path: readonly PropertyKey[]): string {
  let out = CONFIG_NAMESPACE + ":";
  path.forEach((p, i) => {
    out += typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`;
  });
  return out;
}

function compareSemver(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const GKE_ONLY_KEYS = [
  "project",
  "region",
  "zones",
  "releaseChannel",
  "maintenanceWindow",
  "maintenanceExclusions",
  "masterAuthorizedNetworks",
  "masterIpv4Cidr",
  "nodePool",
  "deletionProtection",
] as const;

/**
 * Rules across keys. Each runs when the sections it reads parsed, so a stack
 * with a type error in one section still hears about the others' problems.
 */
function crossFieldProblems(raw: RawStackConfig, p: Partial<Parsed>): string[] {
  const problems: string[] = [];
  const rawCluster = (typeof raw.cluster === "object" && raw.cluster !== null ? raw.cluster : {}) as Record<
    string,
    unknown
  >;
  const c = p.cluster;
  const ing = p.ingress;
  const g = p.gateway;
  const r = p.rollout;

  if (c?.mode === "gke") {
    if (c.region === undefined) {
      problems.push(
        `${key(["cluster", "region"])}: is required when cluster.mode is "gke": a GCP region like "europe-west1". Fix: set the region of the regional cluster.`,
      );
    }
    if (c.kubeContext !== undefined) {
      problems.push(
        `${key(["cluster", "kubeContext"])}: applies to cluster.mode "existing" only (got ${show(c.kubeContext)} with mode "gke"). Fix: remove it, or set cluster.mode to "existing".`,
      );
    }
    if (c.region !== undefined && c.zones !== undefined) {
      c.zones.forEach((zone, i) => {
        if (!zone.startsWith(`${c.region}-`)) {
          problems.push(
            `${key(["cluster", "zones", i])}: must be a zone of region ${show(c.region)} (got ${show(zone)}). Fix: list zones like "${c.region}-b".`,
          );
        }
      });
    }
    if (c.nodePool.maxNodesPerZone < c.nodePool.minNodesPerZone) {
      problems.push(
        `${key(["cluster", "nodePool", "maxNodesPerZone"])}: must be at least cluster.nodePool.minNodesPerZone (got ${c.nodePool.maxNodesPerZone} < ${c.nodePool.minNodesPerZone}). Fix: raise maxNodesPerZone or lower minNodesPerZone.`,
      );
    }
    if (Date.parse(c.maintenanceWindow.end) <= Date.parse(c.maintenanceWindow.start)) {
      problems.push(
        `${key(["cluster", "maintenanceWindow", "end"])}: must be after maintenanceWindow.start (got start ${show(c.maintenanceWindow.start)}, end ${show(c.maintenanceWindow.end)}). Fix: move the end after the start.`,
      );
    }
    c.maintenanceExclusions.forEach((e, i) => {
      if (Date.parse(e.end) <= Date.parse(e.start)) {
        problems.push(
          `${key(["cluster", "maintenanceExclusions", i, "end"])}: must be after its start (got start ${show(e.start)}, end ${show(e.end)}). Fix: move the end after the start.`,
        );
      }
    });
    if (ing !== undefined && ing.controllerReplicas < 3) {
      problems.push(
        `${key(["ingress", "controllerReplicas"])}: must be at least 3 on a regional GKE cluster so every zone keeps a controller (got ${ing.controllerReplicas}). Fix: set it to 3 or more.`,
      );
    }
    if (g !== undefined && g.minReplicas < 3) {
      problems.push(
        `${key(["gateway", "minReplicas"])}: must be at least 3 on a regional GKE cluster so every zone keeps gateway pods (got ${g.minReplicas}). Fix: set it to 3 or more.`,
      );
    }
  } else if (c?.mode === "existing") {
    for (const k of GKE_ONLY_KEYS) {
      if (rawCluster[k] !== undefined) {
        problems.push(
          `${key(["cluster", k])}: applies to cluster.mode "gke" only (got ${show(rawCluster[k])} with mode "existing"). Fix: remove it, or set cluster.mode to "gke".`,
        );
      }
    }
  }

  if (ing !== undefined && compareSemver(ing.chartVersion, MIN_SAFE_INGRESS_NGINX_CHART) < 0) {
    problems.push(
      `${key(["ingress", "chartVersion"])}: must be ${MIN_SAFE_INGRESS_NGINX_CHART} or later, the first chart with the CVE-2025-1974 fix (got ${show(ing.chartVersion)}). Fix: pin ${FINAL_INGRESS_NGINX_CHART}, the final release.`,
    );
  }
  const wst = ing?.workerShutdownTimeout ?? DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS;
  if (ing !== undefined && g !== undefined && wst < g.drainSeconds) {
    problems.push(
      ing.workerShutdownTimeout === undefined
        ? `${key(["ingress", "workerShutdownTimeout"])}: its default ${DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS}s is below gateway.drainSeconds (${g.drainSeconds}s), so an nginx reload could cut a drain short. Fix: set ws-gateway:ingress.workerShutdownTimeout to at least ${g.drainSeconds}s.`
        : `${key(["ingress", "workerShutdownTimeout"])}: must be at least gateway.drainSeconds so an nginx reload never cuts a drain short (got ${ing.workerShutdownTimeout}s < ${g.drainSeconds}s). Fix: raise it to ${g.drainSeconds}s or more.`,
    );
  }
  if (ing?.loadBalancerIP !== undefined && ing.serviceType !== "LoadBalancer") {
    problems.push(
      `${key(["ingress", "loadBalancerIP"])}: applies to ingress.serviceType "LoadBalancer" only (got ${show(ing.loadBalancerIP)} with ${show(ing.serviceType)}). Fix: remove it, or set ingress.serviceType to "LoadBalancer".`,
    );
  }
  if (g !== undefined && g.maxReplicas < g.minReplicas) {
    problems.push(
      `${key(["gateway", "maxReplicas"])}: must be at least gateway.minReplicas (got ${g.maxReplicas} < ${g.minReplicas}). Fix: raise maxReplicas or lower minReplicas.`,
    );
  }

  if (r === undefined) return problems;
  const steps = r.steps;
  steps.forEach((s, i) => {
    if (i > 0 && s.weight <= (steps[i - 1]?.weight ?? 0)) {
      problems.push(
        `${key(["rollout", "steps", i, "weight"])}: weights must rise strictly (got ${s.weight} after ${steps[i - 1]?.weight}). Fix: order the steps by rising weight and drop repeats.`,
      );
    }
    if (i < steps.length - 1 && s.pause === undefined) {
      problems.push(
        `${key(["rollout", "steps", i, "pause"])}: is required on every step but the last: a duration like "2m" during which gates run. Fix: add pause to step ${i + 1}.`,
      );
    }
    if (s.weight === 100 && i < steps.length - 1) {
      problems.push(
        `${key(["rollout", "steps", i, "weight"])}: weight 100 must be the last step (got step ${i + 1} of ${steps.length}). Fix: remove the steps after it.`,
      );
    }
  });
  const last = steps[steps.length - 1];
  if (last !== undefined) {
    if (last.weight < 100 && r.stableVersion === undefined) {
      problems.push(
        `${key(["rollout", "stableVersion"])}: is required when the schedule holds below 100 (last weight ${last.weight}): the version the stable route keeps meanwhile. Fix: set rollout.stableVersion to the version now serving, or end the schedule with { weight: 100 }.`,
      );
    }
    if (last.weight === 100 && r.stableVersion !== undefined) {
      problems.push(
        `${key(["rollout", "stableVersion"])}: applies only to a schedule that holds below 100 (got ${show(r.stableVersion)} with a last weight of 100). Fix: remove rollout.stableVersion.`,
      );
    }
  }
  if (r.stableVersion !== undefined && r.stableVersion === g?.version) {
    problems.push(
      `${key(["rollout", "stableVersion"])}: must differ from gateway.version (both ${show(r.stableVersion)}). Fix: set it to the version now serving.`,
    );
  }
  const prom = r.gates.prometheus;
  if (prom !== undefined && (prom.max === undefined) === (prom.min === undefined)) {
    problems.push(
      `${key(["rollout", "gates", "prometheus"])}: needs exactly one of max or min (got ${prom.max === undefined ? "neither" : "both"}). Fix: set max for an error ratio, or min for a success ratio.`,
    );
  }
  return problems;
}

// ---------------------------------------------------------------------------

/** Validates raw stack config; throws ConfigError listing every problem. */
export function parseConfig(raw: RawStackConfig): StackConfig {
  // Sections parse one by one so cross-field rules still run on the ones that parsed.
  const problems: string[] = [];
  const section = <T>(name: keyof Parsed, schema: z.ZodType<T>): T | undefined => {
    const result = schema.safeParse(raw[name] ?? {});
    if (result.success) return result.data;
    problems.push(...result.error.issues.map((i) => `${key([name, ...i.path])}: ${i.message}`));
    return undefined;
  };
  const parsed: Partial<Parsed> = {
    cluster: section("cluster", clusterSchema),
    ingress: section("ingress", ingressSchema),
    gateway: section("gateway", gatewaySchema),
    rollout: section("rollout", rolloutSchema),
  };
  problems.push(...crossFieldProblems(raw, parsed));
  const { cluster: pc, ingress: pi, gateway: pg, rollout: pr } = parsed;
  if (problems.length > 0 || pc === undefined || pi === undefined || pg === undefined || pr === undefined) {
    throw new ConfigError(problems);
  }
  const p: Parsed = { cluster: pc, ingress: pi, gateway: pg, rollout: pr };

  const c = p.cluster;
  const cluster: ClusterConfig =
    c.mode === "gke"
      ? {
          mode: "gke",
          project: c.project,
          region: c.region ?? "",
          zones: c.zones,
          releaseChannel: c.releaseChannel,
          maintenanceWindow: c.maintenanceWindow,
          maintenanceExclusions: c.maintenanceExclusions,
          masterAuthorizedNetworks: c.masterAuthorizedNetworks,
          masterIpv4Cidr: c.masterIpv4Cidr,
          nodePool: c.nodePool,
          deletionProtection: c.deletionProtection,
        }
      : { mode: "existing", kubeContext: c.kubeContext };
  const scheme = p.ingress.tlsSecretName === undefined ? "ws" : "wss";
  const prom = p.rollout.gates.prometheus;
  return {
    cluster,
    ingress: {
      host: p.ingress.host,
      path: p.ingress.path,
      tlsSecretName: p.ingress.tlsSecretName,
      className: p.ingress.className,
      namespace: p.ingress.namespace,
      controllerReplicas: p.ingress.controllerReplicas,
      chartVersion: p.ingress.chartVersion,
      workerShutdownTimeoutSeconds:
        p.ingress.workerShutdownTimeout ?? DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS,
      serviceType: p.ingress.serviceType,
      loadBalancerIP: p.ingress.loadBalancerIP,
    },
    gateway: { ...p.gateway, resources: { ...p.gateway.resources, cpuLimit: p.gateway.resources.cpuLimit } },
    rollout: {
      steps: p.rollout.steps.map((s) => ({ weight: s.weight, pauseSeconds: s.pause ?? 0 })),
      stableVersion: p.rollout.stableVersion,
      gates: {
        intervalSeconds: p.rollout.gates.interval,
        podStartupSeconds: p.rollout.gates.podStartup,
        handshake: {
          url: p.rollout.gates.handshake.url ?? `${scheme}://${p.ingress.host}${p.ingress.path}`,
          timeoutSeconds: p.rollout.gates.handshake.timeout,
          message: p.rollout.gates.handshake.message,
        },
        prometheus:
          prom === undefined
            ? undefined
            : {
                url: prom.url,
                query: prom.query,
                threshold: prom.max ?? prom.min ?? 0,
                comparison: prom.max !== undefined ? "<=" : ">=",
              },
      },
    },
  };
}
