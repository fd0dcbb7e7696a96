/**
 * The schema of each section of the stack config, with its defaults. Each
 * default lives at its field; a section that may be left out is prefaulted
 * with {} (zod 4 `.prefault`), so its fields' own defaults fill it in and no
 * default is written twice.
 */
import type { z } from "zod";
import { FINAL_INGRESS_NGINX_CHART, INGRESS_NGINX_CHART_REPO } from "../../components/ingress/ingressNginx";
import {
  DEFAULT_API_ABORT_BUDGET_SECONDS,
  DEFAULT_API_RETRY_BUDGET_SECONDS,
  DEFAULT_CANARY_ROUTE_WAIT_SECONDS,
  DEFAULT_GATE_INTERVAL_SECONDS,
  DEFAULT_HANDSHAKE_TIMEOUT_SECONDS,
  DEFAULT_MAX_ABNORMAL_CLOSES,
  DEFAULT_ON_ABORT,
  DEFAULT_POD_STARTUP_SECONDS,
  DEFAULT_PROBE_MESSAGE,
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
  DEFAULT_SURVIVAL_CONNECTIONS,
  DEFAULT_SURVIVAL_PING_INTERVAL_SECONDS,
  DEFAULT_SURVIVAL_PONG_TIMEOUT_SECONDS,
  DEFAULT_VERSION_IDENTITY,
  ON_ABORT_MODES,
  VERSION_IDENTITY_MODES,
} from "../../components/rollout/defaults";
import type { ExclusionScope, MaintenanceWindow, NodePoolConfig } from "../../components/cluster/gkeCluster";
import { RELEASE_CHANNELS } from "../../components/shared/gke";
import { LIMITS } from "../../components/shared/limits";
import type { disruptionSchema } from "./disruption";
import { GATEWAY_DEFAULTS } from "../../components/gateway/versionedGateway";
import {
  DNS_LABEL_RE,
  DNS_NAME_RE,
  REGION_RE,
  SEMVER_RE,
  ZONE_RE,
  bool,
  duration,
  intIn,
  leaf,
  list,
  matching,
  nearHost,
  oneOf,
  section,
  version,
} from "./leaves";
import {
  checked,
  cpuQuantity,
  imageRepository,
  ipv4Address,
  ipv4Cidr,
  memoryQuantity,
  nearImage,
  nearRrule,
  rfc3339,
  rrule,
  type Checked,
} from "./formats";
import { ingressHost, utcTime } from "./consumers";
import { chartRepositoryUrl, prometheusBaseUrl, websocketUrl } from "./urls";
import { podSchema } from "./pod";
import { probeKeys } from "./probe";

/** Keeps the text of a quantity that passed its check. */
const keepText =
  (check: (t: string) => Checked<number>) =>
  (t: string): Checked<string> => {
    const r = check(t);
    return "ok" in r ? { ok: t } : r;
  };
const cpu = keepText(cpuQuantity);
const memory = keepText(memoryQuantity);

const G = GATEWAY_DEFAULTS;
export const DEFAULT_RESOURCES = {
  cpuRequest: G.cpuRequest,
  memoryRequest: G.memoryRequest,
  cpuLimit: undefined,
  memoryLimit: G.memoryLimit,
} as const;

const maintenanceWindowSchema = section(
  {
    start: checked(
      'an RFC 3339 time in UTC like "2026-01-03T02:00:00Z"',
      utcTime,
      'add start, the first window\'s start, e.g. "2026-01-03T02:00:00Z"',
    ),
    end: checked(
      'an RFC 3339 time in UTC like "2026-01-03T08:00:00Z"',
      utcTime,
      'add end, the first window\'s end, e.g. "2026-01-03T08:00:00Z"',
    ),
    recurrence: checked(
      'an RFC 5545 RRULE like "FREQ=WEEKLY;BYDAY=SA,SU"',
      rrule,
      'add recurrence, e.g. "FREQ=WEEKLY;BYDAY=SA,SU"',
      nearRrule,
    ),
  },
  "maintenance window settings",
);

const exclusionSchema = section(
  {
    name: matching(
      DNS_LABEL_RE,
      "a lower-case name",
      'use lower-case letters, digits and "-", e.g. "black-friday"',
      "name the exclusion, e.g. name: black-friday",
    ),
    start: checked(
      'an RFC 3339 time like "2026-11-25T00:00:00Z"',
      rfc3339,
      'add start, when the exclusion begins, e.g. "2026-11-25T00:00:00Z"',
    ),
    end: checked(
      'an RFC 3339 time like "2026-12-02T00:00:00Z"',
      rfc3339,
      'add end, when the exclusion stops, e.g. "2026-12-02T00:00:00Z"',
    ),
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
  spot: false,
};

/** A GCP project ID; also the rule of gcp:project, which stands in for cluster.project. */
export const projectId = matching(
  /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
  'a GCP project ID like "acme-ws-prod"',
  'use the project ID (6 to 30 lower-case letters, digits or "-", starting with a letter), not its display name or number',
  undefined,
  (v) =>
    v
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-"),
);

export const clusterSchema = section(
  {
    mode: oneOf(
      ["gke", "existing"] as const,
      'use "gke" to create a regional GKE cluster or "existing" for the cluster of the current kubeconfig',
      "add mode: gke (a new regional GKE cluster) or mode: existing (the cluster of your kubeconfig)",
    ),
    project: projectId.optional(),
    region: matching(
      REGION_RE,
      'a GCP region like "europe-west1"',
      'use a region name like "europe-west1" (gcloud compute regions list)',
    ).optional(),
    zones: list(
      matching(ZONE_RE, 'a GCP zone like "europe-west1-b"', "list zones of the cluster's region"),
      "zones",
      1,
      4,
    ).optional(),
    releaseChannel: oneOf(RELEASE_CHANNELS, "pick a GKE release channel").default("REGULAR"),
    maintenanceWindow: maintenanceWindowSchema.default(DEFAULT_MAINTENANCE_WINDOW),
    maintenanceExclusions: list(exclusionSchema, "maintenance exclusions", 0, 20).default([]),
    masterAuthorizedNetworks: list(
      section(
        {
          cidr: checked(
            'an IPv4 CIDR like "10.0.0.0/8"',
            ipv4Cidr(8, 32),
            "add cidr, a network allowed to reach the API",
          ),
          name: leaf(
            "a non-empty text",
            "name the network",
            (v) => (typeof v === "string" && v.trim() !== "" ? v : undefined),
            { expect: "text", ascii: false },
          ),
        },
        "authorized network settings",
      ),
      "authorized networks",
      1,
      50,
    ).optional(),
    masterIpv4Cidr: checked('a private IPv4 /28 range like "172.16.0.0/28"', ipv4Cidr(28, 28)).default(
      "172.16.0.0/28",
    ),
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
        spot: bool(
          "set whether the gateway nodes are Spot VMs (they cut every connection on a node with about 15 s of notice)",
        ).default(DEFAULT_NODE_POOL.spot),
      },
      "node pool settings",
    ).prefault({}),
    deletionProtection: bool("set whether the cluster may be deleted").default(true),
    kubeContext: leaf("a kubeconfig context name", "name a context of your kubeconfig", (v) =>
      typeof v === "string" && v !== "" ? v : undefined,
    ).optional(),
  },
  "cluster settings",
);

export const ingressSchema = section(
  {
    controller: oneOf(
      ["install", "existing"] as const,
      'use "install" to let this stack install ingress-nginx, "existing" when the cluster already runs it',
    ).default("install"),
    host: checked(
      'a lower-case DNS name like "ws.example.com", not an IP address',
      ingressHost,
      "add host, the public name clients connect to, e.g. host: ws.example.com",
      nearHost,
    ),
    // ingress-nginx refuses Prefix paths outside /[[:alnum:]_-/]* (strict-validate-path-type, on by default).
    path: matching(
      /^\/[A-Za-z0-9_/-]*$/,
      'an absolute URL path like "/" or "/ws" of letters, digits, "_", "-" and "/"',
      "set the path clients connect to",
      undefined,
      (v) => `/${v.replace(/[^A-Za-z0-9_/-]/g, "").replace(/^\/+/, "")}`,
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
    chartRepository: checked(
      'a Helm repository URL like "https://charts.example.com/ingress-nginx" (http:// on loopback only) or an OCI path like "oci://europe-docker.pkg.dev/acme/charts"',
      chartRepositoryUrl,
    ).default(INGRESS_NGINX_CHART_REPO),
    workerShutdownTimeout: duration(
      1,
      86400,
      "set how long old nginx workers keep connections after a reload",
    ).optional(),
    serviceType: oneOf(
      ["LoadBalancer", "NodePort"] as const,
      'use "LoadBalancer" on GKE, "NodePort" for a local cluster without load balancers',
    ).default("LoadBalancer"),
    loadBalancerIP: checked('a reserved regional IPv4 address like "203.0.113.10"', ipv4Address).optional(),
  },
  "ingress settings",
);

export const gatewaySchema = section(
  {
    namespace: matching(DNS_LABEL_RE, "a namespace name", "pick the gateway's namespace").default(
      G.namespace,
    ),
    image: checked(
      'an image repository without tag or digest, like "europe-docker.pkg.dev/acme/gw/ws-gateway"',
      imageRepository,
      "add image, the repository the gateway image is pushed to, e.g. europe-docker.pkg.dev/acme/gw/ws-gateway",
      nearImage,
    ),
    version: version(
      "ws-gateway:gateway.version",
      "add version, the image tag this update releases, e.g. version: 2f9c1ab",
    ),
    port: intIn(1024, 65535, "use the unprivileged port the container listens on").default(G.port),
    minReplicas: intIn(2, 1000, "keep at least 2 pods so a disruption never takes all connections").default(
      G.minReplicas,
    ),
    maxReplicas: intIn(2, 1000, "set the most pods the autoscaler may run").default(G.maxReplicas),
    targetCpuUtilizationPercent: intIn(10, 95, "set the autoscaler's CPU target", "percent").default(
      G.targetCpuUtilizationPercent,
    ),
    resources: section(
      {
        cpuRequest: checked('a CPU quantity like "250m"', cpu).default(DEFAULT_RESOURCES.cpuRequest),
        memoryRequest: checked('a memory quantity like "256Mi"', memory).default(
          DEFAULT_RESOURCES.memoryRequest,
        ),
        cpuLimit: checked('a CPU quantity like "1"', cpu).optional(),
        memoryLimit: checked('a memory quantity like "512Mi"', memory).default(DEFAULT_RESOURCES.memoryLimit),
      },
      "resource settings",
    ).prefault({}),
    drainSeconds: intIn(
      LIMITS.minDrainSeconds,
      86400,
      "set how long a retiring version spreads its clients' reconnects, e.g. 1800",
      "seconds",
    ).default(G.drainSeconds),
    preStopSeconds: intIn(
      LIMITS.minPreStopSeconds,
      120,
      "set how long a pod waits for endpoint removal to propagate",
      "seconds",
    ).default(G.preStopSeconds),
    terminationMarginSeconds: intIn(
      LIMITS.minTerminationMarginSeconds,
      600,
      "set the slack between the drain and SIGKILL",
      "seconds",
    ).default(G.terminationMarginSeconds),
    pod: podSchema.prefault({}),
  },
  "gateway settings",
);

const DEFAULT_HANDSHAKE_MESSAGE = DEFAULT_PROBE_MESSAGE;
export const rolloutSchema = section(
  {
    steps: list(
      section(
        {
          weight: leaf(
            "an integer from 1 to 100 percent",
            "set the canary weight of this step",
            (v) => (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 100 ? v : undefined),
            { expect: "integer", missing: "give every step a weight, e.g. { weight: 25, pause: 5m }" },
          ),
          pause: duration(0, 7 * 86400, 'set how long to hold this weight, e.g. "5m"').optional(),
        },
        "step settings",
      ),
      "steps",
      1,
      20,
      "add steps, e.g. [{ weight: 10, pause: 5m }, { weight: 100 }]",
    ),
    stableVersion: version("ws-gateway:rollout.stableVersion").optional(),
    // Release safety (docs/release-safety.md): what an abort does, and the API's budgets.
    onAbort: oneOf(ON_ABORT_MODES, "pick drain (move the canary's clients to stable) or keep").default(
      DEFAULT_ON_ABORT,
    ),
    api: section(
      {
        requestTimeout: duration(1, 300, "set how long one Kubernetes API request may take").default(
          DEFAULT_REQUEST_TIMEOUT_SECONDS,
        ),
        retryBudget: duration(0, 3600, "set how long transient API failures are retried per call").default(
          DEFAULT_API_RETRY_BUDGET_SECONDS,
        ),
        abortBudget: duration(0, 7200, "set how long an abort keeps trying to set the weight to 0").default(
          DEFAULT_API_ABORT_BUDGET_SECONDS,
        ),
      },
      "Kubernetes API settings",
    ).prefault({}),
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
        versionIdentity: oneOf(
          VERSION_IDENTITY_MODES,
          "pick required (probes count only answers naming the canary version) or off (for a gateway that does not send the version header)",
        ).default(DEFAULT_VERSION_IDENTITY),
        canaryRouteWait: duration(
          1,
          1800,
          "set how long the canary route may take to answer with the canary version before the first step",
        ).default(DEFAULT_CANARY_ROUTE_WAIT_SECONDS),
        handshake: section(
          {
            url: checked('a WebSocket URL like "wss://ws.example.com/"', websocketUrl, undefined, (v) =>
              v.replace(/^http(s?):/i, "ws$1:"),
            ).optional(),
            timeout: duration(1, 120, "set how long the handshake gate waits").default(
              DEFAULT_HANDSHAKE_TIMEOUT_SECONDS,
            ),
            message: leaf(
              "a non-empty text",
              "set the message the gate sends",
              (v) => (typeof v === "string" && v !== "" ? v : undefined),
              { expect: "text", ascii: false },
            ).default(DEFAULT_HANDSHAKE_MESSAGE),
            ...probeKeys,
          },
          "handshake gate settings",
        ).prefault({}),
        survival: section(
          {
            connections: intIn(
              0,
              100,
              "set how many probe connections to hold open (0 turns the gate off)",
            ).default(DEFAULT_SURVIVAL_CONNECTIONS),
            pingInterval: duration(1, 300, "set how often each probe sends a ping").default(
              DEFAULT_SURVIVAL_PING_INTERVAL_SECONDS,
            ),
            pongTimeout: duration(1, 120, "set how long a probe waits for the reply to a ping").default(
              DEFAULT_SURVIVAL_PONG_TIMEOUT_SECONDS,
            ),
          },
          "connection-survival gate settings",
        ).prefault({}),
        abnormalCloses: section(
          {
            port: intIn(1, 65535, "set the gateway container port that serves /metrics"),
            max: intIn(0, 1_000_000, "set how many abnormal closes per step pass").default(
              DEFAULT_MAX_ABNORMAL_CLOSES,
            ),
          },
          "abnormal-close gate settings",
        ).optional(),
        prometheus: section(
          {
            url: checked(
              'a Prometheus base URL like "http://prometheus.monitoring:9090" (the gate queries <url>/api/v1/query)',
              prometheusBaseUrl,
              "add url, the Prometheus base URL, e.g. http://prometheus.monitoring:9090",
              (v) => v.replace(/^ws(s?):/i, "http$1:"),
            ),
            query: leaf(
              "a PromQL expression, with ASCII quotes and no invisible characters",
              "write the query as text",
              // PromQL strings take ASCII quotes only; a typographic quote or an invisible character fails every round.
              (v) =>
                typeof v === "string" &&
                v.trim() !== "" &&
                !/[\u2018\u2019\u201c\u201d\p{Cf}\p{Cc}]/u.test(v.replace(/[\n\t]/g, " "))
                  ? v
                  : undefined,
              {
                expect: "text",
                ascii: false,
                missing: "add query, the PromQL expression whose value the gate compares",
              },
            ),
            max: leaf(
              "a number",
              "set the highest value that passes",
              (v) => (typeof v === "number" ? v : undefined),
              {
                expect: "number",
              },
            ).optional(),
            min: leaf(
              "a number",
              "set the lowest value that passes",
              (v) => (typeof v === "number" ? v : undefined),
              {
                expect: "number",
              },
            ).optional(),
          },
          "Prometheus gate settings",
        ).optional(),
      },
      "gate settings",
    ).prefault({}),
  },
  "rollout settings",
);

/** Each section as its schema parsed it. */
export interface Parsed {
  readonly cluster: z.output<typeof clusterSchema>;
  readonly ingress: z.output<typeof ingressSchema>;
  readonly gateway: z.output<typeof gatewaySchema>;
  readonly rollout: z.output<typeof rolloutSchema>;
  readonly disruption: z.output<typeof disruptionSchema>;
}
