/**
 * The generated mutations the pack misses today (mutation id -> why, as seen
 * from outside the pack: what it reported and what it does not relate). An
 * exact ratchet: generated.test.ts fails when one of these becomes caught
 * (remove it here) and when a mutation outside this list is missed. This is
 * the work list for the pack.
 */
export const KNOWN_MISSES: ReadonlyMap<string, string> = new Map<string, string>([
  // unlabelled-objects: objects are recognised by our labels, not by what they select or target
  [
    "unlabelled-hpa-fast-scale-down",
    "an HPA targeting the gateway Deployment without our labels is not held to the slow scale-down rule",
  ],
  [
    "unlabelled-primary-short-timeout",
    "an Ingress routing to the gateway Services without our labels is not held to the WebSocket timeout rule",
  ],
  [
    "unlabelled-gateway-short-grace",
    "gateway pods selected by the gateway Services but without app.kubernetes.io/name escape the grace period rule",
  ],
  ["unlabelled-gateway-no-prestop", "gateway pods without app.kubernetes.io/name escape the preStop rule"],
  [
    "unlabelled-gateway-short-drain",
    "gateway pods without app.kubernetes.io/name escape the DRAIN_SECONDS rule",
  ],
  [
    "unlabelled-ingress-more-specific-path",
    "an Ingress without our labels for the gateway host and a longer path is not reported",
  ],
  // bypass-routes: no model of the paths from outside to a gateway pod
  ["bypass-exact-root-path", "another Ingress with an Exact / for the gateway host is not reported"],
  [
    "bypass-more-specific-path-to-canary",
    "another Ingress with a longer path to the canary Service is not reported",
  ],
  [
    "bypass-more-specific-path-dev",
    "another Ingress with a longer path to the stable Service is not reported",
  ],
  [
    "bypass-same-path-other-namespace",
    "an Ingress in another namespace claiming the gateway host and path is not reported",
  ],
  ["bypass-gce-class-same-host", "an Ingress of another class (gce) for the gateway host is not reported"],
  [
    "bypass-no-class-same-host",
    "an Ingress without a class for the gateway host (taken by GKE's controller) is not reported",
  ],
  [
    "bypass-legacy-class-annotation",
    "an Ingress selecting nginx through kubernetes.io/ingress.class for the gateway host is not reported",
  ],
  ["bypass-httproute-gateway-api", "a Gateway API HTTPRoute to the stable Service is not reported"],
  [
    "bypass-loadbalancer-all-versions",
    "a LoadBalancer Service selecting the gateway pods without a version label is not reported",
  ],
  ["bypass-nodeport-all-versions", "a NodePort Service selecting the gateway pods is not reported"],
  ["bypass-externalips-service", "a Service with externalIPs selecting the gateway pods is not reported"],
  [
    "bypass-canary-service-nodeport",
    "the canary Service of type NodePort is not reported (only LoadBalancer with a version selector is)",
  ],
  [
    "bypass-primary-backend-canary-service",
    "the primary Ingress's backend Service is not checked against the stable Service",
  ],
  [
    "bypass-canary-backend-stable-service",
    "the canary Ingress's backend Service is not checked against the canary Service",
  ],
  [
    "bypass-primary-backend-unknown-service",
    "an Ingress backend naming a Service the stack does not declare is not reported",
  ],
  [
    "bypass-primary-backend-wrong-port",
    "an Ingress backend port the Service does not expose is not reported",
  ],
  [
    "bypass-service-target-port-unserved",
    "a gateway Service targetPort no gateway container serves is not reported",
  ],
  [
    "bypass-primary-extra-path",
    "a primary path without a mirroring canary is not reported (only canaries without a primary are)",
  ],
  ["bypass-primary-extra-host", "a primary host without a mirroring canary is not reported"],
  ["bypass-canary-class-differs", "a canary Ingress of another class than its primary is not reported"],
  [
    "bypass-pair-on-gce-class",
    "both Ingresses on a class other than the controller's (gce) are not reported",
  ],
  ["bypass-l4-tcp-to-stable", "an L4 route in the chart's top-level tcp values is not reported"],
  ["bypass-l4-tcp-to-canary", "an L4 route in the chart's top-level tcp values is not reported"],
  [
    "bypass-tcp-services-configmap-arg",
    "--tcp-services-configmap in the controller's extraArgs is not reported",
  ],
  [
    "bypass-rollout-aims-at-primary",
    "the rollout's canaryIngressName is not checked against the canary Ingress",
  ],
  [
    "bypass-canary-weight-total",
    "canary-weight-total on the canary Ingress is not reported (only canary-weight is)",
  ],
  ["bypass-handshake-gate-other-host", "the handshake gate's URL is not checked against the routed host"],
  // route-annotations: only the timeouts and canary-weight are read
  [
    "route-configuration-snippet",
    "a snippet annotation on a gateway Ingress is not reported although the controller refuses snippets",
  ],
  ["route-server-snippet", "a server-snippet (Critical risk) on a gateway Ingress is not reported"],
  ["route-proxy-http-version-1-0", "proxy-http-version 1.0 on a gateway Ingress is not reported"],
  ["route-connection-proxy-header", "connection-proxy-header on a gateway Ingress is not reported"],
  ["route-backend-protocol-grpc", "backend-protocol on a gateway Ingress is not reported"],
  ["route-backend-protocol-https", "backend-protocol on a gateway Ingress is not reported"],
  ["route-app-root-redirect", "app-root on a gateway Ingress is not reported"],
  ["route-permanent-redirect", "permanent-redirect on a gateway Ingress is not reported"],
  [
    "route-force-ssl-redirect-without-tls",
    "force-ssl-redirect on a gateway Ingress without TLS is not reported",
  ],
  [
    "route-ssl-passthrough",
    "ssl-passthrough on a gateway Ingress with --enable-ssl-passthrough on is not reported",
  ],
  ["route-service-upstream", "service-upstream on a gateway Ingress is not reported"],
  ["route-affinity-cookie-canary", "session affinity on the gateway Ingresses is not reported"],
  ["route-canary-by-cookie", "canary-by-cookie on the canary Ingress is not reported"],
  ["route-canary-header-renamed", "canary-by-header is not checked against the header the gates send"],
  ["route-canary-header-value", "canary-by-header-value is not checked against the value the gates send"],
  ["route-canary-header-pattern", "canary-by-header-pattern is not checked against the value the gates send"],
  ["route-canary-header-removed", "a canary Ingress without canary-by-header is not reported"],
  [
    "route-canary-flag-false",
    'canary "false" on the canary Ingress (two primaries for one route) is not reported',
  ],
  // termination-path: one container and one field are read
  // zone-spread: the constraint is read, not what the node selection leaves it
  // autoscalers-budgets: one HPA and one PDB are judged alone, PDB percentages are not rounded as Kubernetes does
  // disruption-causes: issue 16's causes are not modelled
  ["cause-spot-node-pool", "a Spot gateway node pool is not reported"],
  ["cause-spot-node-pool-dev", "a Spot gateway node pool is not reported"],
  ["cause-preemptible-node-pool", "a preemptible gateway node pool is not reported"],
  ["cause-pods-select-spot-nodes", "gateway pods selecting Spot nodes are not reported"],
  ["cause-pods-prefer-preemptible-nodes", "gateway pods preferring preemptible nodes are not reported"],
  [
    "cause-safe-to-evict-true",
    'safe-to-evict "true" on gateway pods with a drain beyond the autoscaler\'s 600 s is not reported',
  ],
  [
    "cause-drain-beyond-autoscaler-cap",
    'a drain beyond the cluster autoscaler\'s 600 s on an autoscaling pool without safe-to-evict "false" is not reported',
  ],
  ["cause-optimize-utilization-profile", "the OPTIMIZE_UTILIZATION autoscaling profile is not reported"],
  ["cause-low-priority-class", "a gateway PriorityClass below the default is not reported"],
  ["cause-pool-deletion-ignores-pdb", "respectPdbDuringNodePoolDeletion false is not reported"],
  ["cause-pdb-timeout-short", "a short nodeDrainConfigs.pdbTimeoutDuration is not reported"],
  [
    "cause-drain-beyond-upgrade-hour",
    "a drain beyond the node upgrade's one-hour limit is not reported when every soak matches it",
  ],
  ["cause-controller-on-spot", "controllers on Spot nodes are not reported"],
  ["cause-controller-safe-to-evict", 'safe-to-evict "true" on the controller pods is not reported'],
  // controller-capacity: replicas and PDB are read, not its rollout or autoscaling
]);
