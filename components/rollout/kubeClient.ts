/**
 * The rollout's Kubernetes API client: @kubernetes/client-node for the
 * kubeconfig and credentials, our own requests for timeouts and errors.
 *
 * Why @kubernetes/client-node, and why only for this part. It survives
 * Pulumi's closure serializer when it is loaded lazily inside a method (the
 * serializer then writes `require("@kubernetes/client-node")`, resolved in
 * the dynamic-provider host from the project's node_modules; an SDK client
 * captured at module level does not serialize, pulumi/pulumi#13960,
 * #18997). test/rollout/canaryRollout.test.ts runs the serialized providers
 * in a fresh `node` process to prove it. Version 2 needs Node >= 22.19
 * (undici 8), which the project's Node 22 LTS has. It reads every kubeconfig
 * form kubectl does (exec credential plugins such as gke-gcloud-auth-plugin,
 * client certificates, tokens, token files, in-cluster service accounts) and
 * refreshes exec tokens when they expire: that is what it is for here.
 * Requests stay ours (node:http/https with the options it fills in): the
 * rollout needs a whole-request deadline, a precise error for every failure
 * (./apiError: status, reason, path, what to do) and retries under a budget
 * (./retry), and the generated API classes wrap errors in a generic
 * "Unknown API Status Code!" exception and no per-request deadline.
 */
import { existsSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { homedir } from "node:os";
import * as path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import {
  apiError,
  httpApiError,
  isApiError,
  networkApiError,
  refreshCredentialsFix,
  timeoutApiError,
  type RequestContext,
} from "./apiError";

export interface KubeRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path and query, e.g. /api/v1/namespaces/prod/pods?labelSelector=... */
  readonly path: string;
  /** What the call is about, for error messages, e.g. `Ingress prod/ws-gateway-canary`. */
  readonly what: string;
  readonly body?: unknown;
  readonly contentType?: string;
  /** A 404 answer resolves with undefined instead of failing (e.g. deleting a pod already gone). */
  readonly allowNotFound?: boolean;
  /** Said when the object is missing (404). */
  readonly notFoundFix?: string;
  /** Resolve with the body as text instead of parsed JSON (e.g. a metrics page). */
  readonly text?: boolean;
  /**
   * What is left of the caller's budget, in ms: the request (credentials
   * included) gives up by then even when its own timeout is longer, so a
   * call and its retries never outlive their budget. @default the client's timeoutMs
   */
  readonly timeoutMs?: number;
}

/** True for a loopback host: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface KubeClientOptions {
  /** Kubeconfig text (YAML or JSON). @default kubectl's lookup: $KUBECONFIG, ~/.kube/config, in-cluster */
  readonly kubeconfig?: string;
  /** kubeconfig context to use. @default the kubeconfig's current context */
  readonly kubeContext?: string;
  /** Whole-request deadline. */
  readonly timeoutMs: number;
  /** Environment for the default lookup. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** A loaded kubeconfig: the library's object, the API server, the context name. */
export interface LoadedKubeConfig {
  readonly kc: KubeConfig;
  readonly server: string;
  readonly context: string;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * kubectl's lookup order: the files of $KUBECONFIG that exist (merged, the
 * first one's current context wins), else ~/.kube/config, else the in-cluster
 * service account. Throws a one-line error naming where it looked.
 */
export async function loadKubeConfig(
  options: Omit<KubeClientOptions, "timeoutMs">,
): Promise<LoadedKubeConfig> {
  const lib = await import("@kubernetes/client-node");
  const env = options.env ?? process.env;
  const kc = new lib.KubeConfig();
  const text = options.kubeconfig;
  try {
    if (text !== undefined && text.trim() !== "") {
      kc.loadFromString(text);
    } else {
      const listed = (env.KUBECONFIG ?? "").split(path.delimiter).filter((file) => file !== "");
      const home = path.join(env.HOME ?? homedir(), ".kube", "config");
      const candidates = listed.length > 0 ? listed : [home];
      const files = candidates.filter((file) => existsSync(file));
      if (files.length > 0) {
        kc.loadFromFile(files[0]);
        for (const file of files.slice(1)) {
          const more = new lib.KubeConfig();
          more.loadFromFile(file);
          kc.mergeConfig(more, true);
        }
      } else if (env.KUBERNETES_SERVICE_HOST !== undefined && existsSync(SERVICE_ACCOUNT_TOKEN)) {
        kc.loadFromCluster();
      } else {
        throw new Error(
          `no kubeconfig found: looked at ${candidates.join(", ")} and for an in-cluster service account; pass kubeconfig explicitly`,
        );
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      message.startsWith("no kubeconfig found") ? message : `kubeconfig could not be read: ${message}`,
    );
  }
  if (options.kubeContext !== undefined && options.kubeContext !== "") {
    if (kc.getContextObject(options.kubeContext) === null) {
      const known = kc.getContexts().map((context) => context.name);
      throw new Error(
        `kubeconfig has no context named "${options.kubeContext}" (it has: ${known.join(", ") || "none"}); set kubeContext to one of them`,
      );
    }
    kc.setCurrentContext(options.kubeContext);
  }
  const context = kc.getCurrentContext();
  if (context === "" || context === undefined || kc.getContextObject(context) === null) {
    throw new Error("kubeconfig has no current context; set current-context or pass kubeContext");
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw new Error(`kubeconfig context "${context}" names a cluster that the kubeconfig does not define`);
  }
  const server = cluster.server.replace(/\/+$/, "");
  if (server.startsWith("http://")) {
    // Plain http (kubectl proxy): the library refuses it unless TLS verification is off, which
    // means nothing without TLS. On loopback it is taken as it is; elsewhere credentials would
    // cross the network in clear, so it is refused naming the scheme.
    if (!isLoopbackHost(new URL(server).hostname)) {
      throw new Error(
        `kubeconfig context "${context}" points at ${server}: plain http to a non-loopback address would send credentials unencrypted; use the API server's https:// address, or run kubectl proxy and point the context at http://127.0.0.1:8001`,
      );
    }
    if (!cluster.skipTLSVerify) {
      const plain = new lib.KubeConfig();
      plain.loadFromOptions({
        clusters: kc.clusters.map((c) => (c.name === cluster.name ? { ...c, skipTLSVerify: true } : c)),
        users: kc.users,
        contexts: kc.contexts,
        currentContext: context,
      });
      return { kc: plain, server, context };
    }
  }
  return { kc, server, context };
}

/** Exec credential plugins (e.g. gke-gcloud-auth-plugin) get this many request timeouts to answer. */
const CREDENTIAL_TIMEOUT_FACTOR = 3;

/** Error codes of a socket that was never connected: nothing reached the server. */
const NOT_SENT = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"];

/** Seconds from a Retry-After header (delta-seconds form), in ms. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 60) * 1000 : undefined;
}

/** One JSON request at a time against the API server of a kubeconfig. */
export class KubeClient {
  private loaded: Promise<LoadedKubeConfig> | undefined = undefined;

  constructor(readonly options: KubeClientOptions) {}

  /** The kubeconfig, read once on first use (and the library loaded then, not at import). */
  config(): Promise<LoadedKubeConfig> {
    if (this.loaded === undefined) {
      this.loaded = loadKubeConfig(this.options);
      // A failed load is retried on the next call rather than cached.
      this.loaded.catch(() => (this.loaded = undefined));
    }
    return this.loaded;
  }

  /**
   * Sends one request; resolves with the parsed JSON body of a 2xx answer
   * (or its text), rejects with an API error (./apiError) otherwise.
   */
  async request(req: KubeRequest): Promise<unknown> {
    const failed = (reason: string, summary: string, fix: string) =>
      apiError({
        status: undefined,
        reason,
        method: req.method,
        path: req.path,
        url: req.path,
        transient: false,
        mayHaveLanded: false,
        summary: `Kubernetes API ${req.method} ${req.path} (${req.what}): ${summary}`,
        fix,
      });
    let loaded: LoadedKubeConfig;
    try {
      loaded = await this.config();
    } catch (error) {
      // Reported as the API's failure (not a gate's), with what to fix; retrying cannot help.
      throw failed(
        "KubeconfigUnusable",
        error instanceof Error ? error.message : String(error),
        "fix the kubeconfig or pass one explicitly",
      );
    }
    const { kc, server, context } = loaded;
    const url = new URL(server + req.path);
    const requestMs = Math.max(
      1,
      Math.min(this.options.timeoutMs, req.timeoutMs ?? Number.POSITIVE_INFINITY),
    );
    const ctx: RequestContext = {
      method: req.method,
      path: req.path,
      url: url.toString(),
      what: req.what,
      context,
      ...(req.notFoundFix === undefined ? {} : { notFoundFix: req.notFoundFix }),
    };
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const options: https.RequestOptions = { method: req.method, headers: {} };
    // The library runs exec plugins with no deadline: a hung plugin would hang the rollout (and its abort) for good.
    const credentialMs = Math.max(
      1,
      Math.min(this.options.timeoutMs * CREDENTIAL_TIMEOUT_FACTOR, req.timeoutMs ?? Number.POSITIVE_INFINITY),
    );
    let credentialTimer: NodeJS.Timeout | undefined = undefined;
    try {
      // CA, client certificate, bearer token (exec plugins run here, tokens cached until they expire).
      await Promise.race([
        kc.applyToHTTPSOptions(options),
        new Promise<never>((_resolve, reject) => {
          credentialTimer = setTimeout(
            () =>
              reject(
                new Error(
                  `no credentials within ${credentialMs / 1000}s (${CREDENTIAL_TIMEOUT_FACTOR} times rollout.api.requestTimeout, or what was left of the call's budget): the exec credential plugin did not finish`,
                ),
              ),
            credentialMs,
          );
        }),
      ]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw failed(
        "CredentialsUnavailable",
        `could not get credentials: ${message}`,
        refreshCredentialsFix(context, "could not be obtained"),
      );
    } finally {
      clearTimeout(credentialTimer);
    }
    const headers: http.OutgoingHttpHeaders = {
      ...(options.headers as http.OutgoingHttpHeaders | undefined),
      Accept: "application/json",
    };
    if (payload !== undefined) {
      headers["Content-Type"] = req.contentType ?? "application/json";
      headers["Content-Length"] = Buffer.byteLength(payload);
    }
    options.headers = headers;
    const seconds = requestMs / 1000;
    return new Promise((resolve, reject) => {
      // Declared before the callbacks that use them: the closure serializer rejects uses ahead of declarations.
      let timer: NodeJS.Timeout | undefined = undefined;
      let sent = false;
      let timedOut = false;
      const client = url.protocol === "https:" ? https : http;
      const request = client.request(url, options, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => {
          clearTimeout(timer);
          reject(networkApiError(ctx, "ECONNRESET", `answer cut off: ${error.message}`, true));
        });
        response.on("end", () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString("utf8");
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            if (req.text === true) {
              resolve(text);
              return;
            }
            try {
              resolve(text === "" ? undefined : JSON.parse(text));
            } catch {
              reject(
                httpApiError(ctx, status, "InvalidResponse", `the answer is not JSON: ${text.slice(0, 200)}`),
              );
            }
            return;
          }
          if (status === 404 && req.allowNotFound === true) {
            resolve(undefined);
            return;
          }
          // Kubernetes answers errors with a Status object: reason (e.g. NotFound) and message.
          let body: { reason?: unknown; message?: unknown } = {};
          try {
            body = JSON.parse(text) as typeof body;
          } catch {
            // Not a Status object (e.g. a proxy's error page): its text is the detail.
          }
          const reason = typeof body.reason === "string" ? body.reason : (response.statusMessage ?? "");
          const detail = typeof body.message === "string" ? body.message : text.trim().slice(0, 200);
          reject(httpApiError(ctx, status, reason, detail, retryAfterMs(response.headers["retry-after"])));
        });
      });
      // A whole-request deadline: socket timeouts alone miss a server that trickles bytes.
      timer = setTimeout(() => {
        timedOut = true;
        request.destroy();
        reject(timeoutApiError(ctx, seconds));
      }, requestMs);
      request.on("socket", (socket) => {
        // A kept-alive socket is connected already: whatever fails from here on may have reached the server.
        if (!socket.connecting) sent = true;
        socket.on("connect", () => (sent = true));
        socket.on("secureConnect", () => (sent = true));
      });
      request.on("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (timedOut) return;
        const code = error.code ?? "ERROR";
        const describeIt = code === "ECONNREFUSED" ? `connection refused (${error.message})` : error.message;
        reject(
          isApiError(error)
            ? error
            : networkApiError(ctx, code, describeIt, sent && !NOT_SENT.includes(code)),
        );
      });
      request.end(payload);
    });
  }
}
