/**
 * The rehearsal's command line: one table of options (the parser, the help
 * text and the docs read it), one-line errors for bad input, exit codes.
 * Pure apart from the file-system checks of output paths.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { FAULTS, FAULT_SPECS, parseFaults, type FaultName } from "./faults";
import { STRATEGIES, type StrategyName } from "./strategies";

/** Exit codes of `npm run rehearse`, documented in docs/rehearsal.md. */
export const EXIT = {
  /** The run finished and every promise held. */
  OK: 0,
  /** The run finished and a promise broke (each broken one is listed on stderr and in the JSON). */
  BROKEN: 1,
  /** Bad input: an unknown option or value, an unknown stack, an output path that cannot be written. */
  USAGE: 2,
  /** The run finished with the release held below 100 % (the schedule ends there): promises held, nothing retired. */
  HELD: 3,
  /** The run could not start or finish: nginx missing, the open-file limit, a process that failed. */
  CANNOT_RUN: 4,
  /**
   * The run finished but is not a measurement: the machine was too busy (event-loop lag or CPU wait past
   * MACHINE_TOO_BUSY in load.ts). The figures are printed and written, marked invalid; no promise is judged.
   */
  TOO_BUSY: 5,
  /** Interrupted (Ctrl-C, SIGTERM): every child process stopped. */
  INTERRUPTED: 130,
} as const;

/** A mistake in the command line: printed as one line, exit 2, no stack trace. */
export class UsageError extends Error {}

/** Defaults of a full run and of --quick. */
export const DEFAULTS = {
  clients: 2000,
  quickClients: 500,
  scale: 60,
  quickScale: 240,
  replicas: 4,
  outDir: "rehearsal-results",
} as const;

interface OptionSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: "boolean" | "string";
  /** Placeholder of the value in the help text. */
  readonly value?: string;
  readonly help: string;
  /** The default, in words. */
  readonly default: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    name: "quick",
    type: "boolean",
    help: `a short run: ${DEFAULTS.quickClients} clients at x${DEFAULTS.quickScale}, same promises checked`,
    default: "off",
  },
  {
    name: "clients",
    type: "string",
    value: "N",
    help: "clients connected before the release (new sessions arrive on top during it)",
    default: `${DEFAULTS.clients}, ${DEFAULTS.quickClients} with --quick; fewer when the open-file limit is lower`,
  },
  {
    name: "scale",
    type: "string",
    value: "F",
    help: "scheduled seconds played per real second",
    default: `${DEFAULTS.scale}, i.e. 1 scheduled minute per real second; ${DEFAULTS.quickScale} with --quick`,
  },
  {
    name: "stack",
    type: "string",
    value: "NAME",
    help: "play this stack file's schedule, drain and gates (stacks/Pulumi.<name>.yaml)",
    default: "local",
  },
  {
    name: "steps",
    type: "string",
    value: "LIST",
    help: 'override the schedule: "weight[:pause],...", the stack file\'s duration syntax',
    default: "the stack's rollout.steps",
  },
  {
    name: "drain-seconds",
    type: "string",
    value: "S",
    help: "override the retiring version's drain",
    default: "the stack's gateway.drainSeconds",
  },
  {
    name: "replicas",
    type: "string",
    value: "N",
    help: "pods per version",
    default: String(DEFAULTS.replicas),
  },
  {
    name: "strategies",
    type: "string",
    value: "LIST",
    help: `release strategies to compare: some of ${STRATEGIES.join(",")}, or none`,
    default: "all three",
  },
  {
    name: "faults",
    type: "string",
    value: "LIST",
    help: `bad releases to play into our staged release: all, none, or some of ${FAULTS.join(",")}`,
    default: "none",
  },
  {
    name: "out",
    type: "string",
    value: "DIR",
    help: "folder for the JSON and SVG of the run (created if missing)",
    default: `${DEFAULTS.outDir}, git-ignored`,
  },
  {
    name: "json",
    type: "string",
    value: "FILE",
    help: "write the figures here",
    default: "DIR/rehearsal-<time>.json",
  },
  {
    name: "svg",
    type: "string",
    value: "FILE",
    help: "write the chart here",
    default: "DIR/rehearsal-<time>.svg",
  },
  {
    name: "print-table",
    type: "string",
    value: "FILE",
    help: "print the tables of a results JSON (e.g. test/rehearsal/results/full.json) and exit; nothing is played",
    default: "",
  },
  { name: "help", short: "h", type: "boolean", help: "show this help and exit", default: "" },
];

export interface Cli {
  readonly help: boolean;
  readonly quick: boolean;
  /** Undefined when not given (the default applies, and may shrink to the open-file limit). */
  readonly clients: number | undefined;
  readonly scale: number;
  readonly stack: string;
  readonly steps: string | undefined;
  readonly drainSeconds: number | undefined;
  readonly replicas: number;
  readonly strategies: readonly StrategyName[];
  readonly faults: readonly FaultName[];
  readonly outDir: string;
  readonly jsonFile: string | undefined;
  readonly svgFile: string | undefined;
  /** --print-table: a results JSON to print the tables of, instead of playing anything. */
  readonly printTable: string | undefined;
}

/** Small edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function suggestion(option: string): string {
  const bare = option.replace(/^-+/, "").split("=")[0];
  const close = OPTIONS.map((o) => o.name).find((name) => distance(bare, name) <= 2 || name.startsWith(bare));
  return close === undefined ? "" : ` (did you mean --${close}?)`;
}

/** Node's parseArgs messages, turned into one line that names the option and the fix. */
function usageFromParseError(error: unknown): UsageError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return new UsageError(`unknown option ${quoted}${suggestion(quoted)}; see --help for the options`);
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const option = quoted.split(" ")[0];
    return OPTIONS.find((o) => `--${o.name}` === option)?.type === "boolean"
      ? new UsageError(`${option} takes no value; see --help`)
      : new UsageError(`${option} needs a value, e.g. ${option} ${exampleValue(option)}; see --help`);
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return new UsageError(`unexpected argument "${quoted}": every option starts with --; see --help`);
  }
  return new UsageError(`${message.split("\n")[0]}; see --help`);
}

function exampleValue(option: string): string {
  const examples: Record<string, string> = {
    "--clients": "500",
    "--scale": "60",
    "--stack": "local",
    "--steps": "5:2m,25:5m,50:5m,100",
    "--drain-seconds": "1800",
    "--replicas": "4",
    "--strategies": "staged",
    "--faults": "all",
    "--out": "rehearsal-results",
    "--json": "out.json",
    "--svg": "out.svg",
    "--print-table": "test/rehearsal/results/full.json",
  };
  return examples[option] ?? "VALUE";
}

/** A number option: the value, or a UsageError naming the option, the value and what is allowed. */
function numberOption(
  name: string,
  text: string | undefined,
  allowed: { min: number; max: number; integer: boolean },
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  const range = `${allowed.integer ? "an integer" : "a number"} from ${allowed.min} to ${allowed.max}`;
  if (
    text.trim() === "" ||
    !Number.isFinite(value) ||
    (allowed.integer && !Number.isInteger(value)) ||
    value < allowed.min ||
    value > allowed.max
  ) {
    throw new UsageError(`--${name} must be ${range}, got "${text}"`);
  }
  return value;
}

/** Parses argv (without node and the script). Throws UsageError on any mistake. */
export function parseCli(argv: readonly string[]): Cli {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options: Record<string, { type: "boolean" | "string"; short?: string }> = {};
    for (const o of OPTIONS)
      options[o.name] = o.short === undefined ? { type: o.type } : { type: o.type, short: o.short };
    // "--replicas -1" is a value, not an option: join it so the value's check can name it.
    const args: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const option = OPTIONS.find((o) => `--${o.name}` === argv[i]);
      if (option?.type === "string" && /^-\d/.test(argv[i + 1] ?? "")) {
        args.push(`${argv[i]}=${argv[i + 1]}`);
        i += 1;
      } else {
        args.push(argv[i]);
      }
    }
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageFromParseError(error);
  }
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === "string" ? v : undefined;
  };
  const quick = values.quick === true;
  const strategiesText = str("strategies");
  let strategies: StrategyName[];
  if (strategiesText === undefined) {
    strategies = [...STRATEGIES];
  } else if (strategiesText.trim() === "none") {
    strategies = [];
  } else {
    strategies = [];
    for (const s of strategiesText.split(",").map((x) => x.trim())) {
      if (!(STRATEGIES as readonly string[]).includes(s)) {
        throw new UsageError(
          `--strategies: unknown strategy "${s}"; use none or some of ${STRATEGIES.join(", ")}`,
        );
      }
      if (!strategies.includes(s as StrategyName)) strategies.push(s as StrategyName);
    }
  }
  let faults: FaultName[];
  try {
    faults = parseFaults(str("faults") ?? "none");
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (strategies.length === 0 && faults.length === 0) {
    throw new UsageError(
      "--strategies none with no --faults leaves nothing to play; add --faults all, or drop --strategies none",
    );
  }
  for (const name of ["json", "svg", "out", "stack", "steps", "print-table"]) {
    if (str(name)?.trim() === "")
      throw new UsageError(`--${name} needs a value, e.g. --${name} ${exampleValue(`--${name}`)}`);
  }
  return {
    help: values.help === true,
    quick,
    clients: numberOption("clients", str("clients"), { min: 10, max: 100_000, integer: true }),
    scale:
      numberOption("scale", str("scale"), { min: 1, max: 1000, integer: false }) ??
      (quick ? DEFAULTS.quickScale : DEFAULTS.scale),
    stack: str("stack") ?? "local",
    steps: str("steps"),
    drainSeconds: numberOption("drain-seconds", str("drain-seconds"), {
      min: 1,
      max: 86_400,
      integer: false,
    }),
    replicas:
      numberOption("replicas", str("replicas"), { min: 1, max: 20, integer: true }) ?? DEFAULTS.replicas,
    strategies,
    faults,
    outDir: str("out") ?? DEFAULTS.outDir,
    jsonFile: str("json"),
    svgFile: str("svg"),
    printTable: str("print-table"),
  };
}

/** The stack named by --stack, or a UsageError listing the stacks there are. */
export function checkStack(stack: string, known: readonly string[]): void {
  if (!known.includes(stack)) {
    throw new UsageError(
      `--stack: unknown stack "${stack}"; the stacks are ${known.join(", ")} (files stacks/Pulumi.<name>.yaml)`,
    );
  }
}

/** Where the results go. */
export interface OutputPaths {
  readonly json: string;
  readonly svg: string;
}

/**
 * Resolves and checks the output files before the run starts, so a typo
 * costs nothing: an explicit file's folder must exist and be writable and
 * the file must not be a folder; the default folder is created.
 */
export function resolveOutputs(cli: Cli, stamp: string, cwd = process.cwd()): OutputPaths {
  const dir = path.resolve(cwd, cli.outDir);
  const base = `rehearsal-${stamp}`;
  // Explicit files first: a mistake there must leave nothing behind, not even the default folder.
  const explicit = (option: string, given: string, ext: string): string => {
    const resolved = path.resolve(cwd, given);
    if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) {
      throw new UsageError(
        `${option}: ${given} is a folder; give a file name, e.g. ${path.join(given, `rehearsal.${ext}`)}`,
      );
    }
    const parent = path.dirname(resolved);
    if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory()) {
      throw new UsageError(
        `${option}: folder ${path.dirname(given)} of ${given} does not exist; create it or pass another path`,
      );
    }
    checkWritableDir(option, parent, path.dirname(given));
    return resolved;
  };
  const json = cli.jsonFile === undefined ? undefined : explicit("--json", cli.jsonFile, "json");
  const svg = cli.svgFile === undefined ? undefined : explicit("--svg", cli.svgFile, "svg");
  if (json !== undefined && json === svg) {
    throw new UsageError(`--json and --svg name the same file ${cli.jsonFile}; give two files`);
  }
  if (json === undefined || svg === undefined) {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
      throw new UsageError(`--out: ${cli.outDir} exists and is not a folder; pass another --out`);
    }
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new UsageError(
        `--out: cannot create ${cli.outDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; pass another --out`,
      );
    }
    checkWritableDir("--out", dir, cli.outDir);
  }
  return { json: json ?? path.join(dir, `${base}.json`), svg: svg ?? path.join(dir, `${base}.svg`) };
}

function checkWritableDir(option: string, dir: string, shown: string): void {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new UsageError(`${option}: folder ${shown} is not writable; pass another path`);
  }
}

/** The --help text: usage, options with defaults, faults, exit codes, examples. */
export function helpText(stacks: readonly string[]): string {
  const left = (o: OptionSpec) =>
    `${o.short === undefined ? "    " : `-${o.short}, `}--${o.name}${o.value === undefined ? "" : ` ${o.value}`}`;
  const width = Math.max(...OPTIONS.map((o) => left(o).length)) + 2;
  const options = OPTIONS.map((o) => {
    const def = o.default === "" ? "" : ` (default: ${o.default})`;
    return `  ${left(o).padEnd(width)}${o.help}${def}`;
  });
  const faultWidth = Math.max(...FAULTS.map((f) => f.length)) + 2;
  const faults = FAULTS.map((f) => `  ${f.padEnd(faultWidth)}${FAULT_SPECS[f].summary}`);
  return [
    "Usage: npm run rehearse -- [options]",
    "       node dist/test/rehearsal/main.js [options]",
    "",
    "Plays a release on this machine with real nginx, real gateway processes and a fleet",
    "of real WebSocket clients, driving the same rollout engine and gates as `pulumi up`;",
    "compares a rolling update, a blue/green cut and our staged release, and plays bad",
    "releases into ours. Figures are in scheduled seconds; results go to a JSON and an SVG.",
    "",
    "Options:",
    ...options,
    "",
    `Stacks: ${stacks.join(", ")}`,
    "",
    "Faults (--faults):",
    ...faults,
    "",
    "Exit codes:",
    `  ${EXIT.OK}    every promise held`,
    `  ${EXIT.BROKEN}    a promise broke (each one is listed at the end and in the JSON's "broken")`,
    `  ${EXIT.USAGE}    bad input (an option, a value, a stack, an output path); nothing was run`,
    `  ${EXIT.HELD}    the release held below 100 % because the schedule ends there; promises held`,
    `  ${EXIT.CANNOT_RUN}    the run could not start or finish (nginx missing, open-file limit, a process failed)`,
    `  ${EXIT.TOO_BUSY}    invalid: machine too busy (event-loop lag or CPU wait past the limit); figures printed, no promise judged`,
    `  ${EXIT.INTERRUPTED}  interrupted; every child process was stopped`,
    "",
    "Examples:",
    "  npm run rehearse                                   # the full comparison, ~3 min",
    "  npm run rehearse -- --quick                        # under a minute",
    "  npm run rehearse -- --quick --faults all           # every bad release, ~3 min",
    "  npm run rehearse -- --faults refuse,drop --strategies none",
    "  npm run rehearse -- --stack prod --json prod.json --svg prod.svg",
    '  npm run rehearse -- --steps "10:1m,100" --drain-seconds 600',
    "",
  ].join("\n");
}
