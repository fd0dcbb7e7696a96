/**
 * A tiny "kubelet + endpoints controller" over local processes.
 *
 * Pods are gateway processes on 127.0.0.1 ephemeral ports, labeled with a
 * version. The stable and canary Services are version selectors over Ready,
 * non-terminating pods; their endpoints reach the balancer after a
 * propagation delay, as EndpointSlices reach ingress-nginx. Deleting a pod
 * follows Kubernetes (docs/facts.md F13): the pod leaves the endpoints, its preStop
 * runs, then SIGTERM, then SIGKILL when the grace period (counted from the
 * deletion) runs out.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import { ENV_DRAIN_SECONDS, READINESS_PATH } from "../../components/names";
import { DEFAULT_METRICS_PATH as METRICS_PATH } from "../../components/rollout/defaults";
import type { CanaryPod, CanaryPodSource, Clock } from "../../components/rollout/types";
import type { Balancer, ServiceName } from "./balancer";
import type { ApiPod, ApiPodSource } from "./kubeApi";
import { childEnv } from "./protocol";
import { TimeScale, sleepReal } from "./scale";

/** The termination behaviour of a pod template. All durations in scheduled seconds. */
export interface PodTemplate {
  readonly version: string;
  /** DRAIN_SECONDS given to the gateway. */
  readonly drainSeconds: number;
  /** The naive gateway: every connection dropped at SIGTERM. */
  readonly closeAllOnSigterm: boolean;
  readonly preStopSeconds: number;
  readonly terminationGracePeriodSeconds: number;
  /** Readiness probe period (Kubernetes default 10). */
  readonly readinessPeriodSeconds: number;
  /** Consecutive failures before the pod turns unready (Kubernetes default 3). */
  readonly readinessFailureThreshold: number;
  /** A bad version (see gateway.ts): refuses upgrades, or drops sockets after dropAfterSeconds. */
  readonly fault?: "refuse" | "drop";
  /** With fault "drop": how long a socket lives, scheduled seconds. */
  readonly dropAfterSeconds?: number;
}

export interface ClusterOptions {
  readonly scale: TimeScale;
  readonly balancer: Balancer;
  /** Real milliseconds between broadcasts of each gateway. */
  readonly broadcastMs: number;
  /** Time for an endpoint change to reach the ingress, scheduled seconds. */
  readonly endpointPropagationSeconds: number;
  /**
   * Time from pod creation to the container process starting: scheduling,
   * pulling the new version's image, creating the sandbox. Played, not
   * measured: a local process starts in a fraction of a second.
   */
  readonly podStartSeconds: number;
  /**
   * Stamps each pod's creation (CanaryPod.createdAtMs): the scaled clock the
   * pods-ready gate reads its `now` from, so a pod's age is in scheduled time
   * like the startup allowance it is compared with.
   */
  readonly clock: Clock;
}

export interface Pod {
  readonly name: string;
  readonly template: PodTemplate;
  /** metadata.creationTimestamp, in the cluster clock's milliseconds. */
  readonly createdAtMs: number;
  process: ChildProcess | undefined;
  port: number | undefined;
  ready: boolean;
  terminating: boolean;
  exited: boolean;
  restarts: number;
  failures: number;
  /** Resolves when the pod is gone for good (deleted and its process exited). */
  gone: Promise<void>;
  markGone: () => void;
}

const GATEWAY_SCRIPT = path.join(__dirname, "gateway.js");

export class LocalCluster implements CanaryPodSource, ApiPodSource {
  private readonly pods: Pod[] = [];
  /** Versions each Service selects; empty selects nothing. */
  private readonly selectors: Record<ServiceName, readonly string[]> = { stable: [], canary: [] };
  private nextId = 0;
  private stopped = false;

  constructor(private readonly options: ClusterOptions) {}

  createPod(template: PodTemplate): Pod {
    let markGone: () => void = () => undefined;
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    const pod: Pod = {
      name: `ws-gateway-${template.version}-${(this.nextId++).toString(36).padStart(4, "0")}`,
      template,
      createdAtMs: this.options.clock.now(),
      process: undefined,
      port: undefined,
      ready: false,
      terminating: false,
      exited: false,
      restarts: 0,
      failures: 0,
      gone,
      markGone,
    };
    this.pods.push(pod);
    setTimeout(() => {
      if (pod.terminating || this.stopped) {
        pod.exited = true;
        pod.markGone();
      } else {
        this.startContainer(pod);
      }
    }, this.options.scale.realMs(this.options.podStartSeconds));
    const prober = setInterval(
      () => this.probe(pod),
      this.options.scale.realMs(template.readinessPeriodSeconds),
    );
    void gone.then(() => clearInterval(prober));
    return pod;
  }

  private startContainer(pod: Pod): void {
    const { scale, broadcastMs } = this.options;
    const child = spawn(process.execPath, [GATEWAY_SCRIPT], {
      stdio: ["ignore", "pipe", "inherit"],
      env: childEnv({
        PORT: "0",
        // Explicit: an exported HOST in the caller's shell must not move pods off the loopback the balancer routes to.
        HOST: "127.0.0.1",
        GATEWAY_VERSION: pod.template.version,
        [ENV_DRAIN_SECONDS]: String(scale.realSeconds(pod.template.drainSeconds)),
        BROADCAST_MS: String(broadcastMs),
        CLOSE_ALL_ON_SIGTERM: pod.template.closeAllOnSigterm ? "1" : "0",
        FAULT: pod.template.fault ?? "",
        DROP_AFTER_MS: String(scale.realMs(pod.template.dropAfterSeconds ?? 0)),
      }),
    });
    pod.process = child;
    pod.port = undefined;
    pod.exited = false;
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split("\n")[0];
      if (pod.port === undefined && buffered.includes("\n")) {
        pod.port = (JSON.parse(line) as { port: number }).port;
      }
    });
    child.once("exit", () => {
      pod.exited = true;
      pod.ready = false;
      pod.port = undefined;
      if (pod.terminating || this.stopped) {
        pod.markGone();
      } else {
        // The kubelet restarts a container that died on its own; the pods-ready gate sees the count.
        pod.restarts += 1;
        this.startContainer(pod);
      }
      this.publishEndpoints();
    });
  }

  /** Deletes a pod the Kubernetes way; resolves when its process has exited. */
  async deletePod(pod: Pod): Promise<void> {
    if (pod.terminating) return pod.gone;
    const { scale } = this.options;
    pod.terminating = true;
    this.publishEndpoints();
    const graceTimer = setTimeout(
      () => pod.process?.kill("SIGKILL"),
      scale.realMs(pod.template.terminationGracePeriodSeconds),
    );
    await sleepReal(scale.realMs(pod.template.preStopSeconds));
    if (!pod.exited) pod.process?.kill("SIGTERM");
    // Deleted before its container started: nothing to stop (the start timer sees terminating).
    await pod.gone;
    clearTimeout(graceTimer);
  }

  /** A container that dies on its own (OOM, a bug): SIGKILL; the kubelet restarts it and counts the restart. */
  crash(pod: Pod): void {
    if (!pod.exited && !pod.terminating) pod.process?.kill("SIGKILL");
  }

  /** The pod's readiness probe starts failing (see gateway.ts SIGUSR2); its open connections stay. */
  makeUnready(pod: Pod): void {
    if (!pod.exited) pod.process?.kill("SIGUSR2");
  }

  /** Live pods of a version, oldest first. */
  podsOf(version: string): Pod[] {
    return this.pods.filter((p) => p.template.version === version && !p.terminating && !p.exited);
  }

  /** Pods of a version that have not gone yet (terminating ones included). */
  remaining(version: string): Pod[] {
    return this.pods.filter((p) => p.template.version === version && !(p.exited && p.terminating));
  }

  /** Every pod as the API lists it (ApiPodSource). */
  listPods(): readonly ApiPod[] {
    return this.pods
      .filter((p) => !(p.exited && p.terminating))
      .map((p) => ({
        name: p.name,
        version: p.template.version,
        ready: p.ready,
        restarts: p.restarts,
        createdAtMs: p.createdAtMs,
        terminating: p.terminating,
      }));
  }

  /** ApiPodSource: a DELETE through the API terminates the pod the Kubernetes way (not awaited). */
  deletePodNamed(name: string): boolean {
    const pod = this.pods.find((p) => p.name === name && !(p.exited && p.terminating));
    if (pod === undefined) return false;
    void this.deletePod(pod);
    return true;
  }

  /** ApiPodSource: the pod's /metrics page. */
  async podMetrics(name: string): Promise<string | undefined> {
    const pod = this.pods.find((p) => p.name === name);
    if (pod === undefined || pod.port === undefined || pod.exited) return undefined;
    return fetchText(pod.port, METRICS_PATH);
  }

  /** A rolling update's Service selects every version of the app; ours select one. */
  setSelector(service: ServiceName, versions: readonly string[]): void {
    this.selectors[service] = versions;
    this.publishEndpoints();
  }

  async waitReady(pods: readonly Pod[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pods.every((p) => p.ready)) {
      if (Date.now() > deadline) {
        throw new Error(
          `pods not ready after ${timeoutMs} ms: ${pods.filter((p) => !p.ready).map((p) => p.name)}`,
        );
      }
      await sleepReal(20);
    }
    // Let the endpoint change reach the balancer before anyone relies on it.
    await this.waitPropagation();
  }

  waitPropagation(): Promise<void> {
    return sleepReal(this.options.scale.realMs(this.options.endpointPropagationSeconds) + 20);
  }

  /** CanaryPodSource for the pods-ready gate: the pods the canary Service selects. */
  async listCanaryPods(): Promise<readonly CanaryPod[]> {
    const versions = this.selectors.canary;
    return this.pods
      .filter((p) => versions.includes(p.template.version) && !p.terminating)
      .map((p) => ({ name: p.name, ready: p.ready, restarts: p.restarts, createdAtMs: p.createdAtMs }));
  }

  /** Stops every pod at once (end of a strategy, or an error). */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const pod of this.pods) {
      pod.terminating = true;
      if (!pod.exited && pod.process) pod.process.kill("SIGKILL");
      else pod.markGone();
    }
    await Promise.all(this.pods.map((p) => p.gone));
  }

  /** Synchronous last resort for process exit handlers. */
  killNow(): void {
    this.stopped = true;
    for (const pod of this.pods) if (!pod.exited) pod.process?.kill("SIGKILL");
  }

  private probe(pod: Pod): void {
    if (pod.exited || pod.port === undefined) return;
    void probe(pod.port, READINESS_PATH).then((ok) => {
      if (pod.exited) return;
      const wasReady = pod.ready;
      if (ok) {
        pod.failures = 0;
        pod.ready = true;
      } else {
        pod.failures += 1;
        if (pod.failures >= pod.template.readinessFailureThreshold) pod.ready = false;
      }
      if (pod.ready !== wasReady) this.publishEndpoints();
    });
  }

  /** Extra delay of the canary backend's endpoints (the controller's sync lag), scheduled seconds. */
  private canarySyncLagSeconds = 0;

  /**
   * From now on the canary backend's endpoints reach the balancer this much
   * later than the stable one's: until then canary traffic still goes to the
   * endpoints it had (the previous canary, i.e. the stable version), or falls
   * back to the stable backend when it has none, as ingress-nginx does.
   */
  setCanarySyncLag(seconds: number): void {
    this.canarySyncLagSeconds = seconds;
  }

  private publishEndpoints(): void {
    if (this.stopped) return;
    const snapshot = (service: ServiceName) => {
      const versions = this.selectors[service];
      return this.pods
        .filter((p) => versions.includes(p.template.version))
        .filter((p) => p.ready && !p.terminating && !p.exited && p.port !== undefined)
        .map((p) => ({ pod: p.name, address: `127.0.0.1:${p.port}` }));
    };
    const stable = snapshot("stable");
    const canary = snapshot("canary");
    const { balancer, scale, endpointPropagationSeconds } = this.options;
    setTimeout(() => {
      if (this.stopped) return;
      balancer.setEndpoints("stable", stable);
    }, scale.realMs(endpointPropagationSeconds));
    setTimeout(
      () => {
        if (this.stopped) return;
        balancer.setEndpoints("canary", canary);
      },
      scale.realMs(endpointPropagationSeconds + this.canarySyncLagSeconds),
    );
  }
}

function fetchText(port: number, urlPath: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: urlPath, timeout: 2000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString("utf8") : undefined),
      );
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(undefined));
  });
}

function probe(port: number, urlPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: urlPath, timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(false));
  });
}
