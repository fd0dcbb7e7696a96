/**
 * One writer per canary: a coordination.k8s.io/v1 Lease beside the canary
 * Ingress, taken before a release's first write and renewed while it runs.
 *
 * Pulumi's stack lock covers one stack; two stacks aimed at one namespace, or
 * a process left over from a cancelled update, would both step the weight
 * and drain by label. The second one finds the Lease held and refuses,
 * naming the holder and how old its renewal is. A holder that stops renewing
 * (its process is gone) loses the Lease after LEASE_DURATION_SECONDS, and the
 * next release takes it over. The operator's abort annotation does not need
 * the Lease: the holder reads it at its next gate round.
 *
 * Requests (Kubernetes API reference, coordination.k8s.io/v1 Lease):
 * GET, POST, PUT (conditional on metadata.resourceVersion, 409 when someone
 * wrote in between) and DELETE with a resourceVersion precondition on
 * /apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}
 * https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/lease-v1/
 */
import { hostname } from "node:os";
import { APP_NAME } from "../names";
import { isApiError } from "./apiError";
import { formatDuration } from "./messages";
import type { KubeClient } from "./kubeClient";
import type { CallBudget, CanaryIngressRef } from "./types";

/** A holder that has not renewed for this long has lost the Lease. */
export const LEASE_DURATION_SECONDS = 60;
/** The holder renews this often (a third of the duration: two renewals may fail before it expires). */
export const LEASE_RENEW_SECONDS = 20;

/** Annotation on the Lease naming the holder's stack, for messages. */
export const ANNOTATION_LEASE_STACK = `${APP_NAME}.io/stack`;

/** The Lease guarding a canary Ingress: same namespace, the Ingress's name plus "-release". */
export function leaseName(canaryIngressName: string): string {
  return `${canaryIngressName}-release`;
}

interface LeaseDoc {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
  };
}

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Who holds a Lease and for how much longer, as read. */
export interface LeaseState {
  readonly holder: string;
  readonly stack: string | undefined;
  /** Seconds since the last renewal; undefined when it carries none. */
  readonly renewedSecondsAgo: number | undefined;
  /** Seconds until it expires unless renewed; 0 when expired. */
  readonly expiresInSeconds: number;
}

/** The state of a Lease at `nowMs`; expired when it has no holder or no renewal time. */
export function leaseState(doc: LeaseDoc, nowMs: number): LeaseState {
  const holder = doc.spec?.holderIdentity ?? "";
  const renewedMs = Date.parse(doc.spec?.renewTime ?? "");
  const durationMs = (doc.spec?.leaseDurationSeconds ?? LEASE_DURATION_SECONDS) * 1000;
  const known = Number.isFinite(renewedMs);
  return {
    holder,
    stack: doc.metadata?.annotations?.[ANNOTATION_LEASE_STACK],
    renewedSecondsAgo: known ? Math.max(0, Math.round((nowMs - renewedMs) / 1000)) : undefined,
    expiresInSeconds:
      holder === "" || !known ? 0 : Math.max(0, Math.ceil((renewedMs + durationMs - nowMs) / 1000)),
  };
}

/** Why a release could not take the Lease: one sentence with the holder, its age and the fix. */
export function heldMessage(ingress: CanaryIngressRef, state: LeaseState): string {
  const name = leaseName(ingress.name);
  const renewed =
    state.renewedSecondsAgo === undefined ? "" : `, renewed ${formatDuration(state.renewedSecondsAgo)} ago`;
  const stack = state.stack === undefined ? "" : ` (stack ${state.stack})`;
  return (
    `another release is stepping the canary Ingress ${ingress.namespace}/${ingress.name}: ` +
    `Lease ${ingress.namespace}/${name} is held by "${state.holder}"${stack}${renewed}, ` +
    `and expires in ${formatDuration(state.expiresInSeconds)} unless renewed; nothing was changed. ` +
    `Fix: wait for that update to end and run this one again; if its process is gone (a cancelled update), ` +
    `the Lease expires by itself within ${formatDuration(state.expiresInSeconds)}, or remove it now with: ` +
    `kubectl delete lease -n ${ingress.namespace} ${name}`
  );
}

/** The name of the error thrown when another holder has the Lease. */
export const LEASE_HELD = "LeaseHeld";

/** Thrown when another holder has the Lease; its message is heldMessage's. */
export function leaseHeldError(message: string): Error {
  const error = new Error(message);
  error.name = LEASE_HELD;
  return error;
}

/** The Lease of one canary Ingress, as one release holds it. */
export class ReleaseLease {
  private readonly path: string;
  private readonly collection: string;
  private readonly what: string;

  /**
   * `identity` names this process and update uniquely (holderIdentity);
   * `stack` names the stack in the refusals other releases see.
   */
  constructor(
    private readonly client: Pick<KubeClient, "request">,
    readonly ingress: CanaryIngressRef,
    readonly identity: string,
    readonly stack: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    const ns = encodeURIComponent(ingress.namespace);
    this.collection = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
    this.path = `${this.collection}/${encodeURIComponent(leaseName(ingress.name))}`;
    this.what = `Lease ${ingress.namespace}/${leaseName(ingress.name)}`;
  }

  private doc(resourceVersion: string | undefined, acquireTime: string | undefined): LeaseDoc {
    const nowText = microTime(this.now());
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: leaseName(this.ingress.name),
        namespace: this.ingress.namespace,
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
        annotations: { [ANNOTATION_LEASE_STACK]: this.stack },
      },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: LEASE_DURATION_SECONDS,
        acquireTime: acquireTime ?? nowText,
        renewTime: nowText,
      },
    };
  }

  private async read(budget?: CallBudget): Promise<LeaseDoc | undefined> {
    return (await this.client.request({
      method: "GET",
      path: this.path,
      what: this.what,
      allowNotFound: true,
      ...(budget === undefined ? {} : { timeoutMs: budget.timeoutMs }),
    })) as LeaseDoc | undefined;
  }

  private async write(method: "POST" | "PUT", doc: LeaseDoc, budget?: CallBudget): Promise<void> {
    await this.client.request({
      method,
      path: method === "POST" ? this.collection : this.path,
      what: this.what,
      body: doc,
      ...(budget === undefined ? {} : { timeoutMs: budget.timeoutMs }),
    });
  }

  /**
   * Takes the Lease: creates it, renews it when ours, takes it over when
   * expired; throws leaseHeldError when another holder has it. A 409 (someone
   * created or wrote it in between) is an API error the caller's retry
   * handles by calling again, which reads afresh.
   */
  async acquire(budget?: CallBudget): Promise<void> {
    const current = await this.read(budget);
    if (current === undefined) {
      await this.write("POST", this.doc(undefined, undefined), budget);
      return;
    }
    const state = leaseState(current, this.now());
    if (state.holder !== this.identity && state.expiresInSeconds > 0) {
      throw leaseHeldError(heldMessage(this.ingress, state));
    }
    const keepAcquired = state.holder === this.identity ? current.spec?.acquireTime : undefined;
    await this.write("PUT", this.doc(current.metadata?.resourceVersion, keepAcquired), budget);
  }

  /**
   * Renews the Lease; resolves with undefined while it is ours, or with the
   * reason it was lost (another holder took it). API errors are thrown: the
   * caller tries again at the next renewal.
   */
  async renew(budget?: CallBudget): Promise<string | undefined> {
    const current = await this.read(budget);
    if (current === undefined) {
      // Deleted by hand: take it again, so a second release is still refused.
      await this.write("POST", this.doc(undefined, undefined), budget);
      return undefined;
    }
    const state = leaseState(current, this.now());
    if (state.holder !== this.identity) {
      return `the release Lease was taken by "${state.holder}"${state.stack === undefined ? "" : ` (stack ${state.stack})`}`;
    }
    await this.write("PUT", this.doc(current.metadata?.resourceVersion, current.spec?.acquireTime), budget);
    return undefined;
  }

  /** Gives the Lease up when it is still ours (a precondition on its resourceVersion); never throws. */
  async release(budget?: CallBudget): Promise<void> {
    try {
      const current = await this.read(budget);
      if (current === undefined || current.spec?.holderIdentity !== this.identity) return;
      await this.client.request({
        method: "DELETE",
        path: this.path,
        what: this.what,
        allowNotFound: true,
        body: {
          apiVersion: "v1",
          kind: "DeleteOptions",
          preconditions: { resourceVersion: current.metadata?.resourceVersion },
        },
        ...(budget === undefined ? {} : { timeoutMs: budget.timeoutMs }),
      });
    } catch (error) {
      // Left behind, it expires by itself within LEASE_DURATION_SECONDS.
      if (!isApiError(error)) throw error;
    }
  }
}

/** holderIdentity for this process: the stack, the process and a random tag, unique per update. */
export function holderIdentity(stack: string): string {
  const tag = Math.random().toString(36).slice(2, 8);
  return `${stack} pid ${process.pid} on ${hostname()} (${tag})`;
}
