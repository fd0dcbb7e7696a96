/**
 * Hand-written SVG: per strategy, connections per version over time and
 * reconnects per second over time against the drain budget. All panels share
 * both axes so the strategies compare at a glance.
 */
import { rateSeries } from "./metrics";
import type { Marker, Sample } from "./strategies";

export interface SvgStrategy {
  readonly name: string;
  readonly samples: readonly Sample[];
  /** Scheduled times of reconnect attempts caused by the release. */
  readonly releaseAttempts: readonly number[];
  readonly markers: readonly Marker[];
  readonly releaseStart: number;
  readonly measureEnd: number;
  readonly budgetPerSec: number;
  readonly clients: number;
}

export interface SvgOptions {
  /** Bin of the reconnect bars, scheduled seconds. */
  readonly binSeconds: number;
  readonly title: string;
}

const WIDTH = 960;
const LEFT = 70;
const RIGHT = 20;
const CHART_HEIGHT = 110;
const BLOCK_HEIGHT = 2 * CHART_HEIGHT + 80;
const TOP = 56;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

export function renderSvg(strategies: readonly SvgStrategy[], options: SvgOptions): string {
  // Time axis: scheduled minutes from the release start, shared by all panels,
  // starting a little before the fleet settled (the warm-up ramp is not the story).
  const settled = (s: SvgStrategy) => s.markers.find((m) => m.label === "settling")?.t ?? s.releaseStart;
  const from = Math.min(...strategies.map((s) => settled(s) - s.releaseStart)) - 30;
  const to = Math.max(...strategies.map((s) => s.measureEnd - s.releaseStart));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (t: number) => LEFT + ((t - from) / Math.max(1, to - from)) * plotWidth;
  const versions = [
    ...new Set(strategies.flatMap((s) => s.samples.flatMap((p) => Object.keys(p.byVersion)))),
  ].sort();
  const series = strategies.map((s) =>
    rateSeries(s.releaseAttempts, options.binSeconds, s.releaseStart, s.measureEnd),
  );
  const maxRate = niceCeiling(
    Math.max(...series.flat().map((p) => p.perSecond), ...strategies.map((s) => s.budgetPerSec * 1.5), 0.01),
  );
  const maxConnections = niceCeiling(Math.max(...strategies.map((s) => s.clients), 1));

  const parts: string[] = [];
  const height = TOP + strategies.length * BLOCK_HEIGHT + 20;
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${LEFT}" y="22" font-size="14" font-weight="bold">${escape(options.title)}</text>`,
  );
  versions.forEach((v, i) => {
    const lx = LEFT + i * 160;
    parts.push(
      `<line x1="${lx}" y1="36" x2="${lx + 18}" y2="36" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`,
      `<text x="${lx + 22}" y="40">clients on ${escape(v)}</text>`,
    );
  });
  const lx = LEFT + versions.length * 160;
  parts.push(
    `<rect x="${lx}" y="31" width="12" height="10" fill="#ff7f0e" opacity="0.7"/>`,
    `<text x="${lx + 16}" y="40">reconnects/s caused by the release</text>`,
    `<line x1="${lx + 230}" y1="36" x2="${lx + 250}" y2="36" stroke="black" stroke-dasharray="5,4"/>`,
    `<text x="${lx + 254}" y="40">budget: old connections / drainSeconds</text>`,
  );

  strategies.forEach((s, index) => {
    const top = TOP + index * BLOCK_HEIGHT;
    const connTop = top + 20;
    const rateTop = connTop + CHART_HEIGHT + 30;
    const rel = (t: number) => t - s.releaseStart;
    parts.push(`<g data-strategy="${escape(s.name)}">`);
    parts.push(
      `<text x="${LEFT}" y="${top + 12}" font-size="13" font-weight="bold">${escape(s.name)}</text>`,
    );

    // Connections per version.
    const yConn = (n: number) => connTop + CHART_HEIGHT - (n / maxConnections) * CHART_HEIGHT;
    parts.push(...axes(connTop, `connections`, maxConnections, (v) => String(v)));
    versions.forEach((v, i) => {
      const points = s.samples
        .filter((p) => rel(p.t) >= from)
        .map((p) => `${x(rel(p.t)).toFixed(1)},${yConn(p.byVersion[v] ?? 0).toFixed(1)}`);
      if (points.length > 0) {
        parts.push(
          `<polyline data-series="connections-${escape(v)}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${points.join(" ")}"/>`,
        );
      }
    });

    // Reconnects per second, and the budget the drain promises.
    const yRate = (r: number) => rateTop + CHART_HEIGHT - (Math.min(r, maxRate) / maxRate) * CHART_HEIGHT;
    parts.push(...axes(rateTop, `reconnects/s`, maxRate, (v) => v.toFixed(maxRate < 10 ? 1 : 0)));
    const barWidth = Math.max(1, x(options.binSeconds) - x(0) - 0.5);
    const bars = series[index]
      .filter((p) => p.perSecond > 0)
      .map(
        (p) =>
          `<rect x="${x(rel(p.t)).toFixed(1)}" y="${yRate(p.perSecond).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(rateTop + CHART_HEIGHT - yRate(p.perSecond)).toFixed(1)}"/>`,
      );
    parts.push(`<g data-series="reconnects" fill="#ff7f0e" opacity="0.7">${bars.join("")}</g>`);
    const yBudget = yRate(s.budgetPerSec);
    parts.push(
      `<line data-series="budget" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${yBudget.toFixed(1)}" y2="${yBudget.toFixed(1)}" stroke="black" stroke-dasharray="5,4"/>`,
      `<text x="${WIDTH - RIGHT - 4}" y="${(yBudget - 4).toFixed(1)}" text-anchor="end">budget ${s.budgetPerSec.toFixed(2)}/s</text>`,
    );

    // Release phases.
    for (const m of s.markers) {
      if (m.t < s.releaseStart || /settling|connecting/.test(m.label)) continue;
      const mx = x(rel(m.t)).toFixed(1);
      parts.push(
        `<line x1="${mx}" x2="${mx}" y1="${connTop}" y2="${rateTop + CHART_HEIGHT}" stroke="#999" stroke-width="0.5"/>`,
      );
    }
    // Labels take the first text row where they do not run into the previous one.
    const rowEnds: number[] = [];
    for (const m of s.markers) {
      const label = shortLabel(m.label);
      if (m.t < s.releaseStart || label === undefined) continue;
      const lx = x(rel(m.t)) + 3;
      let row = rowEnds.findIndex((end) => end < lx);
      if (row < 0) row = rowEnds.length;
      rowEnds[row] = lx + label.length * 6 + 4;
      parts.push(
        `<text x="${lx.toFixed(1)}" y="${connTop + 10 + 12 * row}" fill="#555">${escape(label)}</text>`,
      );
    }

    // Time axis labels in scheduled minutes.
    const stepMinutes = niceStep((to - from) / 60 / 10);
    for (
      let minute = Math.ceil(from / 60 / stepMinutes) * stepMinutes;
      minute * 60 <= to;
      minute += stepMinutes
    ) {
      parts.push(
        `<text x="${x(minute * 60).toFixed(1)}" y="${rateTop + CHART_HEIGHT + 14}" text-anchor="middle">${minute}m</text>`,
      );
    }
    parts.push(`</g>`);
  });
  parts.push(
    `<text x="${LEFT}" y="${height - 6}" fill="#555">time in scheduled minutes from the release start; reconnects binned per ${options.binSeconds}s</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}

/** Marker text shown on the chart; undefined hides it (its line stays). */
function shortLabel(label: string): string | undefined {
  if (label === "release start") return "release";
  if (label.startsWith("canary ")) return label.slice("canary ".length);
  if (label.startsWith("promoted")) return "promote, drain old";
  if (label === "switched to new") return "switch";
  if (label === "old scaled down") return "old deleted";
  if (label.startsWith("release done")) return "done";
  if (label === "aborted" || label.startsWith("held")) return label;
  return undefined;
}

function axes(top: number, label: string, max: number, format: (v: number) => string): string[] {
  return [
    `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${top + CHART_HEIGHT}" y2="${top + CHART_HEIGHT}" stroke="#333"/>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${top}" y2="${top + CHART_HEIGHT}" stroke="#333"/>`,
    `<text x="${LEFT - 4}" y="${top + 4}" text-anchor="end">${format(max)}</text>`,
    `<text x="${LEFT - 4}" y="${top + CHART_HEIGHT}" text-anchor="end">0</text>`,
    `<text transform="translate(16 ${top + CHART_HEIGHT / 2}) rotate(-90)" text-anchor="middle" fill="#555">${escape(label)}</text>`,
  ];
}

/** Smallest 1, 2 or 5 times a power of ten at or above the value. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

function niceStep(value: number): number {
  return niceCeiling(Math.max(value, 1));
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
