/**
 * Baseline resources: the prod stack (stacks/Pulumi.prod.yaml) rendered by
 * the real program under the test mocks (test/helpers/render), so every
 * baseline is exactly what the program declares, type token included. Each
 * test changes one field of a baseline; nothing here is written by hand.
 */
import { TYPES } from "../../policies/lib/kube";
import { renderStackSync, type RenderedResource } from "../helpers/render";
import { withValue, type FakeResource } from "./harness";

export type Json = Record<string, unknown>;

/** The stack the baselines come from. */
export const BASELINE_STACK = "prod";

/** The one rendered resource of `type` (named `name`, when several), as a fresh copy. */
export function rendered(type: string, name?: string, stack = BASELINE_STACK): FakeResource {
  const found = renderStackSync(stack).filter(
    (r) => r.type === type && (name === undefined || r.name === name),
  );
  if (found.length !== 1) {
    throw new Error(
      `the ${stack} render has ${found.length} ${type}${name === undefined ? "" : ` named ${name}`}`,
    );
  }
  return copy(found[0] as RenderedResource);
}

function copy(r: RenderedResource): FakeResource {
  return { type: r.type, name: r.name, props: structuredClone(r.props), ignoreChanges: [...r.ignoreChanges] };
}

/** Every resource of a stack's render, as fresh copies. */
export function renderedStack(stack = BASELINE_STACK): FakeResource[] {
  return renderStackSync(stack).map(copy);
}

export const deployment = (): FakeResource => rendered(TYPES.deployment);
export const hpa = (): FakeResource => rendered(TYPES.hpa);
export const pdb = (): FakeResource => rendered(TYPES.pdb);
export const primaryIngress = (): FakeResource => rendered(TYPES.ingress, "routes-primary");
export const canaryIngress = (): FakeResource => rendered(TYPES.ingress, "routes-canary");
export const stableService = (): FakeResource => rendered(TYPES.service, "stable-service");
export const canaryService = (): FakeResource => rendered(TYPES.service, "canary-service");

/** Where the Helm release carries every chart value of the controller. */
export const VALUES_CONTROLLER = ["values", "controller"] as const;
/** The path of a key under values.controller, for withValue(). */
export const valuesPath = (...keys: (string | number)[]): (string | number)[] => [
  ...VALUES_CONTROLLER,
  ...keys,
];

export const controller = (): FakeResource => rendered(TYPES.helmRelease, "ingress-nginx-controller");
export const cluster = (): FakeResource => rendered(TYPES.cluster);
export const nodePool = (): FakeResource => rendered(TYPES.nodePool);
export const rollout = (): FakeResource => rendered(TYPES.rollout);
export const weightReset = (): FakeResource => rendered(TYPES.weightReset);

/** One compliant stack: every baseline together. */
export function baselineStack(): FakeResource[] {
  return renderedStack();
}

/** A copy of `r` with new props. */
export function withProps(r: FakeResource, props: Json): FakeResource {
  return { ...r, props };
}

/** A copy of `r` with one property (a dotted path or a list of keys) set to `value`. */
export function change(r: FakeResource, path: string | (string | number)[], value: unknown): FakeResource {
  return withProps(r, withValue(r.props, path, value));
}

/** An Ingress carrying none of our labels: `host` `path` (Prefix) to `service`:80, class nginx. */
export function plainIngress(
  name: string,
  namespace: string,
  host: string,
  path: string,
  service: string,
): FakeResource {
  return {
    type: TYPES.ingress,
    name,
    props: {
      metadata: { name, namespace },
      spec: {
        ingressClassName: "nginx",
        rules: [
          {
            host,
            http: {
              paths: [
                { path, pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    },
  };
}

/** A copy of every resource of `rs` matching `type` (and logical `name`) with `path` set to `value`. */
export function changeAll(
  rs: readonly FakeResource[],
  type: string,
  name: string | undefined,
  path: string | (string | number)[],
  value: unknown,
): FakeResource[] {
  return rs.map((r) =>
    r.type === type && (name === undefined || r.name === name) ? change(r, path, value) : r,
  );
}
