/** Gate prometheus: an instant query compared with a threshold. */
import { DEFAULT_PROMETHEUS_TIMEOUT_SECONDS } from "../defaults";
import type { Gate, GateResult } from "../types";
import { PROMETHEUS_GATE } from "./names";

interface PrometheusResponse {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** The first sample's value of an instant vector or a scalar; undefined when there is none. */
function firstSample(data: PrometheusResponse["data"]): string | undefined {
  const result = data?.result;
  if (data?.resultType === "scalar" && Array.isArray(result)) {
    return String(result[1]);
  }
  if (data?.resultType === "vector" && Array.isArray(result) && result.length > 0) {
    const value = (result[0] as { value?: unknown[] }).value;
    return Array.isArray(value) ? String(value[1]) : undefined;
  }
  return undefined;
}

/**
 * Runs an instant query (GET {url}/api/v1/query) and compares the first value
 * with the threshold. No data is a failure: a broken query must not pass.
 */
export function prometheusGate(cfg: {
  url: string;
  query: string;
  threshold: number;
  comparison: "<=" | ">=";
  /** @default 10 */
  timeoutSeconds?: number;
}): Gate {
  const threshold = `${cfg.comparison} ${cfg.threshold}`;
  const timeoutSeconds = cfg.timeoutSeconds ?? DEFAULT_PROMETHEUS_TIMEOUT_SECONDS;
  const endpoint = `${cfg.url.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(cfg.query)}`;
  return {
    name: PROMETHEUS_GATE,
    async check(): Promise<GateResult> {
      let response: Response;
      try {
        response = await fetch(endpoint, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === "TimeoutError";
        const cause =
          error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
        const measured = timedOut
          ? `no answer within ${timeoutSeconds}s`
          : `request failed: ${error instanceof Error ? error.message : String(error)}${cause}`;
        return { ok: false, measured, threshold };
      }
      const text = await response.text();
      let body: PrometheusResponse = {};
      try {
        body = JSON.parse(text) as PrometheusResponse;
      } catch {
        // Not JSON (e.g. a proxy's error page): reported below by status or shape.
      }
      if (!response.ok || body.status !== "success") {
        const detail = body.error ?? text.slice(0, 200);
        return { ok: false, measured: `HTTP ${response.status}: ${detail}`, threshold };
      }
      const sample = firstSample(body.data);
      if (sample === undefined) {
        return { ok: false, measured: `no data (empty ${body.data?.resultType ?? "result"})`, threshold };
      }
      const value = Number(sample);
      // NaN compares false both ways, so it fails, as it should.
      const ok = cfg.comparison === "<=" ? value <= cfg.threshold : value >= cfg.threshold;
      return { ok, measured: sample, threshold };
    },
  };
}
