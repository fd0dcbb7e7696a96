/**
 * The runtime file set of the reference gateway's image (test/rehearsal/Dockerfile):
 * the import closure of a compiled entry file, found by reading the require()
 * calls of the emitted JavaScript, plus the npm packages it requires (each
 * whole, with its own `dependencies`). The image's build stage runs
 * `node dist/test/rehearsal/imageFiles.js <entry> <out dir>` and its runtime
 * stage copies that directory and nothing else, so the image holds exactly
 * what the entry needs; test/rehearsal/image.test.ts runs the same set.
 */
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";

/** The image's entry file, relative to the repository root (its CMD). */
export const IMAGE_ENTRY = "dist/test/rehearsal/gateway.js";
/** Where the build stage gathers the runtime file set (the runtime stage copies it to its WORKDIR). */
export const IMAGE_STAGING_DIR = "/image";

/** Every `require("...")` specifier in emitted CommonJS. */
function requires(source: string): string[] {
  return [...source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtinModules.includes(specifier);
}

/** The package name of a bare specifier: "ws", "@scope/pkg" (a subpath dropped). */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function resolveRelative(fromFile: string, specifier: string): string {
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [base, `${base}.js`, path.join(base, "index.js")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${fromFile} requires "${specifier}", which resolves to no file`);
}

/** The runtime file set of an entry: repository-relative files and npm package directories. */
export interface RuntimeSet {
  /** Compiled files of the project, relative to the root, sorted. */
  readonly files: readonly string[];
  /** npm packages (directories under node_modules/), with their dependencies, sorted. */
  readonly packages: readonly string[];
}

/** Walks the require() graph of `entry` (relative to `root`). */
export function runtimeSet(root: string, entry: string = IMAGE_ENTRY): RuntimeSet {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visitPackage = (name: string): void => {
    if (packages.has(name)) return;
    const manifest = path.join(root, "node_modules", name, "package.json");
    if (!fs.existsSync(manifest)) throw new Error(`the package ${name} is required but not installed`);
    packages.add(name);
    const deps = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { dependencies?: Record<string, string> })
      .dependencies;
    for (const dep of Object.keys(deps ?? {})) visitPackage(dep);
  };
  const pending = [path.resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    const relative = path.relative(root, file);
    if (files.has(relative)) continue;
    files.add(relative);
    for (const specifier of requires(fs.readFileSync(file, "utf8"))) {
      if (isBuiltin(specifier)) continue;
      if (specifier.startsWith(".")) pending.push(resolveRelative(file, specifier));
      else visitPackage(packageName(specifier));
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/** Copies the runtime file set of `entry` from `root` into `outDir`, keeping relative paths. */
export function copyRuntimeSet(root: string, outDir: string, entry: string = IMAGE_ENTRY): RuntimeSet {
  const set = runtimeSet(root, entry);
  for (const file of set.files) {
    fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(outDir, file));
  }
  for (const name of set.packages) {
    fs.cpSync(path.join(root, "node_modules", name), path.join(outDir, "node_modules", name), {
      recursive: true,
    });
  }
  return set;
}

if (require.main === module) {
  const [entry, outDir] = process.argv.slice(2);
  if (entry === undefined || outDir === undefined) {
    console.error("usage: node dist/test/rehearsal/imageFiles.js <entry.js> <out dir>");
    process.exit(2);
  }
  const set = copyRuntimeSet(process.cwd(), path.resolve(outDir), entry);
  console.log(`copied ${set.files.length} files and ${set.packages.join(", ")} to ${outDir}`);
}
