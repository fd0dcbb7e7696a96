/**
 * Errors of Kubernetes API calls, as plain `Error` objects with fields.
 *
 * Why no subclass of Error (the old KubeApiError): the dynamic providers capture
 * this code by value, and Pulumi's closure serializer turns a subclass of a
 * built-in into a plain function whose `Error.call(this, message)` sets
 * nothing, so the thrown object had no message and reached the user as
 * "[object Object]" (pulumi/pulumi#10974). A real `Error` with fields assigned
 * survives the serializer; everything here is plain functions and objects.
 *
 * Each error carries the HTTP status, the Kubernetes reason, the method, the
 * API path and URL, whether retrying can help (`transient`), whether a write
 * may have landed although it failed (`mayHaveLanded`), and what to do (`fix`).
 * Routers other than the Kubernetes one (the rehearsal's local router) mark
 * their API failures the same way with apiError().
 */

/** The fields every API failure carries. */
export interface ApiFailure {
  /** Marker: this error is the API's, not the caller's. */
  readonly apiFailure: true;
  /** HTTP status; undefined when no answer came (timeout, refused, reset). */
  readonly status: number | undefined;
  /** Kubernetes Status reason (e.g. "Conflict") or the network failure (e.g. "Timeout", "ECONNREFUSED"). */
  readonly reason: string;
  readonly method: string;
  /** API path and query, e.g. /apis/networking.k8s.io/v1/namespaces/prod/ingresses/ws-gateway-canary. */
  readonly path: string;
  /** Full URL, for timeouts and network failures. */
  readonly url: string;
  /** A retry may succeed: 409, 429, 5xx, timeouts, resets, refused connections. */
  readonly transient: boolean;
  /** A write that failed without a clear refusal (timeout, reset, 5xx): it may have been applied. */
  readonly mayHaveLanded: boolean;
  /** The message without the fix. */
  readonly summary: string;
  /** What the operator should do, appended last to the message; "" when a retry is all there is to do. */
  readonly fix: string;
  /** Minimum delay before a retry the server asked for (429/503 Retry-After). */
  readonly retryAfterMs?: number;
}

export type ApiError = Error & ApiFailure;

export type ApiFailureFields = Omit<ApiFailure, "apiFailure">;

/** The message of an API failure: what failed, then what to do. */
export function apiErrorMessage(fields: Pick<ApiFailure, "summary" | "fix">): string {
  return fields.fix === "" ? fields.summary : `${fields.summary}; ${fields.fix}`;
}

/** A real Error carrying the fields, its message built from summary and fix. */
export function apiError(fields: ApiFailureFields): ApiError {
  const error = new Error(apiErrorMessage(fields));
  error.name = "KubernetesApiError";
  return Object.assign(error, { apiFailure: true as const }, fields);
}

export function isApiError(value: unknown): value is ApiError {
  return (
    value instanceof Error &&
    (value as Partial<ApiFailure>).apiFailure === true &&
    typeof (value as Partial<ApiFailure>).summary === "string"
  );
}

/** A copy of an API error whose summary says more (e.g. how many attempts were made). */
export function withSummary(error: ApiError, summary: string): ApiError {
  return apiError({
    status: error.status,
    reason: error.reason,
    method: error.method,
    path: error.path,
    url: error.url,
    transient: error.transient,
    mayHaveLanded: error.mayHaveLanded,
    summary,
    fix: error.fix,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
}

/** The text of anything thrown. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string") return message;
    try {
      return JSON.stringify(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}

/** What the caller of a request knows and the client does not: the object, and what to do when it is missing. */
export interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly url: string;
  /** What the call is about, e.g. `Ingress prod/ws-gateway-canary`. */
  readonly what: string;
  /** Said on 404. */
  readonly notFoundFix?: string;
  /** The kubeconfig context in use, for credential advice. */
  readonly context?: string;
}

const WRITE_METHODS = ["PATCH", "PUT", "POST", "DELETE"];

/** "get ingresses", "list pods", "patch ingresses" from a method and an API path. */
function permissionText(method: string, path: string): string {
  const [bare] = path.split("?");
  const parts = bare.split("/").filter((part) => part !== "");
  const nsIndex = parts.indexOf("namespaces");
  const namespace = nsIndex >= 0 ? parts[nsIndex + 1] : undefined;
  const afterNs = nsIndex >= 0 ? parts.slice(nsIndex + 2) : parts.slice(2);
  const resource = afterNs.length >= 3 ? `${afterNs[0]}/${afterNs[2]}` : (afterNs[0] ?? "the resource");
  const named = afterNs.length >= 2;
  const verb =
    method === "GET" ? (named ? "get" : "list") : method === "DELETE" ? "delete" : method.toLowerCase();
  return `${verb} ${resource}${namespace === undefined ? "" : ` in namespace ${namespace}`}`;
}

/** Advice for refused credentials: GKE's plugin and kubeconfig context. */
export function refreshCredentialsFix(
  context: string | undefined,
  what = "were refused (expired or revoked)",
): string {
  const which =
    context === undefined ? "the kubeconfig's current context" : `kubeconfig context "${context}"`;
  return (
    `the credentials of ${which} ${what}: refresh them and run pulumi up again ` +
    "(GKE: gcloud container clusters get-credentials CLUSTER --region REGION, with gke-gcloud-auth-plugin installed and on PATH; " +
    "otherwise renew the token or client certificate of that context, or pick another with rollout kubeContext)"
  );
}

/** An API error for an HTTP answer outside 2xx; `reason` and `detail` from the Status object when there is one. */
export function httpApiError(
  ctx: RequestContext,
  status: number,
  reason: string,
  detail: string,
  retryAfterMs?: number,
): ApiError {
  const write = WRITE_METHODS.includes(ctx.method);
  const transient = status === 409 || status === 429 || status >= 500;
  const head = `Kubernetes API ${ctx.method} ${ctx.path} (${ctx.what}): HTTP ${status}${reason === "" ? "" : ` ${reason}`}${detail === "" ? "" : `: ${detail}`}`;
  let fix = "";
  if (status === 401) fix = refreshCredentialsFix(ctx.context);
  else if (status === 403)
    fix = `the credentials lack permission to ${permissionText(ctx.method, ctx.path)}: grant it (see the rollout's RBAC in docs/release-safety.md) and run pulumi up again`;
  else if (status === 404) fix = ctx.notFoundFix ?? `check that ${ctx.what} exists`;
  else if (!transient) fix = "this is a bug or an incompatible API server: report it with this message";
  return apiError({
    status,
    reason: reason === "" ? `HTTP ${status}` : reason,
    method: ctx.method,
    path: ctx.path,
    url: ctx.url,
    transient,
    // A 5xx may come after the change was stored; a 409 or 429 was refused before it.
    mayHaveLanded: write && status >= 500,
    summary: head,
    fix,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** An API error for a request that got no answer within the limit. */
export function timeoutApiError(ctx: RequestContext, limitSeconds: number): ApiError {
  return apiError({
    status: undefined,
    reason: "Timeout",
    method: ctx.method,
    path: ctx.path,
    url: ctx.url,
    transient: true,
    mayHaveLanded: WRITE_METHODS.includes(ctx.method),
    summary: `Kubernetes API ${ctx.method} ${ctx.url} (${ctx.what}): no answer within ${limitSeconds}s (rollout.api.requestTimeout)`,
    fix: "",
  });
}

/** An API error for a network failure: refused, reset, unknown host, TLS. */
export function networkApiError(ctx: RequestContext, code: string, detail: string, sent: boolean): ApiError {
  const tls = /CERT|SSL|TLS|SELF_SIGNED/i.test(code);
  const which =
    ctx.context === undefined ? "the kubeconfig's current context" : `kubeconfig context "${ctx.context}"`;
  const fix = tls
    ? `the API server's certificate was not accepted: check the certificate-authority of ${which}`
    : `check that the API server of ${which} (${new URL(ctx.url).origin}) is reachable from this machine (VPN, GKE authorized networks, cluster up)`;
  return apiError({
    status: undefined,
    reason: code,
    method: ctx.method,
    path: ctx.path,
    url: ctx.url,
    transient: !tls,
    // Refused or unknown host: nothing reached the server. A reset after sending may have.
    mayHaveLanded:
      sent && WRITE_METHODS.includes(ctx.method) && code !== "ECONNREFUSED" && code !== "ENOTFOUND",
    summary: `Kubernetes API ${ctx.method} ${ctx.url} (${ctx.what}): ${detail}`,
    fix,
  });
}
