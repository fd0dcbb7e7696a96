/**
 * Edits that keep every release invariant: labels and annotations unrelated
 * to routing, more capacity, unrelated objects elsewhere, a longer drain with
 * everything that must cover it raised to match. The pack must report nothing
 * new for any of them (no level, not even advisory).
 */
import {
  TYPE,
  add,
  drainTo,
  soaks,
  edit,
  gatewayFacts,
  ingressProps,
  listAt,
  objAt,
  onCluster,
  onContainer,
  onController,
  onDeployment,
  onHpa,
  onNodePool,
  onPodMeta,
  onPodSpec,
  onPrimary,
  onCanary,
  onRollout,
  onStable,
  resource,
  seq,
  serviceProps,
  type HarmlessEdit,
  type Json,
} from "./model";

const label = (key: string, value: string) => (p: Json) => {
  objAt(p, ["metadata", "labels"])[key] = value;
};

export const HARMLESS: readonly HarmlessEdit[] = [
  {
    id: "harmless-team-label-on-deployment",
    stack: "prod",
    description: "a team label on the gateway Deployment",
    apply: onDeployment(label("acme.example/team", "realtime")),
  },
  {
    id: "harmless-scrape-annotation-on-pods",
    stack: "prod",
    description: "prometheus.io/scrape on the gateway pods",
    apply: onPodMeta((m) => {
      objAt(m, ["annotations"])["prometheus.io/scrape"] = "true";
    }),
  },
  {
    id: "harmless-owner-annotation-on-routes",
    stack: "prod",
    description: "the same owner annotation (not an nginx one) on both Ingresses",
    apply: seq(
      onPrimary((p) => {
        objAt(p, ["metadata", "annotations"])["acme.example/owner"] = "realtime";
      }),
      onCanary((p) => {
        objAt(p, ["metadata", "annotations"])["acme.example/owner"] = "realtime";
      }),
    ),
  },
  {
    id: "harmless-team-label-on-routes-dev",
    stack: "dev",
    description: "a team label on both Ingresses and the stable Service",
    apply: seq(
      onPrimary(label("acme.example/team", "realtime")),
      onCanary(label("acme.example/team", "realtime")),
      onStable(label("acme.example/team", "realtime")),
    ),
  },
  {
    id: "harmless-hpa-higher-max",
    stack: "prod",
    description: "HPA maxReplicas 40",
    apply: onHpa((p) => {
      objAt(p, ["spec"]).maxReplicas = 40;
    }),
  },
  {
    id: "harmless-more-replicas",
    stack: "prod",
    description: "8 gateway replicas minimum (HPA and the Deployment's initial count)",
    apply: seq(
      onHpa((p) => {
        objAt(p, ["spec"]).minReplicas = 8;
      }),
      onDeployment((d) => {
        objAt(d, ["spec"]).replicas = 8;
      }),
    ),
  },
  {
    id: "harmless-hpa-higher-max-dev",
    stack: "dev",
    description: "dev HPA maxReplicas 9",
    apply: onHpa((p) => {
      objAt(p, ["spec"]).maxReplicas = 9;
    }),
  },
  {
    id: "harmless-bigger-resources",
    stack: "prod",
    description: "the gateway requests 1 CPU and 1 GiB, limits 2 GiB",
    apply: onContainer((c) => {
      c.resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } };
    }),
  },
  {
    id: "harmless-unrelated-service-elsewhere",
    stack: "prod",
    description: "a ClusterIP Service for Prometheus in namespace monitoring",
    apply: add(
      resource(TYPE.service, "prometheus", () =>
        serviceProps("prometheus", "monitoring", "ClusterIP", { "app.kubernetes.io/name": "prometheus" }),
      ),
    ),
  },
  {
    id: "harmless-unrelated-configmap-elsewhere",
    stack: "dev",
    description: "a ConfigMap in namespace monitoring",
    apply: add(
      resource(TYPE.configMap, "dashboards", () => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "dashboards", namespace: "monitoring" },
        data: { "ws.json": "{}" },
      })),
    ),
  },
  {
    id: "harmless-unrelated-ingress-other-host",
    stack: "prod",
    description: "an Ingress for status.acme.example in namespace status, to its own Service",
    apply: add(
      resource(TYPE.ingress, "status", () =>
        ingressProps("status", "status", "status.acme.example", "/", "Prefix", "status-page"),
      ),
    ),
  },
  {
    id: "harmless-longer-drain-everything-matching",
    stack: "prod",
    description: "a 2400 s drain with grace 2440 and node soaks 2440 s / 3040 s",
    apply: seq(drainTo(2400, 2440), soaks(2440, 3040)),
  },
  {
    id: "harmless-longer-prestop-matching-grace",
    stack: "prod",
    description: "preStop sleep 20 s with the grace period raised by 10 s and the soaks to match",
    apply: seq(
      onContainer((c) => {
        c.lifecycle = { preStop: { sleep: { seconds: 20 } } };
      }),
      onPodSpec((s) => {
        s.terminationGracePeriodSeconds = 1850;
      }),
      soaks(1850, 2450),
    ),
  },
  {
    id: "harmless-longer-margin-matching-soaks",
    stack: "dev",
    description: "a 60 s termination margin (grace 400) with the node soaks raised to match",
    apply: seq(
      onPodSpec((s) => {
        s.terminationGracePeriodSeconds = 400;
      }),
      soaks(400, 1000),
    ),
  },
  {
    id: "harmless-hpa-never-scales-down",
    stack: "prod",
    description: "HPA scale-down disabled (selectPolicy Disabled): never removes a pod",
    apply: onHpa((p) => {
      objAt(p, ["spec", "behavior", "scaleDown"]).selectPolicy = "Disabled";
    }),
  },
  {
    id: "harmless-vpa-recommendations-only",
    stack: "prod",
    description: "a VerticalPodAutoscaler in Off mode (recommendations, no evictions)",
    apply: add(
      resource(TYPE.vpa, "gateway-vpa-off", (rs) => {
        const g = gatewayFacts(rs);
        return {
          apiVersion: "autoscaling.k8s.io/v1",
          kind: "VerticalPodAutoscaler",
          metadata: { name: g.name, namespace: g.namespace },
          spec: {
            targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: g.name },
            updatePolicy: { updateMode: "Off" },
          },
        };
      }),
    ),
  },
  {
    id: "harmless-hpa-memory-metric",
    stack: "prod",
    description: "the gateway HPA also scales on memory",
    apply: onHpa((p) => {
      listAt(p, ["spec", "metrics"]).push({
        type: "Resource",
        resource: { name: "memory", target: { type: "Utilization", averageUtilization: 75 } },
      });
    }),
  },
  {
    id: "harmless-extra-env",
    stack: "prod",
    description: "LOG_LEVEL=info in the gateway's environment",
    apply: onContainer((c) => {
      listAt(c, ["env"]).push({ name: "LOG_LEVEL", value: "info" });
    }),
  },
  {
    id: "harmless-metrics-port",
    stack: "local",
    description: "a second container port named metrics on the gateway container",
    apply: onContainer((c) => {
      listAt(c, ["ports"]).push({ name: "metrics", containerPort: 9102, protocol: "TCP" });
    }),
  },
  {
    // The program renders safe-to-evict "false" now; without it a grace period within the autoscaler's cap is still whole.
    id: "harmless-no-safe-to-evict-short-grace",
    stack: "dev",
    description:
      "no safe-to-evict \"false\" on dev's gateway pods, whose 340 s grace fits the cluster autoscaler's 600 s: a scale-down lets every pod drain",
    apply: onPodMeta((m) => {
      delete objAt(m, ["annotations"])["cluster-autoscaler.kubernetes.io/safe-to-evict"];
    }),
  },
  {
    id: "harmless-high-priority-class",
    stack: "prod",
    description: "the gateway pods run under a high PriorityClass the stack declares",
    apply: seq(
      add(
        resource(TYPE.priorityClass, "realtime", () => ({
          apiVersion: "scheduling.k8s.io/v1",
          kind: "PriorityClass",
          metadata: { name: "realtime" },
          value: 100000,
          globalDefault: false,
        })),
      ),
      onPodSpec((s) => {
        s.priorityClassName = "realtime";
      }),
    ),
  },
  {
    id: "harmless-controller-bigger",
    stack: "prod",
    description: "controller requests 500m and 512Mi, limit 2Gi",
    apply: onController((c) => {
      c.resources = { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "2Gi" } };
    }),
  },
  {
    id: "harmless-controller-four-replicas",
    stack: "dev",
    description: "four controllers with minAvailable 3",
    apply: onController((c) => {
      c.replicaCount = 4;
      c.minAvailable = 3;
    }),
  },
  {
    id: "harmless-rollout-extra-step",
    stack: "prod",
    description: "an extra canary step at 10 % for 2 minutes",
    apply: onRollout((p) => {
      const steps = listAt(p, ["steps"]);
      steps.splice(1, 0, { weight: 10, pauseSeconds: 120 });
    }),
  },
  {
    id: "harmless-cluster-resource-labels",
    stack: "prod",
    description: "resource labels on the cluster and node labels on the pool",
    apply: seq(
      onCluster((p) => {
        p.resourceLabels = { team: "realtime" };
      }),
      onNodePool((p) => {
        objAt(p, ["nodeConfig", "labels"])["acme.example/team"] = "realtime";
      }),
    ),
  },
  {
    id: "harmless-wildcard-host-elsewhere",
    stack: "prod",
    description:
      "an Ingress for *.acme.example to another Service: nginx serves an exact server name before a wildcard, so ws.acme.example is unchanged",
    apply: add(
      resource(TYPE.ingress, "wildcard", () =>
        ingressProps("wildcard", "sites", "*.acme.example", "/", "Prefix", "sites"),
      ),
    ),
  },
  {
    id: "harmless-metrics-service-selecting-pods",
    stack: "prod",
    description:
      "a ClusterIP Service selecting every gateway version on a metrics port, for in-cluster scraping only",
    apply: add(
      resource(TYPE.service, "gateway-metrics", (rs) => {
        const g = gatewayFacts(rs);
        const p = serviceProps("ws-gateway-metrics", g.namespace, "ClusterIP", {
          "app.kubernetes.io/name": g.selector["app.kubernetes.io/name"],
        });
        (p.spec as Json).ports = [{ name: "metrics", port: 9102, targetPort: 9102, protocol: "TCP" }];
        return p;
      }),
    ),
  },
  {
    id: "harmless-service-monitor",
    stack: "prod",
    description: "a Prometheus ServiceMonitor selecting the stable Service",
    apply: add(
      resource("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "gateway-monitor", (rs) => ({
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "ws-gateway", namespace: gatewayFacts(rs).namespace },
        spec: {
          selector: { matchLabels: { "app.kubernetes.io/component": "stable-service" } },
          endpoints: [{ port: "ws", path: "/metrics" }],
        },
      })),
    ),
  },
  {
    id: "harmless-network-policy-from-controller",
    stack: "dev",
    description: "a NetworkPolicy admitting traffic to the gateway pods only from the controller's namespace",
    apply: add(
      resource(TYPE.networkPolicy, "gateway-ingress-only", (rs) => {
        const g = gatewayFacts(rs);
        return {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: { name: "ws-gateway-from-ingress", namespace: g.namespace },
          spec: {
            podSelector: { matchLabels: { "app.kubernetes.io/name": g.selector["app.kubernetes.io/name"] } },
            policyTypes: ["Ingress"],
            ingress: [
              {
                from: [
                  { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
                ],
              },
            ],
          },
        };
      }),
    ),
  },
  {
    id: "harmless-namespace-label",
    stack: "local",
    description: "a team label on the gateway namespace",
    apply: edit("kubernetes:core/v1:Namespace", "gateway-namespace", label("acme.example/team", "realtime")),
  },
  {
    id: "harmless-exec-shell-entrypoint",
    stack: "prod",
    description:
      'command ["sh", "-c", "exec node server.js"]: the shell replaces itself, node is PID 1 and gets SIGTERM',
    apply: onContainer((c) => {
      c.command = ["sh", "-c", "exec node server.js"];
    }),
  },
  {
    id: "harmless-prestop-exec-sleep",
    stack: "prod",
    description: 'preStop exec ["sleep", "10"] instead of the sleep action: the same bounded wait',
    apply: onContainer((c) => {
      c.lifecycle = { preStop: { exec: { command: ["sleep", "10"] } } };
    }),
  },
  {
    id: "harmless-env-expansion",
    stack: "dev",
    description: "LOG_PREFIX=$(GATEWAY_VERSION): a variable built from an earlier one",
    apply: onContainer((c) => {
      listAt(c, ["env"]).push({ name: "LOG_PREFIX", value: "gw-$(GATEWAY_VERSION)" });
    }),
  },
  {
    id: "harmless-pdb-max-unavailable-one-of-six-percent",
    stack: "prod",
    description: 'PDB maxUnavailable "16%": ceil(0.96) = 1 of 6 pods, still one at a time at the minimum',
    apply: edit(TYPE.pdb, undefined, (p) => {
      objAt(p, ["spec"]).maxUnavailable = "16%";
    }),
  },
];
