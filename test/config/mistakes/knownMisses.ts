/**
 * Cases the config validation misses today, by id, with why. The suite
 * asserts each still misses, so fixing one fails the suite until its entry
 * is removed: the list only ever shrinks to what is really missed.
 */
export const KNOWN_MISSES: ReadonlyMap<string, string> = new Map<string, string>([
  // namespaces-and-foreign-keys
  ["ns-typo-gatway", "keys outside ws-gateway: are never examined: a namespace one edit away is accepted"],
  ["ns-underscore", "keys outside ws-gateway: are never examined: ws_gateway is accepted"],
  ["ns-no-hyphen", "keys outside ws-gateway: are never examined: wsgateway is accepted"],
  ["ns-plural", "keys outside ws-gateway: are never examined: ws-gateways is accepted"],
  ["ns-capitalised", "keys outside ws-gateway: are never examined: Ws-Gateway is accepted"],
  [
    "ns-stack-suffixed",
    "keys outside ws-gateway: are never examined: a namespace containing the project name is accepted",
  ],
  [
    "ns-section-as-namespace",
    "keys outside ws-gateway: are never examined: a section name used as namespace is accepted",
  ],
  [
    "ns-rollout-as-namespace",
    "keys outside ws-gateway: are never examined: a section name used as namespace is accepted",
  ],
  ["ns-kubernetes-context", "kubernetes:context is not reported although the explicit provider ignores it"],
  [
    "ns-kubernetes-context-gke",
    "kubernetes:context is not reported although the explicit provider ignores it",
  ],
  [
    "ns-kubernetes-namespace",
    "kubernetes:namespace is not reported although the explicit provider ignores it",
  ],
  [
    "ns-kubernetes-kubeconfig",
    "kubernetes:kubeconfig is not reported although the explicit provider ignores it",
  ],
  ["ns-gcp-project-uppercase", "gcp:project is only checked for being non-empty, not as a project ID"],
  ["ns-gcp-project-too-short", "gcp:project is only checked for being non-empty, not as a project ID"],
  // cli-text-values
  [
    "cli-steps-json-weight-text",
    "JSON text from pulumi config set --path is not parsed, so the bad weight inside is never named",
  ],
  // kubernetes-names
  ["k8s-ns-default", "only kube-* namespaces are refused; the pre-existing default namespace is accepted"],
  [
    "k8s-ingress-ns-default",
    "only kube-* namespaces are refused; the pre-existing default namespace is accepted",
  ],
  // images-and-tags
  ["img-version-stable", "only latest is refused among tags that move"],
  ["img-version-main", "only latest is refused among tags that move"],
  ["img-version-master", "only latest is refused among tags that move"],
  ["img-version-nightly", "only latest is refused among tags that move"],
  // hosts-and-paths
  ["host-ip", "an IPv4 address passes the DNS-name rule; Kubernetes refuses IP hosts on an Ingress"],
  ["path-dot", "the path rule allows dots, which ingress-nginx refuses for pathType Prefix/Exact"],
  // ingress-controller
  ["ctl-chart-after-final", "chartVersion has a lower bound only; 4.16.0 does not exist"],
  ["ctl-repo-http", "chartRepository accepts http:// although the docs allow https:// and oci:// only"],
  // gates-and-urls
  ["gate-handshake-port-range", "handshake.url is not checked for a port in 0-65535"],
  ["gate-prom-api-path", "prometheus.url accepts the query endpoint where the base URL is meant"],
  // gke-cluster
  [
    "gke-window-too-short",
    "the maintenance window's length is not checked against GKE's 48 h per 32 days in windows of 4 h or more",
  ],
  [
    "gke-window-local-offset",
    "non-UTC offsets are accepted: GKE stores UTC (permanent diff) and applies BYDAY in UTC",
  ],
  // cross-field
  [
    "x-gke-with-existing-controller",
    "cluster.mode gke with ingress.controller existing is accepted: a new cluster runs no ingress-nginx",
  ],
  ["x-gke-nodeport", "serviceType NodePort is accepted on GKE"],
  [
    "x-handshake-ws-with-tls",
    "a ws:// handshake URL is accepted for a host served with TLS (nginx redirects it)",
  ],
  ["x-interval-longer-than-pause", "gates.interval is not compared with the shortest pause"],
  [
    "x-no-authorized-network",
    "an empty masterAuthorizedNetworks list is accepted: the program cannot reach its own control plane",
  ],
  // invisible-and-lookalike
  ["chr-host-cyrillic-a", "the line repeats the value without naming U+0430 or its position"],
  ["chr-host-zero-width", "the line repeats the value without naming U+200B or its position"],
  ["chr-host-nbsp", "the line repeats the value without naming U+00A0 or its position"],
  ["chr-host-nb-hyphen", "the line repeats the value without naming U+2011 or its position"],
  ["chr-ns-nb-hyphen", "the line repeats the value without naming U+2011 or its position"],
  ["chr-ns-cyrillic-e", "the line repeats the value without naming U+0435 or its position"],
  ["chr-version-zero-width", "the line repeats the value without naming U+200B or its position"],
  ["chr-version-bom", "the line repeats the value without naming U+FEFF or its position"],
  ["chr-image-cyrillic-o", "the line repeats the value without naming U+043E or its position"],
  ["chr-image-nbsp", "the line repeats the value without naming U+00A0 or its position"],
  ["chr-path-zero-width", "the line repeats the value without naming U+200B or its position"],
  ["chr-tls-secret-en-dash", "the line repeats the value without naming U+2013 or its position"],
  ["chr-rrule-fullwidth-comma", "the line repeats the value without naming U+FF0C or its position"],
  ["chr-channel-cyrillic-a", "the line repeats the value without naming U+0410 or its position"],
  ["chr-mode-cyrillic-e", "the line repeats the value without naming U+0435 or its position"],
  ["chr-cidr-division-slash", "the line repeats the value without naming U+2215 or its position"],
  ["chr-zone-nb-hyphen", "the line repeats the value without naming U+2011 or its position"],
  ["chr-pause-fullwidth-digit", "the line repeats the value without naming U+FF11 or its position"],
  ["chr-lb-ip-nbsp", "the line repeats the value without naming U+00A0 or its position"],
  ["chr-kube-context-zero-width", "accepted: kubeContext takes any text, invisible characters included"],
  ["chr-prom-url-zero-width", "accepted: prometheus.url accepts a zero-width space"],
  ["chr-prom-query-smart-quotes", "accepted: the PromQL query accepts typographic quotes"],
  ["chr-steps-json-smart-quotes", "the line repeats the value without naming U+201C or its position"],
  ["chr-key-cyrillic-e", "the line repeats the value without naming U+0435 or its position"],
  [
    "chr-namespace-nb-hyphen",
    "accepted: keys outside ws-gateway: are never examined, a non-breaking hyphen included",
  ],
  [
    "chr-nested-key-zero-width",
    "the unknown nested key is named as its section, and U+200B is never pointed at",
  ],
  // valid
  [
    "ok-emergency-rollback-json-text",
    "the emergency rollback command of docs/operations.md is refused: JSON text is not parsed",
  ],
  [
    "ok-emergency-rollback-json-text-with-pause",
    "JSON text is not parsed, and the fix suggests a doubly bracketed list",
  ],
  ["ok-release-channel-extended", "EXTENDED, a channel of the pinned provider, is refused"],
]);
