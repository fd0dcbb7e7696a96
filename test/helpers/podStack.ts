/**
 * A stack that brings its own gateway pod: stacks/Pulumi.prod.yaml with
 * every key of ws-gateway:gateway.pod set (env from literals, Secrets and
 * ConfigMaps, envFrom, command and args, a Workload Identity service
 * account, scheduling, one volume of each source, mounts, metadata and both
 * kinds of sidecar). Tests render it, validate it and run the pack on it.
 */
import { stackConfigMap } from "./stacks";

/** The stack file the fixture starts from. */
export const POD_STACK_BASE = "prod";

export const SIDECAR_IMAGE_DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

/** `gateway.pod` using every key. */
export const FULL_POD = {
  env: [
    { name: "LOG_LEVEL", value: "info" },
    {
      name: "API_TOKEN",
      valueFrom: { secretKeyRef: { name: "gateway-secrets", key: "api-token", optional: false } },
    },
    {
      name: "FEATURE_FLAGS",
      valueFrom: { configMapKeyRef: { name: "gateway-config", key: "flags", optional: true } },
    },
  ],
  envFrom: [
    { secretRef: { name: "gateway-env", optional: false }, prefix: "GW_" },
    { configMapRef: { name: "gateway-settings", optional: false } },
  ],
  command: ["/usr/local/bin/gateway"],
  args: ["--config", "/etc/gateway/gateway.yaml"],
  serviceAccountName: "ws-gateway",
  nodeSelector: { "cloud.google.com/gke-nodepool": "gateway", "kubernetes.io/arch": "amd64" },
  tolerations: [
    { key: "dedicated", operator: "Equal", value: "gateway", effect: "NoSchedule" },
    { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 },
  ],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] },
        ],
      },
    },
  },
  volumes: [
    {
      name: "certs",
      secret: {
        secretName: "gateway-certs",
        defaultMode: 288,
        optional: false,
        items: [{ key: "tls.crt", path: "tls.crt" }],
      },
    },
    {
      name: "config",
      configMap: {
        name: "gateway-config",
        defaultMode: 420,
        optional: true,
        items: [{ key: "gateway.yaml", path: "gateway.yaml" }],
      },
    },
    { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "32Mi" } },
    {
      name: "bundle",
      projected: {
        defaultMode: 292,
        sources: [
          { secret: { name: "gateway-certs", optional: false, items: [{ key: "ca.crt", path: "ca.crt" }] } },
          {
            configMap: {
              name: "gateway-config",
              optional: true,
              items: [{ key: "routes", path: "routes.yaml" }],
            },
          },
          { serviceAccountToken: { path: "token", audience: "auth.acme.example", expirationSeconds: 3600 } },
        ],
      },
    },
  ],
  volumeMounts: [
    { name: "certs", mountPath: "/etc/gateway/certs", readOnly: true },
    { name: "config", mountPath: "/etc/gateway/gateway.yaml", readOnly: true, subPath: "gateway.yaml" },
    { name: "cache", mountPath: "/var/cache/gateway" },
    { name: "bundle", mountPath: "/var/run/bundle", readOnly: true },
  ],
  labels: { team: "realtime", "acme.example/cost-center": "cc-42" },
  annotations: { "prometheus.io/scrape": "true", "acme.example/owner": "realtime@acme.example" },
  deploymentLabels: { team: "realtime" },
  deploymentAnnotations: { "acme.example/runbook": "https://runbooks.acme.example/ws-gateway" },
  sidecars: [
    {
      name: "auth-proxy",
      image: `ghcr.io/acme/auth-proxy@${SIDECAR_IMAGE_DIGEST}`,
      native: true,
      command: ["/auth-proxy"],
      args: ["--upstream", "127.0.0.1:8080"],
      env: [
        { name: "PROXY_MODE", value: "strict" },
        {
          name: "PROXY_KEY",
          valueFrom: { secretKeyRef: { name: "gateway-secrets", key: "proxy-key", optional: false } },
        },
        {
          name: "PROXY_ROUTES",
          valueFrom: { configMapKeyRef: { name: "proxy-settings", key: "routes", optional: true } },
        },
      ],
      envFrom: [
        { configMapRef: { name: "proxy-settings", optional: true } },
        { secretRef: { name: "proxy-env", optional: false }, prefix: "PROXY_" },
      ],
      ports: [{ name: "proxy", containerPort: 8443, protocol: "TCP" }],
      volumeMounts: [{ name: "certs", mountPath: "/etc/proxy/tls.crt", readOnly: true, subPath: "tls.crt" }],
      resources: { cpuRequest: "100m", memoryRequest: "64Mi", memoryLimit: "128Mi", cpuLimit: "500m" },
    },
    {
      name: "log-shipper",
      image: `ghcr.io/acme/log-shipper:2.1.0@${SIDECAR_IMAGE_DIGEST}`,
      native: false,
      ports: [{ name: "shipper-metrics", containerPort: 9102 }],
      volumeMounts: [{ name: "cache", mountPath: "/var/cache/gateway", readOnly: true }],
    },
  ],
} as const;

/** The config map of the fixture stack, as Pulumi hands it to the program. */
export function podStackConfigMap(): Record<string, unknown> {
  const c = structuredClone(stackConfigMap(POD_STACK_BASE));
  c["ws-gateway:gateway"] = {
    ...(c["ws-gateway:gateway"] as Record<string, unknown>),
    pod: structuredClone(FULL_POD),
  };
  return c;
}
