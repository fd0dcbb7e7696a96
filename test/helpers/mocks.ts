/**
 * Pulumi mocks: every resource the program registers is recorded with its
 * inputs. Outputs are realistic per type (a cluster gets an endpoint and a CA,
 * a service account an email), so code that reads them runs as in a real update.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** The `ignoreChanges` resource option (policies read resource options too). */
  readonly ignoreChanges: readonly string[];
  /** Logical names of the resources this one waits for (`dependsOn`, components expanded by the SDK). */
  readonly dependsOn: readonly string[];
}

/** The parts of a RegisterResourceRequest read here (the mock monitor receives the real request). */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
}
interface Monitor {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
}

/** Type tokens of Pulumi dynamic resources start with this. */
export const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic";

/** The plain value inside a secret as mocks see it (`{ <sig>: <secret sig>, value }`). */
export function unwrapSecret(v: unknown): unknown {
  return typeof v === "object" && v !== null && "4dabf18193072939515e22adb298388d" in v
    ? (v as unknown as { value: unknown }).value
    : v;
}

let registered: Registered[] = [];
/** Resource options by type::name: the mocks' newResource hook gets no options, the monitor's request has them. */
let ignoreChanges = new Map<string, string[]>();
let dependencies = new Map<string, string[]>();

/** The logical name at the end of a URN (`urn:pulumi:stack::project::type::name`). */
function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function outputsFor(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  if (args.type.startsWith(DYNAMIC_TYPE_PREFIX)) {
    return args.type.endsWith(":CanaryRollout")
      ? { ...inputs, outcome: "promoted", weight: 100 }
      : { ...inputs, weight: 0 };
  }
  switch (args.type) {
    case "gcp:container/cluster:Cluster":
      return {
        ...inputs,
        name: args.name,
        endpoint: "203.0.113.10",
        masterAuth: { clusterCaCertificate: Buffer.from("test-ca").toString("base64") },
      };
    case "gcp:serviceaccount/account:Account":
      return {
        ...inputs,
        email: `${String(inputs.accountId)}@${String(inputs.project)}.iam.gserviceaccount.com`,
      };
    default:
      return inputs;
  }
}

/** Installs the mocks; call before importing or running the program. */
export function installMocks(stack: string, preview = false): void {
  registered = [];
  ignoreChanges = new Map();
  dependencies = new Map();
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          ignoreChanges: ignoreChanges.get(`${args.type}::${args.name}`) ?? [],
          dependsOn: dependencies.get(`${args.type}::${args.name}`) ?? [],
        });
        return { id: `${args.name}-id`, state: outputsFor(args) };
      },
      call(args) {
        return args.inputs;
      },
    },
    "ws-gateway",
    stack,
    preview,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    ignoreChanges.set(`${req.getType()}::${req.getName()}`, req.getIgnorechangesList());
    dependencies.set(`${req.getType()}::${req.getName()}`, req.getDependenciesList().map(nameOfUrn).sort());
    return register(req, callback);
  };
}

/** Loads a stack file's config into the Pulumi runtime, as `pulumi up` would. */
export function setStackConfig(config: Record<string, unknown>): void {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    flat[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  pulumi.runtime.setAllConfig(flat);
}

/** Waits until registrations stop arriving (mocks resolve in-process), then returns them all. */
export async function settle(): Promise<Registered[]> {
  let seen = -1;
  for (let i = 0; i < 400 && seen !== registered.length; i++) {
    seen = registered.length;
    await new Promise((r) => setTimeout(r, 25));
  }
  return [...registered];
}

export function byType(resources: readonly Registered[], type: string): Registered[] {
  return resources.filter((r) => r.type === type);
}

export function one(resources: readonly Registered[], type: string, name?: string): Registered {
  const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type}${name === undefined ? "" : ` named ${name}`}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
    );
  }
  return found[0] as Registered;
}
