/**
 * A local Kubernetes control plane on loopback for the end-to-end run: etcd,
 * kube-apiserver (generated CA and serving certificate, token kubeconfig),
 * kube-controller-manager, kube-scheduler and kwok with simulated nodes, so
 * Deployments get pods that become Ready without any container running.
 *
 * Everything it writes lives under `<workdir>/cluster`; every process it
 * starts is recorded in `pids.json` there and stopped by stop(), or by
 * `npm run e2e -- --stop --workdir DIR` after a `--keep` run.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { kubeRequest, type ApiTarget } from "./kube";

/** Simulated nodes, one per zone, so zone spread constraints can be met. */
export const E2E_ZONES = ["e2e-a", "e2e-b", "e2e-c"] as const;
export const KUBE_CONTEXT = "ws-gateway-e2e";
/** How long a deleted pod stays Terminating on the simulated nodes (its "drain"). */
export const POD_DRAIN_SECONDS = 20;

export interface ControlPlaneFiles {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly pids: string;
}

export function controlPlaneFiles(workdir: string): ControlPlaneFiles {
  const dir = path.join(workdir, "cluster");
  return { dir, kubeconfig: path.join(dir, "kubeconfig.yaml"), pids: path.join(dir, "pids.json") };
}

interface ProcessRecord {
  readonly name: string;
  readonly pid: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM to a process group, then SIGKILL after graceMs. */
async function stopGroup(pid: number, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) signal("SIGKILL");
  while (alive(pid)) await sleep(50);
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

export class ControlPlane {
  readonly files: ControlPlaneFiles;
  private records: ProcessRecord[] = [];
  private apiserverArgs: string[] = [];
  target!: ApiTarget;

  constructor(
    readonly workdir: string,
    /** Directory holding the built binaries (tools.sh --dir + /bin). */
    private readonly bin: string,
    private readonly log: (line: string) => void,
  ) {
    this.files = controlPlaneFiles(workdir);
  }

  private spawnLogged(name: string, binary: string, args: string[]): number {
    const logFile = path.join(this.files.dir, "logs", `${name}.log`);
    const fd = fs.openSync(logFile, "a");
    const child = spawn(path.join(this.bin, binary), args, {
      cwd: this.files.dir,
      detached: true, // own process group: stop() ends it with everything it started
      stdio: ["ignore", fd, fd],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: this.files.dir,
        TMPDIR: path.join(this.files.dir, "tmp"),
      },
    });
    fs.closeSync(fd);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    this.records = [...this.records.filter((r) => r.name !== name), { name, pid: child.pid }];
    fs.writeFileSync(this.files.pids, JSON.stringify(this.records, null, 2));
    return child.pid;
  }

  private writePki(): { token: string; ca: string } {
    const pki = path.join(this.files.dir, "pki");
    fs.mkdirSync(pki, { recursive: true });
    openssl(
      pki,
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "2",
      "-subj",
      "/CN=ws-gateway-e2e-ca",
    );
    openssl(
      pki,
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "apiserver.key",
      "-out",
      "apiserver.csr",
      "-subj",
      "/CN=kube-apiserver",
    );
    fs.writeFileSync(
      path.join(pki, "apiserver.ext"),
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc,IP:10.0.0.1\n" +
        "extendedKeyUsage=serverAuth\n",
    );
    openssl(
      pki,
      "x509",
      "-req",
      "-in",
      "apiserver.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "apiserver.crt",
      "-days",
      "2",
      "-extfile",
      "apiserver.ext",
    );
    openssl(pki, "genrsa", "-out", "sa.key", "2048");
    openssl(pki, "rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub");
    const token = randomBytes(24).toString("hex");
    fs.writeFileSync(path.join(pki, "tokens.csv"), `${token},admin,admin,"system:masters"\n`, {
      mode: 0o600,
    });
    return { token, ca: fs.readFileSync(path.join(pki, "ca.crt"), "utf8") };
  }

  private writeKubeconfig(server: string, token: string, ca: string): void {
    const kubeconfig = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      `- name: ${KUBE_CONTEXT}`,
      "  cluster:",
      `    server: ${server}`,
      `    certificate-authority-data: ${Buffer.from(ca).toString("base64")}`,
      "users:",
      "- name: admin",
      "  user:",
      `    token: ${token}`,
      "contexts:",
      `- name: ${KUBE_CONTEXT}`,
      "  context:",
      `    cluster: ${KUBE_CONTEXT}`,
      "    user: admin",
      `current-context: ${KUBE_CONTEXT}`,
      "",
    ].join("\n");
    fs.writeFileSync(this.files.kubeconfig, kubeconfig, { mode: 0o600 });
  }

  async start(): Promise<void> {
    fs.mkdirSync(path.join(this.files.dir, "logs"), { recursive: true });
    fs.mkdirSync(path.join(this.files.dir, "tmp"), { recursive: true });
    const { token, ca } = this.writePki();
    const pki = path.join(this.files.dir, "pki");
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const server = `https://127.0.0.1:${apiPort}`;
    this.target = { server, token, ca };
    this.writeKubeconfig(server, token, ca);

    this.spawnLogged("etcd", "etcd", [
      "--name=e2e",
      `--data-dir=${path.join(this.files.dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=e2e=http://127.0.0.1:${etcdPeer}`,
      "--unsafe-no-fsync=true",
      "--log-level=warn",
    ]);

    this.apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${pki}`,
      `--tls-cert-file=${path.join(pki, "apiserver.crt")}`,
      `--tls-private-key-file=${path.join(pki, "apiserver.key")}`,
      `--client-ca-file=${path.join(pki, "ca.crt")}`,
      `--token-auth-file=${path.join(pki, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--allow-privileged=true",
      // TaintNodesByCondition would mark new nodes not-ready until the node-lifecycle
      // controller lifts it; that controller does not run here (see below).
      "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
      `--service-account-issuer=${server}/`,
      `--service-account-key-file=${path.join(pki, "sa.pub")}`,
      `--service-account-signing-key-file=${path.join(pki, "sa.key")}`,
      "--endpoint-reconciler-type=none",
      "--profiling=false",
    ];
    this.spawnLogged("kube-apiserver", "kube-apiserver", this.apiserverArgs);
    await this.waitForApi(120_000);
    this.log(`kube-apiserver ready on ${server} (etcd on 127.0.0.1:${etcdClient})`);

    const kubeconfig = this.files.kubeconfig;
    this.spawnLogged("kube-controller-manager", "kube-controller-manager", [
      `--kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      "--secure-port=0",
      "--leader-elect=false",
      `--service-account-private-key-file=${path.join(pki, "sa.key")}`,
      `--root-ca-file=${path.join(pki, "ca.crt")}`,
      // No node-lifecycle-controller: kwok's nodes and pods are not kubelets, and a
      // pod it marks NotReady on a missed heartbeat is never made Ready again.
      "--controllers=deployment-controller,replicaset-controller,endpoints-controller,endpointslice-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,job-controller,disruption-controller",
      "--profiling=false",
    ]);
    this.spawnLogged("kube-scheduler", "kube-scheduler", [
      `--kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      "--secure-port=0",
      "--leader-elect=false",
      "--profiling=false",
    ]);
    this.spawnLogged("kwok", "kwok", [
      `--kubeconfig=${kubeconfig}`,
      `--config=${this.writeStages()}`,
      "--manage-all-nodes=true",
      "--cidr=10.244.0.0/16",
      "--node-ip=127.0.0.1",
      "--server-address=127.0.0.1:0",
      "--node-lease-duration-seconds=40",
    ]);
    await this.createNodes();
    await this.waitForNodesReady(120_000);
  }

  /**
   * kwok's stages as tools.sh took them from the kwok module, but pod deletion:
   * kwok's fast stage removes a deleted pod at once, while a real gateway pod
   * stays Terminating while it drains. Here it stays POD_DRAIN_SECONDS, long
   * enough to see whether `pulumi up` waits for a retiring version's pods.
   */
  private writeStages(): string {
    const docs = fs
      .readFileSync(path.join(this.bin, "kwok-stages.yaml"), "utf8")
      .split(/^---$/m)
      .filter((d) => d.trim() !== "" && !/^\s*name: pod-delete\s*$/m.test(d));
    const podDelete = [
      "apiVersion: kwok.x-k8s.io/v1alpha1",
      "kind: Stage",
      "metadata:",
      "  name: pod-delete",
      "spec:",
      "  resourceRef:",
      "    apiGroup: v1",
      "    kind: Pod",
      "  selector:",
      "    matchExpressions:",
      "      - key: .metadata.deletionTimestamp",
      "        operator: Exists",
      "  delay:",
      `    durationMilliseconds: ${POD_DRAIN_SECONDS * 1000}`,
      "  next:",
      "    delete: true",
      "",
    ].join("\n");
    const file = path.join(this.files.dir, "kwok-stages.yaml");
    fs.writeFileSync(file, [...docs, podDelete].map((d) => d.trim() + "\n").join("---\n"));
    return file;
  }

  /** Stops only the API server (the failure scenario); startApiserver() brings it back on the same port. */
  async stopApiserver(): Promise<void> {
    this.log("stopping kube-apiserver");
    const rec = this.records.find((r) => r.name === "kube-apiserver");
    if (rec !== undefined) await stopGroup(rec.pid, 10_000);
  }

  async startApiserver(): Promise<void> {
    this.spawnLogged("kube-apiserver", "kube-apiserver", this.apiserverArgs);
    await this.waitForApi(120_000);
  }

  private async waitForApi(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      try {
        await kubeRequest(this.target, "GET", "/api/v1/namespaces/default", { timeoutMs: 2000 });
        return;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await sleep(300);
    }
    throw new Error(
      `kube-apiserver not ready after ${timeoutMs / 1000}s (${last}); see ${this.files.dir}/logs`,
    );
  }

  private async createNodes(): Promise<void> {
    for (const [i, zone] of E2E_ZONES.entries()) {
      const name = `kwok-node-${i}`;
      await kubeRequest(this.target, "POST", "/api/v1/nodes", {
        body: {
          apiVersion: "v1",
          kind: "Node",
          metadata: {
            name,
            annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
            labels: {
              "kubernetes.io/hostname": name,
              "kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64",
              "topology.kubernetes.io/zone": zone,
              type: "kwok",
            },
          },
          status: {
            allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
            capacity: { cpu: "32", memory: "256Gi", pods: "110" },
          },
        },
      });
    }
  }

  private async waitForNodesReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const list = (await kubeRequest(this.target, "GET", "/api/v1/nodes")) as {
        items: { status?: { conditions?: { type: string; status: string }[] } }[];
      };
      const ready = list.items.filter((n) =>
        (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      ).length;
      if (ready === E2E_ZONES.length) return;
      await sleep(500);
    }
    throw new Error(`kwok nodes not Ready after ${timeoutMs / 1000}s; see ${this.files.dir}/logs/kwok.log`);
  }

  /** Stops every process this control plane started (reverse order). */
  async stop(): Promise<void> {
    await stopRecorded(this.files);
    this.records = [];
  }
}

/** Stops the processes recorded in `<workdir>/cluster/pids.json` (also after a --keep run). */
export async function stopRecorded(files: ControlPlaneFiles): Promise<string[]> {
  if (!fs.existsSync(files.pids)) return [];
  const records = JSON.parse(fs.readFileSync(files.pids, "utf8")) as ProcessRecord[];
  const stopped: string[] = [];
  for (const rec of [...records].reverse()) {
    if (alive(rec.pid)) {
      await stopGroup(rec.pid, 10_000);
      stopped.push(`${rec.name} (${rec.pid})`);
    }
  }
  fs.writeFileSync(files.pids, "[]\n");
  return stopped;
}
