/**
 * Runs policies the way the policy host does, without a gRPC server: each
 * resource's properties are wrapped in @pulumi/policy's unknown-checking
 * proxy, `notApplicable()` throws, `getConfig()` returns the policy's entry of
 * a --policy-pack-config document, and enforcement levels come from the same
 * document. Stricter than the host in one way: an UnknownValueError escaping
 * a rule fails the test, because every rule must read through policies/lib/values.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  unknownCheckingProxy,
  type EnforcementLevel,
  type Policies,
  type PolicyResource,
  type PolicyResourceOptions,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { allPolicies } from "../../policies/rules";
import { isUnknownError } from "../../policies/lib/values";

/** The engine's sentinel for an unknown value during preview; the proxy throws when it is read. */
export const UNKNOWN_VALUE: string = pulumi.runtime.unknownValue;

/** A --policy-pack-config document: per policy, a level or {enforcementLevel?, ...knobs}. */
export type PackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

export interface FakeResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly ignoreChanges?: readonly string[];
}

export interface Violation {
  readonly policy: string;
  readonly level: EnforcementLevel;
  readonly message: string;
  readonly urn: string | undefined;
}

export interface Outcome {
  readonly violations: string[];
  /** Reason given to notApplicable(), when the policy called it. */
  readonly notApplicable: string | undefined;
}

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const proxy = unknownCheckingProxy as unknown as <T>(v: T) => T;

export const PROJECT = "ws-gateway";

export function urnOf(stack: string, r: { type: string; name: string }): string {
  return `urn:pulumi:${stack}::${PROJECT}::${r.type}::${r.name}`;
}

function optsOf(r: FakeResource): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [...(r.ignoreChanges ?? [])],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
}

function isTypeOf(type: string, cls: unknown): boolean {
  return (cls as { __pulumiType?: string }).__pulumiType === type;
}

function configOf(policy: string, config: PackConfig): Record<string, unknown> {
  const c = config[policy];
  if (c === undefined || typeof c === "string") return {};
  const { enforcementLevel: _level, ...rest } = c;
  return rest;
}

export function levelOf(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  config: PackConfig,
): EnforcementLevel {
  const c = config[policy.name];
  const configured = typeof c === "string" ? c : c?.enforcementLevel;
  return configured ?? policy.enforcementLevel ?? "mandatory";
}

const stackTags: ReadonlyMap<string, string> = new Map();

async function guarded(run: () => Promise<void> | void): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (e) {
    if (e instanceof NotApplicable) return e.reason;
    if (isUnknownError(e)) throw new Error(`a rule let an unknown value escape: ${(e as Error).message}`);
    throw e;
  }
}

export function isStackPolicy(
  p: ResourceValidationPolicy | StackValidationPolicy,
): p is StackValidationPolicy {
  return "validateStack" in p;
}

/** Runs one resource policy on one resource. */
export async function checkResource(
  policy: ResourceValidationPolicy,
  r: FakeResource,
  config: PackConfig = {},
  stack = "prod",
): Promise<Outcome> {
  const violations: string[] = [];
  const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
  let notApplicable: string | undefined;
  let applied = false;
  for (const validate of validations) {
    const props = proxy(structuredClone(r.props));
    const args: ResourceValidationArgs = {
      type: r.type,
      props,
      urn: urnOf(stack, r),
      name: r.name,
      opts: optsOf(r),
      stackTags,
      isType: (cls) => isTypeOf(r.type, cls),
      asType: <TResource extends pulumi.Resource, TArgs>(cls: {
        new (name: string, args: TArgs, ...rest: never[]): TResource;
      }) => (isTypeOf(r.type, cls) ? (props as unknown as pulumi.Unwrap<NonNullable<TArgs>>) : undefined),
      getConfig: <T extends object>() => configOf(policy.name, config) as T,
      notApplicable: (reason?: string): never => {
        throw new NotApplicable(reason ?? "not applicable");
      },
    };
    const na = await guarded(() => validate(args, (m) => violations.push(m)));
    if (na === undefined) applied = true;
    else notApplicable = na;
  }
  return { violations, notApplicable: applied ? undefined : notApplicable };
}

/** The resources as a stack policy receives them: proxied properties, resource options, type checks. */
export function asPolicyResources(
  resources: readonly FakeResource[],
  stack = "prod",
  /** Receives the type of every resource whose properties are read. */
  touched?: Set<string>,
): PolicyResource[] {
  return resources.map((r) => {
    const props = proxy(structuredClone(r.props));
    return {
      type: r.type,
      get props() {
        touched?.add(r.type);
        return props;
      },
      urn: urnOf(stack, r),
      name: r.name,
      opts: optsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => isTypeOf(r.type, cls),
      asType: (cls) => {
        if (!isTypeOf(r.type, cls)) return undefined;
        touched?.add(r.type);
        return props as never;
      },
    };
  });
}

/** Runs one stack policy on a set of resources. */
export async function checkStack(
  policy: StackValidationPolicy,
  resources: readonly FakeResource[],
  config: PackConfig = {},
  stack = "prod",
  /** Receives the type of every resource whose properties the policy reads. */
  touched?: Set<string>,
): Promise<Outcome> {
  const violations: string[] = [];
  const policyResources = asPolicyResources(resources, stack, touched);
  const args: StackValidationArgs = {
    resources: policyResources,
    stackTags,
    getConfig: <T extends object>() => configOf(policy.name, config) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason ?? "not applicable");
    },
  };
  const notApplicable = await guarded(() => policy.validateStack(args, (m) => violations.push(m)));
  return { violations, notApplicable };
}

/** Every policy of the pack (levels and knobs from `config`) on every resource and on the whole stack. */
export async function runPack(
  resources: readonly FakeResource[],
  config: PackConfig = {},
  stack = "prod",
  policies: Policies = allPolicies,
): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const p of policies) {
    const level = levelOf(p, config);
    if (level === "disabled") continue;
    if (isStackPolicy(p)) {
      const o = await checkStack(p, resources, config, stack);
      out.push(...o.violations.map((message) => ({ policy: p.name, level, message, urn: undefined })));
    } else {
      for (const r of resources) {
        const o = await checkResource(p, r, config, stack);
        out.push(
          ...o.violations.map((message) => ({ policy: p.name, level, message, urn: urnOf(stack, r) })),
        );
      }
    }
  }
  return out;
}

export function mandatory(vs: readonly Violation[]): Violation[] {
  return vs.filter((v) => v.level === "mandatory" || v.level === "remediate");
}

/** The --policy-pack-config document kept for a stack in policies/stack-config, or {}. */
export function stackPackConfig(root: string, stack: string): PackConfig {
  const file = path.join(root, "policies", "stack-config", `${stack}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as PackConfig) : {};
}

/** Sets (or, with undefined, deletes) the value at a dotted path inside a copy of `obj`. */
export function withValue<T>(obj: T, pathText: string | readonly (string | number)[], value: unknown): T {
  const copy = structuredClone(obj) as Record<string | number, unknown>;
  const keys = typeof pathText === "string" ? pathText.split(".") : [...pathText];
  let cur: Record<string | number, unknown> = copy;
  for (const k of keys.slice(0, -1)) {
    if (cur[k] === undefined || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string | number, unknown>;
  }
  const last = keys[keys.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(cur) && typeof last === "number") cur.splice(last, 1);
    else delete cur[last];
  } else {
    cur[last] = value;
  }
  return copy as T;
}

/** Every path to a value inside `obj` (objects, arrays and leaves), for the unknown-value sweep. */
export function allPaths(obj: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (obj === null || typeof obj !== "object") return out;
  const keys: (string | number)[] = Array.isArray(obj) ? obj.map((_v, i) => i) : Object.keys(obj);
  for (const k of keys) {
    const p = [...prefix, k];
    out.push(p);
    out.push(...allPaths((obj as Record<string | number, unknown>)[k], p));
  }
  return out;
}

/** Asserts a resource policy applies to `r` and reports exactly `expected`. */
export async function expectResource(
  policy: ResourceValidationPolicy,
  r: FakeResource,
  expected: readonly string[],
  config: PackConfig = {},
  stack = "prod",
): Promise<void> {
  const o = await checkResource(policy, r, config, stack);
  if (o.notApplicable !== undefined) throw new Error(`${policy.name} not applicable: ${o.notApplicable}`);
  assert.deepEqual(o.violations, expected);
}

/** Asserts a stack policy reports exactly `expected` on `resources`. */
export async function expectStack(
  policy: StackValidationPolicy,
  resources: readonly FakeResource[],
  expected: readonly string[],
  config: PackConfig = {},
): Promise<void> {
  const o = await checkStack(policy, resources, config);
  assert.deepEqual(o.violations, expected);
}

/** Asserts a resource policy calls notApplicable() for `r`. */
export async function expectNotApplicable(policy: ResourceValidationPolicy, r: FakeResource): Promise<void> {
  const o = await checkResource(policy, r);
  assert.deepEqual(o.violations, []);
  assert.ok(o.notApplicable !== undefined, `${policy.name} should not apply to ${r.type} ${r.name}`);
}
