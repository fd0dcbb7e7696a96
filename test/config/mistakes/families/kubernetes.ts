/**
 * Kubernetes object names and image references.
 * Namespaces are RFC 1123 labels (at most 63 characters, lower-case
 * alphanumerics and '-', starting and ending with an alphanumeric); Secret
 * and IngressClass names are RFC 1123 subdomains (labels joined by '.', at
 * most 253); the `kube-` prefix is reserved and `default`, `kube-system`,
 * `kube-public`, `kube-node-lease` exist in every cluster, so the program
 * cannot create them (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/,
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/).
 * Label values: at most 63 characters, alphanumerics at both ends
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/).
 * Image references: the distribution grammar (lower-case path components,
 * separators '.', '_', '__', '-' between alphanumerics;
 * https://github.com/distribution/reference). Tags such as `stable` or `main`
 * move: a release keyed by version would then release nothing new.
 */
import { family, refused, set, type FamilyCase } from "../mutate";

const label = "Kubernetes namespace names are RFC 1123 labels";
const ns = (id: string, description: string, value: string, source = label): FamilyCase => ({
  id,
  description,
  source,
  stack: "prod",
  mutate: set("ws-gateway:gateway.namespace", value),
  expect: refused("ws-gateway:gateway.namespace"),
});
const version = (id: string, description: string, value: string, source: string): FamilyCase => ({
  id,
  description,
  source,
  stack: "prod",
  mutate: set("ws-gateway:gateway.version", value),
  expect: refused("ws-gateway:gateway.version"),
});
const image = (id: string, description: string, value: string, source: string): FamilyCase => ({
  id,
  description,
  source,
  stack: "prod",
  mutate: set("ws-gateway:gateway.image", value),
  expect: refused("ws-gateway:gateway.image"),
});
const imageDoc =
  "docs/configuration.md gateway.image: without scheme, tag or digest, lower-case path components";
const versionDoc = "docs/configuration.md gateway.version: lower-case letters, digits and -";
const mutable =
  "a tag that moves: a later push under the same version is never released (docs/operations.md: same version already promoted: nothing to do)";

export const kubernetesNameCases = family("kubernetes-names", [
  ns("k8s-ns-uppercase", "gateway.namespace WS-Gateway", "WS-Gateway"),
  ns("k8s-ns-underscore", "gateway.namespace ws_gateway", "ws_gateway"),
  ns("k8s-ns-leading-hyphen", "gateway.namespace -ws-gateway", "-ws-gateway"),
  ns("k8s-ns-trailing-hyphen", "gateway.namespace ws-gateway-", "ws-gateway-"),
  ns("k8s-ns-too-long", "gateway.namespace of 64 characters", "w".repeat(64)),
  ns("k8s-ns-dotted", "gateway.namespace ws.gateway (a subdomain, not a label)", "ws.gateway"),
  ns("k8s-ns-empty", "gateway.namespace empty", ""),
  ns("k8s-ns-trailing-space", "gateway.namespace with a trailing space", "ws-gateway "),
  ns(
    "k8s-ns-kube-system",
    "gateway.namespace kube-system",
    "kube-system",
    "docs/configuration.md: not a kube- namespace",
  ),
  ns(
    "k8s-ns-kube-public",
    "gateway.namespace kube-public",
    "kube-public",
    "docs/configuration.md: not a kube- namespace",
  ),
  ns(
    "k8s-ns-kube-node-lease",
    "gateway.namespace kube-node-lease",
    "kube-node-lease",
    "docs/configuration.md: not a kube- namespace",
  ),
  ns(
    "k8s-ns-default",
    "gateway.namespace default: it pre-exists, the program cannot create it",
    "default",
    "Kubernetes: default exists in every cluster",
  ),
  {
    id: "k8s-ingress-ns-default",
    description: "ingress.namespace default",
    source: "Kubernetes: default exists in every cluster",
    stack: "prod",
    mutate: set("ws-gateway:ingress.namespace", "default"),
    expect: refused("ws-gateway:ingress.namespace"),
  },
  {
    id: "k8s-ingress-ns-kube-system",
    description: "ingress.namespace kube-system",
    source: "docs/configuration.md ingress.namespace: not a kube- namespace",
    stack: "dev",
    mutate: set("ws-gateway:ingress.namespace", "kube-system"),
    expect: refused("ws-gateway:ingress.namespace"),
  },
  {
    id: "k8s-ingress-ns-kube-prefix",
    description: "ingress.namespace kube-ingress (the kube- prefix is reserved)",
    source: "docs/configuration.md ingress.namespace: not a kube- namespace",
    stack: "dev",
    mutate: set("ws-gateway:ingress.namespace", "kube-ingress"),
    expect: refused("ws-gateway:ingress.namespace"),
  },
  {
    id: "k8s-ingress-ns-uppercase",
    description: "ingress.namespace Ingress-Nginx",
    source: label,
    stack: "dev",
    mutate: set("ws-gateway:ingress.namespace", "Ingress-Nginx"),
    expect: refused("ws-gateway:ingress.namespace"),
  },
  {
    id: "k8s-tls-secret-underscore",
    description: "tlsSecretName WS_TLS",
    source: "Kubernetes Secret names are RFC 1123 subdomains",
    stack: "prod",
    mutate: set("ws-gateway:ingress.tlsSecretName", "WS_TLS"),
    expect: refused("ws-gateway:ingress.tlsSecretName"),
  },
  {
    id: "k8s-tls-secret-trailing-dot",
    description: "tlsSecretName ws-acme-tls. with a trailing dot",
    source: "Kubernetes Secret names are RFC 1123 subdomains (no empty label)",
    stack: "prod",
    mutate: set("ws-gateway:ingress.tlsSecretName", "ws-acme-tls."),
    expect: refused("ws-gateway:ingress.tlsSecretName"),
  },
  {
    id: "k8s-tls-secret-too-long",
    description: "tlsSecretName of 254 characters",
    source: "Kubernetes subdomain names: at most 253 characters",
    stack: "prod",
    mutate: set(
      "ws-gateway:ingress.tlsSecretName",
      `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`,
    ),
    expect: refused("ws-gateway:ingress.tlsSecretName"),
  },
  {
    id: "k8s-class-uppercase",
    description: "className Nginx",
    source: "Kubernetes IngressClass names are RFC 1123 subdomains",
    stack: "dev",
    mutate: set("ws-gateway:ingress.className", "Nginx"),
    expect: refused("ws-gateway:ingress.className"),
  },
  {
    id: "k8s-class-space",
    description: "className 'nginx internal'",
    source: "Kubernetes IngressClass names are RFC 1123 subdomains",
    stack: "dev",
    mutate: set("ws-gateway:ingress.className", "nginx internal"),
    expect: refused("ws-gateway:ingress.className"),
  },
  {
    id: "k8s-kube-context-empty",
    description: "kubeContext empty: not a context name (the client would silently take the current context)",
    source: "docs/configuration.md cluster.kubeContext: context name; unset means the current context",
    stack: "local",
    mutate: set("ws-gateway:cluster.kubeContext", ""),
    expect: refused("ws-gateway:cluster.kubeContext"),
  },
  {
    id: "k8s-stable-version-uppercase",
    description: "stableVersion 2F9C1AB in a held schedule",
    source: "docs/configuration.md rollout.stableVersion: a version (lower-case)",
    stack: "prod",
    mutate: (c) =>
      set("ws-gateway:rollout", {
        stableVersion: "2F9C1AB",
        steps: [
          { weight: 10, pause: "10m" },
          { weight: 25, pause: "1h" },
        ],
      })(set("ws-gateway:gateway.version", "3d4e5f6")(c)),
    expect: refused("ws-gateway:rollout.stableVersion"),
  },
]);

export const imageCases = family("images-and-tags", [
  image("img-tag-latest", "image with :latest", "docker.io/acme/ws-gateway:latest", imageDoc),
  image(
    "img-scheme",
    "image with https://",
    "https://europe-docker.pkg.dev/acme-ws-prod/gw/ws-gateway",
    imageDoc,
  ),
  image(
    "img-digest",
    "image with a digest",
    `europe-docker.pkg.dev/acme-ws-prod/gw/ws-gateway@sha256:${"a".repeat(64)}`,
    imageDoc,
  ),
  image(
    "img-uppercase-path",
    "image path WS-Gateway",
    "europe-docker.pkg.dev/acme-ws-prod/gw/WS-Gateway",
    imageDoc,
  ),
  image("img-space", "image with a space", "europe-docker.pkg.dev/acme-ws-prod/gw/ws gateway", imageDoc),
  image("img-empty", "image empty", "", imageDoc),
  image(
    "img-trailing-slash",
    "image ending with /",
    "europe-docker.pkg.dev/acme-ws-prod/gw/",
    "distribution reference grammar: no empty path component",
  ),
  image(
    "img-empty-component",
    "image with //",
    "europe-docker.pkg.dev//gw/ws-gateway",
    "distribution reference grammar: no empty path component",
  ),
  image(
    "img-port-and-tag",
    "image localhost:5001/ws-gateway:v1 (a tag after the registry port)",
    "localhost:5001/ws-gateway:v1",
    imageDoc,
  ),
  image(
    "img-trailing-dot",
    "image path ending with a dot",
    "europe-docker.pkg.dev/acme-ws-prod/gw/ws-gateway.",
    "distribution reference grammar: components end with an alphanumeric",
  ),
  image(
    "img-leading-hyphen",
    "image path component starting with -",
    "europe-docker.pkg.dev/acme-ws-prod/gw/-ws",
    "distribution reference grammar: components start with an alphanumeric",
  ),
  version("img-version-latest", "version latest", "latest", `${versionDoc}, not latest`),
  version("img-version-stable", "version stable", "stable", mutable),
  version("img-version-main", "version main (the branch tag)", "main", mutable),
  version("img-version-master", "version master", "master", mutable),
  version("img-version-nightly", "version nightly", "nightly", mutable),
  version("img-version-edge", "version edge", "edge", mutable),
  version("img-version-dev", "version dev", "dev", mutable),
  version("img-version-major-only", 'version "1" (a major-only tag)', "1", mutable),
  version("img-version-major-only-two-digits", 'version "22" (a major-only tag)', "22", mutable),
  {
    id: "img-version-major-unquoted",
    description: "version: 3 unquoted: YAML reads the number 3, and quoted it is still a major-only tag",
    source: mutable,
    stack: "dev",
    mutate: set("ws-gateway:gateway.version", 3),
    expect: refused("ws-gateway:gateway.version"),
  },
  version("img-version-dotted", "version v1.2.3", "v1.2.3", versionDoc),
  version("img-version-uppercase", "version 2F9C1AB", "2F9C1AB", versionDoc),
  version(
    "img-version-trailing-hyphen",
    "version 2f9c1ab- (the Deployment name ws-gateway-2f9c1ab- is no label)",
    "2f9c1ab-",
    "Kubernetes labels end with an alphanumeric",
  ),
  version(
    "img-version-leading-hyphen",
    "version -2f9c1ab (label values start with an alphanumeric)",
    "-2f9c1ab",
    "Kubernetes label values start with an alphanumeric",
  ),
  version("img-version-underscore", "version 2f9c1ab_fix", "2f9c1ab_fix", versionDoc),
  version(
    "img-version-too-long",
    "version of 53 characters",
    "a".repeat(53),
    "docs/configuration.md gateway.version: up to 52 characters",
  ),
  version("img-version-empty", "version empty", "", versionDoc),
  version("img-version-digest", "version written as a digest", `sha256:${"b".repeat(64)}`, versionDoc),
  version("img-version-trailing-space", "version with a trailing space", "2f9c1ab ", versionDoc),
]);
