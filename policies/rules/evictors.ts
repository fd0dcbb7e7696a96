/**
 * One writer of a gateway version's replicas, none that evicts to resize,
 * and gateway autoscalers that scale something the stack declares
 * (policies/lib/pods/evictors).
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, describe, isGatewayObject } from "../lib/kube";
import {
  EVICTING_VPA_MODES,
  KEDA_DEFAULT_MIN_REPLICAS,
  autoscalersOf,
  hpaTargetDeclared,
  vpaMode,
} from "../lib/pods/evictors";
import { gatewayDeployments } from "../lib/pods/workloads";
import { at, isUnknown, num, show } from "../lib/values";

export const gatewayOneAutoscaler: StackValidationPolicy = {
  name: "gateway-one-autoscaler",
  description:
    "Each gateway Deployment has at most one replica writer (one HPA or one KEDA ScaledObject), none that scales it to zero, no VerticalPodAutoscaler that evicts pods to resize them, and every gateway HPA targets a workload the stack declares.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const d of gatewayDeployments(args.resources)) {
      const what = describe("Deployment", d.props, d.name);
      const scalers = autoscalersOf(args.resources, d);
      const writers = scalers.filter((s) => s.kind !== "VerticalPodAutoscaler");
      if (writers.length > 1) {
        report(
          `${what}: ${writers.length} autoscalers write its replicas (${writers.map((w) => describe(w.kind, w.resource.props, w.resource.name)).join(", ")}): each overwrites the other's count, so pods (and their clients) are removed at whatever rate the faster one decides. ` +
            `Fix: keep one HorizontalPodAutoscaler per version (add metrics to it instead of a second autoscaler).`,
          d.urn,
        );
      }
      for (const s of scalers) {
        const sWhat = describe(s.kind, s.resource.props, s.resource.name);
        if (s.kind === "ScaledObject") {
          const raw = at(s.resource.props, "spec.minReplicaCount");
          const min = num(raw ?? KEDA_DEFAULT_MIN_REPLICAS);
          if (typeof min === "number" && min < 1) {
            report(
              `${sWhat} scales ${what} down to ${min} (minReplicaCount ${raw === undefined ? `not set, KEDA uses ${KEDA_DEFAULT_MIN_REPLICAS}` : show(raw)}): an idle period removes every pod and cuts all of the version's clients at once. ` +
                `Fix: remove the ScaledObject and let the version's HPA scale it, or set minReplicaCount to at least the HPA's minReplicas.`,
              s.resource.urn,
            );
          }
        } else if (s.kind === "VerticalPodAutoscaler") {
          const mode = vpaMode(s.resource);
          if (!isUnknown(mode) && EVICTING_VPA_MODES.has(mode)) {
            report(
              `${sWhat} runs in updateMode ${show(mode)} on ${what}: it evicts running pods to resize them, whenever it decides, outside the release and the disruption budget's pacing. ` +
                `Fix: set spec.updatePolicy.updateMode to "Off" (recommendations only) or "Initial".`,
              s.resource.urn,
            );
          }
        }
      }
    }
    for (const h of args.resources.filter((r) => r.type === TYPES.hpa && isGatewayObject(r.props) === true)) {
      if (hpaTargetDeclared(args.resources, h) !== false) continue;
      const ref = at(h.props, "spec.scaleTargetRef");
      report(
        `${describe("HorizontalPodAutoscaler", h.props, h.name)}: spec.scaleTargetRef ${show(ref)} names no workload the stack declares: the gateway version it was meant for can never grow under load. ` +
          `Fix: point scaleTargetRef at the version's Deployment ({apiVersion: "apps/v1", kind: "Deployment", name: "ws-gateway-<version>"}).`,
        h.urn,
      );
    }
  },
};

export const evictorPolicies = [gatewayOneAutoscaler];
