/**
 * Runs the pack on a stack's render and on a changed copy of it, and returns
 * what the change added: each stack is rendered once (through the real
 * program, test/helpers/render) and checked once, with the stack's
 * --policy-pack-config from policies/stack-config.
 */
import { renderStackSync } from "../../helpers/render";
import { REPO_ROOT } from "../../helpers/stacks";
import { mandatory, runPack, stackPackConfig, type FakeResource, type Violation } from "../harness";
import type { Apply, StackName } from "./model";

/** A fresh copy of the stack's rendered resources. */
export function renderedCopy(stack: StackName): FakeResource[] {
  return renderStackSync(stack).map((r) => ({
    type: r.type,
    name: r.name,
    props: structuredClone(r.props),
    ignoreChanges: [...r.ignoreChanges],
  }));
}

const checkedBaselines = new Map<StackName, Promise<readonly Violation[]>>();

/** Every finding of the pack (any level) on the unchanged render of `stack`. */
export function baselineFindings(stack: StackName): Promise<readonly Violation[]> {
  let hit = checkedBaselines.get(stack);
  if (hit === undefined) {
    hit = runPack(renderedCopy(stack), stackPackConfig(REPO_ROOT, stack), stack);
    checkedBaselines.set(stack, hit);
  }
  return hit;
}

const keyOf = (v: Violation): string => `${v.policy}\u0000${v.urn ?? ""}\u0000${v.message}`;

/** The findings of `after` that `before` does not have (counted as a multiset). */
export function addedFindings(before: readonly Violation[], after: readonly Violation[]): Violation[] {
  const left = new Map<string, number>();
  for (const v of before) left.set(keyOf(v), (left.get(keyOf(v)) ?? 0) + 1);
  return after.filter((v) => {
    const n = left.get(keyOf(v)) ?? 0;
    if (n === 0) return true;
    left.set(keyOf(v), n - 1);
    return false;
  });
}

export interface Outcome {
  /** Findings of any level the change added. */
  readonly added: readonly Violation[];
  /** The mandatory ones among them: the change is caught when there is one. */
  readonly addedMandatory: readonly Violation[];
  /** Whether the change left the render byte-identical (a case that tests nothing). */
  readonly unchanged: boolean;
}

const outcomes = new Map<string, Promise<Outcome>>();

/** What the pack adds on `stack` once `apply` has changed its render; memoized per case id. */
export function outcomeOf(id: string, stack: StackName, apply: Apply): Promise<Outcome> {
  let hit = outcomes.get(id);
  if (hit === undefined) {
    hit = (async () => {
      const before = renderedCopy(stack);
      const changed = apply(renderedCopy(stack));
      const after = await runPack(changed, stackPackConfig(REPO_ROOT, stack), stack);
      const added = addedFindings(await baselineFindings(stack), after);
      return {
        added,
        addedMandatory: mandatory(added),
        unchanged: JSON.stringify(before) === JSON.stringify(changed),
      };
    })();
    outcomes.set(id, hit);
  }
  return hit;
}

export const show = (vs: readonly Violation[]): string[] =>
  vs.map((v) => `${v.policy} (${v.level}): ${v.message}`);
