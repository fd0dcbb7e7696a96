/** `parseConfig`: raw stack config in, validated StackConfig out, or a ConfigError listing every problem. */
import type { z } from "zod";
import { ConfigError, key, show, type Suggestion } from "./errors";
import { fieldAt, valueAt, type Field, type Schema } from "./walk";
import { asciiRepair, describeCharacters } from "./characters";
import { closest } from "./leaves";
import { crossFieldProblems, type ParseContext } from "./rules";
import { clusterSchema, gatewaySchema, ingressSchema, rolloutSchema, type Parsed } from "./schema";
import { budgetOf, disruptionProblems, disruptionSchema } from "./disruption";
import {
  CONFIG_NAMESPACE,
  DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS,
  SECTIONS,
  type ClusterConfig,
  type RawStackConfig,
  type StackConfig,
} from "./types";

/** Values people write to turn a setting off: YAML's empty value, false, "" and the words for none. */
const SWITCH_OFF_WORDS = /^(none|off|disabled?|null|nil|~|no|false|unset)$/i;

/** Optional keys a rule across keys requires (cluster.region on GKE, pauses before the last step): removing them is no fix. */
const CONDITIONALLY_REQUIRED = {
  has: (k: string): boolean =>
    k === `${CONFIG_NAMESPACE}:cluster.region` || /^[^:]+:rollout\.steps\[\d+\]\.pause$/.test(k),
};

function isSwitchOff(v: unknown): boolean {
  return (
    v === null ||
    v === false ||
    (typeof v === "string" && (v.trim() === "" || SWITCH_OFF_WORDS.test(v.trim())))
  );
}

/**
 * A value meant to turn a key off: the fix writes the key's own off value
 * (0 or false, where the key takes one) or removes the key, never "fill it in".
 */
function switchOff(k: string, value: unknown, f: Field): { text: string; suggestion: Suggestion } {
  const own = [0, false].find((off) => (f.schema as unknown as z.ZodType).safeParse(off).success);
  if (own !== undefined) {
    return {
      text: `is turned off with ${String(own)}, not ${show(value)}. Fix: write ${String(own)} without quotes.`,
      suggestion: { key: k, set: own },
    };
  }
  const then =
    f.presence === "default"
      ? `without it the key takes its default ${show(f.defaultValue)}`
      : "without it the setting is unset (docs/configuration.md says what unset means for this key)";
  return {
    text: `is turned off or left at its default by removing it, not by writing ${show(value)}. Fix: remove the key (delete its line in the stack file, or run pulumi config rm --path '${k}'); ${then}.`,
    suggestion: { key: k, remove: true },
  };
}

/** Validates raw stack config; throws ConfigError listing every problem. */
export function parseConfig(raw: RawStackConfig, context: ParseContext = {}): StackConfig {
  // Sections parse one by one so cross-field rules still run on the ones that parsed.
  const problems: string[] = [];
  const suggestions: (Suggestion | undefined)[] = [];
  const section = <T>(name: keyof Parsed, schema: z.ZodType<T>): T | undefined => {
    const result = schema.safeParse(raw[name] ?? {});
    if (result.success) return result.data;
    for (const i of result.error.issues) {
      const path = [name, ...i.path];
      const k = key(path);
      const value = valueAt(raw, path);
      const f = fieldAt(schema as unknown as Schema, i.path);
      const params = (i as { params?: { suggestion?: unknown } }).params;
      const off =
        f !== undefined && f.presence !== "required" && isSwitchOff(value) && !CONDITIONALLY_REQUIRED.has(k)
          ? switchOff(k, value, f)
          : undefined;
      // The leaf's own fix stands when it already writes the key's off value (a quoted "false").
      if (off !== undefined && !("set" in off.suggestion && off.suggestion.set === params?.suggestion)) {
        problems.push(`${k}: ${off.text}`);
        suggestions[problems.length - 1] = off.suggestion;
        continue;
      }
      problems.push(`${k}: ${i.message}`);
      if (params?.suggestion !== undefined)
        suggestions[problems.length - 1] = { key: k, set: params.suggestion };
    }
    return undefined;
  };
  const parsed: Partial<Parsed> = {
    cluster: section("cluster", clusterSchema),
    ingress: section("ingress", ingressSchema),
    gateway: section("gateway", gatewaySchema),
    rollout: section("rollout", rolloutSchema),
    disruption: section("disruption", disruptionSchema),
  };
  const unknown = Object.keys(raw).filter(
    (k) => raw[k] !== undefined && !(SECTIONS as readonly string[]).includes(k),
  );
  for (const k of unknown) {
    const near = closest(asciiRepair(k), SECTIONS);
    const chars = describeCharacters(k);
    suggestions[problems.length] = { key: `${CONFIG_NAMESPACE}:${k}`, remove: true };
    problems.push(
      `${CONFIG_NAMESPACE}:${k}: is not a key of this program${chars === undefined ? "" : ` (${chars})`}${near === undefined ? "" : ` (did you mean ${CONFIG_NAMESPACE}:${near}?)`}; its settings would be ignored. ` +
        `Allowed keys: ${SECTIONS.map((x) => `${CONFIG_NAMESPACE}:${x}`).join(", ")}. Fix: ${near === undefined ? "remove it" : `move its settings under ${CONFIG_NAMESPACE}:${near}`}.`,
    );
  }
  problems.push(...crossFieldProblems(raw, parsed, context));
  problems.push(...disruptionProblems(parsed));
  const { cluster: pc, ingress: pi, gateway: pg, rollout: pr, disruption: pd } = parsed;
  if (
    problems.length > 0 ||
    pc === undefined ||
    pi === undefined ||
    pg === undefined ||
    pr === undefined ||
    pd === undefined
  ) {
    throw new ConfigError(problems, suggestions);
  }
  const p: Parsed = { cluster: pc, ingress: pi, gateway: pg, rollout: pr, disruption: pd };

  const c = p.cluster;
  const cluster: ClusterConfig =
    c.mode === "gke"
      ? {
          mode: "gke",
          project: c.project,
          region: c.region ?? "",
          zones: c.zones,
          releaseChannel: c.releaseChannel,
          maintenanceWindow: c.maintenanceWindow,
          maintenanceExclusions: c.maintenanceExclusions,
          masterAuthorizedNetworks: c.masterAuthorizedNetworks,
          masterIpv4Cidr: c.masterIpv4Cidr,
          nodePool: c.nodePool,
          deletionProtection: c.deletionProtection,
        }
      : { mode: "existing", kubeContext: c.kubeContext };
  const scheme = p.ingress.tlsSecretName === undefined ? "ws" : "wss";
  const prom = p.rollout.gates.prometheus;
  return {
    cluster,
    ingress: {
      controller: p.ingress.controller,
      host: p.ingress.host,
      path: p.ingress.path,
      tlsSecretName: p.ingress.tlsSecretName,
      className: p.ingress.className,
      namespace: p.ingress.namespace,
      controllerReplicas: p.ingress.controllerReplicas,
      chartVersion: p.ingress.chartVersion,
      chartRepository: p.ingress.chartRepository,
      workerShutdownTimeoutSeconds:
        p.ingress.workerShutdownTimeout ?? DEFAULT_WORKER_SHUTDOWN_TIMEOUT_SECONDS,
      serviceType: p.ingress.serviceType,
      loadBalancerIP: p.ingress.loadBalancerIP,
    },
    gateway: (({ resources, ...rest }) => ({ ...rest, ...resources }))(p.gateway),
    disruption: budgetOf(p.disruption, p.gateway),
    rollout: {
      steps: p.rollout.steps.map((s) => ({ weight: s.weight, pauseSeconds: s.pause ?? 0 })),
      stableVersion: p.rollout.stableVersion,
      onAbort: p.rollout.onAbort,
      api: {
        requestTimeoutSeconds: p.rollout.api.requestTimeout,
        retryBudgetSeconds: p.rollout.api.retryBudget,
        abortBudgetSeconds: p.rollout.api.abortBudget,
      },
      gates: {
        intervalSeconds: p.rollout.gates.interval,
        podStartupSeconds: p.rollout.gates.podStartup,
        versionIdentity: p.rollout.gates.versionIdentity,
        canaryRouteWaitSeconds: p.rollout.gates.canaryRouteWait,
        handshake: {
          url: p.rollout.gates.handshake.url ?? `${scheme}://${p.ingress.host}${p.ingress.path}`,
          timeoutSeconds: p.rollout.gates.handshake.timeout,
          message: p.rollout.gates.handshake.message,
        },
        survival: {
          connections: p.rollout.gates.survival.connections,
          pingIntervalSeconds: p.rollout.gates.survival.pingInterval,
          pongTimeoutSeconds: p.rollout.gates.survival.pongTimeout,
        },
        abnormalCloses:
          p.rollout.gates.abnormalCloses === undefined
            ? undefined
            : { port: p.rollout.gates.abnormalCloses.port, maxPerStep: p.rollout.gates.abnormalCloses.max },
        prometheus:
          prom === undefined
            ? undefined
            : {
                url: prom.url,
                query: prom.query,
                threshold: prom.max ?? prom.min ?? 0,
                comparison: prom.max !== undefined ? "<=" : ">=",
              },
      },
    },
  };
}
