/**
 * `gateway.pod`: what a team brings to the gateway pod. Each leaf takes what
 * its consumer, the Kubernetes API server, accepts (./kubeSyntax); the rules
 * across entries (one source per variable and volume, mounts naming a
 * volume, keys the program owns) are ./podRules. The program renders the
 * result with components/gateway/pod.ts.
 */
import { z } from "zod";
import { SIDECAR_DEFAULTS } from "../../components/gateway/pod";
import { message, show } from "./errors";
import { checked, cpuQuantity, imageRepository, memoryQuantity, type Checked } from "./formats";
import {
  absolutePath,
  dnsLabel,
  dnsSubdomain,
  envVarName,
  keyOfData,
  labelValue,
  portName,
  qualifiedName,
  relativePath,
} from "./kubeSyntax";
import { bool, intIn, leaf, list, oneOf, section } from "./leaves";

const text = (fix: string) =>
  leaf("a text", fix, (v) => (typeof v === "string" ? v : undefined), { expect: "text", ascii: false });

const keepText =
  (check: (t: string) => Checked<number>) =>
  (t: string): Checked<string> => {
    const r = check(t);
    return "ok" in r ? { ok: t } : r;
  };

/** A file mode as the API takes it: 0 to 0777 (YAML reads 0644 as octal only in YAML 1.1, so write 420). */
const fileMode = intIn(
  0,
  0o777,
  "write the mode in decimal, e.g. 420 for 0644 (YAML 1.1 and 1.2 read a leading 0 differently)",
);

/**
 * A map of text to text whose keys and values pass their own checks; each
 * bad entry is one problem at its own key.
 */
function textMap(
  what: string,
  keyCheck: (k: string) => Checked<string>,
  valueCheck: (v: string) => Checked<string> = (v) => ({ ok: v }),
) {
  return z.unknown().transform((v, ctx): Record<string, string> => {
    let m = v;
    if (typeof m === "string" && m.trim().startsWith("{")) {
      try {
        m = JSON.parse(m) as unknown;
      } catch {
        // reported below as not a map
      }
    }
    if (typeof m !== "object" || m === null || Array.isArray(m)) {
      ctx.addIssue({
        code: "custom",
        message: message(`a map of ${what}`, m, 'write it as an indented YAML map of "key: value" lines'),
      });
      return z.NEVER;
    }
    const out: Record<string, string> = {};
    for (const [k, raw] of Object.entries(m as Record<string, unknown>)) {
      const kc = keyCheck(k);
      if (!("ok" in kc)) {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `the key must be a Kubernetes qualified name, an optional DNS-1123 prefix and "/" then 1-63 letters, digits, "-", "_" or "." (got ${show(k)}: ${kc.why}). Fix: ${kc.fix}.`,
        });
        continue;
      }
      if (typeof raw !== "string") {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `must be a text (got ${show(raw)}: Kubernetes keeps every ${what.replace(/s$/, "")} value as a string). Fix: quote it, e.g. "${String(raw)}".`,
          params: { suggestion: String(raw) },
        });
        continue;
      }
      const vc = valueCheck(raw);
      if (!("ok" in vc)) {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `must be a label value, empty or 1-63 letters, digits, "-", "_" or "." starting and ending with a letter or digit (got ${show(raw)}: ${vc.why}). Fix: ${vc.fix}.`,
        });
        continue;
      }
      out[k] = raw;
    }
    return out;
  });
}

export const labelMap = (what: string) => textMap(what, qualifiedName, labelValue);
export const annotationMap = (what: string) => textMap(what, qualifiedName);

const objectName = (what: string, example: string) =>
  checked(
    `a ${what} name, a DNS-1123 subdomain like "${example}"`,
    dnsSubdomain(example),
    `name the ${what}, e.g. name: ${example}`,
  );

const dataKey = checked(
  'a key of the object\'s data like "api-token"',
  keyOfData,
  "name the key, e.g. key: api-token",
);

const keyRef = (what: string, example: string) =>
  section(
    {
      name: objectName(what, example),
      key: dataKey,
      optional: bool("set whether the pod may start without it").optional(),
    },
    `${what} key reference settings`,
  );

const envName = checked(
  'an environment variable name like "LOG_LEVEL": letters, digits, "_", "-" and ".", not starting with a digit',
  envVarName,
  "name the variable, e.g. name: LOG_LEVEL",
);

export const envSchema = section(
  {
    name: envName,
    value: text("write the value as text; quote numbers and booleans").optional(),
    valueFrom: section(
      {
        secretKeyRef: keyRef("Secret", "gateway-secrets").optional(),
        configMapKeyRef: keyRef("ConfigMap", "gateway-config").optional(),
      },
      "value source settings",
    ).optional(),
  },
  "environment variable settings",
);

const refName = (what: string, example: string) =>
  section(
    {
      name: objectName(what, example),
      optional: bool("set whether the pod may start without it").optional(),
    },
    `${what} reference settings`,
  );

export const envFromSchema = section(
  {
    prefix: checked('a variable name prefix like "GW_"', envVarName, undefined).optional(),
    secretRef: refName("Secret", "gateway-secrets").optional(),
    configMapRef: refName("ConfigMap", "gateway-config").optional(),
  },
  "environment source settings",
);

const args = (what: string) => list(text(`write each ${what} entry as text`), `${what} entries`, 0, 200);

const keyToPath = list(
  section(
    {
      key: dataKey,
      path: checked(
        'a relative file path like "token"',
        relativePath,
        "set the file the key is written to, e.g. path: token",
      ),
    },
    "item settings",
  ),
  "items",
  1,
  100,
);

export const mountSchema = section(
  {
    name: checked(
      'a volume name like "certs"',
      dnsLabel("certs"),
      "name the volume to mount, e.g. name: certs",
    ),
    mountPath: checked(
      'an absolute path like "/etc/gateway/certs"',
      absolutePath,
      "set where to mount it, e.g. mountPath: /etc/gateway/certs",
    ),
    readOnly: bool("set whether the mount is read-only").optional(),
    subPath: checked('a relative path inside the volume like "config.yaml"', relativePath).optional(),
  },
  "volume mount settings",
);

export const volumeSchema = section(
  {
    name: checked(
      'a volume name, a DNS-1123 label like "certs"',
      dnsLabel("certs"),
      "name the volume, e.g. name: certs",
    ),
    secret: section(
      {
        secretName: objectName("Secret", "gateway-certs"),
        optional: bool("set whether the pod may start without the Secret").optional(),
        defaultMode: fileMode.optional(),
        items: keyToPath.optional(),
      },
      "Secret volume settings",
    ).optional(),
    configMap: section(
      {
        name: objectName("ConfigMap", "gateway-config"),
        optional: bool("set whether the pod may start without the ConfigMap").optional(),
        defaultMode: fileMode.optional(),
        items: keyToPath.optional(),
      },
      "ConfigMap volume settings",
    ).optional(),
    emptyDir: section(
      {
        medium: leaf(
          '"" (node disk) or "Memory" (tmpfs)',
          'use "Memory" for a tmpfs or remove the key',
          (v) => (v === "" || v === "Memory" ? v : undefined),
          { expect: "text" },
        ).optional(),
        sizeLimit: checked('a memory quantity like "64Mi"', keepText(memoryQuantity)).optional(),
      },
      "emptyDir volume settings",
    ).optional(),
    projected: section(
      {
        sources: list(
          section(
            {
              secret: section(
                {
                  name: objectName("Secret", "gateway-certs"),
                  optional: bool("set whether the pod may start without it").optional(),
                  items: keyToPath.optional(),
                },
                "projected Secret settings",
              ).optional(),
              configMap: section(
                {
                  name: objectName("ConfigMap", "gateway-config"),
                  optional: bool("set whether the pod may start without it").optional(),
                  items: keyToPath.optional(),
                },
                "projected ConfigMap settings",
              ).optional(),
              serviceAccountToken: section(
                {
                  path: checked(
                    'a relative file path like "token"',
                    relativePath,
                    "set the token's file, e.g. path: token",
                  ),
                  audience: text("set the audience the token is for").optional(),
                  // The API server refuses a token valid for less than 10 minutes; 2^32 seconds is its cap.
                  expirationSeconds: intIn(
                    600,
                    4294967296,
                    "set how long a token stays valid, at least 600",
                    "seconds",
                  ).optional(),
                },
                "projected token settings",
              ).optional(),
            },
            "projected source settings",
          ),
          "projected sources",
          1,
          20,
          "add sources, e.g. [{ secret: { name: gateway-certs } }]",
        ),
        defaultMode: fileMode.optional(),
      },
      "projected volume settings",
    ).optional(),
  },
  "volume settings",
);

export const tolerationSchema = section(
  {
    key: checked('a taint key like "dedicated"', qualifiedName).optional(),
    operator: oneOf(
      ["Exists", "Equal"] as const,
      'use "Equal" to match a value or "Exists" for any value',
    ).default("Equal"),
    value: checked('a taint value like "gateway"', labelValue).optional(),
    effect: oneOf(
      ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const,
      "pick the taint effect to tolerate, or remove it for all",
    ).optional(),
    tolerationSeconds: intIn(
      0,
      86400 * 365,
      "set how long a NoExecute taint is tolerated",
      "seconds",
    ).optional(),
  },
  "toleration settings",
);

const AFFINITY_KINDS = ["nodeAffinity", "podAffinity", "podAntiAffinity"] as const;
/** Kubernetes' Affinity: one of its three kinds per key, each a map the API server checks further. */
export const affinitySchema = z.unknown().transform((v, ctx): Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    ctx.addIssue({
      code: "custom",
      message: message(
        `a map with keys ${AFFINITY_KINDS.join(", ")}`,
        v,
        "write it as the pod spec's affinity, an indented YAML map",
      ),
    });
    return z.NEVER;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (!(AFFINITY_KINDS as readonly string[]).includes(k)) {
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: `is not a kind of affinity (got ${show(k)}). Allowed keys: ${AFFINITY_KINDS.join(", ")}. Fix: move its settings under one of them.`,
      });
    } else if (typeof x !== "object" || x === null || Array.isArray(x)) {
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: message(
          `a map (the pod spec's ${k})`,
          x,
          `write ${k} as an indented YAML map, e.g. requiredDuringSchedulingIgnoredDuringExecution: ...`,
        ),
      });
    } else out[k] = x;
  }
  return out;
});

/** An image reference a sidecar runs: a repository with a tag or a digest (the pack's pod-image-pinned). */
export function pinnedImage(v: string): Checked<string> {
  const at = v.indexOf("@");
  const name = at >= 0 ? v.slice(0, at) : v;
  const digest = at >= 0 ? v.slice(at + 1) : undefined;
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const tag = colon > slash ? name.slice(colon + 1) : undefined;
  const repo = colon > slash ? name.slice(0, colon) : name;
  const r = imageRepository(repo);
  if (!("ok" in r)) return r;
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest))
    return {
      why: "the digest is not sha256: and 64 hex digits",
      fix: `pin a tag instead, e.g. "${repo}:1.0.0"`,
    };
  if (digest === undefined && (tag === undefined || tag === "latest"))
    return {
      why: tag === undefined ? 'it has no tag, so it means "latest", which moves' : 'the tag "latest" moves',
      fix: `pin a tag or digest, e.g. "${repo}:1.0.0"`,
    };
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag))
    return {
      why: `the tag "${tag}" is not letters, digits, "_", "." and "-" (at most 128)`,
      fix: `pin a tag like "${repo}:1.0.0"`,
    };
  return { ok: v };
}

const S = SIDECAR_DEFAULTS;
export const sidecarSchema = section(
  {
    name: checked(
      'a container name, a DNS-1123 label like "auth-proxy"',
      dnsLabel("auth-proxy"),
      "name the sidecar, e.g. name: auth-proxy",
    ),
    image: checked(
      'an image with a tag or digest like "ghcr.io/acme/auth-proxy:1.4.2"',
      pinnedImage,
      "add image, e.g. image: ghcr.io/acme/auth-proxy:1.4.2",
    ),
    native: bool(
      "set true for a native sidecar (stopped after the gateway) or false for a regular container",
    ).default(true),
    command: args("command").optional(),
    args: args("args").optional(),
    env: list(envSchema, "environment variables", 0, 200).default([]),
    envFrom: list(envFromSchema, "environment sources", 0, 50).default([]),
    ports: list(
      section(
        {
          name: checked('a port name like "metrics"', portName).optional(),
          containerPort: intIn(1, 65535, "set the port the sidecar listens on"),
          protocol: oneOf(["TCP", "UDP", "SCTP"] as const, "pick the port's protocol").default("TCP"),
        },
        "port settings",
      ),
      "ports",
      0,
      20,
    ).default([]),
    volumeMounts: list(mountSchema, "volume mounts", 0, 50).default([]),
    resources: section(
      {
        cpuRequest: checked('a CPU quantity like "50m"', keepText(cpuQuantity)).default(S.cpuRequest),
        memoryRequest: checked('a memory quantity like "64Mi"', keepText(memoryQuantity)).default(
          S.memoryRequest,
        ),
        memoryLimit: checked('a memory quantity like "128Mi"', keepText(memoryQuantity)).default(
          S.memoryLimit,
        ),
        cpuLimit: checked('a CPU quantity like "500m"', keepText(cpuQuantity)).optional(),
      },
      "sidecar resource settings",
    ).prefault({}),
  },
  "sidecar settings",
);

export const podSchema = section(
  {
    env: list(envSchema, "environment variables", 0, 200).default([]),
    envFrom: list(envFromSchema, "environment sources", 0, 50).default([]),
    command: args("command").optional(),
    args: args("args").optional(),
    serviceAccountName: checked(
      'a ServiceAccount name, a DNS-1123 subdomain like "ws-gateway"',
      dnsSubdomain("ws-gateway"),
    ).optional(),
    nodeSelector: labelMap("node labels").default({}),
    tolerations: list(tolerationSchema, "tolerations", 0, 50).default([]),
    affinity: affinitySchema.optional(),
    volumes: list(volumeSchema, "volumes", 0, 50).default([]),
    volumeMounts: list(mountSchema, "volume mounts", 0, 50).default([]),
    labels: labelMap("pod labels").default({}),
    annotations: annotationMap("pod annotations").default({}),
    deploymentLabels: labelMap("Deployment labels").default({}),
    deploymentAnnotations: annotationMap("Deployment annotations").default({}),
    sidecars: list(sidecarSchema, "sidecars", 0, 10).default([]),
  },
  "gateway pod settings",
);
