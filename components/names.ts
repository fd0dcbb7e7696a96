/**
 * Names, label keys and annotation keys shared by the program, the rollout
 * engine, the policy pack and the rehearsal. One place per fact: anything
 * that must agree across those parts is defined here and imported.
 */

/** Application name: the prefix of every versioned Deployment and the value of the app label. */
export const APP_NAME = "ws-gateway";

/** Label keys carried by every gateway pod. Services select on both. */
export const LABEL_APP = "app.kubernetes.io/name";
export const LABEL_VERSION = "app.kubernetes.io/version";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

/** Fixed Service names: releases change their selectors, never their names. */
export const STABLE_SERVICE = `${APP_NAME}-stable`;
export const CANARY_SERVICE = `${APP_NAME}-canary`;

/** Fixed Ingress names: both objects stay byte-identical from release to release. */
export const PRIMARY_INGRESS = `${APP_NAME}`;
export const CANARY_INGRESS = `${APP_NAME}-canary`;

/** ingress-nginx annotation prefix and the canary annotations we use. */
export const NGINX_ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io/";
export const ANNOTATION_CANARY = `${NGINX_ANNOTATION_PREFIX}canary`;
/** Written only by the rollout engine (one writer per field); Pulumi never declares it. */
export const ANNOTATION_CANARY_WEIGHT = `${NGINX_ANNOTATION_PREFIX}canary-weight`;
export const ANNOTATION_CANARY_BY_HEADER = `${NGINX_ANNOTATION_PREFIX}canary-by-header`;
export const ANNOTATION_PROXY_READ_TIMEOUT = `${NGINX_ANNOTATION_PREFIX}proxy-read-timeout`;
export const ANNOTATION_PROXY_SEND_TIMEOUT = `${NGINX_ANNOTATION_PREFIX}proxy-send-timeout`;

/**
 * Request header that routes a request to the canary whatever the weight
 * (ingress-nginx `canary-by-header`, value "always"). Used by the handshake gate.
 */
export const CANARY_HEADER = "X-Ws-Gateway-Canary";
export const CANARY_HEADER_ALWAYS = "always";

/** pulumi-kubernetes annotations (docs/facts.md F19). */
export const ANNOTATION_DELETION_PROPAGATION = "pulumi.com/deletionPropagationPolicy";
export const ANNOTATION_SKIP_AWAIT = "pulumi.com/skipAwait";

/** The drain contract's environment variable (docs/drain-contract.md). */
export const ENV_DRAIN_SECONDS = "DRAIN_SECONDS";
/** The drain contract's environment variable naming the pod's version (gateway.version). */
export const ENV_GATEWAY_VERSION = "GATEWAY_VERSION";
/** The port the gateway listens on (gateway.port), and the pod's own name, both set by the program. */
export const ENV_PORT = "PORT";
export const ENV_POD_NAME = "POD_NAME";
/**
 * Version identity (docs/drain-contract.md): the gateway names its version in
 * this header of every upgrade it accepts (the 101 answer), so a probe knows
 * which version it measured.
 */
export const VERSION_HEADER = "X-Gateway-Version";
/** Close code a draining gateway sends: 1012 Service Restart (IANA registry). */
export const CLOSE_CODE_SERVICE_RESTART = 1012;

/** Paths served by the gateway container for its probes. */
export const READINESS_PATH = "/readyz";
export const LIVENESS_PATH = "/livez";

/**
 * Type tokens of the rollout's Pulumi dynamic resources: Pulumi names a dynamic
 * resource registered with module APP_NAME and type T "pulumi-nodejs:dynamic/<module>:<T>".
 */
export const DYNAMIC_MODULE = APP_NAME;
export const CANARY_ROLLOUT_TYPE = `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:CanaryRollout`;
export const CANARY_WEIGHT_RESET_TYPE = `pulumi-nodejs:dynamic/${DYNAMIC_MODULE}:CanaryWeightReset`;

/** Name of the versioned Deployment (and its HPA and PDB) for a gateway version. */
export function versionedName(version: string): string {
  return `${APP_NAME}-${version}`;
}
