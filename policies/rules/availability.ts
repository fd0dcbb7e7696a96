/**
 * Availability: evictions (node drains, GKE upgrades) take pods one at a time
 * and never block; the autoscaler never sheds a version's pods (and their
 * clients) quickly; pods spread over zones; and the replica count of an
 * autoscaled Deployment has one writer, the HPA.
 */
import * as k8s from "@pulumi/kubernetes";
import {
  validateResourceOfType,
  type PolicyResource,
  type ReportViolation,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { configSchema, knobs } from "../config";
import {
  CHART_DEFAULT_REPLICAS,
  CONTROLLER_VALUES_PATH,
  controllerReplicas,
  deliveredControllerValues,
  validateIngressNginxRelease,
} from "../lib/chart";
import { LABEL_VERSION, versionedName } from "../../components/names";
import { TYPES, describe, isGatewayObject, namespaceOf, selects, templateLabels } from "../lib/kube";
import { disruptionsAllowed, replicaRange } from "../lib/pods/evictors";
import { gatewayOnly } from "../lib/rule";
import { at, isUnknown, knownItems, num, show } from "../lib/values";

const ZONE_KEY = "topology.kubernetes.io/zone";

/**
 * Pods a budget value ("25%" or 2) stands for out of `replicas`, with the
 * given rounding: a Deployment's rollingUpdate.maxUnavailable rounds down, a
 * PDB's percentages (both fields) round up.
 */
function podsOf(v: unknown, replicas: number, round: (x: number) => number): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  const pct = /^(\d+)%$/.exec(v);
  if (pct !== null) return round((Number(pct[1]) * replicas) / 100);
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * A budget that lets every pod out at once: maxUnavailable 100% (or at least
 * the pod count), minAvailable 0 / "0%". Such a PDB protects nothing: a node
 * drain evicts the whole version, and every client reconnects at once.
 */
function permissiveBudget(pdb: unknown, replicas: number | undefined): string | undefined {
  const maxU = at(pdb, "spec.maxUnavailable");
  const minA = at(pdb, "spec.minAvailable");
  if (maxU === "100%") return `maxUnavailable ${show(maxU)}`;
  if (minA === 0 || minA === "0" || minA === "0%") return `minAvailable ${show(minA)}`;
  if (replicas !== undefined && maxU !== undefined) {
    // The disruption controller rounds a maxUnavailable percentage up (84% of 6 is 6).
    const n = podsOf(maxU, replicas, Math.ceil);
    if (n !== undefined && n >= replicas) return `maxUnavailable ${show(maxU)} with ${replicas} pod(s)`;
  }
  if (replicas !== undefined && typeof minA === "string" && minA.endsWith("%")) {
    const n = podsOf(minA, replicas, Math.ceil);
    if (n === 0) return `minAvailable ${show(minA)} of ${replicas} pod(s)`;
  }
  return undefined;
}

/** The PDB's budget as written, for messages. */
function budgetText(pdb: unknown): string {
  const maxU = at(pdb, "spec.maxUnavailable");
  return maxU !== undefined
    ? `maxUnavailable ${show(maxU)}`
    : `minAvailable ${show(at(pdb, "spec.minAvailable") ?? 1)}`;
}

/**
 * The first pod count in the version's replica range at which the budget
 * lets more than half of the pods out at once, with what it allows there.
 */
function mostAtOnce(
  pdb: unknown,
  range: { min: number; max: number } | undefined,
): { pods: number; allowed: number } | undefined {
  if (range === undefined) return undefined;
  for (let n = Math.max(1, range.min); n <= range.max; n++) {
    const allowed = disruptionsAllowed(pdb, n);
    if (typeof allowed === "number" && allowed > Math.floor(n / 2)) return { pods: n, allowed };
  }
  return undefined;
}

/** A PDB budget that allows no eviction at all: maxUnavailable 0 / "0%", or minAvailable "100%". */
function blockingBudget(pdb: unknown): string | undefined {
  const maxU = at(pdb, "spec.maxUnavailable");
  const minA = at(pdb, "spec.minAvailable");
  if (maxU === 0 || maxU === "0" || maxU === "0%") return `maxUnavailable ${show(maxU)}`;
  if (minA === "100%") return `minAvailable ${show(minA)}`;
  return undefined;
}

function sameNamespace(a: PolicyResource, b: PolicyResource): boolean {
  const na = namespaceOf(a.props);
  const nb = namespaceOf(b.props);
  // Unknown namespaces are treated as equal: never a violation on an unknown.
  return isUnknown(na) || isUnknown(nb) || (na ?? "default") === (nb ?? "default");
}

export const gatewayPdb: StackValidationPolicy = {
  name: "gateway-pdb",
  description:
    "Every gateway Deployment's pods are selected by a PodDisruptionBudget that allows evictions, but neither blocks them all nor lets every pod out at once.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const deployments = args.resources.filter(
      (r) => r.type === TYPES.deployment && isGatewayObject(r.props) === true,
    );
    const pdbs = args.resources.filter((r) => r.type === TYPES.pdb);
    const hpas = args.resources.filter((r) => r.type === TYPES.hpa);
    for (const d of deployments) {
      const labels = templateLabels(d.props);
      const what = describe("Deployment", d.props, d.name);
      const matches: PolicyResource[] = [];
      let unknown = isUnknown(labels);
      for (const p of pdbs.filter((x) => sameNamespace(x, d))) {
        const s = selects(at(p.props, "spec.selector"), labels);
        if (isUnknown(s)) unknown = true;
        else if (s) matches.push(p);
      }
      if (matches.length === 0) {
        if (!unknown) {
          report(
            `${what}: no PodDisruptionBudget selects its pods (found ${pdbs.length} PDB(s), none matching labels ${show(labels)}): ` +
              `a node drain could evict them all at once. Fix: add a PDB with maxUnavailable 1 selecting the version's labels.`,
            d.urn,
          );
        }
        continue;
      }
      if (matches.length > 1) {
        report(
          `${what}: ${matches.length} PodDisruptionBudgets select its pods (${matches.map((p) => describe("PodDisruptionBudget", p.props, p.name)).join(", ")}): the eviction API refuses to evict a pod covered by more than one budget, so node drains and upgrades stall until they force-evict. ` +
            `Fix: keep one PDB per version (maxUnavailable 1) and delete the others.`,
          d.urn,
        );
        continue;
      }
      const hpa = hpas.find(
        (h) =>
          sameNamespace(h, d) &&
          at(h.props, "spec.scaleTargetRef.kind") === "Deployment" &&
          at(h.props, "spec.scaleTargetRef.name") === at(d.props, "metadata.name"),
      );
      const replicas = num(
        hpa !== undefined ? (at(hpa.props, "spec.minReplicas") ?? 1) : at(d.props, "spec.replicas"),
      );
      for (const p of matches) {
        const pdbWhat = describe("PodDisruptionBudget", p.props, p.name);
        const blocking = blockingBudget(p.props);
        if (blocking !== undefined) {
          report(
            `${pdbWhat} for ${what} allows no eviction (found ${blocking}): node drains and GKE upgrades would stall, then force-evict. ` +
              `Fix: set maxUnavailable to 1.`,
            p.urn,
          );
          continue;
        }
        const open = permissiveBudget(p.props, typeof replicas === "number" ? replicas : undefined);
        if (open !== undefined) {
          report(
            `${pdbWhat} for ${what} lets every pod be evicted at once (found ${open}): a node drain or upgrade would disconnect all of the version's clients together. ` +
              `Fix: set maxUnavailable to 1.`,
            p.urn,
          );
          continue;
        }
        const minA = num(at(p.props, "spec.minAvailable"));
        if (typeof replicas === "number" && typeof minA === "number" && minA >= replicas) {
          report(
            `${pdbWhat} for ${what} has minAvailable ${minA}, not below the ${replicas} pod(s) it may run with: it blocks every eviction. ` +
              `Fix: use maxUnavailable 1 instead of minAvailable.`,
            p.urn,
          );
          continue;
        }
        const most = mostAtOnce(p.props, replicaRange(d, hpa));
        if (most !== undefined) {
          report(
            `${pdbWhat} for ${what} lets ${most.allowed} of ${most.pods} pods be evicted at once (found ${budgetText(p.props)}, percentages rounded up as Kubernetes does): more than half of the version's clients would reconnect together onto fewer pods than they left. ` +
              `Fix: set maxUnavailable to 1 (an absolute count that stays 1 at every scale).`,
            p.urn,
          );
        }
      }
    }
  },
};

export const ingressNginxPdb: ResourceValidationPolicy = {
  name: "ingress-nginx-pdb",
  description:
    "The ingress-nginx chart renders a controller PodDisruptionBudget (2+ replicas) that does not block evictions.",
  enforcementLevel: "mandatory",
  validateResource: validateIngressNginxRelease((props, subject, _args, report) => {
    const c = deliveredControllerValues(props);
    const { autoscaling, field, raw } = controllerReplicas(c);
    const replicas = num(autoscaling ? raw : (raw ?? CHART_DEFAULT_REPLICAS));
    const minA = at(c, "minAvailable");
    const maxU = at(c, "maxUnavailable");
    if (isUnknown(replicas) || replicas === undefined || isUnknown(minA) || isUnknown(maxU)) return;
    if (replicas < 2) {
      report(
        `${subject}: ${field} is ${replicas}, so the chart renders no PodDisruptionBudget and a node drain can take every controller (and every connection) at once. ` +
          `Fix: run at least 2 controller replicas (3 on a regional cluster).`,
      );
      return;
    }
    if (maxU === 0 || maxU === "0" || maxU === "0%") {
      report(
        `${subject}: ${CONTROLLER_VALUES_PATH}.maxUnavailable is ${show(maxU)}, which blocks every eviction. Fix: set ${CONTROLLER_VALUES_PATH}.maxUnavailable to 1 or use minAvailable ${replicas - 1}.`,
      );
    }
    // The chart's own default is minAvailable 1.
    const min = num(minA ?? 1);
    if (maxU === undefined && (minA === "100%" || (typeof min === "number" && min >= replicas))) {
      report(
        `${subject}: ${CONTROLLER_VALUES_PATH}.minAvailable is ${show(minA)}, not below ${field} ${replicas}: the PodDisruptionBudget blocks every eviction. ` +
          `Fix: set ${CONTROLLER_VALUES_PATH}.minAvailable to ${replicas - 1}.`,
      );
    }
  }),
};

export const gatewayHpaReplicas: ResourceValidationPolicy = {
  name: "gateway-hpa-replicas",
  description: "Gateway HPAs keep at least the configured minimum of pods and can grow beyond it.",
  enforcementLevel: "mandatory",
  configSchema: configSchema("minGatewayReplicas"),
  validateResource: validateResourceOfType(
    k8s.autoscaling.v2.HorizontalPodAutoscaler,
    (_p, args, report: ReportViolation) =>
      gatewayOnly(args, () => {
        const { minGatewayReplicas } = knobs(args);
        const what = describe("HorizontalPodAutoscaler", args.props, args.name);
        const minRaw = at(args.props, "spec.minReplicas");
        const min = num(minRaw ?? 1);
        const max = num(at(args.props, "spec.maxReplicas"));
        if (typeof min === "number" && min < minGatewayReplicas) {
          report(
            `${what}: minReplicas is ${minRaw === undefined ? "not set (Kubernetes uses 1)" : min}, below ${minGatewayReplicas}: ` +
              `one disruption could drop every connection of the version. Fix: set minReplicas to at least ${minGatewayReplicas}.`,
          );
        }
        if (typeof min === "number" && typeof max === "number" && max <= min) {
          report(
            `${what}: maxReplicas ${max} is not above minReplicas ${min}, so the gateway cannot scale out under load. ` +
              `Fix: raise maxReplicas above ${min}.`,
          );
        }
      }),
  ),
};

/** A scale-down policy that removes at most `maxPods` pods per at least `minPeriod` seconds. */
function slowPolicy(p: unknown, maxPods: number, minPeriod: number): boolean | undefined {
  const type = at(p, "type");
  const value = num(at(p, "value"));
  const period = num(at(p, "periodSeconds"));
  if (isUnknown(type) || isUnknown(value) || isUnknown(period)) return undefined;
  return type === "Pods" && typeof value === "number" && typeof period === "number"
    ? value <= maxPods && period >= minPeriod
    : false;
}

export const gatewayHpaSlowScaleDown: ResourceValidationPolicy = {
  name: "gateway-hpa-slow-scale-down",
  description:
    "Gateway HPAs scale down slowly (long stabilization window, few pods per period) so a stable version does not shed clients during a release.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(
    "minScaleDownStabilizationSeconds",
    "maxScaleDownPods",
    "minScaleDownPeriodSeconds",
  ),
  validateResource: validateResourceOfType(
    k8s.autoscaling.v2.HorizontalPodAutoscaler,
    (_p, args, report: ReportViolation) =>
      gatewayOnly(args, () => {
        const k = knobs(args);
        const what = describe("HorizontalPodAutoscaler", args.props, args.name);
        const down = at(args.props, "spec.behavior.scaleDown");
        if (isUnknown(down)) return;
        const windowRaw = at(down, "stabilizationWindowSeconds");
        const window = num(windowRaw ?? 300);
        if (typeof window === "number" && window < k.minScaleDownStabilizationSeconds) {
          report(
            `${what}: spec.behavior.scaleDown.stabilizationWindowSeconds is ${windowRaw === undefined ? "not set (Kubernetes uses 300)" : window}, below ${k.minScaleDownStabilizationSeconds}. ` +
              `Fix: set it to at least ${k.minScaleDownStabilizationSeconds} (3600 is the maximum).`,
          );
        }
        const select = at(down, "selectPolicy");
        if (isUnknown(select) || select === "Disabled") return;
        const policies = at(down, "policies");
        if (isUnknown(policies)) return;
        const verdicts = knownItems(policies).map((p) =>
          slowPolicy(p, k.maxScaleDownPods, k.minScaleDownPeriodSeconds),
        );
        if (verdicts.includes(undefined)) return;
        const ok =
          select === "Min" ? verdicts.includes(true) : verdicts.length > 0 && verdicts.every((v) => v);
        if (!ok) {
          report(
            `${what}: scale-down is not limited to ${k.maxScaleDownPods} pod(s) per ${k.minScaleDownPeriodSeconds} s (found selectPolicy ${show(select)}, policies ${show(policies)}). ` +
              `Fix: set spec.behavior.scaleDown.policies to [{type: "Pods", value: 1, periodSeconds: 600}] with selectPolicy "Min".`,
          );
        }
      }),
  ),
};

export const gatewayZoneSpread: ResourceValidationPolicy = {
  name: "gateway-zone-spread",
  description: "Gateway pods spread across zones with a topology spread constraint selecting them.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const constraints = at(args.props, "spec.template.spec.topologySpreadConstraints");
      if (isUnknown(constraints)) return;
      const labels = templateLabels(args.props);
      let unknown = false;
      for (const c of knownItems(constraints)) {
        const key = at(c, "topologyKey");
        if (isUnknown(key)) unknown = true;
        if (key !== ZONE_KEY) continue;
        const s = selects(at(c, "labelSelector"), labels);
        if (s === true) return;
        if (isUnknown(s)) unknown = true;
      }
      if (unknown) return;
      report(
        `${describe("Deployment", args.props, args.name)}: no topologySpreadConstraint on ${ZONE_KEY} selects its pods (found ${show(constraints)}): ` +
          `a zone outage could take most of a version's connections. Fix: add {maxSkew: 1, topologyKey: "${ZONE_KEY}", whenUnsatisfiable: "ScheduleAnyway", labelSelector: {matchLabels: <pod labels>}}.`,
      );
    }),
  ),
};

export const gatewayUpdateStrategy: ResourceValidationPolicy = {
  name: "gateway-update-strategy",
  description:
    "Gateway Deployments never replace all their pods at once: no Recreate strategy, and a rolling update keeps at least one pod available.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const what = describe("Deployment", args.props, args.name);
      const strategy = at(args.props, "spec.strategy.type");
      if (isUnknown(strategy)) return;
      if (strategy === "Recreate") {
        report(
          `${what}: spec.strategy.type is "Recreate": any change to the pod template kills every pod before starting new ones, disconnecting all of the version's clients at once. ` +
            `Fix: use type "RollingUpdate" with maxUnavailable 0 (new versions get their own Deployment anyway).`,
        );
        return;
      }
      const maxU = at(args.props, "spec.strategy.rollingUpdate.maxUnavailable");
      const replicas = num(at(args.props, "spec.replicas") ?? 1);
      if (isUnknown(maxU) || isUnknown(replicas) || maxU === undefined) return;
      const n = podsOf(maxU, typeof replicas === "number" ? replicas : 1, Math.floor);
      const all = maxU === "100%" || (typeof replicas === "number" && n !== undefined && n >= replicas);
      if (all) {
        report(
          `${what}: spec.strategy.rollingUpdate.maxUnavailable is ${show(maxU)}${typeof replicas === "number" ? ` with ${replicas} replica(s)` : ""}: a rolling update may take every pod down together, disconnecting all of the version's clients at once. ` +
            `Fix: set maxUnavailable to 0 (and maxSurge to 25%).`,
        );
      }
    }),
  ),
};

export const gatewayVersionedDeployment: ResourceValidationPolicy = {
  name: "gateway-versioned-deployment",
  description: `Each gateway version runs in its own Deployment named ${versionedName("<version>")}, its pods and selector carrying ${LABEL_VERSION}, so a release never updates a serving version in place.`,
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (_p, args, report: ReportViolation) =>
    gatewayOnly(args, () => {
      const what = describe("Deployment", args.props, args.name);
      const name = at(args.props, "metadata.name");
      const podVersion = at(args.props, ["spec", "template", "metadata", "labels", LABEL_VERSION]);
      const selectorVersion = at(args.props, ["spec", "selector", "matchLabels", LABEL_VERSION]);
      if (isUnknown(name) || isUnknown(podVersion) || isUnknown(selectorVersion)) return;
      const inPlace =
        "a release would update it in place, and a rolling update cuts clients off and lets them reconnect to old pods that are cut next: several disconnects per client";
      if (typeof podVersion !== "string" || podVersion === "") {
        report(
          `${what}: its pod template has no ${LABEL_VERSION} label (found ${show(podVersion)}): ${inPlace}. ` +
            `Fix: declare one Deployment per version, named ${versionedName("<version>")}, with ${LABEL_VERSION}: <version> on its pods and in its selector.`,
        );
        return;
      }
      if (selectorVersion !== podVersion) {
        report(
          `${what}: spec.selector.matchLabels["${LABEL_VERSION}"] is ${show(selectorVersion)}, not the pods' version ${show(podVersion)}: the Deployment would own other versions' pods, or none. ` +
            `Fix: select ${LABEL_VERSION}: ${JSON.stringify(podVersion)}.`,
        );
      }
      if (typeof name === "string" && name !== versionedName(podVersion)) {
        report(
          `${what}: serves version ${show(podVersion)} under the name ${show(name)}, not ${show(versionedName(podVersion))}: ${inPlace}. ` +
            `Fix: name it ${JSON.stringify(versionedName(podVersion))}.`,
        );
      }
    }),
  ),
};

/** ignoreChanges entries that cover spec.replicas. */
function ignoresReplicas(ignoreChanges: readonly string[] | undefined): boolean {
  return (ignoreChanges ?? []).some((p) => p === "spec.replicas" || p === "spec" || p === "*");
}

export const hpaOwnsReplicas: StackValidationPolicy = {
  name: "hpa-owns-replicas",
  description:
    'A Deployment targeted by an HPA declares spec.replicas only with ignoreChanges ["spec.replicas"], so Pulumi never resets the autoscaler.',
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const deployments = args.resources.filter((r) => r.type === TYPES.deployment);
    for (const h of args.resources.filter((r) => r.type === TYPES.hpa)) {
      if (at(h.props, "spec.scaleTargetRef.kind") !== "Deployment") continue;
      const target = at(h.props, "spec.scaleTargetRef.name");
      if (typeof target !== "string") continue;
      for (const d of deployments) {
        if (at(d.props, "metadata.name") !== target || !sameNamespace(h, d)) continue;
        const replicas = at(d.props, "spec.replicas");
        if (replicas === undefined || isUnknown(replicas) || ignoresReplicas(d.opts.ignoreChanges)) continue;
        report(
          `${describe("Deployment", d.props, d.name)}: sets spec.replicas ${show(replicas)} while ${describe("HorizontalPodAutoscaler", h.props, h.name)} scales it, ` +
            `and ignoreChanges is ${show(d.opts.ignoreChanges ?? [])}: every update would reset the pod count and kill scaled-out pods with their clients. ` +
            `Fix: add ignoreChanges: ["spec.replicas"] to the Deployment's resource options, or stop declaring spec.replicas.`,
          d.urn,
        );
      }
    }
  },
};

export const availabilityPolicies = [
  gatewayPdb,
  ingressNginxPdb,
  gatewayHpaReplicas,
  gatewayHpaSlowScaleDown,
  gatewayZoneSpread,
  hpaOwnsReplicas,
  gatewayUpdateStrategy,
  gatewayVersionedDeployment,
];
