/** `parseConfig`: raw stack config in, validated StackConfig out, or a ConfigError listing every problem. */
import type { z } from "zod";
import { DEFAULT_PROBE_MODE } from "../../components/rollout/gates/probe";
import { ConfigError, key, show, type Suggestion } from "./errors";
import { fieldAt, valueAt, type Field, type Schema } from "./walk";
import { asciiRepair, describeCharacters } from "./characters";
import { closest } from "./leaves";
import { unknownKeyMessage } from "./maps";
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
    k === `${CONFIG_NAMESPACE}:cluster.region` ||
    k === `${CONFIG_NAMESPACE}:cluster.masterAuthorizedNetworks` ||
    /^[^:]+:rollout\.steps\[\d+\]\.pause$/.test(k),
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

const SCHEMAS: Readonly<Record<string, Schema>> = {
  cluster: clusterSchema as unknown as Schema,
  ingress: ingressSchema as unknown as Schema,
  gateway: gatewaySchema as unknown as Schema,
  rollout: rolloutSchema as unknown as Schema,
};

/** For a top-level key such as "gateway.version" that spells a path of the schema, that path's full key. */
function flatKey(k: string): string | undefined {
  const parts = [...k.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : (m[1] ?? ""),
  );
  const [top, ...rest] = parts;
  if (typeof top !== "string" || rest.length === 0) return undefined;
  const schema = SCHEMAS[top];
  if (schema === undefined || fieldAt(schema, rest) === undefined) return undefined;
  return key([top, ...rest]);
}

/**
 * When a path runs through JSON text (a list or map `pulumi config set --path`
 * stored as text), the key holding that text and the text rewritten with
 * `value` at the path; undefined when no JSON text is on the way.
 */
function jsonTextAround(
  raw: RawStackConfig,
  path: readonly PropertyKey[],
  value: unknown,
): { key: string; text: string } | undefined {
  for (let n = 1; n < path.length; n++) {
    const v = valueAt(raw, path.slice(0, n));
    if (typeof v !== "string" || !/^\s*[[{]/.test(v)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      return undefined;
    }
    let node = parsed as Record<PropertyKey, unknown>;
    const rest = path.slice(n);
    for (const p of rest.slice(0, -1)) {
      const next = node[p];
      if (typeof next !== "object" || next === null) return undefined;
      node = next as Record<PropertyKey, unknown>;
    }
    const last = rest[rest.length - 1];
    if (last === undefined) return undefined;
    node[last] = value;
    return { key: key(path.slice(0, n)), text: JSON.stringify(parsed) };
  }
  return undefined;
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
      if (i.code === "unrecognized_keys") {
        // One line per unknown key, named in full as pulumi config set --path takes it.
        const shape = fieldAt(schema as unknown as Schema, i.path)?.schema.shape ?? {};
        for (const k of i.keys) {
          suggestions[problems.length] = { key: key([name, ...i.path, k]), remove: true };
          problems.push(
            `${key([name, ...i.path, k])}: ${unknownKeyMessage(k, Object.keys(shape), key([name, ...i.path]))}`,
          );
        }
        continue;
      }
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
      const json =
        params?.suggestion === undefined ? undefined : jsonTextAround(raw, path, params.suggestion);
      if (json !== undefined) {
        // The value sits inside JSON text that pulumi config set --path stored: the fix rewrites that text.
        problems.push(
          `${k}: ${i.message.replace(/ Fix: .*$/s, "")} Fix: the value is inside the JSON text of ${json.key}; write it as '${json.text}' (pulumi config set --path '${json.key}' '${json.text}').`,
        );
        suggestions[problems.length - 1] = { key: json.key, set: json.text };
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
    const flat = flatKey(k);
    if (flat !== undefined) {
      suggestions[problems.length] = { key: `${CONFIG_NAMESPACE}:${k}`, remove: true, literal: true };
      problems.push(
        `${CONFIG_NAMESPACE}:${k}: is a top-level key named ${show(k)}, as pulumi config set stores a key given without --path; the program reads ${flat} inside the ${CONFIG_NAMESPACE}:${k.split(/[.[]/)[0] ?? ""} map, so this value would be ignored. Fix: run pulumi config rm '${CONFIG_NAMESPACE}:${k}', then pulumi config set --path '${CONFIG_NAMESPACE}:${k}' '${typeof raw[k] === "string" ? raw[k] : JSON.stringify(raw[k])}'.`,
      );
      continue;
    }
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
          masterAuthorizedNetworks: c.masterAuthorizedNetworks ?? [],
          masterIpv4Cidr: c.masterIpv4Cidr,
          nodePool: c.nodePool,
          deletionProtection: c.deletionProtection,
        }
      : { mode: "existing", kubeContext: c.kubeContext };
  const scheme = p.ingress.tlsSecretName === undefined ? "ws" : "wss";
  const prom = p.rollout.gates.prometheus;
  const h = p.rollout.gates.handshake;
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
          // Only what differs from the defaults, so a stack without probe settings keeps its rollout inputs.
          ...(h.headers.length === 0 ? {} : { headers: h.headers }),
          ...(h.subprotocols.length === 0 ? {} : { subprotocols: h.subprotocols }),
          ...(h.reply === undefined ? {} : { reply: h.reply }),
          ...(h.mode === DEFAULT_PROBE_MODE ? {} : { mode: h.mode }),
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
