/**
 * Per-route nginx settings that break the WebSocket upgrade, the timeouts,
 * the routing or the canary decision. Annotations of a canary Ingress other
 * than the canary-* ones are ignored by ingress-nginx, so the route settings
 * go on the primary; the canary-* ones go on the canary.
 */
import {
  annotate,
  nginx,
  objAt,
  onCanary,
  onController,
  onPrimary,
  seq,
  type Json,
  type Mutation,
} from "../model";

const ANNOTATIONS = "ingress-nginx annotations reference (user-guide/nginx-configuration/annotations)";
const CANARY = `${ANNOTATIONS} § Canary; docs/facts.md F2 (header, then cookie, then weight)`;

const route = (m: Omit<Mutation, "family">): Mutation => ({ ...m, family: "route-annotations" });
const onPrimaryAnnotation = (key: string, value: string) => onPrimary(annotate(nginx(key), value));
const onCanaryAnnotation = (key: string, value: string) => onCanary(annotate(nginx(key), value));

export const ROUTE_ANNOTATIONS: readonly Mutation[] = [
  route({
    id: "route-configuration-snippet",
    stack: "prod",
    description:
      "the primary Ingress carries a configuration-snippet; the controller has snippets off and refuses the route",
    source: `${ANNOTATIONS} § configuration-snippet; docs/facts.md F12 (snippets off: the Ingress is rejected, a bad snippet breaks every reload)`,
    apply: onPrimaryAnnotation("configuration-snippet", 'more_set_headers "X-Debug: 1";'),
  }),
  route({
    id: "route-server-snippet",
    stack: "dev",
    description:
      "the primary Ingress carries a server-snippet (a Critical-risk annotation the controller refuses)",
    source: `${ANNOTATIONS} § server-snippet; annotations-risk-level High rejects Critical annotations`,
    apply: onPrimaryAnnotation("server-snippet", "location /ws { return 200; }"),
  }),
  route({
    id: "route-proxy-http-version-1-0",
    stack: "prod",
    description:
      "proxy-http-version 1.0 on the primary: HTTP/1.0 has no Upgrade, every WebSocket handshake fails",
    source: `${ANNOTATIONS} § proxy-http-version; nginx WebSocket proxying needs proxy_http_version 1.1`,
    apply: onPrimaryAnnotation("proxy-http-version", "1.0"),
  }),
  route({
    id: "route-connection-proxy-header",
    stack: "prod",
    description:
      "connection-proxy-header keep-alive overrides the Connection: upgrade header nginx sends upstream",
    source: `${ANNOTATIONS} § connection-proxy-header; nginx WebSocket proxying (Connection: upgrade must reach the upstream)`,
    apply: onPrimaryAnnotation("connection-proxy-header", "keep-alive"),
  }),
  route({
    id: "route-backend-protocol-grpc",
    stack: "prod",
    description: "backend-protocol GRPC on the primary: nginx speaks gRPC to a WebSocket server",
    source: `${ANNOTATIONS} § backend-protocol`,
    apply: onPrimaryAnnotation("backend-protocol", "GRPC"),
  }),
  route({
    id: "route-backend-protocol-https",
    stack: "dev",
    description: "backend-protocol HTTPS on the primary: nginx opens TLS to a plain-HTTP gateway port",
    source: `${ANNOTATIONS} § backend-protocol`,
    apply: onPrimaryAnnotation("backend-protocol", "HTTPS"),
  }),
  route({
    id: "route-app-root-redirect",
    stack: "prod",
    description:
      "app-root /app on the primary: the handshake at / gets a 302, which WebSocket clients do not follow",
    source: `${ANNOTATIONS} § app-root; RFC 6455 (a non-101 answer fails the handshake)`,
    apply: onPrimaryAnnotation("app-root", "/app"),
  }),
  route({
    id: "route-permanent-redirect",
    stack: "prod",
    description: "permanent-redirect on the primary: every handshake gets a 301",
    source: `${ANNOTATIONS} § permanent-redirect; RFC 6455`,
    apply: onPrimaryAnnotation("permanent-redirect", "https://www.acme.example/"),
  }),
  route({
    id: "route-force-ssl-redirect-without-tls",
    stack: "local",
    description: "force-ssl-redirect on a route without TLS: ws:// handshakes get a 308",
    source: `${ANNOTATIONS} § force-ssl-redirect; RFC 6455`,
    apply: onPrimaryAnnotation("force-ssl-redirect", "true"),
  }),
  route({
    id: "route-ssl-passthrough",
    stack: "prod",
    description:
      "ssl-passthrough on the primary with the controller's --enable-ssl-passthrough: TLS goes to the plain-HTTP pods as an L4 stream, past paths and the canary",
    source: `${ANNOTATIONS} § SSL Passthrough ("invalidates all the other annotations"; needs --enable-ssl-passthrough)`,
    apply: seq(
      onPrimaryAnnotation("ssl-passthrough", "true"),
      onController((c) => {
        objAt(c, ["extraArgs"])["enable-ssl-passthrough"] = "true";
      }),
    ),
  }),
  route({
    id: "route-service-upstream",
    stack: "prod",
    description:
      "service-upstream on the primary: nginx connects to the Service IP, so promotion's selector change resets flows",
    source: `${ANNOTATIONS} § service-upstream; docs/facts.md F15 and F39 (Dataplane V2 resets flows whose backend left the Service)`,
    apply: onPrimaryAnnotation("service-upstream", "true"),
  }),
  route({
    id: "route-affinity-cookie-canary",
    stack: "prod",
    description:
      "affinity cookie on the canary: clients stick to the canary, even after an abort sets the weight to 0",
    source: `${CANARY}; kubernetes/ingress-nginx#7371 (canaries respect session affinity by default: affinity-canary-behavior sticky)`,
    apply: seq(onCanaryAnnotation("affinity", "cookie"), onPrimaryAnnotation("affinity", "cookie")),
  }),
  route({
    id: "route-canary-by-cookie",
    stack: "prod",
    description: "canary-by-cookie on the canary: a client's cookie overrides the weight and an abort",
    source: CANARY,
    apply: onCanaryAnnotation("canary-by-cookie", "ws_canary"),
  }),
  route({
    id: "route-canary-header-renamed",
    stack: "prod",
    description:
      "canary-by-header renamed: the gates' X-Ws-Gateway-Canary header no longer reaches the canary",
    source: `${CANARY}; docs/how-it-works.md (the gates use X-Ws-Gateway-Canary: always)`,
    apply: onCanaryAnnotation("canary-by-header", "X-Canary"),
  }),
  route({
    id: "route-canary-header-value",
    stack: "prod",
    description: "canary-by-header-value yes: the gates send always, which no longer selects the canary",
    source: CANARY,
    apply: onCanaryAnnotation("canary-by-header-value", "yes"),
  }),
  route({
    id: "route-canary-header-pattern",
    stack: "dev",
    description: "canary-by-header-pattern ^on$: the gates' always no longer matches",
    source: CANARY,
    apply: onCanaryAnnotation("canary-by-header-pattern", "^on$"),
  }),
  route({
    id: "route-canary-header-removed",
    stack: "prod",
    description: "the canary Ingress loses canary-by-header: the gates cannot reach the canary at weight 0",
    source: CANARY,
    apply: onCanary((p) => {
      delete (p.metadata as { annotations: Json }).annotations[nginx("canary-by-header")];
    }),
  }),
  route({
    id: "route-canary-flag-on-primary",
    stack: "prod",
    description: "the primary Ingress is marked canary too: no main Ingress is left for the route",
    source: `${CANARY}; docs/facts.md F1`,
    apply: onPrimaryAnnotation("canary", "true"),
  }),
  route({
    id: "route-canary-flag-false",
    stack: "dev",
    description:
      "the canary Ingress says canary false: two main Ingresses for one host and path, the oldest wins",
    source: "ingress-nginx: two main Ingresses for one host and path conflict; the oldest keeps the location",
    apply: onCanaryAnnotation("canary", "false"),
  }),
  route({
    id: "route-canary-weight-declared",
    stack: "prod",
    description: "the program declares canary-weight 0: every pulumi up resets the engine's weight",
    source: "docs/how-it-works.md (one writer per field: the engine owns canary-weight)",
    apply: onCanaryAnnotation("canary-weight", "0"),
  }),
  route({
    id: "route-read-timeout-unit-suffix",
    stack: "prod",
    description:
      "proxy-read-timeout 3600s on the primary: a suffixed value is not an integer and nginx keeps 60 s",
    source: 'docs/ingress-controller.md (integer seconds; "3600s" falls back to 60); docs/facts.md F9',
    apply: onPrimaryAnnotation("proxy-read-timeout", "3600s"),
  }),
  route({
    id: "route-send-timeout-short",
    stack: "dev",
    description: "proxy-send-timeout 60 on the primary",
    source: "docs/facts.md F9",
    apply: onPrimaryAnnotation("proxy-send-timeout", "60"),
  }),
];
