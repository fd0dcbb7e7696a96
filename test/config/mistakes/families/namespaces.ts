/**
 * Keys outside the program's own names. Pulumi stores a key as
 * `<namespace>:<name>`; a key written without a namespace goes to the
 * project's (`ws-gateway`), so a misspelt namespace is a new, silent
 * namespace (https://www.pulumi.com/docs/iac/concepts/config/). Explicit
 * providers do not read the provider's stack keys (`kubernetes:context`,
 * `kubernetes:namespace`, `kubernetes:kubeconfig` configure only the default
 * provider, https://www.pulumi.com/registry/packages/kubernetes/installation-configuration/).
 * GCP project IDs: 6-30 characters, lower-case letters, digits and hyphens,
 * starting with a letter, not ending with a hyphen
 * (https://cloud.google.com/resource-manager/docs/creating-managing-projects).
 */
import { all, del, family, flat, refused, set } from "../mutate";

const misspelt = "the namespace is misspelt: the settings land in a namespace nobody reads";

export const namespaceCases = family("namespaces-and-foreign-keys", [
  {
    id: "ns-typo-gatway",
    description:
      "pulumi config set --path ws-gatway:gateway.version 3d4e5f6: the release silently releases nothing",
    source: `issue: ${misspelt}; docs/operations.md "Releasing a version"`,
    stack: "prod",
    mutate: flat("ws-gatway:gateway", { version: "3d4e5f6" }),
    expect: refused("ws-gatway:gateway"),
  },
  {
    id: "ns-underscore",
    description: "ws_gateway:rollout written with an underscore",
    source: misspelt,
    stack: "dev",
    mutate: flat("ws_gateway:rollout", { steps: [{ weight: 100 }] }),
    expect: refused("ws_gateway:rollout"),
  },
  {
    id: "ns-no-hyphen",
    description: "wsgateway:ingress without the hyphen",
    source: misspelt,
    stack: "dev",
    mutate: flat("wsgateway:ingress", { controllerReplicas: 5 }),
    expect: refused("wsgateway:ingress"),
  },
  {
    id: "ns-plural",
    description: "ws-gateways:gateway, the namespace in the plural",
    source: misspelt,
    stack: "prod",
    mutate: flat("ws-gateways:gateway", { drainSeconds: 3600 }),
    expect: refused("ws-gateways:gateway"),
  },
  {
    id: "ns-capitalised",
    description: "Ws-Gateway:gateway: Pulumi namespaces are case-sensitive",
    source: misspelt,
    stack: "local",
    mutate: flat("Ws-Gateway:gateway", { version: "3d4e5f6" }),
    expect: refused("Ws-Gateway:gateway"),
  },
  {
    id: "ns-stack-suffixed",
    description: "ws-gateway-prod:gateway: the stack name appended to the project name",
    source: "issue: unknown namespaces that contain the project's name",
    stack: "prod",
    mutate: flat("ws-gateway-prod:gateway", { version: "3d4e5f6" }),
    expect: refused("ws-gateway-prod:gateway"),
  },
  {
    id: "ns-section-as-namespace",
    description: "gateway:version: the section name used as the namespace",
    source:
      "Pulumi config keys are <namespace>:<name>; docs/configuration.md: every key lives under ws-gateway:",
    stack: "dev",
    mutate: flat("gateway:version", "3d4e5f6"),
    expect: refused("gateway:version"),
  },
  {
    id: "ns-rollout-as-namespace",
    description: "rollout:steps: the section name used as the namespace",
    source:
      "Pulumi config keys are <namespace>:<name>; docs/configuration.md: every key lives under ws-gateway:",
    stack: "prod",
    mutate: flat("rollout:steps", [{ weight: 100 }]),
    expect: refused("rollout:steps"),
  },
  {
    id: "ns-kubernetes-context",
    description: "kubernetes:context set for the local stack: the program's explicit provider ignores it",
    source: "issue: provider keys the explicit providers ignore; the kubernetes provider's context key",
    stack: "local",
    mutate: flat("kubernetes:context", "kind-other"),
    expect: refused("kubernetes:context"),
  },
  {
    id: "ns-kubernetes-context-gke",
    description: "kubernetes:context on a GKE stack, hoping to pick the cluster",
    source: "issue: provider keys the explicit providers ignore",
    stack: "dev",
    mutate: flat("kubernetes:context", "gke_acme-ws-dev_europe-west1_ws-gateway"),
    expect: refused("kubernetes:context"),
  },
  {
    id: "ns-kubernetes-namespace",
    description:
      "kubernetes:namespace: explicit providers do not read it; the namespaces come from gateway.namespace and ingress.namespace",
    source: "kubernetes provider configuration: stack keys configure the default provider only",
    stack: "local",
    mutate: flat("kubernetes:namespace", "apps"),
    expect: refused("kubernetes:namespace"),
  },
  {
    id: "ns-kubernetes-kubeconfig",
    description: "kubernetes:kubeconfig pointing at another file: ignored by the explicit provider",
    source: "kubernetes provider configuration: stack keys configure the default provider only",
    stack: "e2e",
    mutate: flat("kubernetes:kubeconfig", "/tmp/other-kubeconfig"),
    expect: refused("kubernetes:kubeconfig"),
  },
  {
    id: "ns-key-capitalised",
    description: "ws-gateway:Gateway: a key name with a capital letter",
    source: "docs/configuration.md: unknown keys anywhere are errors",
    stack: "dev",
    mutate: flat("ws-gateway:Gateway", { version: "3d4e5f6" }),
    expect: refused("ws-gateway:Gateway"),
  },
  {
    id: "ns-flat-version",
    description:
      "pulumi config set ws-gateway:gateway.version 3d4e5f6 without --path: a top-level key named gateway.version",
    source: "pulumi config set: without --path the key is taken literally; docs/operations.md uses --path",
    stack: "prod",
    mutate: flat("ws-gateway:gateway.version", "3d4e5f6"),
    expect: refused("ws-gateway:gateway.version"),
  },
  {
    id: "ns-flat-steps",
    description: "pulumi config set 'ws-gateway:rollout.steps' '[{\"weight\":100}]' without --path",
    source: "pulumi config set without --path; docs/operations.md emergency rollback uses --path",
    stack: "prod",
    mutate: flat("ws-gateway:rollout.steps", [{ weight: 100 }]),
    expect: refused("ws-gateway:rollout.steps"),
  },
  {
    id: "ns-flat-load-balancer-ip",
    description: "the getting-started loadBalancerIP command typed without --path",
    source: "docs/getting-started.md step 1 (uses --path)",
    stack: "prod",
    mutate: flat("ws-gateway:ingress.loadBalancerIP", "34.0.0.10"),
    expect: refused("ws-gateway:ingress.loadBalancerIP"),
  },
  {
    id: "ns-section-as-text",
    description:
      "pulumi config set ws-gateway:ingress ws.acme.example: the whole section replaced by a string",
    source: "pulumi config set: top-level entries are always strings",
    stack: "prod",
    mutate: flat("ws-gateway:ingress", "ws.acme.example"),
    expect: refused("ws-gateway:ingress"),
  },
  {
    id: "ns-section-clobbered-by-json",
    description:
      'pulumi config set ws-gateway:gateway \'{"version":"3d4e5f6"}\' replaces the section: image is gone',
    source:
      "pulumi config set without --path replaces the whole value; docs/configuration.md: gateway.image required",
    stack: "prod",
    mutate: flat("ws-gateway:gateway", { version: "3d4e5f6" }),
    expect: refused("ws-gateway:gateway.image"),
  },
  {
    id: "ns-gcp-project-uppercase",
    description: "gcp:project written as a display name with capitals",
    source:
      "GCP project IDs: lower-case letters, digits, hyphens; docs/configuration.md cluster.project falls back to gcp:project",
    stack: "dev",
    mutate: flat("gcp:project", "Acme-WS-Dev"),
    expect: refused("gcp:project"),
  },
  {
    id: "ns-gcp-project-too-short",
    description: "gcp:project of four characters (IDs have 6 to 30)",
    source: "GCP project IDs: 6-30 characters",
    stack: "prod",
    mutate: flat("gcp:project", "acme"),
    expect: refused("gcp:project"),
  },
  {
    id: "ns-gcp-project-missing",
    description: "GKE stack with neither gcp:project nor cluster.project",
    source: "docs/configuration.md cluster.project: one of the two is required",
    stack: "dev",
    mutate: all(del("gcp:project"), del("ws-gateway:cluster.project")),
    expect: refused("ws-gateway:cluster.project"),
  },
  {
    id: "ns-cluster-project-trailing-hyphen",
    description: "cluster.project ending with a hyphen",
    source: "GCP project IDs: must not end with a hyphen",
    stack: "prod",
    mutate: set("ws-gateway:cluster.project", "acme-ws-prod-"),
    expect: refused("ws-gateway:cluster.project"),
  },
  {
    id: "ns-cluster-project-leading-digit",
    description: "cluster.project starting with a digit (a project number pasted as the ID)",
    source: "GCP project IDs: must start with a letter",
    stack: "prod",
    mutate: set("ws-gateway:cluster.project", "123456789012"),
    expect: refused("ws-gateway:cluster.project"),
  },
]);
