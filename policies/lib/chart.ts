/**
 * The values the ingress-nginx chart actually receives from an
 * IngressController component.
 *
 * The component (pulumi-go-helmbase `InitDefaults`) decodes its typed
 * arguments over `helmOptions.values` key by key: a typed `controller`
 * argument, when set, replaces `helmOptions.values.controller` as a whole
 * instead of being merged into it. Rules must therefore read the map that
 * wins, not whichever one the program happens to use. Every reader goes
 * through ./values, so an unknown map stays UNKNOWN.
 */
import { UNKNOWN, at, entries, isUnknown, type Unknown } from "./values";

/** Where users set the controller's chart values; violation messages name keys under it. */
export const CONTROLLER_VALUES_PATH = "helmOptions.values.controller";

/** `helmOptions.values.controller.<key>`, the path a user edits to fix `key`. */
export function controllerPath(key: string): string {
  return `${CONTROLLER_VALUES_PATH}.${key}`;
}

/**
 * Where the chart takes the controller's replica count from: autoscaling's
 * minReplicas when autoscaling is on, replicaCount otherwise. `raw` is the
 * value as set (undefined when unset); callers apply the default they mean.
 */
export function controllerReplicas(c: unknown): {
  readonly autoscaling: boolean;
  readonly field: string;
  readonly raw: unknown;
} {
  const autoscaling = at(c, "autoscaling.enabled") === true;
  const key = autoscaling ? "autoscaling.minReplicas" : "replicaCount";
  return { autoscaling, field: controllerPath(key), raw: at(c, key) };
}

/** Go's JSON encoding omits a nil typed argument, so null counts as unset like undefined. */
function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** The typed `controller` argument of an IngressController (undefined when unset, UNKNOWN when unknown). */
export function typedController(props: unknown): unknown {
  const typed = at(props, "controller");
  return typed === null ? undefined : typed;
}

/**
 * The `controller` map the chart receives: the typed `controller` argument
 * when set (it replaces the values map wholesale), else
 * `helmOptions.values.controller`. UNKNOWN when the winning map, or whether
 * the typed argument is set at all, is unknown.
 */
export function chartControllerValues(props: unknown): unknown {
  const typed = typedController(props);
  if (isUnknown(typed)) return UNKNOWN;
  if (isSet(typed)) return typed;
  const values = at(props, ["helmOptions", "values", "controller"]);
  return values === null ? undefined : values;
}

/**
 * Top-level typed arguments (other than helmOptions) that are set together
 * with the same key of `helmOptions.values`, so the typed one silently
 * replaces the values map. Keys whose either side is unknown are left out:
 * an unknown never makes a violation.
 */
export function shadowedValueKeys(props: unknown): string[] | Unknown {
  const typedArgs = entries(props);
  if (isUnknown(typedArgs)) return UNKNOWN;
  const out: string[] = [];
  for (const [key, typed] of typedArgs ?? []) {
    if (key === "helmOptions" || isUnknown(typed) || !isSet(typed)) continue;
    const values = at(props, ["helmOptions", "values", key]);
    if (!isUnknown(values) && isSet(values)) out.push(key);
  }
  return out;
}
