/**
 * A fake Kubernetes API server on 127.0.0.1: one canary Ingress and a list of
 * pods, JSON merge patch on the Ingress, every request recorded, and a hook to
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

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  annotations: Record<string, string> = { "nginx.ingress.kubernetes.io/canary": "true" };
  pods: FakePod[] = [];
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
        metadata?: { annotations?: Record<string, string | null> };
      };
      for (const [key, value] of Object.entries(patch.metadata?.annotations ?? {})) {
        if (value === null) delete this.annotations[key];
        else this.annotations[key] = value;
      }
      return { status: 200, body: this.ingress() };
    }
    if (path === INGRESS_PATH && request.method === "GET") {
      return { status: 200, body: this.ingress() };
    }
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
      metadata: { name: INGRESS, namespace: NAMESPACE, annotations: { ...this.annotations } },
    };
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
