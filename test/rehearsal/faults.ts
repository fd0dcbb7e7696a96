/**
 * The bad releases the rehearsal plays (`--faults`), what each one does, and
 * what our release must do about it. One table: the CLI's help, the run, the
 * report, the docs' list and the CI matrix all read it.
 */
import { CANARY_ROUTE_GATE, PODS_READY_GATE, SURVIVAL_GATE } from "../../components/rollout/gates";
import { API_GATE } from "../../components/rollout/engine";

export const FAULTS = [
  "refuse",
  "crash",
  "unready",
  "drop",
  "api-flaky",
  "api-down",
  "nginx-reload",
  "sync-lag-refuse",
  "sync-lag-drop",
  "sync-lag-crash",
] as const;
export type FaultName = (typeof FAULTS)[number];

/** Where in the schedule a fault strikes. */
export type FaultTiming =
  /** The new version is bad from its first pod: the fault starts when the canary first gets weight. */
  | "canary-start"
  /** From the start of the release (before the first weight is set). */
  | "release-start"
  /** Halfway through the pause of the schedule's second step (the first when there is one step), when the canary holds real clients. */
  | "mid-schedule";

export interface FaultSpec {
  readonly name: FaultName;
  /** One line for --help and the report. */
  readonly summary: string;
  /** The bad behaviour played (the fault itself, or the one a sync-lag variant plays under the lag). */
  readonly plays: "refuse" | "crash" | "unready" | "drop" | "api-flaky" | "api-down" | "nginx-reload";
  /**
   * The controller's backend sync lags the canary Service's switch by SYNC_LAG_SECONDS: until then
   * "canary" traffic still reaches the previous canary pods (the stable version), as ingress-nginx does
   * while its dynamic configuration catches up, or while the canary has no ready endpoint.
   */
  readonly syncLag: boolean;
  readonly timing: FaultTiming;
  /** The outcome our release must reach. */
  readonly expectedOutcome: "aborted" | "promoted";
  /**
   * The gate that must catch it (the engine's `gate`), or null when nothing may fire: a fault caught by
   * another gate, or by luck of timing, is not the check this fault exists for.
   */
  readonly expectedGate: string | null;
}

export const FAULT_SPECS: Readonly<Record<FaultName, FaultSpec>> = {
  refuse: {
    name: "refuse",
    summary: "the new version answers every WebSocket upgrade with HTTP 503",
    plays: "refuse",
    syncLag: false,
    timing: "canary-start",
    expectedOutcome: "aborted",
    // Caught before any weight: the route phase dials the canary route, which must upgrade as the canary.
    expectedGate: CANARY_ROUTE_GATE,
  },
  crash: {
    name: "crash",
    summary: "one new pod is killed (SIGKILL) mid-schedule; the kubelet restarts it",
    plays: "crash",
    syncLag: false,
    timing: "mid-schedule",
    expectedOutcome: "aborted",
    expectedGate: PODS_READY_GATE,
  },
  unready: {
    name: "unready",
    summary: "one new pod starts failing its readiness probe mid-schedule",
    plays: "unready",
    syncLag: false,
    timing: "mid-schedule",
    expectedOutcome: "aborted",
    expectedGate: PODS_READY_GATE,
  },
  drop: {
    name: "drop",
    summary: "the new version accepts upgrades, then drops each socket after a few seconds",
    plays: "drop",
    syncLag: false,
    timing: "canary-start",
    expectedOutcome: "aborted",
    expectedGate: SURVIVAL_GATE,
  },
  "api-flaky": {
    name: "api-flaky",
    summary: "the Kubernetes API answers a share of requests with 500, 429 or 409 throughout the release",
    plays: "api-flaky",
    syncLag: false,
    timing: "release-start",
    expectedOutcome: "promoted",
    expectedGate: null,
  },
  "api-down": {
    name: "api-down",
    summary: "the Kubernetes API refuses connections from mid-schedule for a while, then comes back",
    plays: "api-down",
    syncLag: false,
    timing: "mid-schedule",
    expectedOutcome: "aborted",
    expectedGate: API_GATE,
  },
  "nginx-reload": {
    name: "nginx-reload",
    summary:
      "nginx reloads mid-release (SIGHUP): old workers keep their sockets until worker-shutdown-timeout",
    plays: "nginx-reload",
    syncLag: false,
    timing: "mid-schedule",
    expectedOutcome: "promoted",
    expectedGate: null,
  },
  "sync-lag-refuse": {
    name: "sync-lag-refuse",
    summary: "refuse, while the controller's sync still sends canary traffic to the stable version",
    plays: "refuse",
    syncLag: true,
    timing: "canary-start",
    expectedOutcome: "aborted",
    expectedGate: CANARY_ROUTE_GATE,
  },
  "sync-lag-drop": {
    name: "sync-lag-drop",
    summary: "drop, while the controller's sync still sends canary traffic (the first probes) to stable",
    plays: "drop",
    syncLag: true,
    timing: "canary-start",
    expectedOutcome: "aborted",
    expectedGate: SURVIVAL_GATE,
  },
  "sync-lag-crash": {
    name: "sync-lag-crash",
    summary: "crash, in a release whose canary route lagged behind the canary Service's switch",
    plays: "crash",
    syncLag: true,
    timing: "mid-schedule",
    expectedOutcome: "aborted",
    expectedGate: PODS_READY_GATE,
  },
};

/** The sync-lag faults' extra delay of the canary backend's endpoints, scheduled seconds. */
export const SYNC_LAG_SECONDS = 8;

/** Seconds a socket lives on the "drop" version (scheduled). */
export const DROP_AFTER_SECONDS = 10;

/** The per-fault figures of the JSON contract (`faults.<name>`). */
export interface FaultFigures {
  /** promoted | aborted | held, or "failed" when the engine itself threw (the weight may be anywhere). */
  readonly outcome: "promoted" | "aborted" | "held" | "failed";
  /** The gate that fired, null when none did. */
  readonly gate: string | null;
  /** The step it fired in (1-based), null when none did. */
  readonly step: number | null;
  /** Scheduled seconds from the fault to the balancer routing at weight 0; 0 when an abort came before any weight above 0; null when it never did. */
  readonly secondsToWeightZero: number | null;
  /** Upgrades that failed on the stable path during the release (the promise: 0). */
  readonly failedHandshakes: number;
  /** Upgrades that failed on the canary path (the bad version's own cost, reported apart). */
  readonly failedHandshakesOnCanary: number;
  /** Why upgrades failed during the release, reason -> count (HTTP status, ECONNRESET, handshake timeout). */
  readonly failedHandshakeReasons: Readonly<Record<string, number>>;
  /** Most disconnects any client saw that never connected to the new version during the canary phase. */
  readonly maxDisconnectsNeverCanary: number;
  /** Clients still connected to the new version at the end of an aborted release (0 otherwise). */
  readonly leftOnAbortedVersion: number;
  /** Clients with no connection at the end, one back-off cap after the release. */
  readonly unconnectedAtEnd: number;
  /** Most disconnects of any client, canary clients included. */
  readonly maxDisconnects: number;
  /** Clients that were on the new version during the canary phase. */
  readonly clientsOnCanary: number;
  /** The engine's message (the abort or failure reason); null when promoted. */
  readonly message: string | null;
  /** Scheduled seconds from the release start to the fault; null when it never struck (absent from older files). */
  readonly faultAtSeconds?: number | null;
}

/**
 * What a fault's figures must show, as broken promises (empty when all hold):
 * the fault's expected gate fired (none for api-flaky and nginx-reload);
 * every fault except those two aborts and leaves nobody on the aborted
 * version or unconnected, cuts clients that never saw the canary at most once
 * and fails no handshake on the stable path; api-flaky promotes with at most
 * one disconnect per client; nginx-reload promotes and cuts no client twice.
 */
export function brokenFaultPromises(name: FaultName, f: FaultFigures): string[] {
  const broken: string[] = [];
  const expect = (ok: boolean, text: string) => {
    if (!ok) broken.push(`${name}: ${text}`);
  };
  const spec = FAULT_SPECS[name];
  expect(
    f.outcome === spec.expectedOutcome,
    `outcome ${f.outcome}${f.message === null ? "" : ` (${f.message})`}, promised ${spec.expectedOutcome}`,
  );
  expect(
    f.gate === spec.expectedGate,
    `${f.gate === null ? "no gate" : `gate ${f.gate}`} fired${f.step === null ? "" : ` at step ${f.step}`}, expected ${spec.expectedGate === null ? "none" : spec.expectedGate}`,
  );
  if (spec.plays === "nginx-reload") {
    expect(f.maxDisconnects <= 1, `max disconnects per client ${f.maxDisconnects}, promised <= 1`);
    expect(f.unconnectedAtEnd === 0, `${f.unconnectedAtEnd} clients unconnected at the end, promised 0`);
    return broken;
  }
  if (spec.expectedOutcome === "promoted") {
    expect(f.maxDisconnects <= 1, `max disconnects per client ${f.maxDisconnects}, promised <= 1`);
    expect(
      f.failedHandshakes === 0,
      `${f.failedHandshakes} failed handshakes on the stable path, promised 0`,
    );
    expect(f.unconnectedAtEnd === 0, `${f.unconnectedAtEnd} clients unconnected at the end, promised 0`);
    return broken;
  }
  expect(
    f.leftOnAbortedVersion === 0,
    `${f.leftOnAbortedVersion} clients left on the aborted version, promised 0`,
  );
  expect(f.unconnectedAtEnd === 0, `${f.unconnectedAtEnd} clients unconnected at the end, promised 0`);
  expect(
    f.maxDisconnectsNeverCanary <= 1,
    `clients never on the canary cut up to ${f.maxDisconnectsNeverCanary} times, promised <= 1`,
  );
  expect(f.failedHandshakes === 0, `${f.failedHandshakes} failed handshakes on the stable path, promised 0`);
  return broken;
}

/**
 * Parses `--faults`: "all", "none", or a comma-separated list of names.
 * Throws a one-line message naming the unknown value and the valid ones.
 */
export function parseFaults(text: string): FaultName[] {
  const trimmed = text.trim();
  if (trimmed === "all") return [...FAULTS];
  if (trimmed === "none" || trimmed === "") return [];
  const names = trimmed.split(",").map((s) => s.trim());
  for (const name of names) {
    if (!(FAULTS as readonly string[]).includes(name)) {
      throw new Error(`--faults: unknown fault "${name}"; use "all" or some of ${FAULTS.join(", ")}`);
    }
  }
  return [...new Set(names)] as FaultName[];
}
