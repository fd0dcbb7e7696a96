/**
 * One version of the gateway: its own Deployment, HPA and PDB, all named
 * `ws-gateway-<version>`. A release adds a new VersionedGateway and drops the
 * previous one from the program; Pulumi deletes the previous one at the end of
 * the update with background propagation, and its pods drain per the drain
 * contract (docs/drain-contract.md) without blocking `pulumi up`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  ANNOTATION_DELETION_PROPAGATION,
  APP_NAME,
  LABEL_APP,
  LABEL_COMPONENT,
  LABEL_MANAGED_BY,
  LABEL_VERSION,
  LIVENESS_PATH,
  READINESS_PATH,
  versionedName,
} from "../names";
import {
  EMPTY_POD,
  GATEWAY_CONTAINER,
  gatewayEnv,
  mounts,
  ownEnv,
  ownEnvFrom,
  sidecarContainer,
  volumes,
  withOwned,
  type PodSettings,
} from "./pod";
import {
  ANNOTATION_ACCEPT_SPOT_CUTS,
  ANNOTATION_CONNECTIONS_PER_POD,
  ANNOTATION_RECONNECTS_PER_SECOND,
  ANNOTATION_SAFE_TO_EVICT,
  SCALE_DOWN_DEFAULTS,
} from "../shared/budget";

import Input = k8s.types.input;

/**
 * Defaults of the gateway's settings, defined once: the component applies
 * them to arguments left out, and the stack config's schema uses them as its
 * defaults (docs/configuration.md is checked against that schema).
 */
export const GATEWAY_DEFAULTS = {
  namespace: APP_NAME,
  port: 8080,
  minReplicas: 3,
  maxReplicas: 12,
  targetCpuUtilizationPercent: 60,
  cpuRequest: "250m",
  memoryRequest: "256Mi",
  memoryLimit: "512Mi",
  drainSeconds: 1800,
  preStopSeconds: 10,
  terminationMarginSeconds: 30,
} as const;

export interface VersionedGatewayArgs {
  /** Image repository, without tag: the tag is `version`. */
  readonly image: string;
  /** The version (image tag); part of every name and the version label. */
  readonly version: string;
  /**
   * Namespace the gateway runs in.
   * @default "ws-gateway" (GATEWAY_DEFAULTS.namespace)
   */
  readonly namespace?: string;
  /**
   * Port the container listens on for WebSocket upgrades and probes.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Fewest pods; the Deployment starts with this many so a canary begins complete.
   * @default 3, one per zone of a regional cluster
   */
  readonly minReplicas?: number;
  /**
   * Most pods the HPA may run.
   * @default 12
   */
  readonly maxReplicas?: number;
  /**
   * HPA CPU target in percent.
   * @default 60
   */
  readonly targetCpuUtilizationPercent?: number;
  /**
   * CPU request (Kubernetes quantity).
   * @default "250m"
   */
  readonly cpuRequest?: string;
  /**
   * Memory request (Kubernetes quantity).
   * @default "256Mi"
   */
  readonly memoryRequest?: string;
  /** @default no CPU limit (throttling a gateway during a drain only slows it) */
  readonly cpuLimit?: string;
  /**
   * Memory limit (Kubernetes quantity).
   * @default "512Mi"
   */
  readonly memoryLimit?: string;
  /**
   * Seconds over which a terminating pod spreads the closing of its connections.
   * @default 1800
   */
  readonly drainSeconds?: number;
  /**
   * Seconds the preStop hook sleeps so endpoint removal propagates before SIGTERM.
   * @default 10
   */
  readonly preStopSeconds?: number;
  /**
   * Slack between the end of the drain and SIGKILL.
   * @default 30
   */
  readonly terminationMarginSeconds?: number;
  /**
   * HPA scale-down stabilization window. Long, so a stable version does not
   * shed pods (and their clients) in the middle of a canary.
   * @default 3600 (the maximum Kubernetes allows)
   */
  readonly scaleDownStabilizationSeconds?: number;
  /**
   * At most this many pods removed per `scaleDownPeriodSeconds`.
   * @default 1
   */
  readonly scaleDownPods?: number;
  /** @default 600 */
  readonly scaleDownPeriodSeconds?: number;
  /**
   * A version that serves clients while another one is released (a held
   * schedule): changes to its specs are ignored, so editing gateway settings
   * during a hold never rolls the pods that hold the stable route.
   * @default false
   */
  readonly frozen?: boolean;
  /**
   * What the team brings to the pod (env, service account, scheduling,
   * volumes, metadata, sidecars), rendered around what the program owns.
   * @default nothing (EMPTY_POD)
   */
  readonly pod?: PodSettings;
  /**
   * PriorityClass of the pods, so pods without one (batch work) can never
   * preempt them (components/gateway/priorityClass.ts).
   * @default none (the program always passes GATEWAY_PRIORITY_CLASS.name)
   */
  readonly priorityClassName?: string;
  /**
   * The stack accepts that Spot or preemptible capacity cuts its pods with
   * about 15 s of notice (disruption.acceptSpotCuts); marks the pods so the
   * policy pack lets them onto such nodes.
   * @default false
   */
  readonly acceptSpotCuts?: boolean;
  /** The stack's reconnect budget, written on the Deployment for the policy pack (docs/disruption-budget.md). */
  readonly budget?: { readonly reconnectsPerSecond: number; readonly connectionsPerPod: number };
}

/** The arguments with every setting of GATEWAY_DEFAULTS present. */
export type ResolvedGatewayArgs = VersionedGatewayArgs &
  Required<Pick<VersionedGatewayArgs, keyof typeof GATEWAY_DEFAULTS>>;

/** `args` with every left-out setting at its default. */
export function withGatewayDefaults(args: VersionedGatewayArgs): ResolvedGatewayArgs {
  const d = GATEWAY_DEFAULTS;
  return {
    ...args,
    namespace: args.namespace ?? d.namespace,
    port: args.port ?? d.port,
    minReplicas: args.minReplicas ?? d.minReplicas,
    maxReplicas: args.maxReplicas ?? d.maxReplicas,
    targetCpuUtilizationPercent: args.targetCpuUtilizationPercent ?? d.targetCpuUtilizationPercent,
    cpuRequest: args.cpuRequest ?? d.cpuRequest,
    memoryRequest: args.memoryRequest ?? d.memoryRequest,
    memoryLimit: args.memoryLimit ?? d.memoryLimit,
    drainSeconds: args.drainSeconds ?? d.drainSeconds,
    preStopSeconds: args.preStopSeconds ?? d.preStopSeconds,
    terminationMarginSeconds: args.terminationMarginSeconds ?? d.terminationMarginSeconds,
  };
}

/** HPA scale-down pace when the program passes none (components/shared/budget.ts derives it from the budget). */
export const DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS = SCALE_DOWN_DEFAULTS.stabilizationSeconds;
export const DEFAULT_SCALE_DOWN_PODS = SCALE_DOWN_DEFAULTS.pods;
export const DEFAULT_SCALE_DOWN_PERIOD_SECONDS = SCALE_DOWN_DEFAULTS.periodSeconds;
/** Readiness probe cadence; two misses in a row, so one slow probe never marks a pod unready. */
export const READINESS_PERIOD_SECONDS = 2;
export const READINESS_FAILURE_THRESHOLD = 2;
/** Non-root UID/GID the gateway runs as. */
export const GATEWAY_UID = 10001;

/** preStop + drain + margin: the kubelet must not SIGKILL a pod that is still draining. */
export function terminationGraceSeconds(args: VersionedGatewayArgs): number {
  const a = withGatewayDefaults(args);
  return a.preStopSeconds + a.drainSeconds + a.terminationMarginSeconds;
}

/** Labels on every pod of a version; Services select on app + version. */
export function versionLabels(version: string): Record<string, string> {
  return { [LABEL_APP]: APP_NAME, [LABEL_VERSION]: version };
}

export interface VersionedGatewayManifests {
  readonly deployment: Input.apps.v1.Deployment;
  readonly hpa: Input.autoscaling.v2.HorizontalPodAutoscaler;
  readonly pdb: Input.policy.v1.PodDisruptionBudget;
}

/** The three objects of one version, as plain data (tests and policies read it directly). */
export function versionedGatewayManifests(args: VersionedGatewayArgs): VersionedGatewayManifests {
  const a = withGatewayDefaults(args);
  const name = versionedName(a.version);
  const selector = versionLabels(a.version);
  const labels = { ...selector, [LABEL_COMPONENT]: "gateway", [LABEL_MANAGED_BY]: "pulumi" };
  const metadata = { name, namespace: a.namespace, labels };
  const pod = a.pod ?? EMPTY_POD;
  const sidecarContext = {
    drainSeconds: a.drainSeconds,
    preStopSeconds: a.preStopSeconds,
    version: a.version,
  };
  const regularSidecars = pod.sidecars
    .filter((s) => !s.native)
    .map((s) => sidecarContainer(s, sidecarContext));
  const nativeSidecars = pod.sidecars.filter((s) => s.native).map((s) => sidecarContainer(s, sidecarContext));
  const limits: Record<string, string> = { memory: a.memoryLimit };
  if (a.cpuLimit !== undefined) limits.cpu = a.cpuLimit;

  const deployment: Input.apps.v1.Deployment = {
    metadata: {
      ...metadata,
      labels: withOwned(pod.deploymentLabels, labels),
      annotations: withOwned(pod.deploymentAnnotations, {
        // Deleting a retired version must not wait for its pods to drain.
        [ANNOTATION_DELETION_PROPAGATION]: "background",
        ...(a.budget === undefined
          ? {}
          : {
              [ANNOTATION_RECONNECTS_PER_SECOND]: String(a.budget.reconnectsPerSecond),
              [ANNOTATION_CONNECTIONS_PER_POD]: String(a.budget.connectionsPerPod),
            }),
      }),
    },
    spec: {
      // Set at creation only (the program ignores later changes so the HPA owns it).
      replicas: a.minReplicas,
      selector: { matchLabels: selector },
      // Versioned Deployments are never updated in place; should one be, no pod is lost before its successor is ready.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      revisionHistoryLimit: 2,
      template: {
        metadata: {
          labels: withOwned(pod.labels, labels),
          annotations: withOwned(pod.annotations, {
            // A cluster autoscaler scale-down would cut a drain longer than its 600 s cap: keep these nodes out of it (docs/disruption-budget.md).
            [ANNOTATION_SAFE_TO_EVICT]: "false",
            ...(a.acceptSpotCuts === true ? { [ANNOTATION_ACCEPT_SPOT_CUTS]: "true" } : {}),
          }),
        },
        spec: {
          ...(a.priorityClassName === undefined ? {} : { priorityClassName: a.priorityClassName }),
          ...(pod.serviceAccountName === undefined ? {} : { serviceAccountName: pod.serviceAccountName }),
          // The gateway talks to no API server; a projected serviceAccountToken volume gives one where needed.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: terminationGraceSeconds(a),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: GATEWAY_UID,
            runAsGroup: GATEWAY_UID,
            fsGroup: GATEWAY_UID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selector },
            },
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selector },
            },
          ],
          ...(Object.keys(pod.nodeSelector).length === 0 ? {} : { nodeSelector: { ...pod.nodeSelector } }),
          ...(pod.tolerations.length === 0 ? {} : { tolerations: pod.tolerations.map((t) => ({ ...t })) }),
          ...(pod.affinity === undefined ? {} : { affinity: structuredClone(pod.affinity) }),
          ...(nativeSidecars.length === 0 ? {} : { initContainers: nativeSidecars }),
          containers: [
            {
              name: GATEWAY_CONTAINER,
              image: `${a.image}:${a.version}`,
              imagePullPolicy: "IfNotPresent",
              ...(pod.command === undefined ? {} : { command: [...pod.command] }),
              ...(pod.args === undefined ? {} : { args: [...pod.args] }),
              ports: [{ name: "ws", containerPort: a.port, protocol: "TCP" }],
              // The program's variables first (in their historical order), so own values may use $(NAME).
              env: [...gatewayEnv(a.drainSeconds, a.port, a.version), ...ownEnv(pod.env)],
              ...(pod.envFrom.length === 0 ? {} : { envFrom: ownEnvFrom(pod.envFrom) }),
              resources: { requests: { cpu: a.cpuRequest, memory: a.memoryRequest }, limits },
              // Readiness turns false on SIGTERM (drain); liveness stays true while draining.
              // Two misses in a row: one slow probe must not mark a pod unready (the pods-ready gate would abort).
              readinessProbe: {
                httpGet: { path: READINESS_PATH, port: "ws" },
                periodSeconds: READINESS_PERIOD_SECONDS,
                failureThreshold: READINESS_FAILURE_THRESHOLD,
                successThreshold: 1,
                timeoutSeconds: 2,
              },
              livenessProbe: {
                httpGet: { path: LIVENESS_PATH, port: "ws" },
                initialDelaySeconds: 5,
                periodSeconds: 10,
                failureThreshold: 3,
                timeoutSeconds: 2,
              },
              lifecycle: { preStop: { sleep: { seconds: a.preStopSeconds } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: mounts(pod.volumeMounts),
            },
            ...regularSidecars,
          ],
          volumes: volumes(pod.volumes),
        },
      },
    },
  };

  const hpa: Input.autoscaling.v2.HorizontalPodAutoscaler = {
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: a.targetCpuUtilizationPercent },
          },
        },
      ],
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds:
            a.scaleDownStabilizationSeconds ?? DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS,
          selectPolicy: "Min",
          policies: [
            {
              type: "Pods",
              value: a.scaleDownPods ?? DEFAULT_SCALE_DOWN_PODS,
              periodSeconds: a.scaleDownPeriodSeconds ?? DEFAULT_SCALE_DOWN_PERIOD_SECONDS,
            },
          ],
        },
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: "Max",
          policies: [
            { type: "Percent", value: 100, periodSeconds: 60 },
            { type: "Pods", value: 4, periodSeconds: 60 },
          ],
        },
      },
    },
  };

  const pdb: Input.policy.v1.PodDisruptionBudget = {
    metadata,
    spec: {
      // One pod at a time during node drains; never 0, which would block GKE upgrades.
      maxUnavailable: 1,
      selector: { matchLabels: selector },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };

  return { deployment, hpa, pdb };
}

/** Deployment, HPA and PDB of one gateway version. */
export class VersionedGateway extends pulumi.ComponentResource {
  static readonly type = "ws-gateway:gateway:VersionedGateway";
  readonly deployment: k8s.apps.v1.Deployment;
  readonly hpa: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  readonly pdb: k8s.policy.v1.PodDisruptionBudget;
  readonly version: string;

  constructor(name: string, args: VersionedGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super(VersionedGateway.type, name, {}, opts);
    const m = versionedGatewayManifests(args);
    this.version = args.version;
    const frozen = args.frozen ?? false;
    this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, m.deployment, {
      parent: this,
      // The HPA owns the replica count once the Deployment exists.
      ignoreChanges: frozen ? ["spec"] : ["spec.replicas"],
    });
    this.hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, m.hpa, {
      parent: this,
      dependsOn: [this.deployment],
      ignoreChanges: frozen ? ["spec"] : [],
    });
    this.pdb = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, m.pdb, {
      parent: this,
      ignoreChanges: frozen ? ["spec"] : [],
    });
    this.registerOutputs({ deploymentName: this.deployment.metadata.name });
  }
}
