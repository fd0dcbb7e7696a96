/**
 * The schema read as data: for a key path, whether the key is required,
 * optional or has a default (and which). The loader uses it to word the fix
 * of a value meant to switch a key off; the docs test lists every key with it.
 */

/** The parts of a zod 4 schema definition the walk reads. */
interface Def {
  readonly type: string;
  readonly innerType?: Schema;
  readonly defaultValue?: unknown;
  readonly element?: Schema;
  readonly out?: Schema;
}
/** A zod 4 schema as the walk sees it. */
export interface Schema {
  readonly def: Def;
  readonly shape?: Record<string, Schema>;
}

export interface Field {
  readonly presence: "required" | "optional" | "default";
  readonly defaultValue: unknown;
  /** The schema below the optional, default and JSON-text wrappers. */
  readonly schema: Schema;
}

/** Unwraps optional, default, prefault and the JSON-text decoding of maps and lists. */
export function field(schema: Schema): Field {
  let s = schema;
  let presence: Field["presence"] = "required";
  let defaultValue: unknown;
  for (;;) {
    const d = s.def;
    if ((d.type === "default" || d.type === "prefault") && d.innerType !== undefined) {
      presence = "default";
      defaultValue = d.defaultValue;
      s = d.innerType;
    } else if (d.type === "optional" && d.innerType !== undefined) {
      if (presence === "required") presence = "optional";
      s = d.innerType;
    } else if (d.type === "pipe" && d.out !== undefined && d.out.def.type !== "transform") {
      s = d.out;
    } else break;
  }
  return { presence, defaultValue, schema: s };
}

/** The field at a key path inside a section (list indexes step into the item); undefined off the schema. */
export function fieldAt(schema: Schema, path: readonly PropertyKey[]): Field | undefined {
  let f = field(schema);
  for (const p of path) {
    const s = f.schema;
    if (typeof p === "number" && s.def.type === "array" && s.def.element !== undefined) {
      f = field(s.def.element);
    } else if (typeof p === "string" && s.def.type === "object" && s.shape?.[p] !== undefined) {
      f = field(s.shape[p]);
    } else return undefined;
  }
  return f;
}

export interface LeafKey {
  readonly path: string;
  readonly presence: Field["presence"];
  readonly defaultValue: unknown;
}

/** Every leaf key of a section: maps are walked, lists of maps walked as `list[].key`. */
export function leafKeys(schema: Schema, at: string, out: LeafKey[] = []): LeafKey[] {
  const { presence, defaultValue, schema: s } = field(schema);
  if (s.def.type === "object" && s.shape !== undefined) {
    for (const [k, v] of Object.entries(s.shape)) leafKeys(v, `${at}.${k}`, out);
    return out;
  }
  const element =
    s.def.type === "array" && s.def.element !== undefined ? field(s.def.element).schema : undefined;
  if (element?.def.type === "object" && element.shape !== undefined) {
    for (const [k, v] of Object.entries(element.shape)) leafKeys(v, `${at}[].${k}`, out);
    return out;
  }
  out.push({ path: at, presence, defaultValue });
  return out;
}

/** The value at a key path of raw config; undefined when a step is missing. */
export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const p of path) {
    if (typeof v === "string" && /^\s*[[{]/.test(v)) {
      try {
        v = JSON.parse(v) as unknown;
      } catch {
        return undefined;
      }
    }
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}
