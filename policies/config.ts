/**
 * Configuration knobs of the policy pack, defined once: each knob's JSON
 * schema (with its default) feeds the policies' `configSchema`, and `knobs()`
 * applies the same defaults when reading, so a policy behaves identically
 * whether or not the engine filled the defaults in.
 *
 * Set a knob per policy with `--policy-pack-config <file>`:
 *   { "gateway-drain-seconds": { "drainSeconds": 1800 } }
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { MIN_SAFE_INGRESS_NGINX_CHART } from "../components/ingress/ingressNginx";
import { LIMITS, PROTECTED_STACKS } from "../components/shared/limits";

export interface Knobs {
  /** Fewest seconds a gateway may spread its connections' closing over. */
  readonly minDrainSeconds: number;
  /** When set, the drain every resource must agree with exactly (gateway) or cover (nginx, node upgrades). */
  readonly drainSeconds: number | undefined;
  /** Fewest seconds a preStop sleep must last for endpoint removal to propagate. */
  readonly minPreStopSeconds: number;
  /** Fewest seconds between the end of the drain and SIGKILL. */
  readonly minTerminationMarginSeconds: number;
  /** Fewest pods an HPA of a gateway version may keep. */
  readonly minGatewayReplicas: number;
  /** Shortest HPA scale-down stabilization window of a gateway. */
  readonly minScaleDownStabilizationSeconds: number;
  /** Most pods a gateway HPA may remove per period. */
  readonly maxScaleDownPods: number;
  /** Shortest period of a gateway HPA scale-down policy. */
  readonly minScaleDownPeriodSeconds: number;
  /** Shortest proxy read/send timeout for WebSocket routes. */
  readonly minProxyTimeoutSeconds: number;
  /** Fewest ingress-nginx controller pods. */
  readonly minControllerReplicas: number;
  /** Controller replicas must never share a zone (DoNotSchedule); false accepts best-effort ScheduleAnyway. */
  readonly requireZoneSpread: boolean;
  /** Oldest ingress-nginx chart allowed (CVE-2025-1974 is fixed from 4.12.1, controller v1.12.1). */
  readonly minChartVersion: string;
  /** Shortest pause between two rollout steps. */
  readonly minPauseSeconds: number;
  /** Longest sum of rollout pauses (one `pulumi up`). */
  readonly maxScheduleSeconds: number;
  /** Stack names whose GKE cluster must keep deletion protection on. */
  readonly protectedStacks: readonly string[];
  /** Require deletion protection on every stack. */
  readonly requireDeletionProtection: boolean;
}

export type KnobName = keyof Knobs;

type Schema = PolicyConfigSchema["properties"][string];

/** The JSON schema of every knob; `default` is the value `knobs()` uses when a knob is not set. */
export const KNOB_SCHEMAS: { readonly [K in KnobName]: Schema } = {
  minDrainSeconds: {
    type: "integer",
    minimum: 0,
    default: LIMITS.minDrainSeconds,
    description: "Fewest seconds DRAIN_SECONDS may be: clients take up to five minutes to reconnect.",
  },
  drainSeconds: {
    type: "integer",
    minimum: 1,
    description:
      "The stack's drain; DRAIN_SECONDS must equal it, nginx and node-upgrade soaks must cover it.",
  },
  minPreStopSeconds: {
    type: "integer",
    minimum: 0,
    default: LIMITS.minPreStopSeconds,
    description: "Fewest seconds a preStop sleep lasts so endpoint removal propagates before SIGTERM.",
  },
  minTerminationMarginSeconds: {
    type: "integer",
    minimum: 0,
    default: LIMITS.minTerminationMarginSeconds,
    description: "Fewest seconds of slack between the end of the drain and SIGKILL.",
  },
  minGatewayReplicas: {
    type: "integer",
    minimum: 1,
    // One per zone on a regional cluster; single-zone clusters (kind) set 2 in their pack config.
    default: LIMITS.minGatewayReplicas,
    description: "Fewest pods a gateway HPA keeps (minReplicas): 3 on a regional cluster, one per zone.",
  },
  minScaleDownStabilizationSeconds: {
    type: "integer",
    minimum: 0,
    maximum: 3600,
    default: 1800,
    description: "Shortest gateway HPA scale-down stabilization window.",
  },
  maxScaleDownPods: {
    type: "integer",
    minimum: 1,
    default: 2,
    description: "Most pods a gateway HPA scale-down policy removes per period.",
  },
  minScaleDownPeriodSeconds: {
    type: "integer",
    minimum: 1,
    maximum: 1800,
    default: 300,
    description: "Shortest period of a gateway HPA scale-down policy.",
  },
  minProxyTimeoutSeconds: {
    type: "integer",
    minimum: 1,
    default: LIMITS.minProxyTimeoutSeconds,
    description: "Shortest ingress-nginx proxy-read-timeout / proxy-send-timeout on WebSocket routes.",
  },
  minControllerReplicas: {
    type: "integer",
    minimum: 1,
    default: LIMITS.minControllerReplicas,
    description: "Fewest ingress-nginx controller pods (one per zone of a regional cluster).",
  },
  requireZoneSpread: {
    type: "boolean",
    default: true,
    description:
      'Require the controller\'s zone spread constraint to be whenUnsatisfiable "DoNotSchedule"; false also accepts "ScheduleAnyway" (clusters without zone labels, e.g. kind).',
  },
  minChartVersion: {
    type: "string",
    pattern: "^\\d+\\.\\d+\\.\\d+$",
    default: MIN_SAFE_INGRESS_NGINX_CHART,
    description: `Oldest ingress-nginx chart allowed (CVE-2025-1974 fixed in ${MIN_SAFE_INGRESS_NGINX_CHART}).`,
  },
  minPauseSeconds: {
    type: "integer",
    minimum: 0,
    default: LIMITS.minPauseSeconds,
    description: "Shortest pause after a rollout step other than the last, so gates see real traffic.",
  },
  maxScheduleSeconds: {
    type: "integer",
    minimum: 1,
    default: LIMITS.maxScheduleSeconds,
    description: "Longest sum of rollout pauses in one update.",
  },
  protectedStacks: {
    type: "array",
    items: { type: "string" },
    default: [...PROTECTED_STACKS],
    description: "Stacks whose GKE cluster must have deletion protection on.",
  },
  requireDeletionProtection: {
    type: "boolean",
    default: false,
    description: "Require deletion protection on every stack's GKE cluster.",
  },
};

/** The `configSchema` of a policy that reads the named knobs. */
export function configSchema(...names: KnobName[]): PolicyConfigSchema {
  const properties: PolicyConfigSchema["properties"] = {};
  for (const n of names) properties[n] = KNOB_SCHEMAS[n];
  return { properties };
}

/** Default value of every knob (from its schema). */
export function defaultKnobs(): Knobs {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(KNOB_SCHEMAS)) out[k] = s.default;
  return out as unknown as Knobs;
}

/** The knobs as configured for one policy, defaults filled in. */
export function knobs(args: { getConfig<T extends object>(): T }): Knobs {
  const given = args.getConfig<Partial<Record<KnobName, unknown>>>();
  const out: Record<string, unknown> = { ...defaultKnobs() };
  for (const [k, v] of Object.entries(given)) {
    if (v !== undefined && k in KNOB_SCHEMAS) out[k] = v;
  }
  return out as unknown as Knobs;
}
