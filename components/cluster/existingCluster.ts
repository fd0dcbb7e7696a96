/**
 * An existing cluster reached through the ambient kubeconfig (e.g. a local
 * kind cluster). Nothing is created on the cloud side.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ExistingClusterArgs {
  /** @default the kubeconfig's current context */
  readonly kubeContext?: string;
}

/** Kubernetes provider args for the ambient kubeconfig, as plain data. */
export function existingProviderArgs(a: ExistingClusterArgs): k8s.ProviderArgs {
  return a.kubeContext === undefined ? {} : { context: a.kubeContext };
}

/** A provider for a cluster the program does not manage. */
export class ExistingCluster extends pulumi.ComponentResource {
  static readonly type = "ws-gateway:cluster:ExistingCluster";
  readonly provider: k8s.Provider;
  /** Context the rollout engine uses; undefined means the current context. */
  readonly kubeContext: string | undefined;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ExistingCluster.type, name, {}, opts);
    this.kubeContext = args.kubeContext;
    this.provider = new k8s.Provider(`${name}-k8s`, existingProviderArgs(args), { parent: this });
    this.registerOutputs({});
  }
}
