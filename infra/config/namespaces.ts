/**
 * Keys outside the `ws-gateway:` namespace. Pulumi hands the program every
 * key of the stack; each is examined here, and each namespace has one
 * decision, stated once (docs/configuration.md, "Keys of other namespaces"):
 *
 * - a namespace close to the project's name (`ws-gatway`, `ws_gateway`,
 *   `wsgateway`, a look-alike character) is refused: the program never reads
 *   it, so its settings would vanish; the fix moves them to `ws-gateway:`.
 * - `gcp:project` is read (the GKE project when `cluster.project` is unset)
 *   and checked with cluster.project's own rule; other `gcp:*` keys configure
 *   the default Google provider the GKE resources use, and are accepted.
 *   With `cluster.mode: existing` no GCP resource exists: they are reported
 *   as ignored, not refused.
 * - `kubernetes:*` keys are refused: every Kubernetes provider of the program
 *   is explicit (GKE: the cluster's kubeconfig; existing: the ambient
 *   kubeconfig and `cluster.kubeContext`), and explicit providers never read
 *   stack config, so `kubernetes:context` would deploy to whatever the
 *   kubeconfig's current context is. The fix names the key that does it.
 * - `pulumi:*` keys belong to the engine and are accepted.
 * - any other namespace is reported as ignored (another tool's keys may
 *   live in the same stack file).
 */
import { describeCharacters } from "./characters";
import { show } from "./errors";
import { closest } from "./leaves";
import { CONFIG_NAMESPACE, SECTIONS } from "./types";

/** What the examination found: problems refuse the config, notes are printed as warnings. */
export interface NamespaceFindings {
  readonly problems: string[];
  readonly notes: string[];
}

/** The fix for each kubernetes provider key the program's explicit providers ignore. */
const KUBERNETES_FIXES: Readonly<Record<string, string>> = {
  context: `set ws-gateway:cluster.kubeContext (cluster.mode "existing") to that context and remove kubernetes:context`,
  kubeconfig:
    'remove it and point KUBECONFIG at that file when you run pulumi (cluster.mode "existing"); a GKE stack builds its own kubeconfig',
  namespace:
    "remove it: the program names its namespaces in ws-gateway:gateway.namespace and ws-gateway:ingress.namespace",
};

function normalized(ns: string): string {
  return ns.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Whether a namespace is a misspelling of the project's: edit distance, separators or case. */
export function nearProjectNamespace(ns: string): boolean {
  if (ns === CONFIG_NAMESPACE) return false;
  return (
    normalized(ns) === normalized(CONFIG_NAMESPACE) ||
    closest(ns, [CONFIG_NAMESPACE]) !== undefined ||
    (SECTIONS as readonly string[]).includes(ns)
  );
}

/** The `ws-gateway:` key a misplaced key's settings belong under (`gateway:version` is `ws-gateway:gateway`). */
function ownKeyFor(ns: string, name: string): string {
  if ((SECTIONS as readonly string[]).includes(ns)) return `${CONFIG_NAMESPACE}:${ns}`;
  const section = name.split(/[.[]/)[0] ?? name;
  const near = (SECTIONS as readonly string[]).includes(section) ? section : closest(section, SECTIONS);
  return `${CONFIG_NAMESPACE}:${near ?? section}`;
}

export interface ForeignContext {
  /** The cluster mode when the cluster section parsed. */
  readonly mode: "gke" | "existing" | undefined;
}

/** Examines every key outside `ws-gateway:`. */
export function examineNamespaces(
  config: Readonly<Record<string, unknown>>,
  ctx: ForeignContext,
): NamespaceFindings {
  const problems: string[] = [];
  const notes: string[] = [];
  for (const [k, value] of Object.entries(config)) {
    const colon = k.indexOf(":");
    const ns = colon < 0 ? k : k.slice(0, colon);
    const name = colon < 0 ? "" : k.slice(colon + 1);
    if (ns === CONFIG_NAMESPACE) continue;
    const chars = describeCharacters(k);
    if (nearProjectNamespace(ns)) {
      const target = ownKeyFor(ns, name);
      problems.push(
        `${k}: is in namespace ${show(ns)}${chars === undefined ? "" : ` (${chars})`}, not this project's ${show(CONFIG_NAMESPACE)} (the name in Pulumi.yaml), so the program never reads it and its settings would be ignored (got ${show(value)}). ` +
          `Fix: move its settings under ${target} (pulumi config rm '${k}', then set them again under ${target}).`,
      );
      continue;
    }
    if (ns === "gcp") {
      if (ctx.mode === "existing") {
        notes.push(
          `${k}: is ignored: with ws-gateway:cluster.mode "existing" the program creates no GCP resources (got ${show(value)}). Remove it unless another program reads this stack.`,
        );
      }
      continue;
    }
    if (ns === "kubernetes") {
      problems.push(
        `${k}: is ignored by this program (got ${show(value)}): its Kubernetes providers are explicit (a GKE stack targets the cluster it creates, an existing one the kubeconfig's context named by ws-gateway:cluster.kubeContext), and explicit providers never read kubernetes:* stack config, so the deployment would not go where this key says. ` +
          `Fix: ${KUBERNETES_FIXES[name] ?? `remove ${k}`}.`,
      );
      continue;
    }
    if (ns === "pulumi") continue;
    notes.push(
      `${k}: is not read by this program (namespace ${show(ns)}${chars === undefined ? "" : `; ${chars}`}); it is ignored. Its keys live under ${CONFIG_NAMESPACE}: (docs/configuration.md).`,
    );
  }
  return { problems, notes };
}
