/**
 * Rules across the entries of `gateway.pod`: what the API server refuses
 * across fields (one value source per variable, one source per volume,
 * mounts naming a declared volume, unique names and paths) and what the
 * program owns (the drain contract's variables, its /tmp volume and mount,
 * the gateway container's name and port, the app and version labels).
 */
import {
  GATEWAY_CONTAINER,
  PROGRAM_ANNOTATION_KEYS,
  PROGRAM_ENV_NAMES,
  PROGRAM_LABEL_KEYS,
  PROGRAM_VOLUMES,
  type EnvFromSource,
  type EnvVar,
  type PodSettings,
  type Toleration,
  type VolumeMount,
} from "../../components/gateway/pod";
import { ENV_PORT } from "../../components/names";
import { key, show } from "./errors";
import { overlaps } from "./kubeSyntax";

type Path = readonly (string | number)[];
const POD: Path = ["gateway", "pod"];

/** What the program sets on a sidecar: the gateway's variables but its port. */
const SIDECAR_ENV_NAMES = PROGRAM_ENV_NAMES.filter((n) => n !== ENV_PORT);

function envProblems(env: readonly EnvVar[], at: Path, owned: readonly string[], out: string[]): void {
  const seen = new Map<string, number>();
  env.forEach((e, i) => {
    const k = key([...at, "env", i]);
    if (owned.includes(e.name)) {
      out.push(
        `${key([...at, "env", i, "name"])}: ${show(e.name)} is set by the program (here: ${owned.join(", ")}), so it may not be set here. Fix: set ws-gateway:gateway.drainSeconds, gateway.port or gateway.version instead, or rename the variable your image reads, e.g. "APP_${e.name}".`,
      );
    }
    const first = seen.get(e.name);
    if (first !== undefined) {
      out.push(
        `${key([...at, "env", i, "name"])}: ${show(e.name)} is already set by env[${first}]; Kubernetes keeps only the last one. Fix: set each variable once.`,
      );
    } else seen.set(e.name, i);
    const from = e.valueFrom;
    const sources =
      from === undefined
        ? 0
        : Number(from.secretKeyRef !== undefined) + Number(from.configMapKeyRef !== undefined);
    if (e.value !== undefined && from !== undefined) {
      out.push(
        `${k}: must set value or valueFrom, not both (got value ${show(e.value)} and valueFrom). Fix: keep value for a literal, or valueFrom for a Secret or ConfigMap key.`,
      );
    } else if (from !== undefined && sources !== 1) {
      out.push(
        `${key([...at, "env", i, "valueFrom"])}: must name exactly one of secretKeyRef or configMapKeyRef (got ${sources === 0 ? "neither" : "both"}). Fix: keep one, e.g. valueFrom: { secretKeyRef: { name: gateway-secrets, key: api-token } }.`,
      );
    }
  });
}

function envFromProblems(envFrom: readonly EnvFromSource[], at: Path, out: string[]): void {
  envFrom.forEach((s, i) => {
    const n = Number(s.secretRef !== undefined) + Number(s.configMapRef !== undefined);
    if (n !== 1) {
      out.push(
        `${key([...at, "envFrom", i])}: must name exactly one of secretRef or configMapRef (got ${n === 0 ? "neither" : "both"}). Fix: keep one, e.g. { secretRef: { name: gateway-secrets } }, and list the other as its own entry.`,
      );
    }
  });
}

function mountProblems(
  mounts: readonly VolumeMount[],
  at: Path,
  volumes: ReadonlySet<string>,
  out: string[],
): void {
  const paths = new Map<string, number>();
  mounts.forEach((m, i) => {
    if (!volumes.has(m.name)) {
      out.push(
        `${key([...at, "volumeMounts", i, "name"])}: names no volume of ws-gateway:gateway.pod.volumes (got ${show(m.name)}; declared: ${volumes.size === 0 ? "none" : [...volumes].map((v) => show(v)).join(", ")}). Fix: declare the volume under gateway.pod.volumes, or correct the name.`,
      );
    }
    for (const own of PROGRAM_VOLUMES) {
      if (overlaps(m.mountPath, own.mountPath)) {
        out.push(
          `${key([...at, "volumeMounts", i, "mountPath"])}: ${show(m.mountPath)} ${m.mountPath === own.mountPath ? "is" : "overlaps"} ${show(own.mountPath)}, where the program mounts its writable ${show(own.name)} volume, so one mount would shadow the other. Fix: mount it elsewhere, e.g. "/etc/gateway/${m.name}".`,
        );
      }
    }
    const first = paths.get(m.mountPath);
    if (first !== undefined) {
      out.push(
        `${key([...at, "volumeMounts", i, "mountPath"])}: ${show(m.mountPath)} is already the path of volumeMounts[${first}]; Kubernetes refuses two mounts at one path. Fix: mount each volume at its own path.`,
      );
    } else paths.set(m.mountPath, i);
  });
}

function tolerationProblems(tolerations: readonly Toleration[], out: string[]): void {
  tolerations.forEach((t, i) => {
    const k = key([...POD, "tolerations", i]);
    if (t.operator === "Exists" && t.value !== undefined && t.value !== "") {
      out.push(
        `${k}.value: must be empty with operator "Exists", which matches any value (got ${show(t.value)}). Fix: remove value, or set operator to "Equal".`,
      );
    }
    if (t.key === undefined && t.operator !== "Exists") {
      out.push(
        `${k}.operator: must be "Exists" when key is empty, which tolerates every taint (got ${show(t.operator)}). Fix: add key, the taint to tolerate, or set operator to "Exists".`,
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      out.push(
        `${k}.tolerationSeconds: applies to effect "NoExecute" only (got ${t.tolerationSeconds} with effect ${show(t.effect)}). Fix: remove tolerationSeconds, or set effect to "NoExecute".`,
      );
    }
  });
}

function ownedKeys(
  map: Readonly<Record<string, string>>,
  owned: readonly string[],
  field: string,
  what: string,
  out: string[],
): void {
  for (const k of Object.keys(map)) {
    if (owned.includes(k)) {
      out.push(
        `${key([...POD, field, k])}: is set by the program (${what}: ${owned.join(", ")}), so it may not be set here (got ${show(map[k])}). Fix: remove it; use a key of your own, e.g. "example.com/${k.split("/").pop() ?? "team"}".`,
      );
    }
  }
}

/** Every problem of `gateway.pod` across its entries; `port` is the gateway's container port. */
export function podProblems(pod: PodSettings, port: number): string[] {
  const out: string[] = [];
  envProblems(pod.env, POD, PROGRAM_ENV_NAMES, out);
  envFromProblems(pod.envFrom, POD, out);
  tolerationProblems(pod.tolerations, out);
  ownedKeys(pod.labels, PROGRAM_LABEL_KEYS, "labels", "the Services select the pods by them", out);
  ownedKeys(
    pod.deploymentLabels,
    PROGRAM_LABEL_KEYS,
    "deploymentLabels",
    "the versioned objects carry them",
    out,
  );
  ownedKeys(
    pod.deploymentAnnotations,
    PROGRAM_ANNOTATION_KEYS,
    "deploymentAnnotations",
    "retiring a version relies on it",
    out,
  );

  const names = new Map<string, number>();
  pod.volumes.forEach((v, i) => {
    const k = key([...POD, "volumes", i]);
    const sources = (["secret", "configMap", "emptyDir", "projected"] as const).filter(
      (s) => v[s] !== undefined,
    );
    if (sources.length !== 1) {
      out.push(
        `${k}: must have exactly one source of secret, configMap, emptyDir or projected (got ${sources.length === 0 ? "none" : sources.join(" and ")}). Fix: ${sources.length === 0 ? "add one, e.g. secret: { secretName: gateway-certs }" : "split it into one volume per source"}.`,
      );
    }
    const own = PROGRAM_VOLUMES.find((p) => p.name === v.name);
    if (own !== undefined) {
      out.push(
        `${k}.name: ${show(v.name)} is the program's writable volume at ${show(own.mountPath)}. Fix: give yours another name, e.g. "${v.name}-data".`,
      );
    }
    const first = names.get(v.name);
    if (first !== undefined) {
      out.push(
        `${k}.name: ${show(v.name)} is already the name of volumes[${first}]. Fix: give each volume its own name.`,
      );
    } else names.set(v.name, i);
    v.projected?.sources.forEach((s, j) => {
      const n = [s.secret, s.configMap, s.serviceAccountToken].filter((x) => x !== undefined).length;
      if (n !== 1) {
        out.push(
          `${k}.projected.sources[${j}]: must have exactly one of secret, configMap or serviceAccountToken (got ${n === 0 ? "none" : n}). Fix: list each source as its own entry.`,
        );
      }
    });
  });
  const volumes = new Set(names.keys());
  mountProblems(pod.volumeMounts, POD, volumes, out);

  const containers = new Map<string, number>();
  pod.sidecars.forEach((s, i) => {
    const at = [...POD, "sidecars", i];
    if (s.name === GATEWAY_CONTAINER) {
      out.push(
        `${key([...at, "name"])}: ${show(s.name)} is the gateway's own container. Fix: name the sidecar after what it does, e.g. "auth-proxy".`,
      );
    }
    const first = containers.get(s.name);
    if (first !== undefined) {
      out.push(
        `${key([...at, "name"])}: ${show(s.name)} is already the name of sidecars[${first}]. Fix: give each sidecar its own name.`,
      );
    } else containers.set(s.name, i);
    envProblems(s.env, at, SIDECAR_ENV_NAMES, out);
    envFromProblems(s.envFrom, at, out);
    mountProblems(s.volumeMounts, at, volumes, out);
    s.ports.forEach((p, j) => {
      if (p.containerPort === port) {
        out.push(
          `${key([...at, "ports", j, "containerPort"])}: ${p.containerPort} is the gateway's port (gateway.port); containers of a pod share its network, so only one can bind it. Fix: use another port, e.g. ${port === 9090 ? 9091 : 9090}.`,
        );
      }
    });
  });
  return out;
}
