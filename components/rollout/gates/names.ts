/** The gates' names, as messages and outcomes report them. */
export const ABORT_REQUEST_GATE = "abort-request";
export const PODS_READY_GATE = "pods-ready";
export const HANDSHAKE_GATE = "ws-handshake";
export const PROMETHEUS_GATE = "prometheus";
export const SURVIVAL_GATE = "ws-survival";
export const ABNORMAL_CLOSE_GATE = "abnormal-closes";
/** Reported when the canary route never answered with the canary version before the first step. */
export const CANARY_ROUTE_GATE = "canary-route";
