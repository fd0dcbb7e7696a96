/**
 * The rehearsal's Kubernetes API: a small HTTP server that answers the three
 * requests the rollout's Kubernetes router makes (GET and merge-PATCH the
 * canary Ingress, list the canary version's pods), backed by the local
 * balancer and cluster. The staged release drives the real
 * KubernetesCanaryRouter (and its API client, with whatever retries it has)
 * against it, so the engine sees the same requests, answers and errors as in
 * `pulumi up`, and the API faults (a flaky API, an API that goes away) are
 * played on the wire: HTTP 500/409/429 Status objects and refused connections.
 *
 * Like ingress-nginx, a weight written to the Ingress reaches the balancer
 * after a short propagation delay (the controller's dynamic configuration,
 * docs/facts.md F4); the time each weight took effect is recorded for the report.
 */
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ANNOTATION_CANARY_WEIGHT, APP_NAME, LABEL_APP, LABEL_VERSION } from "../../components/names";
import { ANNOTATION_ABORT } from "../../components/rollout/abortAnnotation";
import type { Balancer } from "./balancer";

/** What a pod looks like to the API: the fields the router reads. */
export interface ApiPod {
  readonly name: string;
  readonly version: string;
  readonly ready: boolean;
  readonly restarts: number;
  /** Creation time in the run's scheduled milliseconds (rendered as an RFC 3339 timestamp). */
  readonly createdAtMs: number;
  readonly terminating: boolean;
}

export interface ApiPodSource {
  listPods(): readonly ApiPod[];
  /** DELETE of a pod: starts its termination (preStop, SIGTERM, drain); false when there is no such pod. */
  deletePodNamed(name: string): boolean;
  /** The pod's metrics page (its /metrics), through the API server's pod proxy; undefined when unreachable. */
  podMetrics(name: string): Promise<string | undefined>;
}

/** How the API answers: normally, with transient errors, or not at all. */
export type ApiMode = "up" | "flaky" | "down";

export interface LocalKubeApiOptions {
  readonly namespace: string;
  readonly ingressName: string;
  readonly balancer: Balancer;
  readonly pods: ApiPodSource;
  /** Scheduled seconds of the run, for the weight log. */
  readonly now: () => number;
  /** Real milliseconds for a written weight to reach the balancer. */
  readonly propagationMs: number;
  /**
   * While flaky: the share of requests answered with a transient error. At
   * most `flakyMaxInARow` requests in a row fail, so a client that retries a
   * few times gets through, as with a real API server having a bad minute.
   */
  readonly flakyRate?: number;
  readonly flakyMaxInARow?: number;
  /** Called when a written weight reaches the balancer. */
  readonly onWeight?: (change: WeightChange) => void;
}

export interface WeightChange {
  /** Scheduled seconds when the balancer started routing with this weight. */
  readonly t: number;
  readonly weight: number;
}

/** Counts of what the API answered, for the report. */
export interface ApiStats {
  requests: number;
  transientErrors: number;
  refusedWhileDown: number;
}

const DEFAULT_FLAKY_RATE = 0.3;
const DEFAULT_FLAKY_MAX_IN_A_ROW = 2;

export class LocalKubeApi {
  private server: http.Server | undefined;
  private port = 0;
  private mode: ApiMode = "up";
  private readonly sockets = new Set<Socket>();
  private annotations: Record<string, string> = {};
  private resourceVersion = 1;
  private failuresInARow = 0;
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  readonly weightLog: WeightChange[] = [];
  readonly stats: ApiStats = { requests: 0, transientErrors: 0, refusedWhileDown: 0 };

  constructor(private readonly options: LocalKubeApiOptions) {}

  async start(): Promise<void> {
    await this.listen(0);
  }

  /** The API's address: plain HTTP on loopback, no credentials. */
  address(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig for the router, as `pulumi up` hands it one: this API, no credentials. */
  kubeconfig(): string {
    return JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      // Plain HTTP on loopback: the client accepts it only with TLS verification off, which is moot here.
      clusters: [
        { name: "rehearsal", cluster: { server: this.address(), "insecure-skip-tls-verify": true } },
      ],
      users: [{ name: "rehearsal", user: {} }],
      contexts: [{ name: "rehearsal", context: { cluster: "rehearsal", user: "rehearsal" } }],
      "current-context": "rehearsal",
    });
  }

  /**
   * "down" stops listening and cuts open connections, so every request fails
   * with a refused connection until the mode changes; "flaky" answers a share
   * of requests with transient errors.
   */
  async setMode(mode: ApiMode): Promise<void> {
    if (mode === this.mode) return;
    const wasDown = this.mode === "down";
    this.mode = mode;
    if (mode === "down") {
      await this.close();
    } else if (wasDown) {
      await this.listen(this.port);
    }
  }

  getMode(): ApiMode {
    return this.mode;
  }

  /** The weight last written to the Ingress (what the API stores, before propagation). */
  storedWeight(): number {
    return Number(this.annotations[ANNOTATION_CANARY_WEIGHT] ?? "0");
  }

  async stop(): Promise<void> {
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    await this.close();
  }

  private async listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private ingressPath(): string {
    const { namespace, ingressName } = this.options;
    return `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${ingressName}`;
  }

  private podsPath(): string {
    return `/api/v1/namespaces/${this.options.namespace}/pods`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      this.stats.requests += 1;
      const body = Buffer.concat(chunks).toString("utf8");
      const transient = this.transientError(req.method ?? "GET");
      if (transient !== undefined) {
        this.stats.transientErrors += 1;
        status(res, transient.code, transient.reason, transient.message);
        return;
      }
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname === this.ingressPath()) {
        if (req.method === "GET") {
          json(res, 200, this.ingress());
          return;
        }
        if (req.method === "PATCH") {
          this.patchIngress(req, res, body);
          return;
        }
      }
      if (url.pathname === this.podsPath() && req.method === "GET") {
        json(res, 200, this.podList(url.searchParams.get("labelSelector") ?? ""));
        return;
      }
      const podPath = url.pathname.startsWith(`${this.podsPath()}/`)
        ? url.pathname.slice(this.podsPath().length + 1)
        : undefined;
      if (podPath !== undefined && req.method === "DELETE" && !podPath.includes("/")) {
        const name = decodeURIComponent(podPath);
        if (this.options.pods.deletePodNamed(name)) {
          json(res, 200, {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, namespace: this.options.namespace },
          });
        } else {
          status(res, 404, "NotFound", `pods "${name}" not found`);
        }
        return;
      }
      // GET /api/v1/namespaces/{ns}/pods/{name}:{port}/proxy/{path}: the pod proxy the metrics gate reads through.
      const proxy = podPath === undefined ? null : /^([^/:]+):(\d+)\/proxy(\/.*)$/.exec(podPath);
      if (proxy !== null && req.method === "GET") {
        void this.options.pods.podMetrics(decodeURIComponent(proxy[1])).then((text) => {
          if (text === undefined) {
            status(res, 503, "ServiceUnavailable", `pod ${proxy[1]} is not answering on port ${proxy[2]}`);
            return;
          }
          res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(text);
        });
        return;
      }
      status(res, 404, "NotFound", `${req.method} ${url.pathname} is not served by the rehearsal's API`);
    });
  }

  /** A transient error for this request while flaky, bounded in a row; undefined to answer normally. */
  private transientError(method: string): { code: number; reason: string; message: string } | undefined {
    if (this.mode !== "flaky") return undefined;
    const rate = this.options.flakyRate ?? DEFAULT_FLAKY_RATE;
    const maxInARow = this.options.flakyMaxInARow ?? DEFAULT_FLAKY_MAX_IN_A_ROW;
    if (this.failuresInARow >= maxInARow || Math.random() >= rate) {
      this.failuresInARow = 0;
      return undefined;
    }
    this.failuresInARow += 1;
    if (method === "PATCH" && Math.random() < 0.5) {
      return {
        code: 409,
        reason: "Conflict",
        message: `Operation cannot be fulfilled on ingresses.networking.k8s.io "${this.options.ingressName}": the object has been modified; please apply your changes to the latest version and try again`,
      };
    }
    return Math.random() < 0.5
      ? { code: 500, reason: "InternalError", message: "etcdserver: request timed out" }
      : {
          code: 429,
          reason: "TooManyRequests",
          message: "the server is currently unable to handle the request",
        };
  }

  private ingress(): unknown {
    const abort = this.options.balancer.getAbortRequest();
    const annotations = {
      ...this.annotations,
      ...(abort === undefined ? {} : { [ANNOTATION_ABORT]: abort }),
    };
    return {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: this.options.ingressName,
        namespace: this.options.namespace,
        resourceVersion: String(this.resourceVersion),
        annotations,
      },
    };
  }

  private patchIngress(req: http.IncomingMessage, res: http.ServerResponse, text: string): void {
    if (req.headers["content-type"] !== "application/merge-patch+json") {
      status(res, 415, "UnsupportedMediaType", `content type ${req.headers["content-type"]} not served here`);
      return;
    }
    let patch: { metadata?: { annotations?: Record<string, string | null> } };
    try {
      patch = JSON.parse(text) as typeof patch;
    } catch {
      status(res, 400, "BadRequest", "body is not JSON");
      return;
    }
    // JSON merge patch (RFC 7386): null removes a key, anything else sets it.
    for (const [key, value] of Object.entries(patch.metadata?.annotations ?? {})) {
      if (value === null) delete this.annotations[key];
      else this.annotations[key] = value;
    }
    this.resourceVersion += 1;
    const weight = this.storedWeight();
    const timer = setTimeout(() => {
      this.pendingTimers.delete(timer);
      this.options.balancer.setWeight(weight);
      const change = { t: this.options.now(), weight };
      this.weightLog.push(change);
      this.options.onWeight?.(change);
    }, this.options.propagationMs);
    this.pendingTimers.add(timer);
    json(res, 200, this.ingress());
  }

  private podList(selector: string): unknown {
    // The router asks for app=ws-gateway,version=<canary>; anything else gets no pods.
    const labels = new Map(
      selector
        .split(",")
        .map((part) => part.split("="))
        .filter((kv) => kv.length === 2)
        .map(([k, v]) => [k, v] as const),
    );
    const version = labels.get(LABEL_VERSION);
    const items =
      labels.get(LABEL_APP) !== APP_NAME || version === undefined
        ? []
        : this.options.pods
            .listPods()
            .filter((pod) => pod.version === version)
            .map((pod) => ({
              metadata: {
                name: pod.name,
                labels: { [LABEL_APP]: APP_NAME, [LABEL_VERSION]: pod.version },
                creationTimestamp: new Date(pod.createdAtMs).toISOString(),
                ...(pod.terminating ? { deletionTimestamp: new Date(pod.createdAtMs).toISOString() } : {}),
              },
              status: {
                conditions: [{ type: "Ready", status: pod.ready ? "True" : "False" }],
                containerStatuses: [{ name: "gateway", restartCount: pod.restarts }],
              },
            }));
    return { apiVersion: "v1", kind: "PodList", items };
  }
}

function json(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** A Kubernetes Status object, as the API server answers errors. */
function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, { apiVersion: "v1", kind: "Status", status: "Failure", reason, message, code });
}
