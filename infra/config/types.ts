/** The validated configuration the program receives, and the raw shape it is read from. */
import { APP_NAME } from "../../components/names";
import type { OnAbort } from "../../components/rollout/defaults";
import type { GatesConfig } from "../../components/rollout/gates";
import type { RolloutStep } from "../../components/rollout/types";
import type { GkeClusterArgs } from "../../components/cluster/gkeCluster";
import type { ResolvedGatewayArgs } from "../../components/gateway/versionedGateway";
import type { DisruptionConfig } from "./disruption";

/** Config namespace: keys are written `ws-gateway:<section>` in stacks/Pulumi.<stack>.yaml. */
export const CONFIG_NAMESPACE = APP_NAME;

/**
 * Default worker-shutdown-timeout. Fixed rather than derived from drainSeconds,
 * so that changing the drain never changes (and never restarts) the controller.
 */
export const DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS = 3600;

/** The GKE cluster's settings: the component's arguments, but the grace period, which follows the gateway. */
export interface GkeClusterConfig extends Omit<GkeClusterArgs, "project" | "podGraceSeconds"> {
  readonly mode: "gke";
  /** GCP project; undefined means the provider's `gcp:project` (resolved by loadStackConfig). */
  readonly project: string | undefined;
}

export interface ExistingClusterConfig {
  readonly mode: "existing";
  /** kubeconfig context to use; undefined means the current context. */
  readonly kubeContext: string | undefined;
}

export type ClusterConfig = GkeClusterConfig | ExistingClusterConfig;

/** `install`: the program installs ingress-nginx; `existing`: the cluster already runs it (see INGRESS_INSTALL_ONLY_KEYS). */
export type IngressControllerMode = "install" | "existing";

export interface IngressConfig {
  readonly controller: IngressControllerMode;
  readonly host: string;
  readonly path: string;
  readonly tlsSecretName: string | undefined;
  readonly className: string;
  readonly namespace: string;
  readonly controllerReplicas: number;
  readonly chartVersion: string;
  /** Helm repository (http/https) or OCI registry path (oci://) serving the ingress-nginx chart. */
  readonly chartRepository: string;
  readonly workerShutdownTimeoutSeconds: number;
  readonly serviceType: "LoadBalancer" | "NodePort";
  readonly loadBalancerIP: string | undefined;
}

/**
 * The gateway's settings: the versioned gateway component's arguments, every
 * default filled in, without the per-version options the program sets itself
 * (`frozen`, autoscaler pacing). program.ts passes `{ ...gateway, version }`.
 */
export type GatewayConfig = Readonly<
  Omit<
    ResolvedGatewayArgs,
    | "frozen"
    | "scaleDownStabilizationSeconds"
    | "scaleDownPods"
    | "scaleDownPeriodSeconds"
    | "priorityClassName"
    | "acceptSpotCuts"
    | "budget"
  >
>;

/**
 * The gates' settings: the rollout component's GatesConfig (one type for the
 * config, the program and the CanaryRollout resource), with every default
 * resolved; abnormalCloses also carries the metrics port the program wires.
 */
export type GateSettings = Readonly<
  Required<
    Pick<
      GatesConfig,
      | "intervalSeconds"
      | "podStartupSeconds"
      | "versionIdentity"
      | "canaryRouteWaitSeconds"
      | "handshake"
      | "survival"
    >
  > & {
    readonly prometheus: GatesConfig["prometheus"];
    readonly abnormalCloses:
      (NonNullable<GatesConfig["abnormalCloses"]> & { readonly port: number }) | undefined;
  }
>;

export interface RolloutConfig {
  readonly steps: readonly RolloutStep[];
  /** Set only when the schedule holds below 100: the version the stable route keeps. */
  readonly stableVersion: string | undefined;
  readonly gates: GateSettings;
  /** What an abort does to the clients already on the canary. */
  readonly onAbort: OnAbort;
  /** Kubernetes API budgets of the rollout. */
  readonly api: {
    readonly requestTimeoutSeconds: number;
    readonly retryBudgetSeconds: number;
    readonly abortBudgetSeconds: number;
  };
}

export interface StackConfig {
  readonly cluster: ClusterConfig;
  readonly ingress: IngressConfig;
  readonly gateway: GatewayConfig;
  readonly rollout: RolloutConfig;
  /** The reconnect budget and what the stack accepts (docs/disruption-budget.md). */
  readonly disruption: DisruptionConfig;
}

/**
 * Raw values as read from the stack file, one entry per `ws-gateway:<key>`.
 * Keys other than the four sections are reported as unknown, never ignored.
 */
export interface RawStackConfig {
  readonly cluster?: unknown;
  readonly ingress?: unknown;
  readonly gateway?: unknown;
  readonly rollout?: unknown;
  readonly disruption?: unknown;
  readonly [otherKey: string]: unknown;
}

/** The top-level keys of the ws-gateway namespace. */
export const SECTIONS = ["cluster", "ingress", "gateway", "rollout", "disruption"] as const;
