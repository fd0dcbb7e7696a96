/**
 * The canary weight as the `canary-weight` annotation of the permanent canary
 * Ingress, and the canary version's pods, read from the Kubernetes API.
 *
 * Requests relied on (Kubernetes API reference, networking.k8s.io/v1 and core/v1):
 * - GET   /apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/{name}
 *   https://kubernetes.io/docs/reference/kubernetes-api/service-resources/ingress-v1/#get-read-the-specified-ingress
 * - PATCH /apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/{name}
 *   with Content-Type application/merge-patch+json (JSON merge patch, RFC 7386:
 *   only the keys present change, so only our annotation is written)
 *   https://kubernetes.io/docs/reference/kubernetes-api/service-resources/ingress-v1/#patch-partially-update-the-specified-ingress
 *   https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
 * - GET   /api/v1/namespaces/{ns}/pods?labelSelector=...
 *   https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#list-list-or-watch-objects-of-kind-pod
 * The same GET serves the weight and the operator's abort request (the
 * `ws-gateway.io/abort` annotation, ./abortAnnotation), which this router only
 * reads, and the canary version's exposure record (ANNOTATION_EXPOSURE).
 *
 * Every weight write is a read-modify-write under optimistic concurrency: the
 * PATCH carries the resourceVersion the GET returned, so the API server
 * answers 409 Conflict when someone wrote the Ingress in between, and the
 * engine's retry reads it again and writes on what it read
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions).
 * Errors come back as a Status object with `reason` and `message`
 * (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/).
 */
import { ANNOTATION_CANARY_WEIGHT, APP_NAME, LABEL_APP, LABEL_VERSION } from "../names";
import { ANNOTATION_ABORT } from "./abortAnnotation";
import { isApiError, withSummary } from "./apiError";
import { KubeClient } from "./kubeClient";
import { ReleaseLease } from "./lease";
import { ANNOTATION_STATUS, eventBody, type StatusSink } from "./releaseStatus";
import { steeringIn, type Steering } from "./steering";
import { DEFAULT_METRICS_PATH, DEFAULT_REQUEST_TIMEOUT_SECONDS } from "./defaults";
import type {
  AbortRequestSource,
  CallBudget,
  CanaryDrainer,
  CanaryIngressRef,
  CanaryMetricsSource,
  CanaryPod,
  CanaryPodSource,
  SteeringSource,
  TrafficRouter,
} from "./types";

export const MERGE_PATCH_CONTENT_TYPE = "application/merge-patch+json";

/**
 * The exposure record on the canary Ingress: JSON {"version": V, "weight": W},
 * W the highest canary weight version V was given since its record began.
 * Written in the same patch as every weight; set to {V, 0} when the canary
 * switches to V (CanaryWeightReset) and after a drain of V.
 */
export const ANNOTATION_EXPOSURE = `${APP_NAME}.io/exposure`;

/** A parsed exposure record; undefined when absent or unreadable (treated as another version's). */
export function parseExposure(text: string | undefined): { version: string; weight: number } | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { version?: unknown; weight?: unknown };
    const weight = value.weight;
    if (typeof value.version !== "string" || typeof weight !== "number" || !Number.isInteger(weight))
      return undefined;
    return weight >= 0 && weight <= 100 ? { version: value.version, weight } : undefined;
  } catch {
    return undefined;
  }
}

interface IngressDoc {
  metadata?: { annotations?: Record<string, string>; resourceVersion?: string };
}

export { DEFAULT_REQUEST_TIMEOUT_SECONDS };

export interface KubernetesRouterOptions {
  /** Kubeconfig text (YAML or JSON); empty means the default. @default kubectl's lookup: $KUBECONFIG, ~/.kube/config, in-cluster */
  readonly kubeconfig?: string;
  /** kubeconfig context to use. @default the kubeconfig's current context */
  readonly kubeContext?: string;
  readonly namespace: string;
  /** The permanent canary Ingress whose `canary-weight` annotation this router owns. */
  readonly canaryIngressName: string;
  /** The canary version: its pods are the ones the pods-ready gate watches. */
  readonly version: string;
  /** Per request, exec credential plugins get three times this. @default DEFAULT_REQUEST_TIMEOUT_SECONDS */
  readonly requestTimeoutSeconds?: number;
  /** The gateway container port serving Prometheus text metrics, read through the API server's pod proxy. @default none (no metrics) */
  readonly metricsPort?: number;
  /** @default DEFAULT_METRICS_PATH */
  readonly metricsPath?: string;
}

interface PodDoc {
  metadata?: { name?: string; creationTimestamp?: string; deletionTimestamp?: string };
  status?: {
    conditions?: { type?: string; status?: string }[];
    containerStatuses?: { restartCount?: number }[];
  };
}

/**
 * A creationTimestamp (RFC 3339, e.g. "2026-01-01T12:00:00Z") in epoch ms;
 * undefined when absent or unparsable, so the pod simply gets no startup
 * allowance. The calendar date is checked because Date.parse rolls invalid
 * days over (Feb 30 becomes Mar 2) instead of rejecting them.
 */
export function parseCreationTimestamp(value: string | undefined): number | undefined {
  const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  const match = typeof value === "string" ? rfc3339.exec(value.toUpperCase()) : null;
  if (match === null) return undefined;
  const ms = Date.parse(match[0]);
  if (Number.isNaN(ms)) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const valid =
    calendar.getUTCFullYear() === year &&
    calendar.getUTCMonth() === month - 1 &&
    calendar.getUTCDate() === day;
  return valid ? ms : undefined;
}

/**
 * Reads and writes the canary weight on the canary Ingress, reads the abort
 * request there, and lists the canary version's pods.
 */
export class KubernetesCanaryRouter
  implements
    TrafficRouter,
    CanaryPodSource,
    AbortRequestSource,
    CanaryDrainer,
    CanaryMetricsSource,
    SteeringSource
{
  readonly canaryIngress: CanaryIngressRef;
  private readonly client: KubeClient;
  private readonly ingressPath: string;
  private readonly ingressWhat: string;
  private readonly ingressMissing: string;
  // Assigned in the constructor: the closure serializer drops class field initializers.
  private writes: Promise<unknown>;
  /** Every pod this router asked to drain, across retried drains. Set in the constructor: the closure serializer drops field initializers. */
  private readonly drainedPods: string[];

  constructor(readonly options: KubernetesRouterOptions) {
    const seconds = options.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS;
    this.drainedPods = [];
    this.client = new KubeClient({
      kubeconfig: options.kubeconfig,
      kubeContext: options.kubeContext,
      timeoutMs: seconds * 1000,
    });
    const ns = encodeURIComponent(options.namespace);
    this.ingressPath = `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${encodeURIComponent(options.canaryIngressName)}`;
    this.ingressWhat = `Ingress ${options.namespace}/${options.canaryIngressName}`;
    this.canaryIngress = { namespace: options.namespace, name: options.canaryIngressName };
    this.writes = Promise.resolve();
    this.ingressMissing = `the canary Ingress ${options.namespace}/${options.canaryIngressName} does not exist: check the namespace and canaryIngressName, and that the stack's routes were created (kubectl get ingress -n ${options.namespace})`;
  }

  /** One GET of the canary Ingress; the weight, the abort request and the exposure record are read from its annotations. */
  private async ingressDoc(budget?: CallBudget): Promise<IngressDoc> {
    const ingress = (await this.client.request({
      method: "GET",
      path: this.ingressPath,
      what: this.ingressWhat,
      notFoundFix: this.ingressMissing,
      ...timeoutOf(budget),
    })) as IngressDoc | undefined;
    return ingress ?? {};
  }

  private async ingressAnnotations(budget?: CallBudget): Promise<Record<string, string>> {
    return (await this.ingressDoc(budget)).metadata?.annotations ?? {};
  }

  async getCanaryWeight(budget?: CallBudget): Promise<number> {
    return this.weightIn(await this.ingressAnnotations(budget));
  }

  private weightIn(annotations: Record<string, string>): number {
    const raw = annotations[ANNOTATION_CANARY_WEIGHT];
    // ingress-nginx treats a missing weight as 0 (docs/facts.md F2).
    if (raw === undefined) return 0;
    const weight = Number(raw);
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw new Error(
        `${this.ingressWhat}: annotation ${ANNOTATION_CANARY_WEIGHT} is "${raw}", not an integer 0..100`,
      );
    }
    return weight;
  }

  /**
   * The abort annotation's value: undefined when absent, "" when present
   * without a reason (still a request). Parsed apart from the weight so a
   * malformed weight cannot hide an abort request.
   */
  async getAbortRequest(): Promise<string | undefined> {
    const annotations = await this.ingressAnnotations();
    return Object.hasOwn(annotations, ANNOTATION_ABORT) ? annotations[ANNOTATION_ABORT] : undefined;
  }

  /** The operator's pause and promote requests (./steering), from the same GET. */
  async getSteering(budget?: CallBudget): Promise<Steering> {
    return steeringIn(await this.ingressAnnotations(budget));
  }

  /** The Lease that makes this release the canary Ingress's only writer (./lease). */
  lease(identity: string, stack: string): ReleaseLease {
    return new ReleaseLease(this.client, this.canaryIngress, identity, stack);
  }

  /** The highest weight this version was given since its record began; 0 when the record is another version's. */
  async readExposure(budget?: CallBudget): Promise<number> {
    const record = parseExposure((await this.ingressAnnotations(budget))[ANNOTATION_EXPOSURE]);
    return record?.version === this.options.version ? record.weight : 0;
  }

  /** The live weight and the exposure record's text, from one GET (./resume). */
  async liveCanary(budget?: CallBudget): Promise<{ weight: number; exposure: string | undefined }> {
    const annotations = await this.ingressAnnotations(budget);
    return { weight: this.weightIn(annotations), exposure: annotations[ANNOTATION_EXPOSURE] };
  }

  /** After a drain of this version: its record back to 0 (its clients are on stable). */
  async recordDrained(budget?: CallBudget): Promise<void> {
    await this.writeAnnotations(budget, () => ({ [ANNOTATION_EXPOSURE]: this.exposureText(0) }));
  }

  /**
   * Sets the weight and, in the same patch, raises the version's exposure
   * record to it (or, with `fresh`, starts the record at this weight: the
   * canary is about to switch to this version, whose pods are new).
   */
  async setCanaryWeight(weight: number, budget?: CallBudget, fresh = false): Promise<void> {
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw new Error(`canary weight ${weight} is not an integer from 0 to 100`);
    }
    const deadline = budget === undefined ? undefined : Date.now() + budget.timeoutMs;
    const answer = await this.writeAnnotations(budget, (annotations) => {
      const record = parseExposure(annotations[ANNOTATION_EXPOSURE]);
      const before = !fresh && record?.version === this.options.version ? record.weight : 0;
      return {
        [ANNOTATION_CANARY_WEIGHT]: String(weight),
        [ANNOTATION_EXPOSURE]: this.exposureText(Math.max(before, weight)),
      };
    });
    // Read back: an admission webhook could have changed what was stored. The PATCH answer is the
    // stored object, so it is the read-back; only an answer without annotations costs a GET.
    // The patch was accepted, so a failed read-back must not read as "nothing landed".
    const answered = answer.metadata?.annotations;
    const left = deadline === undefined ? undefined : { timeoutMs: Math.max(1, deadline - Date.now()) };
    const readBack = async (): Promise<number> =>
      answered === undefined ? this.getCanaryWeight(left) : this.weightIn(answered);
    const stored = await readBack().catch((error: unknown) => {
      throw isApiError(error)
        ? withSummary(
            { ...error, mayHaveLanded: true },
            `wrote canary weight ${weight}, then reading it back failed: ${error.summary}`,
          )
        : error;
    });
    if (stored !== weight) {
      throw new Error(`${this.ingressWhat}: wrote canary weight ${weight} but read back ${stored}`);
    }
  }

  private exposureText(weight: number): string {
    return JSON.stringify({ version: this.options.version, weight });
  }

  /**
   * GET, then a merge PATCH of the annotations `change` computes from what was
   * read, conditional on the resourceVersion read (409 when someone wrote in
   * between; the caller's retry reads again). Both requests share the budget.
   * Resolves with the PATCH answer: the object as stored.
   */
  private writeAnnotations(
    budget: CallBudget | undefined,
    change: (annotations: Record<string, string>) => Record<string, string>,
  ): Promise<IngressDoc> {
    return this.serial(() => this.readModifyWrite(budget, change));
  }

  /** This router's writes of the canary Ingress, one at a time (the status never lands between a weight's GET and PATCH). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work, work);
    this.writes = next.catch(() => undefined);
    return next;
  }

  /**
   * Where the release's status goes (./releaseStatus): the status annotation
   * by a merge PATCH without a resourceVersion (only this release writes it),
   * and Events about the canary Ingress.
   */
  statusSink(): StatusSink {
    const ns = encodeURIComponent(this.options.namespace);
    return {
      canaryIngress: this.canaryIngress,
      writeStatus: async (status) => {
        await this.serial(() =>
          this.client.request({
            method: "PATCH",
            path: this.ingressPath,
            what: this.ingressWhat,
            contentType: MERGE_PATCH_CONTENT_TYPE,
            body: { metadata: { annotations: { [ANNOTATION_STATUS]: JSON.stringify(status) } } },
          }),
        );
      },
      postEvent: async (event) => {
        await this.client.request({
          method: "POST",
          path: `/api/v1/namespaces/${ns}/events`,
          what: `an Event on ${this.ingressWhat}`,
          body: eventBody(this.canaryIngress, event, Date.now()),
        });
      },
    };
  }

  private async readModifyWrite(
    budget: CallBudget | undefined,
    change: (annotations: Record<string, string>) => Record<string, string>,
  ): Promise<IngressDoc> {
    const deadline = budget === undefined ? undefined : Date.now() + budget.timeoutMs;
    const doc = await this.ingressDoc(budget);
    const annotations = doc.metadata?.annotations ?? {};
    const resourceVersion = doc.metadata?.resourceVersion;
    const answer = (await this.client.request({
      method: "PATCH",
      path: this.ingressPath,
      what: this.ingressWhat,
      notFoundFix: this.ingressMissing,
      contentType: MERGE_PATCH_CONTENT_TYPE,
      body: {
        metadata: {
          ...(resourceVersion === undefined ? {} : { resourceVersion }),
          annotations: change(annotations),
        },
      },
      ...(deadline === undefined ? {} : { timeoutMs: Math.max(1, deadline - Date.now()) }),
    })) as IngressDoc | undefined;
    return answer !== null && typeof answer === "object" ? answer : {};
  }

  /**
   * The version the live stable Service selects (its version label), or
   * undefined when the Service does not exist or selects no version.
   */
  async stableVersion(serviceName: string, budget?: CallBudget): Promise<string | undefined> {
    const ns = encodeURIComponent(this.options.namespace);
    const service = (await this.client.request({
      method: "GET",
      path: `/api/v1/namespaces/${ns}/services/${encodeURIComponent(serviceName)}`,
      what: `Service ${this.options.namespace}/${serviceName}`,
      allowNotFound: true,
      ...timeoutOf(budget),
    })) as { spec?: { selector?: Record<string, string> } } | undefined;
    return service?.spec?.selector?.[LABEL_VERSION];
  }

  private get selector(): string {
    return `${LABEL_APP}=${APP_NAME},${LABEL_VERSION}=${this.options.version}`;
  }

  /** The canary version's pods, terminating ones included. */
  private async podDocs(): Promise<PodDoc[]> {
    const ns = encodeURIComponent(this.options.namespace);
    const list = (await this.client.request({
      method: "GET",
      path: `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(this.selector)}`,
      what: `pods ${this.options.namespace}/${this.selector}`,
    })) as { items?: PodDoc[] };
    return list?.items ?? [];
  }

  /** kubectl command that drains the canary version by hand (rollout.onAbort drain). */
  get drainCommand(): string {
    return `kubectl delete pods -n ${this.options.namespace} -l ${this.selector} --wait=false`;
  }

  /**
   * rollout.onAbort drain: deletes each pod of the canary version that is not
   * already terminating. Each pod then runs the drain contract (preStop, then
   * SIGTERM: readiness fails, closes spread over DRAIN_SECONDS with 1012), so
   * its clients reconnect once, at a bounded rate, and land on the stable
   * version because the weight is 0. The ReplicaSet's replacements get no
   * traffic at weight 0. Deleting bypasses the PDB (docs/facts.md F17), which is the
   * point here. A pod already gone (404) counts as drained.
   */
  async drainCanary(): Promise<readonly string[]> {
    const ns = encodeURIComponent(this.options.namespace);
    const live = (await this.podDocs()).filter(
      (pod) => pod.metadata?.deletionTimestamp === undefined && pod.metadata?.name !== undefined,
    );
    for (const pod of live) {
      const name = pod.metadata?.name ?? "";
      await this.client.request({
        method: "DELETE",
        path: `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(name)}`,
        what: `pod ${this.options.namespace}/${name}`,
        allowNotFound: true,
      });
      if (!this.drainedPods.includes(name)) this.drainedPods.push(name);
    }
    // Pods deleted by an earlier, failed attempt are terminating now and not listed above: still ours.
    return [...this.drainedPods];
  }

  /** Each Ready canary pod's metrics page, through the API server's pod proxy (needs get on pods/proxy). */
  async scrapeCanaryMetrics(): Promise<readonly { readonly pod: string; readonly text: string }[]> {
    const port = this.options.metricsPort;
    if (port === undefined) {
      throw new Error(
        "the abnormal-close gate needs the gateway's metrics port (rollout.gates.abnormalCloses.port)",
      );
    }
    const ns = encodeURIComponent(this.options.namespace);
    const metricsPath = this.options.metricsPath ?? DEFAULT_METRICS_PATH;
    const pods = (await this.listCanaryPods()).filter((pod) => pod.ready);
    return Promise.all(
      pods.map(async (pod) => ({
        pod: pod.name,
        text: String(
          await this.client.request({
            method: "GET",
            path: `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(pod.name)}:${port}/proxy${metricsPath}`,
            what: `metrics of pod ${this.options.namespace}/${pod.name}`,
            text: true,
          }),
        ),
      })),
    );
  }

  async listCanaryPods(): Promise<readonly CanaryPod[]> {
    // Terminating pods are on their way out (e.g. a scale-down); their readiness says nothing about the version.
    return (await this.podDocs())
      .filter((pod) => pod.metadata?.deletionTimestamp === undefined)
      .map((pod): CanaryPod => {
        const createdAtMs = parseCreationTimestamp(pod.metadata?.creationTimestamp);
        return {
          name: pod.metadata?.name ?? "",
          ready: (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
          restarts: (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
          // No key at all when unknown, so pods compare equal to those of sources without timestamps.
          ...(createdAtMs === undefined ? {} : { createdAtMs }),
        };
      });
  }
}

/** A request's share of a call's budget (KubeRequest.timeoutMs); nothing when unbounded. */
function timeoutOf(budget: CallBudget | undefined): { timeoutMs?: number } {
  return budget === undefined ? {} : { timeoutMs: budget.timeoutMs };
}
