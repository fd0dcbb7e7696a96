/**
 * The gateway's own metrics, in Prometheus text format (exposition format
 * 0.0.4): the names the reference gateway (test/rehearsal/gateway.ts)
 * exports, the parser the abnormal-close gate reads them with, and which
 * close codes count as abnormal. One place, so the gateway, the gate, the
 * documented Prometheus query and the stack files agree.
 */
import { CANARY_SERVICE, CLOSE_CODE_SERVICE_RESTART } from "../names";

/** Gauge: open WebSocket connections, label `version`. */
export const METRIC_CONNECTIONS_OPEN = "ws_gateway_connections_open";
/** Counter: upgrades accepted, label `version`. */
export const METRIC_UPGRADES = "ws_gateway_upgrades_total";
/** Counter: upgrades refused or failed, labels `version`, `reason` ("draining" is the drain contract's, not a fault). */
export const METRIC_UPGRADE_ERRORS = "ws_gateway_upgrade_errors_total";
/** Counter: connections closed, labels `version`, `code` (the close code the server saw; 1006 = no close frame). */
export const METRIC_CLOSES = "ws_gateway_connections_closed_total";

/** Upgrade-error reason of a draining pod: expected under the drain contract, never counted as a fault. */
export const UPGRADE_ERROR_DRAINING = "draining";

/**
 * Close codes that are part of normal life: 1000 Normal Closure (either side
 * ends the session), 1001 Going Away (a client leaves), 1012 Service Restart
 * (the drain contract). Any other code, 1006 (no close frame: a dropped or
 * reset socket) above all, is abnormal.
 */
export const NORMAL_CLOSE_CODES: readonly number[] = [1000, 1001, CLOSE_CODE_SERVICE_RESTART];

/** One sample: metric name, labels, value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses Prometheus text: comments and blank lines skipped, timestamps ignored, malformed lines skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const raw of text.split("\n")) {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const match = line.exec(trimmed);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(label)) {
      labels[pair[1]] = pair[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    const value = Number(match[3]);
    if (!Number.isNaN(value)) samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** What the abnormal-close gate counts on one pod's page. */
export interface CloseCounts {
  /** Abnormal closes by code. */
  readonly abnormalByCode: Readonly<Record<string, number>>;
  /** Failed upgrades, the drain contract's "draining" refusals excluded. */
  readonly failedUpgrades: number;
  readonly open: number;
}

export function closeCounts(samples: readonly Sample[]): CloseCounts {
  const abnormalByCode: Record<string, number> = {};
  let failedUpgrades = 0;
  let open = 0;
  for (const sample of samples) {
    if (sample.name === METRIC_CLOSES) {
      const code = sample.labels.code ?? "unknown";
      if (!NORMAL_CLOSE_CODES.includes(Number(code))) {
        abnormalByCode[code] = (abnormalByCode[code] ?? 0) + sample.value;
      }
    } else if (sample.name === METRIC_UPGRADE_ERRORS && sample.labels.reason !== UPGRADE_ERROR_DRAINING) {
      failedUpgrades += sample.value;
    } else if (sample.name === METRIC_CONNECTIONS_OPEN) {
      open += sample.value;
    }
  }
  return { abnormalByCode, failedUpgrades, open };
}

/**
 * The PromQL of the optional Prometheus gate that does the same as the
 * abnormal-close gate across the whole canary: abnormal closes plus failed
 * upgrades per second over the window, for the pods behind the canary
 * Service (the `service` label a ServiceMonitor adds; the version changes
 * every release, the Service name never does). Use with a small `max`
 * under rollout.gates.prometheus.
 */
export function abnormalCloseQuery(selector = `service="${CANARY_SERVICE}"`, window = "2m"): string {
  const normal = NORMAL_CLOSE_CODES.join("|");
  return (
    `(sum(rate(${METRIC_CLOSES}{${selector},code!~"${normal}"}[${window}])) or vector(0))` +
    ` + (sum(rate(${METRIC_UPGRADE_ERRORS}{${selector},reason!="${UPGRADE_ERROR_DRAINING}"}[${window}])) or vector(0))`
  );
}
