/**
 * Hand-written SVG: per strategy, connections per version over time and
 * reconnects per second over time against the drain budget. All panels share
 * both axes so the strategies compare at a glance.
 */
import { rateSeries } from "./metrics";
import type { FaultReport } from "./report";
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
  /** Headline figures written beside the strategy's name. */
  readonly maxDisconnects: number;
  readonly peakOverBudget: number;
}

export interface SvgOptions {
  /** Bin of the reconnect bars, scheduled seconds. */
  readonly binSeconds: number;
  readonly title: string;
  /** Fault runs, drawn as a table under the panels. */
  readonly faults?: readonly FaultReport[];
  /** The command that reproduces the run, written at the bottom. */
  readonly command?: string;
}

const FAULT_ROW_HEIGHT = 18;

const WIDTH = 960;
const LEFT = 70;
const RIGHT = 20;
const CHART_HEIGHT = 110;
const BLOCK_HEIGHT = 2 * CHART_HEIGHT + 80;
const TOP = 56;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

export function renderSvg(strategies: readonly SvgStrategy[], options: SvgOptions): string {
  const faults = options.faults ?? [];
  const faultsHeight = faults.length === 0 ? 0 : 64 + FAULT_ROW_HEIGHT * (faults.length + 1);
  if (strategies.length === 0) {
    const height = TOP + faultsHeight + 30;
    return (
      [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
        `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
        `<text x="${LEFT}" y="22" font-size="14" font-weight="bold">${escape(options.title)}</text>`,
        ...faultTable(faults, TOP),
        ...footer(options, height),
        `</svg>`,
      ].join("\n") + "\n"
    );
  }
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
  const height = TOP + strategies.length * BLOCK_HEIGHT + faultsHeight + 40;
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${LEFT}" y="22" font-size="14" font-weight="bold">${escape(options.title)}</text>`,
  );
  versions.forEach((v, i) => {
    const lx = LEFT + i * 130;
    parts.push(
      `<line x1="${lx}" y1="36" x2="${lx + 18}" y2="36" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`,
      `<text x="${lx + 22}" y="40">clients on ${escape(v)}</text>`,
    );
  });
  const lx = LEFT + versions.length * 130;
  parts.push(
    `<rect x="${lx}" y="31" width="12" height="10" fill="#ff7f0e" opacity="0.7"/>`,
    `<text x="${lx + 16}" y="40">reconnects/s caused by the release</text>`,
    `<line x1="${lx + 250}" y1="36" x2="${lx + 270}" y2="36" stroke="black" stroke-dasharray="5,4"/>`,
    `<text x="${lx + 274}" y="40">budget: old connections / drainSeconds</text>`,
  );

  strategies.forEach((s, index) => {
    const top = TOP + index * BLOCK_HEIGHT;
    const connTop = top + 20;
    const rateTop = connTop + CHART_HEIGHT + 30;
    const rel = (t: number) => t - s.releaseStart;
    parts.push(`<g data-strategy="${escape(s.name)}">`);
    const times = s.maxDisconnects === 1 ? "once" : `${s.maxDisconnects} times`;
    parts.push(
      `<text x="${LEFT}" y="${top + 12}" font-size="13"><tspan font-weight="bold">${escape(s.name)}</tspan>` +
        `<tspan data-headline="${escape(s.name)}" dx="10">each client cut at most ${times}; reconnect peak ${s.peakOverBudget.toFixed(2)}x the budget</tspan></text>`,
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
    parts.push(
      ...axes(rateTop, `reconnects/s`, maxRate, (v) =>
        Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 1 : 0),
      ),
    );
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
        `<line data-marker="${escape(m.label)}" x1="${mx}" x2="${mx}" y1="${connTop}" y2="${rateTop + CHART_HEIGHT}" stroke="#777" stroke-width="1" stroke-dasharray="2,2"/>`,
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
      rowEnds[row] = lx + label.length * 7 + 6;
      // A white halo keeps the label readable over the lines it crosses.
      parts.push(
        `<text x="${lx.toFixed(1)}" y="${connTop + 12 + 14 * row}" fill="#222" stroke="white" stroke-width="3" paint-order="stroke">${escape(label)}</text>`,
      );
    }

    // Time axis labels in scheduled minutes.
    const stepMinutes = niceStep((to - from) / 60 / 10);
    for (
      let minute = Math.ceil(from / 60 / stepMinutes) * stepMinutes;
      minute * 60 <= to;
      minute += stepMinutes
    ) {
      const tx = x(minute * 60).toFixed(1);
      for (const axisY of [connTop + CHART_HEIGHT, rateTop + CHART_HEIGHT]) {
        parts.push(
          `<line data-tick="x" x1="${tx}" x2="${tx}" y1="${axisY}" y2="${axisY + 4}" stroke="#333"/>`,
        );
      }
      parts.push(`<text x="${tx}" y="${rateTop + CHART_HEIGHT + 16}" text-anchor="middle">${minute}m</text>`);
    }
    parts.push(`</g>`);
  });
  parts.push(...faultTable(faults, TOP + strategies.length * BLOCK_HEIGHT));
  parts.push(
    ...footer(options, height),
    `<text x="${LEFT}" y="${height - 6}" fill="#333">time in scheduled minutes from the release start; reconnects binned per ${options.binSeconds}s</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}

/** Marker text shown on the chart; undefined hides it (its line stays). */
function shortLabel(label: string): string | undefined {
  if (label === "release start") return "release";
  if (label.startsWith("canary ")) return label.slice("canary ".length);
  if (label.startsWith("promoted")) return "promote, drain old";
  if (label.startsWith("aborted")) return "abort, drain canary";
  if (label.startsWith("fault: ")) return label.slice("fault: ".length);
  if (label === "switched to new") return "switch";
  if (label === "old scaled down") return "old deleted";
  if (label.startsWith("release done")) return "done";
  if (label === "aborted" || label.startsWith("held")) return label;
  return undefined;
}

/** Axes with ticks, labels and light grid lines at 0, 1/4, 1/2, 3/4 and the top of the scale. */
function axes(top: number, label: string, max: number, format: (v: number) => string): string[] {
  const parts = [
    `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${top + CHART_HEIGHT}" y2="${top + CHART_HEIGHT}" stroke="#333"/>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${top}" y2="${top + CHART_HEIGHT}" stroke="#333"/>`,
    `<text transform="translate(16 ${top + CHART_HEIGHT / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escape(label)}</text>`,
  ];
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    const y = (top + CHART_HEIGHT - share * CHART_HEIGHT).toFixed(1);
    if (share > 0) {
      parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    }
    parts.push(
      `<line data-tick="y" x1="${LEFT - 4}" x2="${LEFT}" y1="${y}" y2="${y}" stroke="#333"/>`,
      `<text x="${LEFT - 6}" y="${(Number(y) + 4).toFixed(1)}" text-anchor="end">${format(share * max)}</text>`,
    );
  }
  return parts;
}

/** The fault runs as a table: one row per fault with the JSON contract's figures. */
function faultTable(faults: readonly FaultReport[], top: number): string[] {
  if (faults.length === 0) return [];
  // Two-line headers ("|" splits them) so narrow columns stay apart.
  const columns: [string, number, (f: FaultReport) => string][] = [
    ["fault", LEFT, (f) => f.name],
    ["outcome", LEFT + 100, (f) => f.figures.outcome],
    [
      "gate that fired|@ step",
      LEFT + 175,
      (f) => (f.figures.gate === null ? "-" : `${f.figures.gate} @ ${f.figures.step}`),
    ],
    [
      "s from fault|to weight 0",
      LEFT + 345,
      (f) => (f.figures.secondsToWeightZero === null ? "-" : String(f.figures.secondsToWeightZero)),
    ],
    [
      "failed handshakes|stable / canary",
      LEFT + 445,
      (f) => `${f.figures.failedHandshakes} / ${f.figures.failedHandshakesOnCanary}`,
    ],
    [
      "max disconnects|never-canary / any",
      LEFT + 575,
      (f) => `${f.figures.maxDisconnectsNeverCanary} / ${f.figures.maxDisconnects}`,
    ],
    ["left on|aborted", LEFT + 715, (f) => String(f.figures.leftOnAbortedVersion)],
    ["unconnected|at the end", LEFT + 790, (f) => String(f.figures.unconnectedAtEnd)],
  ];
  const parts = [
    `<g data-faults="table">`,
    `<text x="${LEFT}" y="${top + 16}" font-size="13" font-weight="bold">Bad releases played into the staged release (--faults); red: a promise broken</text>`,
  ];
  const headerY = top + 54;
  for (const [title, x] of columns) {
    const [first, second] = title.split("|");
    parts.push(
      second === undefined
        ? `<text x="${x}" y="${headerY}" font-weight="bold">${escape(first)}</text>`
        : `<text x="${x}" y="${headerY - 14}" font-weight="bold">${escape(first)}<tspan x="${x}" dy="14">${escape(second)}</tspan></text>`,
    );
  }
  faults.forEach((f, i) => {
    const y = headerY + FAULT_ROW_HEIGHT * (i + 1);
    const color = f.broken.length === 0 ? "#222" : "#c00";
    parts.push(`<g data-fault="${escape(f.name)}" fill="${color}">`);
    for (const [, x, cell] of columns) parts.push(`<text x="${x}" y="${y}">${escape(cell(f))}</text>`);
    parts.push(`</g>`);
  });
  parts.push(`</g>`);
  return parts;
}

function footer(options: SvgOptions, height: number): string[] {
  return options.command === undefined
    ? []
    : [`<text x="${LEFT}" y="${height - 22}" fill="#333">reproduce: ${escape(options.command)}</text>`];
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
