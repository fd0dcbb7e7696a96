/**
 * Renders a stack file through the real program under the test mocks and
 * returns its resources as the policy engine sees them: type, logical name,
 * inputs (preview Unknowns as the engine's sentinel) and ignoreChanges.
 *
 * `renderStackSync` runs the render in a child process (dist/test/helpers/renderMain.js)
 * so fixtures can be built at module load; its result is cached per process.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createProgram, loadStackConfig } from "../../infra/program";
import { installMocks, setStackConfig, settle } from "./mocks";
import { stackConfigMap } from "./stacks";

export interface RenderedResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly ignoreChanges: readonly string[];
}

/** The engine's sentinel for an unknown value during preview. */
const UNKNOWN_SENTINEL: string = pulumi.runtime.unknownValue;

function toEngineValues(v: unknown): unknown {
  if (pulumi.isUnknown(v)) return UNKNOWN_SENTINEL;
  if (Array.isArray(v)) return v.map(toEngineValues);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toEngineValues(x)]));
  }
  return v;
}

/** Renders `stack` (optionally with its config replaced) in this process. */
export async function renderStack(
  stack: string,
  preview = false,
  config: Record<string, unknown> = stackConfigMap(stack),
): Promise<RenderedResource[]> {
  installMocks(stack, preview);
  setStackConfig(config);
  createProgram(loadStackConfig());
  const registered = await settle();
  return registered.map((r) => ({
    type: r.type,
    name: r.name,
    props: JSON.parse(JSON.stringify(toEngineValues(r.inputs))) as Record<string, unknown>,
    ignoreChanges: r.ignoreChanges,
  }));
}

const cache = new Map<string, RenderedResource[]>();

/** `renderStack(stack)` computed in a child process, so it can run synchronously (module load). */
export function renderStackSync(stack: string): RenderedResource[] {
  const hit = cache.get(stack);
  if (hit !== undefined) return hit;
  const out = execFileSync(process.execPath, [path.join(__dirname, "renderMain.js"), stack], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const rendered = JSON.parse(out) as RenderedResource[];
  cache.set(stack, rendered);
  return rendered;
}
