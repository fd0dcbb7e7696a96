/**
 * A small Kubernetes REST client: enough kubeconfig support for GKE (exec
 * credential plugin), kind and in-cluster service accounts, and one JSON
 * request at a time with a timeout.
 *
 * Why not @kubernetes/client-node: version 2 is ESM-only and loads undici 8,
 * which needs Node >= 22.19; on the Node 20 this project supports, loading the
 * package throws (zlib.createZstdDecompress is missing). The rollout needs
 * three requests (GET and merge-PATCH an Ingress, list pods), so plain
 * node:https keeps it dependency-free and also keeps the dynamic provider's
 * serialized closure small.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { homedir } from "node:os";
import * as path from "node:path";
import { load as parseYaml } from "js-yaml";

/** The parts of a kubeconfig user entry we act on (client.authentication.k8s.io exec plugins included). */
export interface KubeUser {
  readonly token?: string;
  readonly tokenFile?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
  readonly exec?: {
    readonly command: string;
    readonly args?: readonly string[];
    readonly env?: readonly { readonly name: string; readonly value: string }[];
    readonly apiVersion?: string;
  };
}

/** Where and how to reach the API server, resolved from a kubeconfig's current context. */
export interface KubeConnection {
  readonly server: string;
  readonly caData?: string;
  readonly skipTlsVerify: boolean;
  readonly user: KubeUser;
  /** Directory relative file paths in the kubeconfig are resolved against. */
  readonly baseDir: string;
}

type Doc = Record<string, unknown>;

function asDoc(value: unknown): Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Doc) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function named(list: unknown, name: string, kind: string, source: string): Doc {
  const entry = (Array.isArray(list) ? list : []).map(asDoc).find((item) => item.name === name);
  if (entry === undefined) throw new Error(`kubeconfig (${source}): no ${kind} named "${name}"`);
  return asDoc(entry[kind]);
}

/** Resolves a context of a kubeconfig document (YAML or JSON text): `context`, or the current one. */
export function parseKubeconfig(
  text: string,
  source = "inline",
  baseDir = process.cwd(),
  context?: string,
): KubeConnection {
  let doc: Doc;
  try {
    doc = asDoc(parseYaml(text));
  } catch (error) {
    throw new Error(`kubeconfig (${source}) is not valid YAML: ${(error as Error).message}`);
  }
  const contextName = context ?? str(doc["current-context"]);
  if (contextName === undefined) throw new Error(`kubeconfig (${source}) has no current-context`);
  const ctx = named(doc.contexts, contextName, "context", source);
  const clusterName = str(ctx.cluster) ?? "";
  const cluster = named(doc.clusters, clusterName, "cluster", source);
  const userName = str(ctx.user);
  const user = userName === undefined ? {} : named(doc.users, userName, "user", source);
  const server = str(cluster.server);
  if (server === undefined) throw new Error(`kubeconfig (${source}): cluster "${clusterName}" has no server`);
  const caFile = str(cluster["certificate-authority"]);
  const exec = asDoc(user.exec);
  return {
    server: server.replace(/\/+$/, ""),
    caData:
      str(cluster["certificate-authority-data"]) ??
      (caFile === undefined ? undefined : readFileSync(path.resolve(baseDir, caFile)).toString("base64")),
    skipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    baseDir,
    user: {
      token: str(user.token),
      tokenFile: str(user.tokenFile),
      clientCertificateData: str(user["client-certificate-data"]),
      clientKeyData: str(user["client-key-data"]),
      clientCertificate: str(user["client-certificate"]),
      clientKey: str(user["client-key"]),
      exec:
        str(exec.command) === undefined
          ? undefined
          : {
              command: str(exec.command) ?? "",
              args: Array.isArray(exec.args) ? exec.args.map(String) : [],
              env: (Array.isArray(exec.env) ? exec.env : []).map(asDoc).map((entry) => ({
                name: String(entry.name),
                value: String(entry.value),
              })),
              apiVersion: str(exec.apiVersion),
            },
    },
  };
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * kubectl's lookup order: $KUBECONFIG (first file that exists), ~/.kube/config,
 * then the in-cluster service account. Merging several KUBECONFIG files is not
 * supported: pass the kubeconfig explicitly for that.
 */
export function loadDefaultKubeconfig(
  env: NodeJS.ProcessEnv = process.env,
  context?: string,
): KubeConnection {
  const candidates = (env.KUBECONFIG ?? "")
    .split(path.delimiter)
    .filter((file) => file !== "")
    .concat(path.join(env.HOME ?? homedir(), ".kube", "config"));
  const file = candidates.find((candidate) => existsSync(candidate));
  if (file !== undefined) {
    return parseKubeconfig(readFileSync(file, "utf8"), file, path.dirname(file), context);
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host !== undefined && existsSync(path.join(SERVICE_ACCOUNT_DIR, "token"))) {
    const hostPart = host.includes(":") ? `[${host}]` : host;
    return {
      server: `https://${hostPart}:${env.KUBERNETES_SERVICE_PORT ?? "443"}`,
      caData: readFileSync(path.join(SERVICE_ACCOUNT_DIR, "ca.crt")).toString("base64"),
      skipTlsVerify: false,
      baseDir: SERVICE_ACCOUNT_DIR,
      user: { tokenFile: path.join(SERVICE_ACCOUNT_DIR, "token") },
    };
  }
  throw new Error(
    `no kubeconfig found: looked at ${candidates.join(", ")} and for an in-cluster service account; pass kubeconfig explicitly`,
  );
}

/** An API call that did not succeed; `status` is the HTTP status, undefined for timeouts and network errors. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

export interface KubeRequest {
  readonly method: "GET" | "PATCH" | "DELETE";
  /** Path and query, e.g. /api/v1/namespaces/prod/pods?labelSelector=... */
  readonly path: string;
  /** What the call is about, for error messages, e.g. `Ingress prod/ws-gateway-canary`. */
  readonly what: string;
  readonly body?: unknown;
  readonly contentType?: string;
  /** A 404 answer resolves with undefined instead of failing (e.g. deleting a pod already gone). */
  readonly allowNotFound?: boolean;
  /** Resolve with the body as text instead of parsed JSON (e.g. a metrics page). */
  readonly text?: boolean;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAtMs: number;
}

/** Exec plugin tokens without an expiry are reused for this long. */
const EXEC_TOKEN_DEFAULT_TTL_MS = 5 * 60_000;

/** Runs a client.authentication.k8s.io exec plugin (e.g. gke-gcloud-auth-plugin) and returns its token. */
function runExecPlugin(
  exec: NonNullable<KubeUser["exec"]>,
  server: string,
  timeoutMs: number,
): Promise<CachedToken> {
  const apiVersion = exec.apiVersion ?? "client.authentication.k8s.io/v1beta1";
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const entry of exec.env ?? []) env[entry.name] = entry.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion,
    kind: "ExecCredential",
    spec: { interactive: false, cluster: { server } },
  });
  return new Promise((resolve, reject) => {
    execFile(exec.command, [...(exec.args ?? [])], { env, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`kubeconfig exec plugin ${exec.command} failed: ${error.message} ${stderr}`.trim()));
        return;
      }
      const status = asDoc(asDoc(JSON.parse(stdout)).status);
      const token = str(status.token);
      if (token === undefined) {
        reject(
          new Error(
            `kubeconfig exec plugin ${exec.command} returned no token (client certificates are not supported)`,
          ),
        );
        return;
      }
      const expiry = str(status.expirationTimestamp);
      const expiresAtMs =
        expiry === undefined ? Date.now() + EXEC_TOKEN_DEFAULT_TTL_MS : Date.parse(expiry) - 60_000;
      resolve({ token, expiresAtMs });
    });
  });
}

/** One JSON request at a time against the API server of a KubeConnection. */
export class KubeClient {
  private execToken: CachedToken | undefined;
  private readonly tls: https.AgentOptions;

  constructor(
    readonly connection: KubeConnection,
    readonly timeoutMs: number,
  ) {
    const user = connection.user;
    const file = (name: string | undefined): Buffer | undefined =>
      name === undefined ? undefined : readFileSync(path.resolve(connection.baseDir, name));
    const data = (value: string | undefined): Buffer | undefined =>
      value === undefined ? undefined : Buffer.from(value, "base64");
    this.tls = {
      ca: data(connection.caData),
      cert: data(user.clientCertificateData) ?? file(user.clientCertificate),
      key: data(user.clientKeyData) ?? file(user.clientKey),
      rejectUnauthorized: !connection.skipTlsVerify,
    };
  }

  private async bearerToken(): Promise<string | undefined> {
    const user = this.connection.user;
    if (user.token !== undefined) return user.token;
    // Re-read each time: projected service account tokens rotate.
    if (user.tokenFile !== undefined) {
      return readFileSync(path.resolve(this.connection.baseDir, user.tokenFile), "utf8").trim();
    }
    if (user.exec !== undefined) {
      if (this.execToken === undefined || this.execToken.expiresAtMs <= Date.now()) {
        this.execToken = await runExecPlugin(user.exec, this.connection.server, this.timeoutMs * 3);
      }
      return this.execToken.token;
    }
    return undefined;
  }

  /** Sends one request; resolves with the parsed JSON body of a 2xx answer, rejects with a KubeApiError otherwise. */
  async request(req: KubeRequest): Promise<unknown> {
    const token = await this.bearerToken();
    const url = new URL(this.connection.server + req.path);
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: http.OutgoingHttpHeaders = { Accept: "application/json" };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers["Content-Type"] = req.contentType ?? "application/json";
      headers["Content-Length"] = Buffer.byteLength(payload);
    }
    const describe = `${req.method} ${req.what}`;
    const seconds = this.timeoutMs / 1000;
    return new Promise((resolve, reject) => {
      // Declared before the callbacks that clear it: the closure serializer rejects uses ahead of declarations.
      let timer: NodeJS.Timeout | undefined = undefined;
      const options: https.RequestOptions = {
        method: req.method,
        headers,
        ...(url.protocol === "https:" ? this.tls : {}),
      };
      const client = url.protocol === "https:" ? https : http;
      const request = client.request(url, options, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => reject(new KubeApiError(`${describe}: ${error.message}`, undefined)));
        response.on("end", () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString("utf8");
          const status = response.statusCode ?? 0;
          let body: unknown;
          try {
            body = text === "" ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          if (status >= 200 && status < 300) {
            resolve(req.text === true ? text : body);
            return;
          }
          if (status === 404 && req.allowNotFound === true) {
            resolve(undefined);
            return;
          }
          // Kubernetes answers errors with a Status object: reason (e.g. NotFound) and message.
          const statusDoc = asDoc(body);
          const reason = str(statusDoc.reason) ?? response.statusMessage ?? "";
          const detail = str(statusDoc.message) ?? text.slice(0, 200);
          reject(
            new KubeApiError(
              `${describe}: HTTP ${status} ${reason}${detail === "" ? "" : `: ${detail}`}`,
              status,
            ),
          );
        });
      });
      // A whole-request deadline: socket timeouts alone miss a server that trickles bytes.
      timer = setTimeout(() => {
        request.destroy(new KubeApiError(`${describe}: no answer within ${seconds}s`, undefined));
      }, this.timeoutMs);
      request.on("error", (error) => {
        clearTimeout(timer);
        reject(
          error instanceof KubeApiError
            ? error
            : new KubeApiError(`${describe}: ${error.message}`, undefined),
        );
      });
      request.end(payload);
    });
  }
}
