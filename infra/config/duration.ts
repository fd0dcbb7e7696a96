/** Durations in config: "1h30m", "2m", "45s". */

const DURATION_RE = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses "1h30m", "2m", "45s" into seconds; undefined when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (m === null || text.trim() === "" || (m[1] === undefined && m[2] === undefined && m[3] === undefined)) {
    return undefined;
  }
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
