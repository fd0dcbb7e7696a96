/** Gate abnormal-closes: the canary pods' own close counters. */
import { DEFAULT_MAX_ABNORMAL_CLOSES } from "../defaults";
import { closeCounts, parsePrometheusText } from "../metrics";
import type { CanaryMetricsSource, Gate, GateResult } from "../types";
import { ABNORMAL_CLOSE_GATE } from "./names";
import { plural } from "./text";

/**
 * Abnormal closes on the canary, from the gateway's own metrics (./metrics):
 * closes with a code other than 1000, 1001 and 1012, plus upgrades refused
 * for any reason but draining, counted since the step began, summed over the
 * canary pods, at most `maxPerStep`. A pod whose counters went down (it
 * restarted) counts from 0; a pod that appeared counts from 0.
 */
export function abnormalCloseGate(
  source: CanaryMetricsSource,
  options: { readonly maxPerStep?: number } = {},
): Gate {
  const max = options.maxPerStep ?? DEFAULT_MAX_ABNORMAL_CLOSES;
  const threshold = `at most ${max} abnormal closes or failed upgrades on the canary per step`;
  type Totals = { readonly byCode: Record<string, number>; readonly upgrades: number };
  let baseline = new Map<string, Totals>();
  const read = async (): Promise<Map<string, Totals & { open: number }>> => {
    const pages = await source.scrapeCanaryMetrics();
    return new Map(
      pages.map((page) => {
        const counts = closeCounts(parsePrometheusText(page.text));
        return [
          page.pod,
          { byCode: { ...counts.abnormalByCode }, upgrades: counts.failedUpgrades, open: counts.open },
        ];
      }),
    );
  };
  return {
    name: ABNORMAL_CLOSE_GATE,
    async beginStep() {
      baseline = await read();
    },
    async check(): Promise<GateResult> {
      const current = await read();
      const byCode: Record<string, number> = {};
      let upgrades = 0;
      let open = 0;
      const perPod: string[] = [];
      for (const [pod, totals] of current) {
        const before = baseline.get(pod);
        const sinceFor = (value: number, old: number | undefined): number =>
          old === undefined || value < old ? value : value - old;
        let podTotal = 0;
        for (const [code, value] of Object.entries(totals.byCode)) {
          const delta = sinceFor(value, before?.byCode[code]);
          if (delta > 0) byCode[code] = (byCode[code] ?? 0) + delta;
          podTotal += delta;
        }
        const upgradeDelta = sinceFor(totals.upgrades, before?.upgrades);
        upgrades += upgradeDelta;
        podTotal += upgradeDelta;
        open += totals.open;
        if (podTotal > 0) perPod.push(`${pod}: ${podTotal}`);
      }
      const closes = Object.values(byCode).reduce((sum, value) => sum + value, 0);
      const codes = Object.entries(byCode)
        .map(([code, value]) => `code ${code}: ${value}`)
        .join(", ");
      const total = closes + upgrades;
      const measured =
        total === 0
          ? `0 abnormal closes, 0 failed upgrades since the step began (${plural(current.size, "pod")}, ${open} open)`
          : `${plural(closes, "abnormal close")}${codes === "" ? "" : ` (${codes})`} and ${plural(upgrades, "failed upgrade")} since the step began (${perPod.join(", ")}; ${open} open)`;
      return { ok: total <= max, measured, threshold };
    },
  };
}
