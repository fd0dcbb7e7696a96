/** Gate pods-ready: the canary's pods Ready and not restarting. */
import { DEFAULT_POD_STARTUP_SECONDS } from "../defaults";
import { formatDuration } from "../messages";
import type { CanaryPod, CanaryPodSource, Gate, GateResult } from "../types";
import { PODS_READY_GATE } from "./names";
import { plural } from "./text";

/** Settings of the pods-ready gate. */
export interface PodsReadyOptions {
  /**
   * How long a pod that joined during the step (e.g. an HPA scale-up) may stay
   * not Ready, counted from its creation (image pull included). @default 120
   */
  readonly startupSeconds?: number;
  /** Epoch milliseconds, compared with CanaryPod.createdAtMs. @default Date.now */
  readonly now?: () => number;
}

function ageText(ageMs: number): string {
  // Floored so a pod shown as past the allowance never reads as younger than it; clamped because
  // the API server's clock, which stamps creation, may run slightly ahead of ours.
  return `${formatDuration(Math.floor(Math.max(0, ageMs) / 1000))} old`;
}

/**
 * All canary pods Ready, at least one, and no container restart since the step
 * began. Restarts are compared per pod with a snapshot taken in beginStep; a pod
 * created after the snapshot counts from 0.
 *
 * A pod that joined after the snapshot is "starting" while it is not Ready and
 * younger than the startup allowance: it does not fail the gate, because the
 * canary's HPA may scale up during a long pause and a new pod needs a while to
 * pass its readiness probe. It still fails the gate once it outlives the
 * allowance unready, and on any restart. A pod that joined during an earlier
 * step and has never been seen Ready keeps that status into the next step, so
 * a scale-up just before a step ends is not failed by the next step's first
 * round. A pod whose creation time is unknown gets no allowance.
 */
export function podsReadyGate(source: CanaryPodSource, options: PodsReadyOptions = {}): Gate {
  const startupSeconds = options.startupSeconds ?? DEFAULT_POD_STARTUP_SECONDS;
  if (!(Number.isFinite(startupSeconds) && startupSeconds >= 0)) {
    throw new Error(`pods-ready: startup allowance ${startupSeconds}s is not a number of seconds >= 0`);
  }
  const now = options.now ?? (() => Date.now());
  const allowanceMs = startupSeconds * 1000;
  const excepted = `new pods within ${formatDuration(startupSeconds)} of starting excepted`;
  let baseline: Map<string, number> | undefined;
  // Pods seen Ready at least once: once Ready, a pod has no startup left to excuse.
  const seenReady = new Set<string>();
  // Pods in this step's snapshot that joined during an earlier step and had never been Ready.
  let joining = new Set<string>();
  const threshold = "at least 1 pod, all Ready, 0 restarts";
  const noteReady = (pods: readonly CanaryPod[]): void => {
    for (const pod of pods) if (pod.ready) seenReady.add(pod.name);
  };
  return {
    name: PODS_READY_GATE,
    async beginStep() {
      const pods = await source.listCanaryPods();
      noteReady(pods);
      const previous = baseline;
      const stillJoining = (pod: CanaryPod): boolean =>
        previous !== undefined &&
        !seenReady.has(pod.name) &&
        (!previous.has(pod.name) || joining.has(pod.name));
      joining = new Set(pods.filter(stillJoining).map((pod) => pod.name));
      baseline = new Map(pods.map((pod) => [pod.name, pod.restarts]));
    },
    async check(): Promise<GateResult> {
      const pods = await source.listCanaryPods();
      noteReady(pods);
      // Without beginStep (a single check), the first look is the baseline.
      const since = baseline ?? new Map(pods.map((pod) => [pod.name, pod.restarts]));
      baseline = since;
      if (pods.length === 0) {
        return { ok: false, measured: "0 pods", threshold };
      }
      const restarted = pods
        .map((pod) => ({ name: pod.name, restarts: pod.restarts - (since.get(pod.name) ?? 0) }))
        .filter((pod) => pod.restarts > 0);
      if (restarted.length > 0) {
        const total = restarted.reduce((sum, pod) => sum + pod.restarts, 0);
        const where = restarted.map((pod) => `${pod.name}: ${pod.restarts}`).join(", ");
        return { ok: false, measured: `${plural(total, "restart")} (${where})`, threshold: "0 restarts" };
      }
      const nowMs = now();
      // Not Ready and excused, e.g. "gw-x, 35s old".
      const starting: string[] = [];
      // Not Ready and not excused: a bare name as before, or with its age when it is new but too old.
      const notReady: string[] = [];
      let overdue = false;
      for (const pod of pods) {
        if (pod.ready) continue;
        const isNew = !since.has(pod.name) || joining.has(pod.name);
        const ageMs = pod.createdAtMs === undefined ? undefined : nowMs - pod.createdAtMs;
        if (!isNew || ageMs === undefined) {
          notReady.push(pod.name);
        } else if (ageMs < allowanceMs) {
          starting.push(`${pod.name}, ${ageText(ageMs)}`);
        } else {
          notReady.push(`${pod.name}, ${ageText(ageMs)}`);
          overdue = true;
        }
      }
      const startingText = starting.length > 0 ? `${starting.length} starting (${starting.join("; ")})` : "";
      if (notReady.length > 0) {
        // Entries carrying an age contain a comma, so they are set apart with semicolons.
        const list = notReady.join(overdue ? "; " : ", ");
        const measured = `${notReady.length} of ${plural(pods.length, "pod")} not Ready (${list})`;
        // Unchanged text when no new pod is involved, so existing messages keep reading the same.
        return overdue || starting.length > 0
          ? {
              ok: false,
              measured: startingText === "" ? measured : `${measured}, ${startingText}`,
              threshold: `all pods Ready (${excepted})`,
            }
          : { ok: false, measured, threshold: "all pods Ready" };
      }
      const ready = pods.length - starting.length;
      if (ready === 0) {
        // Every pod excused means none serves: the version is not shown to work at all.
        return {
          ok: false,
          measured: `0 of ${plural(pods.length, "pod")} Ready, ${startingText}`,
          threshold: "at least 1 pod Ready",
        };
      }
      if (starting.length === 0) {
        return { ok: true, measured: `${plural(pods.length, "pod")} Ready, 0 restarts`, threshold };
      }
      return {
        ok: true,
        measured: `${ready} of ${plural(pods.length, "pod")} Ready, ${startingText}, 0 restarts`,
        threshold: `at least 1 pod, all Ready (${excepted}), 0 restarts`,
      };
    },
  };
}
