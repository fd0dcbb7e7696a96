/**
 * Causes other than a release that close gateway connections, each bounded
 * on the rendered resources (docs/disruption-budget.md): the cluster
 * autoscaler's 600 s cap, Spot capacity, preemption by priority, a second
 * autoscaler, an HPA pace beyond the reconnect budget, and a node upgrade's
 * one-hour limit. The arithmetic is components/shared/budget.ts.
 */
import type { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import {
  ANNOTATION_ACCEPT_SPOT_CUTS,
  ANNOTATION_CONNECTIONS_PER_POD,
  ANNOTATION_RECONNECTS_PER_SECOND,
  ANNOTATION_SAFE_TO_EVICT,
  PLATFORM_LIMITS,
  SPOT_NODE_LABELS,
  maxDrainForUpgrade,
  scaleDownPace,
  scaleDownPeak,
  showRate,
} from "../../components/shared/budget";
import { GATEWAY_DEFAULTS } from "../../components/gateway/versionedGateway";
import { ENV_DRAIN_SECONDS } from "../../components/names";
import { CHART_DEFAULT_GRACE_SECONDS, deliveredControllerValues, isIngressNginxRelease } from "../lib/chart";
import { TYPES, containersOf, describe, envValue, isGatewayObject } from "../lib/kube";
import { at, isUnknown, knownItems, num, seconds, show, stringMap } from "../lib/values";
import { stopSeconds } from "./drain";

const PRIORITY_CLASS_TYPE = "kubernetes:scheduling.k8s.io/v1:PriorityClass";
/** VPA modes that never evict a running pod. */

const gatewayDeployments = (rs: readonly PolicyResource[]): PolicyResource[] =>
  rs.filter((r) => r.type === TYPES.deployment && isGatewayObject(r.props) === true);

const controllerReleases = (rs: readonly PolicyResource[]): PolicyResource[] =>
  rs.filter((r) => r.type === TYPES.helmRelease && isIngressNginxRelease(r.props) === true);

const deploymentName = (d: PolicyResource): string => describe("Deployment", d.props, d.name);

/** Kubernetes kind of a resource from its type token ("kubernetes:<group>/<version>:<Kind>"). */

// --- cluster autoscaler ----------------------------------------------------------------------

export const gatewaySafeFromAutoscaler: StackValidationPolicy = {
  name: "gateway-safe-from-autoscaler",
  description: `Gateway and ingress-nginx pods whose grace period exceeds the cluster autoscaler's ${PLATFORM_LIMITS.clusterAutoscalerMaxGraceSeconds} s cap carry ${ANNOTATION_SAFE_TO_EVICT}: "false", so a node scale-down never cuts their drain.`,
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const cap = PLATFORM_LIMITS.clusterAutoscalerMaxGraceSeconds;
    const fix = `Fix: set the pod template's metadata.annotations["${ANNOTATION_SAFE_TO_EVICT}"] to "false" (the program does).`;
    for (const d of gatewayDeployments(args.resources)) {
      const stop = stopSeconds(d.props);
      const value = at(d.props, ["spec", "template", "metadata", "annotations", ANNOTATION_SAFE_TO_EVICT]);
      if (stop === undefined || stop <= cap || isUnknown(value) || value === "false") continue;
      report(
        `${deploymentName(d)}: its pods may take ${stop} s to stop, but a cluster autoscaler scale-down gives them at most ${cap} s before it deletes the node, cutting every client still on them at once (found ${ANNOTATION_SAFE_TO_EVICT}: ${show(value)}). ${fix}`,
        d.urn,
      );
    }
    for (const r of controllerReleases(args.resources)) {
      const c = deliveredControllerValues(r.props);
      if (isUnknown(c)) continue;
      const graceRaw = at(c, "terminationGracePeriodSeconds");
      const grace = graceRaw === undefined ? CHART_DEFAULT_GRACE_SECONDS : num(graceRaw);
      const value = at(c, ["podAnnotations", ANNOTATION_SAFE_TO_EVICT]);
      if (typeof grace !== "number" || grace <= cap || isUnknown(value) || value === "false") continue;
      report(
        `Release ${JSON.stringify(r.name)}: the ingress-nginx controller pods may take ${grace} s to stop, but a cluster autoscaler scale-down gives them at most ${cap} s, cutting every connection through them at once (found controller.podAnnotations["${ANNOTATION_SAFE_TO_EVICT}"]: ${show(value)}). ` +
          `Fix: set controller.podAnnotations["${ANNOTATION_SAFE_TO_EVICT}"] to "false" (the program does).`,
        r.urn,
      );
    }
  },
};

// --- Spot and preemptible capacity -----------------------------------------------------------

const isSpotKey = (k: unknown): boolean => typeof k === "string" && SPOT_NODE_LABELS.includes(k);

/** How a pod spec (or the chart's controller values) reaches Spot nodes, if it does. */
export function spotReach(spec: unknown): string | undefined {
  const selector = stringMap(at(spec, "nodeSelector"));
  if (!isUnknown(selector)) {
    for (const [k, v] of Object.entries(selector ?? {})) {
      if (isSpotKey(k) && v !== "false") return `nodeSelector ${k}: ${show(v)}`;
    }
  }
  const affinity = at(spec, "affinity.nodeAffinity");
  const terms = [
    ...knownItems(at(affinity, "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")),
    ...knownItems(at(affinity, "preferredDuringSchedulingIgnoredDuringExecution")).map((p) =>
      at(p, "preference"),
    ),
  ];
  for (const t of terms) {
    for (const e of knownItems(at(t, "matchExpressions"))) {
      const op = at(e, "operator");
      const values = knownItems(at(e, "values"));
      if (!isSpotKey(at(e, "key"))) continue;
      if (op === "Exists" || (op === "In" && values.some((v) => v !== "false"))) {
        return `node affinity ${String(at(e, "key"))} ${String(op)}`;
      }
    }
  }
  for (const t of knownItems(at(spec, "tolerations"))) {
    if (isSpotKey(at(t, "key"))) return `a toleration of ${String(at(t, "key"))}`;
  }
  return undefined;
}

/** NodePool settings that make its nodes Spot or preemptible. */
function spotPool(p: unknown): string | undefined {
  for (const field of ["spot", "preemptible"]) {
    if (at(p, ["nodeConfig", field]) === true) return `nodeConfig.${field} true`;
  }
  return undefined;
}

/** A NoSchedule/NoExecute taint keeps pods that do not tolerate it (the gateway's) off the pool. */
function tainted(p: unknown): boolean {
  return knownItems(at(p, "nodeConfig.taints")).some((t) => {
    const effect = at(t, "effect");
    return (
      effect === "NO_SCHEDULE" || effect === "NO_EXECUTE" || effect === "NoSchedule" || effect === "NoExecute"
    );
  });
}

export const gatewayNoSpotCapacity: StackValidationPolicy = {
  name: "gateway-no-spot-capacity",
  description: `Gateway and controller pods never run on Spot or preemptible nodes (about ${PLATFORM_LIMITS.spotGraceSeconds} s of notice cuts every connection of a node at once) unless the stack accepts those cuts (${ANNOTATION_ACCEPT_SPOT_CUTS}).`,
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const cut = `Spot and preemptible nodes go 30 s after their notice and give pods about ${PLATFORM_LIMITS.spotGraceSeconds} s, so every client on such a node is cut at once`;
    for (const p of args.resources.filter((r) => r.type === TYPES.nodePool)) {
      const how = spotPool(p.props);
      const accepted = at(p.props, ["nodeConfig", "labels", ANNOTATION_ACCEPT_SPOT_CUTS]) === "true";
      if (how === undefined || accepted || tainted(p.props)) continue;
      report(
        `NodePool ${JSON.stringify(p.name)}: ${how}, and no taint keeps gateway pods off it: ${cut}. ` +
          `Fix: remove ws-gateway:cluster.nodePool.spot (standard VMs), or set ws-gateway:disruption.acceptSpotCuts to true if those cuts are acceptable.`,
        p.urn,
      );
    }
    for (const d of gatewayDeployments(args.resources)) {
      const how = spotReach(at(d.props, "spec.template.spec"));
      const mark = at(d.props, ["spec", "template", "metadata", "annotations", ANNOTATION_ACCEPT_SPOT_CUTS]);
      if (how === undefined || mark === "true") continue;
      report(
        `${deploymentName(d)}: its pods reach Spot or preemptible nodes through ${how}: ${cut}. ` +
          `Fix: remove the Spot node selector, affinity and toleration from the pod template, or set ws-gateway:disruption.acceptSpotCuts to true if those cuts are acceptable.`,
        d.urn,
      );
    }
    for (const r of controllerReleases(args.resources)) {
      const c = deliveredControllerValues(r.props);
      if (isUnknown(c)) continue;
      const how = spotReach(c);
      if (how === undefined || at(c, ["podAnnotations", ANNOTATION_ACCEPT_SPOT_CUTS]) === "true") continue;
      report(
        `Release ${JSON.stringify(r.name)}: the ingress-nginx controller pods reach Spot or preemptible nodes through controller.${how}: ${cut}, and every connection passes through a controller. ` +
          `Fix: remove the Spot nodeSelector, affinity and tolerations from the controller values.`,
        r.urn,
      );
    }
  },
};

// --- preemption by priority ------------------------------------------------------------------

export const gatewayPriorityClass: StackValidationPolicy = {
  name: "gateway-priority-class",
  description:
    "Gateway pods run under a PriorityClass the stack declares, above pods without a class (0) and above any globalDefault class, so batch work cannot preempt them.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const classes = args.resources.filter((r) => r.type === PRIORITY_CLASS_TYPE);
    const valueOf = (r: PolicyResource): number | undefined => {
      const v = num(at(r.props, "value"));
      return typeof v === "number" ? v : undefined;
    };
    const defaults = classes.filter((c) => at(c.props, "globalDefault") === true);
    const floor = Math.max(0, ...defaults.map((c) => valueOf(c) ?? 0));
    const fix = `Fix: set the pod template's priorityClassName to a PriorityClass the stack declares with a value above ${floor} (the program declares "ws-gateway").`;
    for (const d of gatewayDeployments(args.resources)) {
      const name = at(d.props, "spec.template.spec.priorityClassName");
      if (isUnknown(name)) continue;
      if (typeof name !== "string" || name === "") {
        report(
          `${deploymentName(d)}: its pods have no priorityClassName, so they run at priority ${floor} like any batch pod, and a pending pod of higher priority may preempt them, cutting their clients without the drain. ${fix}`,
          d.urn,
        );
        continue;
      }
      const declared = classes.find((c) => at(c.props, "metadata.name") === name);
      // A class whose name is not known yet may be this one.
      if (declared === undefined && classes.some((c) => isUnknown(at(c.props, "metadata.name")))) continue;
      if (declared === undefined) {
        report(
          `${deploymentName(d)}: its pods name PriorityClass ${show(name)}, which the stack does not declare, so its value cannot be checked. ${fix}`,
          d.urn,
        );
        continue;
      }
      const value = valueOf(declared);
      if (value !== undefined && value <= floor) {
        report(
          `${deploymentName(d)}: its pods run under PriorityClass ${show(name)} of value ${value}, not above ${floor} (pods without a class): any pending pod may preempt them. ${fix}`,
          d.urn,
        );
      }
    }
  },
};

// --- HPA pace against the budget -------------------------------------------------------------

/** Pods a scale-down policy may remove per period, out of `maxReplicas`. */
function policyPods(p: unknown, maxReplicas: number): number | undefined {
  const type = at(p, "type");
  const value = num(at(p, "value"));
  if (typeof value !== "number") return undefined;
  if (type === "Pods") return value;
  if (type === "Percent") return Math.ceil((value * maxReplicas) / 100);
  return undefined;
}

/** Kubernetes' scale-down when an HPA sets no policies: 100 % of the pods every 15 s. */
const DEFAULT_SCALE_DOWN_POLICIES = [{ type: "Percent", value: 100, periodSeconds: 15 }];

export const gatewayScaleDownWithinBudget: StackValidationPolicy = {
  name: "gateway-scale-down-within-budget",
  description: `The pace a gateway HPA's scale-down allows (pods per period, each draining over ${ENV_DRAIN_SECONDS}) stays within the reconnect budget written on its Deployment (${ANNOTATION_RECONNECTS_PER_SECOND}).`,
  enforcementLevel: "mandatory",
  validateStack: (args, report: ReportViolation) => {
    for (const d of gatewayDeployments(args.resources)) {
      const budget = num(at(d.props, ["metadata", "annotations", ANNOTATION_RECONNECTS_PER_SECOND]));
      const perPod = num(at(d.props, ["metadata", "annotations", ANNOTATION_CONNECTIONS_PER_POD]));
      if (typeof budget !== "number" || typeof perPod !== "number") continue;
      const name = at(d.props, "metadata.name");
      const container = containersOf(at(d.props, "spec.template.spec")).find(
        (c) => envValue(c.container, ENV_DRAIN_SECONDS) !== undefined,
      );
      const drain = num(
        container === undefined ? undefined : envValue(container.container, ENV_DRAIN_SECONDS),
      );
      if (typeof drain !== "number" || drain <= 0) continue;
      for (const h of args.resources.filter(
        (r) => r.type === TYPES.hpa && at(r.props, "spec.scaleTargetRef.name") === name,
      )) {
        const down = at(h.props, "spec.behavior.scaleDown");
        const select = at(down, "selectPolicy");
        const maxReplicas = num(at(h.props, "spec.maxReplicas"));
        if (isUnknown(down) || isUnknown(select) || select === "Disabled" || typeof maxReplicas !== "number")
          continue;
        const rawPolicies = at(down, "policies");
        if (isUnknown(rawPolicies)) continue;
        const policies = rawPolicies === undefined ? DEFAULT_SCALE_DOWN_POLICIES : knownItems(rawPolicies);
        const peaks = policies.map((p) => {
          const pods = policyPods(p, maxReplicas);
          const period = seconds(at(p, "periodSeconds"));
          return pods === undefined || typeof period !== "number" || period <= 0
            ? undefined
            : { pods, period, peak: scaleDownPeak(pods, period, perPod, drain) };
        });
        if (peaks.some((p) => p === undefined) || peaks.length === 0) continue;
        const known = peaks as { pods: number; period: number; peak: number }[];
        const chosen = known.reduce((a, b) =>
          (select === "Min" ? b.peak < a.peak : b.peak > a.peak) ? b : a,
        );
        if (chosen.peak <= budget) continue;
        const pace = scaleDownPace({
          reconnectsPerSecond: budget,
          connectionsPerPod: perPod,
          drainSeconds: drain,
        });
        const fix =
          pace === undefined
            ? `raise ws-gateway:disruption.reconnectsPerSecond: even 1 pod per ${PLATFORM_LIMITS.maxHpaPeriodSeconds} s exceeds ${budget}`
            : `set spec.behavior.scaleDown.policies to [{type: "Pods", value: ${pace.pods}, periodSeconds: ${pace.periodSeconds}}] with selectPolicy "Min" (the program derives it from ws-gateway:disruption.reconnectsPerSecond)`;
        report(
          `${describe("HorizontalPodAutoscaler", h.props, h.name)}: its scale-down allows ${chosen.pods} pod(s) every ${chosen.period} s; with each pod closing ${perPod} connections over ${ENV_DRAIN_SECONDS} ${drain} s that is ${showRate(chosen.peak)} reconnects/s, above the budget ${budget} of ${deploymentName(d)}. ` +
            `Fix: ${fix}.`,
          h.urn,
        );
      }
    }
  },
};

// --- node upgrades ---------------------------------------------------------------------------

export const gatewayDrainWithinNodeUpgrade: StackValidationPolicy = {
  name: "gateway-drain-within-node-upgrade",
  description: `On a stack with GKE node pools, gateway pods stop within the ${PLATFORM_LIMITS.nodeUpgradeMaxGraceSeconds} s a node upgrade honours, and node drains honour the gateway PDB for as long as the pods take to stop (pdbTimeoutDuration, respectPdbDuringNodePoolDeletion).`,
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const pools = args.resources.filter((r) => r.type === TYPES.nodePool);
    if (pools.length === 0) return;
    const limit = PLATFORM_LIMITS.nodeUpgradeMaxGraceSeconds;
    let longest = 0;
    let by = "";
    for (const d of gatewayDeployments(args.resources)) {
      const stop = stopSeconds(d.props);
      if (stop === undefined) continue;
      if (stop > longest) {
        longest = stop;
        by = deploymentName(d);
      }
      if (stop > limit) {
        report(
          `${deploymentName(d)}: its pods may take ${stop} s to stop (grace period, preStop and ${ENV_DRAIN_SECONDS}), but a GKE node upgrade honours at most ${limit} s before it deletes them, cutting every client still on them at once. ` +
            `Fix: keep preStop + ${ENV_DRAIN_SECONDS} + margin within ${limit} s (ws-gateway:gateway.drainSeconds ${maxDrainForUpgrade(GATEWAY_DEFAULTS.preStopSeconds, GATEWAY_DEFAULTS.terminationMarginSeconds)} or less at the default preStop and margin).`,
          d.urn,
        );
      }
    }
    for (const p of pools) {
      knownItems(at(p.props, "nodeDrainConfigs")).forEach((c, i) => {
        if (at(c, "respectPdbDuringNodePoolDeletion") === false) {
          report(
            `NodePool ${JSON.stringify(p.name)}: nodeDrainConfigs[${i}].respectPdbDuringNodePoolDeletion is false: deleting the pool evicts every gateway pod at once, ignoring their PDB. Fix: set it to true.`,
            p.urn,
          );
        }
        const raw = at(c, "pdbTimeoutDuration");
        const timeout = raw === undefined ? undefined : seconds(raw);
        if (longest > 0 && typeof timeout === "number" && timeout < longest) {
          report(
            `NodePool ${JSON.stringify(p.name)}: nodeDrainConfigs[${i}].pdbTimeoutDuration is ${show(raw)}, shorter than the ${longest} s the pods of ${by} may take to stop: a node drain would ignore the gateway PDB before they finish. ` +
              `Fix: remove pdbTimeoutDuration, or set it to at least "${longest}s".`,
            p.urn,
          );
        }
      });
    }
  },
};

export const disruptionPolicies = [
  gatewaySafeFromAutoscaler,
  gatewayNoSpotCapacity,
  gatewayPriorityClass,
  gatewayScaleDownWithinBudget,
  gatewayDrainWithinNodeUpgrade,
];
