/**
 * Spread in fact (policies/lib/pods/spread): the gateway pods and the
 * ingress-nginx controllers can land in more than one zone, no required
 * affinity gathers them in one, and the zone constraint selects the pods it
 * spreads and keeps each zone to its even share.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { CONTROLLER_VALUES_PATH, controllerReplicas } from "../lib/chart";
import { describe, selects } from "../lib/kube";
import { buildModel } from "../lib/model";
import { HPA_DEFAULT_MIN_REPLICAS } from "../lib/pods/evictors";
import {
  ZONE_KEY,
  reachableZones,
  sameZoneAffinity,
  zoneConstraints,
  zonePileUp,
  type Zones,
} from "../lib/pods/spread";
import { at, isUnknown, num, show, stringMap, type Unknown } from "../lib/values";

/** Labels the 4.15.1 chart's pod template carries whose values the pack cannot know (chart and app version). */
const UNKNOWABLE_CHART_LABELS = ["helm.sh/chart", "app.kubernetes.io/version"];
/** The chart's default controller nodeSelector (values.yaml). */
const CHART_DEFAULT_NODE_SELECTOR = { "kubernetes.io/os": "linux" };

interface Subject {
  readonly what: string;
  /** Where the pod's scheduling fields are set, for messages ("spec.template.spec" or "values.controller"). */
  readonly at: string;
  readonly pod: unknown;
  readonly labels: unknown;
  readonly pods: number | undefined;
  readonly urn: string;
}

const showZones = (z: Zones): string => (z === "any" ? "any zone" : JSON.stringify([...z]));

function check(
  resources: readonly PolicyResource[],
  s: Subject,
  report: (m: string, urn: string) => void,
): void {
  const zones: Zones | Unknown = reachableZones(resources, s.pod);
  if (!isUnknown(zones) && zones !== "any" && zones.size <= 1) {
    report(
      `${s.what}: its pods can only run in ${zones.size === 0 ? "no zone" : `zone ${showZones(zones)}`} (${s.at}.nodeSelector ${show(at(s.pod, "nodeSelector") ?? {})}, required node affinity and the node pools' nodeLocations together): the zone spread is met trivially and one zone outage takes every pod and connection. ` +
        `Fix: let the pods use every zone of the cluster (drop the zone from nodeSelector/affinity, keep the node pool on at least 3 zones).`,
      s.urn,
    );
    return;
  }
  if (sameZoneAffinity(s.pod, s.labels)) {
    report(
      `${s.what}: a required pod affinity on the zone key selects its own pods (${s.at}.affinity.podAffinity): every pod must join the first one's zone, so one zone outage takes them all. ` +
        `Fix: remove the pod affinity (use podAntiAffinity or the zone topology spread constraint).`,
      s.urn,
    );
  }
  const zoneCount = !isUnknown(zones) && zones !== "any" ? zones.size : undefined;
  for (const { constraint, maxSkew } of zoneConstraints(s.pod)) {
    const sel = at(constraint, "labelSelector");
    const matched = selects(sel, s.labels);
    if (matched === false) {
      report(
        `${s.what}: its zone topology spread constraint selects ${show(sel)}, which does not match its own pods' labels ${show(s.labels)}: the scheduler counts other pods, so nothing keeps these apart. ` +
          `Fix: set the constraint's labelSelector to the pods' own labels.`,
        s.urn,
      );
      continue;
    }
    if (typeof maxSkew !== "number" || s.pods === undefined || zoneCount === undefined || zoneCount < 2)
      continue;
    const { most, even } = zonePileUp(maxSkew, s.pods, zoneCount);
    if (most > even) {
      report(
        `${s.what}: its zone constraint's maxSkew ${maxSkew} lets ${most} of its ${s.pods} pods share one of the ${zoneCount} zones (an even spread keeps ${even}): one zone outage can take that many connections at once. ` +
          `Fix: set maxSkew to 1 on ${ZONE_KEY}.`,
        s.urn,
      );
    }
  }
}

/**
 * The controller pods' labels as the chart renders them (selector labels,
 * part-of, managed-by, component, commonLabels, podLabels); undefined while
 * the release name (app.kubernetes.io/instance) or a label map is unknown.
 */
function controllerPodLabels(release: PolicyResource, c: unknown): Record<string, string> | undefined {
  const nameOverride = at(release.props, "values.nameOverride");
  const instance = at(release.props, "name");
  const common = stringMap(at(release.props, "values.commonLabels"));
  const podLabels = stringMap(at(c, "podLabels"));
  if (typeof instance !== "string" || isUnknown(nameOverride) || isUnknown(common) || isUnknown(podLabels)) {
    return undefined;
  }
  const name = typeof nameOverride === "string" ? nameOverride : "ingress-nginx";
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/part-of": name,
    "app.kubernetes.io/managed-by": "Helm",
    "app.kubernetes.io/component": "controller",
    ...(common ?? {}),
    ...(podLabels ?? {}),
  };
}

const readsUnknowable = (pod: unknown): boolean =>
  zoneConstraints(pod).some(({ constraint }) =>
    UNKNOWABLE_CHART_LABELS.some((k) => at(constraint, ["labelSelector", "matchLabels", k]) !== undefined),
  );

export const zoneSpreadInFact: StackValidationPolicy = {
  name: "zone-spread-in-fact",
  description:
    "Gateway pods and ingress-nginx controllers can run in more than one zone (node pools, nodeSelector, required affinity), no required pod affinity gathers them in one, and each zone constraint selects its own pods with a maxSkew that keeps every zone to its even share.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const model = buildModel(args.resources);
    for (const w of model.workloads) {
      const d = w.object.resource;
      const hpa = w.targetedBy.find((o) => o.kind === "HorizontalPodAutoscaler");
      const n = num(
        hpa !== undefined
          ? (at(hpa.resource.props, "spec.minReplicas") ?? HPA_DEFAULT_MIN_REPLICAS)
          : at(d.props, "spec.replicas"),
      );
      check(
        args.resources,
        {
          what: describe("Deployment", d.props, d.name),
          at: "spec.template.spec",
          pod: w.podSpec,
          labels: at(d.props, "spec.template.metadata.labels"),
          pods: typeof n === "number" ? n : undefined,
          urn: d.urn,
        },
        report,
      );
    }
    for (const ctl of model.controllers) {
      const c = ctl.controller;
      if (isUnknown(c) || readsUnknowable(c)) continue;
      const labels = controllerPodLabels(ctl.release, c);
      if (labels === undefined) continue;
      const { raw } = controllerReplicas(c);
      const n = num(raw ?? 1);
      const nodeSelector = at(c, "nodeSelector") ?? CHART_DEFAULT_NODE_SELECTOR;
      check(
        args.resources,
        {
          what: ctl.subject,
          at: CONTROLLER_VALUES_PATH,
          pod: {
            nodeSelector,
            affinity: at(c, "affinity"),
            topologySpreadConstraints: at(c, "topologySpreadConstraints"),
          },
          labels,
          pods: typeof n === "number" ? n : undefined,
          urn: ctl.release.urn,
        },
        report,
      );
    }
  },
};

export const spreadPolicies = [zoneSpreadInFact];
