/**
 * Records what the release does to the cluster, with timestamps, in
 * events.jsonl: the canary Ingress's weight and abort annotations, both
 * Services' selectors, the Deployments (replicas, availability, deletion) and
 * the pods of the gateway namespace. One JSON object per line; the scenarios
 * read the same records from memory.
 */
import * as fs from "node:fs";
import { ANNOTATION_ABORT } from "../../components/rollout/abortAnnotation";
import { ANNOTATION_CANARY_WEIGHT, LABEL_VERSION } from "../../components/names";
import { Watch, type ApiTarget, type KubeObject, type WatchEvent } from "./kube";

export interface Record_ {
  /** Epoch milliseconds when the watcher saw it. */
  readonly t: number;
  readonly kind: "Ingress" | "Service" | "Deployment" | "Pod" | "watch-error";
  /** ADDED, MODIFIED, DELETED or SYNC (initial list after a (re)connect). */
  readonly type: string;
  readonly name: string;
  readonly weight?: string;
  readonly abort?: string;
  readonly selectorVersion?: string;
  readonly replicas?: number;
  readonly availableReplicas?: number;
  readonly updatedReplicas?: number;
  readonly version?: string;
  readonly ready?: boolean;
  readonly phase?: string;
  readonly deleting?: boolean;
  readonly message?: string;
}

function summary(kind: Record_["kind"], e: WatchEvent): Omit<Record_, "t"> {
  const o: KubeObject = e.object;
  const base = { kind, type: e.type, name: o.metadata.name };
  const deleting = o.metadata.deletionTimestamp !== undefined ? { deleting: true } : {};
  switch (kind) {
    case "Ingress": {
      const a = o.metadata.annotations ?? {};
      return {
        ...base,
        ...(a[ANNOTATION_CANARY_WEIGHT] === undefined ? {} : { weight: a[ANNOTATION_CANARY_WEIGHT] }),
        ...(a[ANNOTATION_ABORT] === undefined ? {} : { abort: a[ANNOTATION_ABORT] }),
      };
    }
    case "Service": {
      const selector = (o.spec?.selector ?? {}) as Record<string, string>;
      return { ...base, selectorVersion: selector[LABEL_VERSION] ?? "" };
    }
    case "Deployment": {
      const s = o.status ?? {};
      return {
        ...base,
        ...deleting,
        replicas: Number(o.spec?.replicas ?? 0),
        availableReplicas: Number(s.availableReplicas ?? 0),
        updatedReplicas: Number(s.updatedReplicas ?? 0),
      };
    }
    default: {
      const conditions = ((o.status?.conditions ?? []) as { type: string; status: string }[]) ?? [];
      return {
        ...base,
        ...deleting,
        version: o.metadata.labels?.[LABEL_VERSION] ?? "",
        phase: String(o.status?.phase ?? ""),
        ready: conditions.some((c) => c.type === "Ready" && c.status === "True"),
      };
    }
  }
}

export class ClusterWatcher {
  readonly records: Record_[] = [];
  private readonly watches: Watch[] = [];
  private readonly last = new Map<string, string>();

  constructor(
    private readonly target: ApiTarget,
    private readonly namespace: string,
    private readonly file: string,
  ) {}

  start(): void {
    const ns = this.namespace;
    const collections: [Record_["kind"], string][] = [
      ["Ingress", `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`],
      ["Service", `/api/v1/namespaces/${ns}/services`],
      ["Deployment", `/apis/apps/v1/namespaces/${ns}/deployments`],
      ["Pod", `/api/v1/namespaces/${ns}/pods`],
    ];
    for (const [kind, path] of collections) {
      const w = new Watch(
        this.target,
        path,
        (e) => this.add(summary(kind, e)),
        (message) => this.add({ kind: "watch-error", type: "ERROR", name: kind, message }),
      );
      w.start();
      this.watches.push(w);
    }
  }

  stop(): void {
    for (const w of this.watches) w.stop();
  }

  /** Records a change; SYNC lines that repeat the last known state are dropped. */
  private add(r: Omit<Record_, "t">): void {
    const { type, ...state } = r;
    const key = `${r.kind}/${r.name}`;
    const text = JSON.stringify(state);
    if (r.kind !== "watch-error" && type !== "DELETED" && this.last.get(key) === text) return;
    this.last.set(key, type === "DELETED" ? "" : text);
    const record: Record_ = { t: Date.now(), ...r };
    this.records.push(record);
    fs.appendFileSync(this.file, JSON.stringify({ time: new Date(record.t).toISOString(), ...r }) + "\n");
  }

  since(t: number): Record_[] {
    return this.records.filter((r) => r.t >= t);
  }

  /** Resolves when a record matching `match` arrives (or one already did since `from`). */
  async waitFor(match: (r: Record_) => boolean, timeoutMs: number, from = 0): Promise<Record_> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records.find((r) => r.t >= from && match(r));
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`watcher: no matching event within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
