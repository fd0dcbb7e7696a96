/**
 * What `pulumi config set` writes into a stack file's `config:` map, as the
 * CLI documents it (pulumi config set --help): without --path the whole key's
 * value is a string; with --path the value is stored at that path inside the
 * key, "true"/"false" as booleans, integers not starting with 0 as numbers,
 * everything else (floats, lists, maps given as JSON) as a string.
 */

export type ConfigMap = Record<string, unknown>;

/** A command's value as the CLI types it. */
export function cliValue(text: string, path: boolean): unknown {
  if (!path) return text;
  if (text === "true" || text === "false") return text === "true";
  if (/^-?[1-9]\d*$|^0$/.test(text)) return Number(text);
  return text;
}

/** `a.b[0].c` as steps: "a", "b", 0, "c". */
function steps(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ""));
  }
  return out;
}

/** The config map after `pulumi config set [--path] <key> <value>`; the input is not changed. */
export function configSet(config: ConfigMap, key: string, value: string, opts: { path: boolean }): ConfigMap {
  const out: ConfigMap = structuredClone(config);
  if (!opts.path) {
    out[key] = value;
    return out;
  }
  const colon = key.indexOf(":");
  const [top, ...rest] = steps(key.slice(colon + 1));
  const topKey = `${key.slice(0, colon)}:${String(top)}`;
  if (rest.length === 0) {
    out[topKey] = cliValue(value, true);
    return out;
  }
  let node = (out[topKey] ??= typeof rest[0] === "number" ? [] : {}) as Record<string | number, unknown>;
  rest.forEach((s, i) => {
    if (i === rest.length - 1) {
      node[s] = cliValue(value, true);
      return;
    }
    const next = rest[i + 1];
    node = (node[s] ??= typeof next === "number" ? [] : {}) as Record<string | number, unknown>;
  });
  return out;
}

/** A `pulumi config set` command line as written in the docs. */
export interface SetCommand {
  readonly line: string;
  readonly key: string;
  readonly value: string;
  readonly path: boolean;
}

/** Unquotes one shell word written with single quotes or none. */
function word(w: string): string {
  return w.startsWith("'") && w.endsWith("'") ? w.slice(1, -1) : w;
}

/** Every `pulumi config set` command in a text (code blocks and inline code alike). */
export function setCommands(text: string): SetCommand[] {
  const out: SetCommand[] = [];
  const re = /pulumi config set (--path )?('[^']+'|\S+) ('[^']*'|<[^>]+>|[^\s`&]+)/g;
  for (const m of text.matchAll(re)) {
    // `pulumi config set --help` and other flags alone are prose, not a command.
    if ((m[2] ?? "").startsWith("-")) continue;
    out.push({ line: m[0], key: word(m[2] ?? ""), value: word(m[3] ?? ""), path: m[1] !== undefined });
  }
  return out;
}
