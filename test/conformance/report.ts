/** The checker's report: one line per point, or JSON. */
import { ENV_DRAIN_SECONDS } from "../../components/names";
import type { Point } from "./checks";

export interface Report {
  readonly target: string;
  readonly drainSeconds: number;
  readonly clients: number;
  readonly version: string | undefined;
  readonly ok: boolean;
  readonly points: readonly Point[];
  /** The gateway's last output lines, when the checker started it and a point failed. */
  readonly output?: string;
}

export function textReport(report: Report): string {
  const width = Math.max(...report.points.map((p) => p.id.length));
  const lines = [
    `conformance: ${report.target} (${ENV_DRAIN_SECONDS}=${report.drainSeconds}, ${report.clients} clients${report.version === undefined ? "" : `, version ${report.version}`})`,
    ...report.points.map(
      (p) =>
        `${p.ok ? "PASS" : "FAIL"} ${p.id.padEnd(width)}  ${p.measured}${p.ok ? "" : `  (expected: ${p.expected})`}`,
    ),
  ];
  const failed = report.points.filter((p) => !p.ok).length;
  if (failed > 0 && report.output !== undefined && report.output !== "")
    lines.push("the gateway's last output:", ...report.output.split("\n").map((l) => `  ${l}`));
  lines.push(
    failed === 0
      ? `conformance: ${report.points.length} of ${report.points.length} points passed`
      : `conformance: ${failed} of ${report.points.length} points failed`,
  );
  return lines.join("\n");
}

export function jsonReport(report: Report): string {
  return JSON.stringify(report, null, 2);
}
