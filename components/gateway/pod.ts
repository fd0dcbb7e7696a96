/**
 * What a team brings to the gateway pod (`gateway.pod` in the stack config):
 * environment, command, service account, scheduling, volumes, metadata and
 * sidecars. The program renders them into the versioned Deployment around
 * what it owns itself (the drain contract's environment, the restricted
 * security context, the probes, the /tmp volume, the app and version labels),
 * which no setting here can replace. The config validation refuses a setting
 * that names an owned key, so the renderer only has to keep the order.
 */
import * as k8s from "@pulumi/kubernetes";
import {
  ANNOTATION_DELETION_PROPAGATION,
  ENV_DRAIN_SECONDS,
  ENV_GATEWAY_VERSION,
  ENV_POD_NAME,
  ENV_PORT,
  LABEL_APP,
  LABEL_COMPONENT,
  LABEL_MANAGED_BY,
  LABEL_VERSION,
} from "../names";

import Input = k8s.types.input;

/** Name of the gateway's own container; a sidecar may not take it. */
export const GATEWAY_CONTAINER = "gateway";

/** Environment variables the program sets on the gateway (and, but PORT, on every sidecar): the drain contract's. */
export const PROGRAM_ENV_NAMES: readonly string[] = [
  ENV_DRAIN_SECONDS,
  ENV_GATEWAY_VERSION,
  ENV_PORT,
  ENV_POD_NAME,
];

/** Volumes the program mounts, by name and path; an own volume or mount may not take either. */
export const PROGRAM_VOLUMES: readonly { readonly name: string; readonly mountPath: string }[] = [
  { name: "tmp", mountPath: "/tmp" },
];

/** Label keys the program sets on the pods and the Deployment (the Services select on app + version). */
export const PROGRAM_LABEL_KEYS: readonly string[] = [
  LABEL_APP,
  LABEL_VERSION,
  LABEL_COMPONENT,
  LABEL_MANAGED_BY,
  // Written by the Deployment controller on every pod it creates.
  "pod-template-hash",
];

/** Annotation keys the program sets on the Deployment. */
export const PROGRAM_ANNOTATION_KEYS: readonly string[] = [ANNOTATION_DELETION_PROPAGATION];

/** Requests and limit a sidecar gets when it states none (the pack requires all three). */
export const SIDECAR_DEFAULTS = {
  cpuRequest: "50m",
  memoryRequest: "64Mi",
  memoryLimit: "128Mi",
} as const;

export interface KeyRef {
  readonly name: string;
  readonly key: string;
  readonly optional?: boolean;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: KeyRef; readonly configMapKeyRef?: KeyRef };
}

export interface EnvFromSource {
  readonly prefix?: string;
  readonly secretRef?: { readonly name: string; readonly optional?: boolean };
  readonly configMapRef?: { readonly name: string; readonly optional?: boolean };
}

export interface KeyToPath {
  readonly key: string;
  readonly path: string;
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
}

export interface ProjectedSource {
  readonly secret?: {
    readonly name: string;
    readonly optional?: boolean;
    readonly items?: readonly KeyToPath[];
  };
  readonly configMap?: {
    readonly name: string;
    readonly optional?: boolean;
    readonly items?: readonly KeyToPath[];
  };
  readonly serviceAccountToken?: {
    readonly path: string;
    readonly audience?: string;
    readonly expirationSeconds?: number;
  };
}

export interface Volume {
  readonly name: string;
  readonly secret?: {
    readonly secretName: string;
    readonly optional?: boolean;
    readonly defaultMode?: number;
    readonly items?: readonly KeyToPath[];
  };
  readonly configMap?: {
    readonly name: string;
    readonly optional?: boolean;
    readonly defaultMode?: number;
    readonly items?: readonly KeyToPath[];
  };
  readonly emptyDir?: { readonly medium?: "" | "Memory"; readonly sizeLimit?: string };
  readonly projected?: { readonly sources: readonly ProjectedSource[]; readonly defaultMode?: number };
}

export interface Toleration {
  readonly key?: string;
  readonly operator: "Exists" | "Equal";
  readonly value?: string;
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  readonly tolerationSeconds?: number;
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: "TCP" | "UDP" | "SCTP";
}

export interface Sidecar {
  readonly name: string;
  /** Image reference with a tag or a digest. */
  readonly image: string;
  /** true: an init container with restartPolicy Always (a native sidecar); false: a regular container. */
  readonly native: boolean;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: readonly EnvVar[];
  readonly envFrom: readonly EnvFromSource[];
  readonly ports: readonly ContainerPort[];
  readonly volumeMounts: readonly VolumeMount[];
  readonly resources: {
    readonly cpuRequest: string;
    readonly memoryRequest: string;
    readonly memoryLimit: string;
    readonly cpuLimit?: string;
  };
}

/** Kubernetes' Affinity, passed through as written (the API server checks its inside). */
export type Affinity = Record<string, unknown>;

export interface PodSettings {
  readonly env: readonly EnvVar[];
  readonly envFrom: readonly EnvFromSource[];
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly serviceAccountName?: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly affinity?: Affinity;
  readonly volumes: readonly Volume[];
  readonly volumeMounts: readonly VolumeMount[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly deploymentLabels: Readonly<Record<string, string>>;
  readonly deploymentAnnotations: Readonly<Record<string, string>>;
  readonly sidecars: readonly Sidecar[];
}

/** No setting: the pod the program renders on its own. */
export const EMPTY_POD: PodSettings = {
  env: [],
  envFrom: [],
  nodeSelector: {},
  tolerations: [],
  volumes: [],
  volumeMounts: [],
  labels: {},
  annotations: {},
  deploymentLabels: {},
  deploymentAnnotations: {},
  sidecars: [],
};

/** The drain-contract environment every container of the pod receives (the gateway adds PORT). */
export function drainEnv(drainSeconds: number, version: string): Input.core.v1.EnvVar[] {
  return [
    { name: ENV_DRAIN_SECONDS, value: String(drainSeconds) },
    { name: ENV_GATEWAY_VERSION, value: version },
    { name: ENV_POD_NAME, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
  ];
}

/** The gateway's own environment: the drain contract's and its port. */
export function gatewayEnv(drainSeconds: number, port: number, version: string): Input.core.v1.EnvVar[] {
  const [drain, ...rest] = drainEnv(drainSeconds, version);
  return [...(drain === undefined ? [] : [drain]), { name: ENV_PORT, value: String(port) }, ...rest];
}

/** The restricted security context of every container (Pod Security Standard "restricted"). */
export function restrictedContainerSecurity(): Input.core.v1.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

const envVar = (e: EnvVar): Input.core.v1.EnvVar =>
  e.valueFrom === undefined
    ? { name: e.name, value: e.value ?? "" }
    : {
        name: e.name,
        valueFrom: {
          ...(e.valueFrom.secretKeyRef === undefined
            ? {}
            : { secretKeyRef: { ...e.valueFrom.secretKeyRef } }),
          ...(e.valueFrom.configMapKeyRef === undefined
            ? {}
            : { configMapKeyRef: { ...e.valueFrom.configMapKeyRef } }),
        },
      };

/** The settings' env after the program's own (which user values may reference as $(NAME)). */
export function ownEnv(env: readonly EnvVar[]): Input.core.v1.EnvVar[] {
  return env.map(envVar);
}

export function ownEnvFrom(envFrom: readonly EnvFromSource[]): Input.core.v1.EnvFromSource[] {
  return envFrom.map((s) => ({
    ...(s.prefix === undefined ? {} : { prefix: s.prefix }),
    ...(s.secretRef === undefined ? {} : { secretRef: { ...s.secretRef } }),
    ...(s.configMapRef === undefined ? {} : { configMapRef: { ...s.configMapRef } }),
  }));
}

const mount = (m: VolumeMount): Input.core.v1.VolumeMount => ({
  name: m.name,
  mountPath: m.mountPath,
  ...(m.readOnly === undefined ? {} : { readOnly: m.readOnly }),
  ...(m.subPath === undefined ? {} : { subPath: m.subPath }),
});

/** The program's mounts, then the settings' own. */
export function mounts(own: readonly VolumeMount[]): Input.core.v1.VolumeMount[] {
  return [...PROGRAM_VOLUMES.map((v) => ({ name: v.name, mountPath: v.mountPath })), ...own.map(mount)];
}

/** The program's volumes, then the settings' own. */
export function volumes(own: readonly Volume[]): Input.core.v1.Volume[] {
  return [
    ...PROGRAM_VOLUMES.map((v) => ({ name: v.name, emptyDir: { sizeLimit: "64Mi" } })),
    ...own.map((v) => JSON.parse(JSON.stringify(v)) as Input.core.v1.Volume),
  ];
}

/** Settings' metadata under the program's, so an owned key always keeps the program's value. */
export function withOwned(
  own: Readonly<Record<string, string>>,
  program: Record<string, string>,
): Record<string, string> {
  return { ...own, ...program };
}

export interface SidecarContext {
  readonly drainSeconds: number;
  readonly preStopSeconds: number;
  readonly version: string;
}

/**
 * A sidecar as a container. It gets the restricted security context and the
 * drain contract's environment. A regular sidecar receives SIGTERM together
 * with the gateway, so it gets the gateway's preStop sleep too: it leaves the
 * routes with the gateway and then drains over DRAIN_SECONDS like it. A native
 * sidecar (restartPolicy Always) is stopped only after the gateway exited
 * (Kubernetes terminates sidecars in reverse order after the main containers),
 * so it needs no preStop of its own.
 */
export function sidecarContainer(s: Sidecar, ctx: SidecarContext): Input.core.v1.Container {
  const limits: Record<string, string> = { memory: s.resources.memoryLimit };
  if (s.resources.cpuLimit !== undefined) limits.cpu = s.resources.cpuLimit;
  return {
    name: s.name,
    image: s.image,
    imagePullPolicy: "IfNotPresent",
    ...(s.native ? { restartPolicy: "Always" } : {}),
    ...(s.command === undefined ? {} : { command: [...s.command] }),
    ...(s.args === undefined ? {} : { args: [...s.args] }),
    ...(s.ports.length === 0 ? {} : { ports: s.ports.map((p) => ({ ...p })) }),
    env: [...drainEnv(ctx.drainSeconds, ctx.version), ...ownEnv(s.env)],
    ...(s.envFrom.length === 0 ? {} : { envFrom: ownEnvFrom(s.envFrom) }),
    resources: { requests: { cpu: s.resources.cpuRequest, memory: s.resources.memoryRequest }, limits },
    ...(s.native ? {} : { lifecycle: { preStop: { sleep: { seconds: ctx.preStopSeconds } } } }),
    securityContext: restrictedContainerSecurity(),
    volumeMounts: mounts(s.volumeMounts),
  };
}
