/**
 * A fake Kubernetes API server on 127.0.0.1: one canary Ingress (JSON merge
 * patch, with the optimistic concurrency of metadata.resourceVersion), a list
 * of pods, the stable Service's selector, the release Lease
 * (coordination.k8s.io/v1: GET, POST, PUT and DELETE, conditional on
 * resourceVersion like the real one), every request recorded, and a hook to
 * answer a request with an error or not at all.
 */
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: string;
}

/** What to do with a request: the default behaviour, an error Status, no answer, or apply it and then not answer. */
export type Reply =
  | "default"
  | "hang"
  | "apply-then-hang"
  /** Applied, then answered 200 with an empty JSON object (no metadata to read back from). */
  | "apply-then-empty"
  | { readonly status: number; readonly reason: string; readonly message: string };

export interface FakePod {
  readonly metadata: {
    readonly name: string;
    readonly labels: Record<string, string>;
    readonly creationTimestamp?: string;
    readonly deletionTimestamp?: string;
  };
  readonly status: {
    readonly conditions: { readonly type: string; readonly status: string }[];
    readonly containerStatuses: { readonly restartCount: number }[];
  };
}

export const NAMESPACE = "prod";
export const INGRESS = "ws-gateway-canary";
export const INGRESS_PATH = `/apis/networking.k8s.io/v1/namespaces/${NAMESPACE}/ingresses/${INGRESS}`;
export const LEASES_PATH = `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`;
export const LEASE_PATH = `${LEASES_PATH}/${INGRESS}-release`;
export const STABLE_SERVICE_PATH = `/api/v1/namespaces/${NAMESPACE}/services/ws-gateway-stable`;

/** A stored Lease, as the fake keeps it. */
export interface FakeLease {
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    annotations?: Record<string, string>;
  };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string };
}

function conflict(what: string): { status: number; body: unknown } {
  return {
    status: 409,
    body: {
      kind: "Status",
      reason: "Conflict",
      message: `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`,
    },
  };
}

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  annotations: Record<string, string> = { "nginx.ingress.kubernetes.io/canary": "true" };
  /** Events posted (core/v1 Event bodies), in order. */
  readonly events: Record<string, unknown>[] = [];
  pods: FakePod[] = [];
  /** The Ingress's resourceVersion, raised by every write. */
  resourceVersion = 1;
  /** The release Lease; undefined when there is none. */
  lease: FakeLease | undefined = undefined;
  /** The version the stable Service selects; undefined when the Service does not exist. */
  stableVersion: string | undefined = undefined;
  /** A mutating admission webhook: changes what a PATCH stores, after the patch is applied. */
  admit: (annotations: Record<string, string>) => void = () => undefined;
  reply: (request: RecordedRequest) => Reply = () => "default";
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly sockets = new Set<Socket>();
  url = "";

  async start(): Promise<this> {
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Current weight annotation, as stored. */
  get weight(): string | undefined {
    return this.annotations["nginx.ingress.kubernetes.io/canary-weight"];
  }

  /**
   * A kubeconfig (YAML) for this server with a static token. The server is
   * plain HTTP on loopback, which @kubernetes/client-node accepts only with
   * insecure-skip-tls-verify (a real API server speaks HTTPS).
   */
  kubeconfig(token = "test-token"): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: fake",
      "  cluster:",
      `    server: ${this.url}`,
      "    insecure-skip-tls-verify: true",
      "users:",
      "- name: tester",
      "  user:",
      `    token: ${token}`,
      "contexts:",
      "- name: fake",
      "  context:",
      "    cluster: fake",
      "    user: tester",
      "current-context: fake",
      "",
    ].join("\n");
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        contentType: req.headers["content-type"],
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      this.requests.push(request);
      const reply = this.reply(request);
      if (reply === "hang") return;
      if (typeof reply === "object") {
        const status = {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: reply.reason,
          message: reply.message,
          code: reply.status,
        };
        res.writeHead(reply.status, { "Content-Type": "application/json" }).end(JSON.stringify(status));
        return;
      }
      const answer = this.apply(request);
      if (reply === "apply-then-hang") return;
      if (reply === "apply-then-empty") {
        res.writeHead(answer.status, { "Content-Type": "application/json" }).end("{}");
        return;
      }
      res.writeHead(answer.status, { "Content-Type": "application/json" }).end(JSON.stringify(answer.body));
    });
  }

  private apply(request: RecordedRequest): { status: number; body: unknown } {
    const path = request.url.split("?")[0];
    if (path === INGRESS_PATH && request.method === "PATCH") {
      if (request.contentType !== "application/merge-patch+json") {
        return {
          status: 415,
          body: {
            kind: "Status",
            reason: "UnsupportedMediaType",
            message: `unsupported ${request.contentType}`,
          },
        };
      }
      const patch = JSON.parse(request.body) as {
        metadata?: { resourceVersion?: string; annotations?: Record<string, string | null> };
      };
      const expected = patch.metadata?.resourceVersion;
      if (expected !== undefined && expected !== String(this.resourceVersion)) {
        return conflict(`ingresses.networking.k8s.io "${INGRESS}"`);
      }
      this.resourceVersion += 1;
      for (const [key, value] of Object.entries(patch.metadata?.annotations ?? {})) {
        if (value === null) delete this.annotations[key];
        else this.annotations[key] = value;
      }
      this.admit(this.annotations);
      return { status: 200, body: this.ingress() };
    }
    if (path === INGRESS_PATH && request.method === "GET") {
      return { status: 200, body: this.ingress() };
    }
    if (path === STABLE_SERVICE_PATH && request.method === "GET") {
      return this.stableVersion === undefined
        ? { status: 404, body: { kind: "Status", reason: "NotFound", message: "services not found" } }
        : {
            status: 200,
            body: {
              kind: "Service",
              spec: {
                selector: {
                  "app.kubernetes.io/name": "ws-gateway",
                  "app.kubernetes.io/version": this.stableVersion,
                },
              },
            },
          };
    }
    if (path === `/api/v1/namespaces/${NAMESPACE}/events` && request.method === "POST") {
      const event = JSON.parse(request.body) as Record<string, unknown>;
      this.events.push(event);
      return { status: 201, body: event };
    }
    const leaseAnswer = this.leaseRequest(path, request);
    if (leaseAnswer !== undefined) return leaseAnswer;
    const podPrefix = `/api/v1/namespaces/${NAMESPACE}/pods/`;
    if (path.startsWith(podPrefix) && request.method === "DELETE") {
      const name = decodeURIComponent(path.slice(podPrefix.length));
      const index = this.pods.findIndex((item) => item.metadata.name === name);
      if (index < 0) {
        return {
          status: 404,
          body: { kind: "Status", reason: "NotFound", message: `pods "${name}" not found` },
        };
      }
      const [deleted] = this.pods.splice(index, 1);
      return { status: 200, body: deleted };
    }
    if (path === `/api/v1/namespaces/${NAMESPACE}/pods` && request.method === "GET") {
      return { status: 200, body: { kind: "PodList", apiVersion: "v1", items: this.pods } };
    }
    return { status: 404, body: { kind: "Status", reason: "NotFound", message: `${path} not found` } };
  }

  private ingress(): unknown {
    return {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: INGRESS,
        namespace: NAMESPACE,
        resourceVersion: String(this.resourceVersion),
        annotations: { ...this.annotations },
      },
    };
  }

  /** The Lease endpoints; undefined for any other path. */
  private leaseRequest(
    path: string,
    request: RecordedRequest,
  ): { status: number; body: unknown } | undefined {
    const notFound = {
      status: 404,
      body: { kind: "Status", reason: "NotFound", message: "leases not found" },
    };
    if (path === LEASES_PATH && request.method === "POST") {
      if (this.lease !== undefined) {
        return {
          status: 409,
          body: { kind: "Status", reason: "AlreadyExists", message: "leases already exists" },
        };
      }
      const doc = JSON.parse(request.body) as FakeLease;
      this.resourceVersion += 1;
      this.lease = { ...doc, metadata: { ...doc.metadata, resourceVersion: String(this.resourceVersion) } };
      return { status: 201, body: this.lease };
    }
    if (path !== LEASE_PATH) return undefined;
    if (request.method === "GET")
      return this.lease === undefined ? notFound : { status: 200, body: this.lease };
    if (request.method === "PUT") {
      if (this.lease === undefined) return notFound;
      const doc = JSON.parse(request.body) as FakeLease;
      if (doc.metadata.resourceVersion !== this.lease.metadata.resourceVersion) return conflict("leases");
      this.resourceVersion += 1;
      this.lease = { ...doc, metadata: { ...doc.metadata, resourceVersion: String(this.resourceVersion) } };
      return { status: 200, body: this.lease };
    }
    if (request.method === "DELETE") {
      if (this.lease === undefined) return notFound;
      const options = (request.body === "" ? {} : JSON.parse(request.body)) as {
        preconditions?: { resourceVersion?: string };
      };
      const expected = options.preconditions?.resourceVersion;
      if (expected !== undefined && expected !== this.lease.metadata.resourceVersion)
        return conflict("leases");
      const deleted = this.lease;
      this.lease = undefined;
      return { status: 200, body: deleted };
    }
    return undefined;
  }
}

export function pod(
  name: string,
  version: string,
  ready: boolean,
  restarts: number[],
  terminating = false,
): FakePod {
  return {
    metadata: {
      name,
      labels: { "app.kubernetes.io/name": "ws-gateway", "app.kubernetes.io/version": version },
      ...(terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    status: {
      conditions: [
        { type: "PodScheduled", status: "True" },
        { type: "Ready", status: ready ? "True" : "False" },
      ],
      containerStatuses: restarts.map((restartCount) => ({ restartCount })),
    },
  };
}
