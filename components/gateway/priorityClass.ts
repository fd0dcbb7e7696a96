/**
 * The gateway pods' PriorityClass. Pods without a class run at priority 0
 * (or the cluster's globalDefault class); the scheduler may preempt a pod
 * only for one of higher priority, so batch work can never take a gateway
 * pod's place, and a gateway scale-up under load never waits behind it
 * (docs/facts.md F62, docs/disruption-budget.md).
 *
 * Cluster-scoped and shared by every version: a release never changes it.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { APP_NAME, LABEL_APP, LABEL_MANAGED_BY } from "../names";
import { GATEWAY_PRIORITY_CLASS } from "../shared/budget";

import Input = k8s.types.input;

/** The PriorityClass as plain data (tests and policies read it directly). */
export function gatewayPriorityClassManifest(): Input.scheduling.v1.PriorityClass {
  return {
    metadata: {
      name: GATEWAY_PRIORITY_CLASS.name,
      labels: { [LABEL_APP]: APP_NAME, [LABEL_MANAGED_BY]: "pulumi" },
    },
    value: GATEWAY_PRIORITY_CLASS.value,
    globalDefault: false,
    preemptionPolicy: GATEWAY_PRIORITY_CLASS.preemptionPolicy,
    description:
      "ws-gateway pods: above pods without a class, so batch work never preempts a pod holding WebSockets.",
  };
}

/** Creates the gateway's PriorityClass. */
export function gatewayPriorityClass(
  name: string,
  opts?: pulumi.CustomResourceOptions,
): k8s.scheduling.v1.PriorityClass {
  return new k8s.scheduling.v1.PriorityClass(name, gatewayPriorityClassManifest(), opts);
}
