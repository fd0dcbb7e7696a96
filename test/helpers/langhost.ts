/**
 * Runs the program entry point the way `pulumi up` does: the Pulumi CLI's
 * nodejs language host starts `node @pulumi/pulumi/cmd/run --monitor=<addr>
 * --engine=<addr> ... <main>` and serves the resource monitor and the engine
 * over gRPC. Here a small in-process gRPC server plays both: it records every
 * resource registration and every log message the program sends, so a test
 * sees exactly what the CLI would print (the CLI prints each Engine.Log error
 * as it arrives, nothing else from the program).
 *
 * The program runs from the compiled JavaScript (dist/infra); the language
 * host's own TypeScript loading (ts-node) only transpiles the same sources.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import type * as grpcTypes from "@grpc/grpc-js";
import { REPO_ROOT } from "./stacks";

// The SDK's own gRPC library and generated protocol code: the versions the program talks with.
const sdkRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = sdkRequire("@grpc/grpc-js") as typeof grpcTypes;

interface ProtoMessage {
  toObject(): Record<string, unknown>;
}
type Ctor<T = unknown> = new () => T;
interface RegisterResourceResponse {
  setUrn(v: string): void;
  setId(v: string): void;
}
interface SupportsFeatureResponse {
  setHassupport(v: boolean): void;
}
interface ResourcePb {
  RegisterResourceResponse: Ctor<RegisterResourceResponse>;
  SupportsFeatureResponse: Ctor<SupportsFeatureResponse>;
}
interface EnginePb {
  SetRootResourceResponse: Ctor;
  GetRootResourceResponse: Ctor;
}
interface Services {
  ResourceMonitorService: grpcTypes.ServiceDefinition;
}
interface EngineServices {
  EngineService: grpcTypes.ServiceDefinition;
}

const resourceGrpc = sdkRequire("@pulumi/pulumi/proto/resource_grpc_pb") as Services;
const engineGrpc = sdkRequire("@pulumi/pulumi/proto/engine_grpc_pb") as EngineServices;
const resourcePb = sdkRequire("@pulumi/pulumi/proto/resource_pb") as ResourcePb;
const enginePb = sdkRequire("@pulumi/pulumi/proto/engine_pb") as EnginePb;
const Empty = sdkRequire("google-protobuf/google/protobuf/empty_pb").Empty as Ctor;

/** Engine.Log severities (pulumirpc.LogSeverity). */
const SEVERITY = ["debug", "info", "warning", "error"] as const;

export interface HostLog {
  readonly severity: (typeof SEVERITY)[number];
  readonly message: string;
}

export interface HostRun {
  /** The language host process's exit code. */
  readonly exitCode: number | null;
  /** Messages the program logged through the engine, in order (what `pulumi up` prints). */
  readonly logs: readonly HostLog[];
  /** `type::name` of every resource the program registered, the root stack included. */
  readonly registered: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
}

type Handler = grpcTypes.handleUnaryCall<ProtoMessage, unknown>;

/**
 * Runs `dist/infra` for `stack` with `config` (values as `pulumi config` stores
 * them: strings, objects as JSON) under the real `cmd/run` entry point.
 */
export async function runUnderLanguageHost(
  stack: string,
  config: Record<string, unknown>,
  options: { dryRun?: boolean; timeoutMs?: number } = {},
): Promise<HostRun> {
  const logs: HostLog[] = [];
  const registered: string[] = [];
  const server = new grpc.Server();
  const unimplemented: Handler = (_call, cb) =>
    cb({ code: grpc.status.UNIMPLEMENTED, details: "not played by the test host" }, null);
  const monitor: Record<string, Handler> = {};
  for (const name of Object.keys(resourceGrpc.ResourceMonitorService)) monitor[name] = unimplemented;
  monitor.supportsFeature = (_call, cb) => {
    const r = new resourcePb.SupportsFeatureResponse();
    r.setHassupport(false);
    cb(null, r);
  };
  monitor.registerResource = (call, cb) => {
    const req = call.request.toObject() as { type: string; name: string };
    registered.push(`${req.type}::${req.name}`);
    const r = new resourcePb.RegisterResourceResponse();
    r.setUrn(`urn:pulumi:${stack}::ws-gateway::${req.type}::${req.name}`);
    r.setId(`${req.name}-id`);
    cb(null, r);
  };
  monitor.registerResourceOutputs = (_call, cb) => cb(null, new Empty());
  monitor.signalAndWaitForShutdown = (_call, cb) => cb(null, new Empty());
  const engine: Record<string, Handler> = {};
  for (const name of Object.keys(engineGrpc.EngineService)) engine[name] = unimplemented;
  engine.log = (call, cb) => {
    const req = call.request.toObject() as { severity: number; message: string };
    logs.push({ severity: SEVERITY[req.severity] ?? "error", message: req.message });
    cb(null, new Empty());
  };
  engine.setRootResource = (_call, cb) => cb(null, new enginePb.SetRootResourceResponse());
  server.addService(resourceGrpc.ResourceMonitorService, monitor);
  server.addService(engineGrpc.EngineService, engine);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err === null ? resolve(p) : reject(err),
    ),
  );
  const addr = `127.0.0.1:${port}`;
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) flat[k] = typeof v === "string" ? v : JSON.stringify(v);
  try {
    const runner = path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "cmd", "run");
    const args = [
      runner,
      `--monitor=${addr}`,
      `--engine=${addr}`,
      "--organization=organization",
      "--project=ws-gateway",
      `--stack=${stack}`,
      `--root-directory=${REPO_ROOT}`,
      `--pwd=${REPO_ROOT}`,
      ...(options.dryRun === true ? ["--dry-run"] : []),
      path.join(REPO_ROOT, "dist", "infra"),
    ];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, PULUMI_CONFIG: JSON.stringify(flat), PULUMI_NODEJS_TYPESCRIPT: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    const exitCode = await new Promise<number | null>((resolve) =>
      child.on("close", (code) => resolve(code)),
    );
    clearTimeout(timer);
    return { exitCode, logs, registered, stdout, stderr };
  } finally {
    server.forceShutdown();
  }
}
