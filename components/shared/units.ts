/**
 * Durations and value display, one definition for the config, the components
 * and the policy pack. A duration is written "90s", "2m", "1h30m" (hours,
 * minutes, seconds in that order, each optional, at least one present).
 */

const DURATION_RE = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses "1h30m", "2m", "45s" into seconds; undefined when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  const m = DURATION_RE.exec(t);
  if (m === null || t === "" || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) {
    return undefined;
  }
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Seconds written the way config accepts them back: 120 -> "2m", 5400 -> "1h30m", 45 -> "45s", 0 -> "0s". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const out = `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 ? `${s}s` : ""}`;
  return out === "" ? "0s" : out;
}

/** A value shown in a message: strings quoted, absence as "nothing", the rest as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
