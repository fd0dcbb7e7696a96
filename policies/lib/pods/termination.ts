/**
 * A gateway pod's termination path, as the kubelet plays it: every regular
 * container and every native sidecar (an init container with restartPolicy
 * Always) gets its preStop hook, then its stop signal (SIGTERM unless
 * lifecycle.stopSignal says otherwise) sent to its PID 1, and SIGKILL when
 * terminationGracePeriodSeconds ends. Which container holds the sockets is
 * read from the Services that select the pod (their targetPort), and whether
 * a leaving pod stays published from those Services' publishNotReadyAddresses.
 */
import { UNKNOWN, at, isUnknown, knownItems, num, show, type Unknown } from "../values";
import { resolveEnv, type ConfigMapLookup, type ResolvedEnv } from "./env";

/** Kubernetes' grace period when the pod spec sets none. */
export const KUBERNETES_DEFAULT_GRACE_SECONDS = 30;
/** The signal the kubelet sends when the container sets no stopSignal (and the image no STOPSIGNAL). */
export const DEFAULT_STOP_SIGNAL = "SIGTERM";

/** Programs that, as PID 1, do not pass SIGTERM on to the process they start. */
const SHELLS: ReadonlySet<string> = new Set(["sh", "bash", "ash", "dash", "zsh", "ksh"]);
const PACKAGE_RUNNERS: ReadonlySet<string> = new Set(["npm", "yarn", "pnpm", "npx"]);

export type PreStop =
  | { readonly kind: "none" }
  | { readonly kind: "sleep"; readonly seconds: number }
  | { readonly kind: "other"; readonly handler: string };

export interface PathContainer {
  /** `container "gateway"` or `sidecar "proxy"` (a native sidecar). */
  readonly label: string;
  readonly name: string | undefined;
  readonly container: unknown;
  readonly sidecar: boolean;
  /** command followed by args, when the container overrides the image's entrypoint. */
  readonly argv: readonly string[] | Unknown | undefined;
  readonly preStop: PreStop | Unknown;
  readonly stopSignal: string | Unknown;
  /** containerPort numbers by name (unnamed ports under their number). */
  readonly ports: ReadonlyMap<string, number>;
  readonly env: ResolvedEnv | Unknown;
}

const base = (arg: string): string => arg.split("/").pop() ?? arg;

/** Seconds of a `sleep N` command (exec ["sleep", "N"], or a shell running only `sleep N`); undefined otherwise. */
function sleepCommand(argv: readonly unknown[]): number | undefined {
  const words = argv.map((a) => (typeof a === "string" ? a : ""));
  const first = base(words[0] ?? "");
  if (first === "sleep" && words.length === 2) {
    const n = num(words[1]);
    return typeof n === "number" ? n : undefined;
  }
  if (SHELLS.has(first) && words[1] === "-c" && words.length === 3) {
    const m = /^\s*(?:exec\s+)?sleep\s+(\d+)\s*$/.exec(words[2] ?? "");
    return m === null ? undefined : Number(m[1]);
  }
  return undefined;
}

/** What a preStop hook does: a bounded sleep (the sleep action, or exec sleep N), nothing, or another handler. */
export function preStopOf(container: unknown): PreStop | Unknown {
  const pre = at(container, "lifecycle.preStop");
  if (isUnknown(pre)) return UNKNOWN;
  if (pre === undefined || pre === null) return { kind: "none" };
  const sleep = at(pre, "sleep.seconds");
  const exec = at(pre, "exec.command");
  if (isUnknown(sleep) || isUnknown(exec)) return UNKNOWN;
  const s = num(sleep);
  if (typeof s === "number") return { kind: "sleep", seconds: s };
  if (Array.isArray(exec)) {
    const n = sleepCommand(knownItems(exec));
    if (n !== undefined) return { kind: "sleep", seconds: n };
    return { kind: "other", handler: `exec ${show(knownItems(exec))}` };
  }
  for (const h of ["httpGet", "tcpSocket"]) {
    const v = at(pre, h);
    if (isUnknown(v)) return UNKNOWN;
    if (v !== undefined) return { kind: "other", handler: `${h} ${show(v)}` };
  }
  return { kind: "other", handler: show(pre) };
}

function argvOf(container: unknown): readonly string[] | Unknown | undefined {
  const command = at(container, "command");
  const args = at(container, "args");
  if (isUnknown(command) || isUnknown(args)) return UNKNOWN;
  if (!Array.isArray(command) || command.length === 0) return undefined;
  const words = [...knownItems(command), ...knownItems(args)];
  return words.some(isUnknown) ? UNKNOWN : words.map((w) => (typeof w === "string" ? w : String(w)));
}

/**
 * Why PID 1 of a container would not pass SIGTERM on: a shell running a
 * script (`sh -c "node server.js"`) whose last command is not started with
 * `exec`, or a package runner (`npm start`). Undefined when PID 1 is the
 * program itself, an init that forwards signals, or the image's entrypoint.
 */
export function pid1Problem(argv: readonly string[] | Unknown | undefined): string | undefined {
  if (argv === undefined || isUnknown(argv)) return undefined;
  const first = base(argv[0] ?? "");
  if (PACKAGE_RUNNERS.has(first))
    return `${first} (a package runner) is PID 1 and does not forward SIGTERM to the program it starts`;
  if (SHELLS.has(first)) {
    const c = argv.indexOf("-c");
    const script = c >= 0 ? argv[c + 1] : undefined;
    if (script === undefined) return undefined;
    const last =
      script
        .split(/&&|;|\|\||\n/)
        .pop()
        ?.trim() ?? "";
    if (/^exec\s/.test(last)) return undefined;
    return `${first} is PID 1 running ${JSON.stringify(script)} without exec, and a shell does not forward SIGTERM to its child`;
  }
  return undefined;
}

function portsOf(container: unknown): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of knownItems(at(container, "ports"))) {
    const n = num(at(p, "containerPort"));
    if (typeof n !== "number") continue;
    const name = at(p, "name");
    if (typeof name === "string") out.set(name, n);
    out.set(String(n), n);
  }
  return out;
}

/** Regular containers and native sidecars of a pod spec: the containers that stop with the pod. */
export function terminationPath(
  pod: unknown,
  namespace: string | undefined = undefined,
  lookup: ConfigMapLookup | undefined = undefined,
): PathContainer[] {
  const out: PathContainer[] = [];
  for (const [field, init] of [
    ["containers", false],
    ["initContainers", true],
  ] as const) {
    knownItems(at(pod, field)).forEach((c, i) => {
      if (isUnknown(c)) return;
      if (init && at(c, "restartPolicy") !== "Always") return;
      const name = at(c, "name");
      const shown = typeof name === "string" ? JSON.stringify(name) : `#${i}`;
      const signal = at(c, "lifecycle.stopSignal");
      out.push({
        label: `${init ? "sidecar" : "container"} ${shown}`,
        name: typeof name === "string" ? name : undefined,
        container: c,
        sidecar: init,
        argv: argvOf(c),
        preStop: preStopOf(c),
        stopSignal: isUnknown(signal) ? UNKNOWN : typeof signal === "string" ? signal : DEFAULT_STOP_SIGNAL,
        ports: portsOf(c),
        env: resolveEnv(c, namespace, lookup),
      });
    });
  }
  return out;
}

/** The pod's grace period and whether the spec sets it. */
export function gracePeriod(pod: unknown): { seconds: number | Unknown | undefined; set: boolean } {
  const raw = at(pod, "terminationGracePeriodSeconds");
  return { seconds: raw === undefined ? KUBERNETES_DEFAULT_GRACE_SECONDS : num(raw), set: raw !== undefined };
}

/** The container of the path that serves `targetPort` (a number or a port name); UNKNOWN when unknown. */
export function portOwner(
  path: readonly PathContainer[],
  targetPort: unknown,
): PathContainer | Unknown | undefined {
  if (isUnknown(targetPort)) return UNKNOWN;
  const key =
    typeof targetPort === "number"
      ? String(targetPort)
      : typeof targetPort === "string"
        ? targetPort
        : undefined;
  if (key === undefined) return undefined;
  return path.find((c) => c.ports.has(key));
}
