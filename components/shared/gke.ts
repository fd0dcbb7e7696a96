/**
 * GKE's own rules, defined once for the config, the cluster component and
 * the policy pack: the release channels of the pinned provider and what a
 * maintenance window must give GKE.
 *
 * - Release channels: `ClusterReleaseChannel.channel` of the pinned
 *   @pulumi/gcp (types/input.d.ts): UNSPECIFIED, RAPID, REGULAR, STABLE,
 *   EXTENDED. UNSPECIFIED (no channel) is left out on purpose: a cluster
 *   without a channel is not patched inside its window.
 * - Maintenance windows: GKE requires at least 48 hours of availability in
 *   any 32-day rolling window, and counts only contiguous periods of at
 *   least 4 hours. Times are stored in UTC ("Zulu"), and a weekly BYDAY
 *   applies to UTC weekdays.
 * Sources: docs/facts.md F50, F51.
 */
export const RELEASE_CHANNELS = ["RAPID", "REGULAR", "STABLE", "EXTENDED"] as const;
export type ReleaseChannel = (typeof RELEASE_CHANNELS)[number];

export const MAINTENANCE_RULE = {
  /** Hours of availability GKE requires in any rolling window of `rollingDays`. */
  minHours: 48,
  rollingDays: 32,
  /** The shortest window GKE counts towards `minHours`. */
  minWindowHours: 4,
} as const;

const DAY_SECONDS = 86400;

/** RRULE parts as a map (keys upper case as the config's RRULE check demands). */
function parts(recurrence: string): Map<string, string> {
  const body = recurrence.startsWith("RRULE:") ? recurrence.slice(6) : recurrence;
  return new Map(
    body.split(";").map((p) => {
      const [k, v] = p.split("=");
      return [k ?? "", v ?? ""] as const;
    }),
  );
}

/**
 * The fewest windows a recurrence guarantees in any rolling window of
 * `days` days, and the spacing between two of them in seconds; undefined
 * when the rule is one this count does not model (COUNT, UNTIL, BYMONTH),
 * so nothing is refused on a guess.
 */
export function windowsPerRollingPeriod(
  recurrence: string,
  days: number = MAINTENANCE_RULE.rollingDays,
): { count: number; spacingSeconds: number } | undefined {
  const p = parts(recurrence);
  if (p.has("COUNT") || p.has("UNTIL") || p.has("BYMONTH")) return undefined;
  const interval = Number(p.get("INTERVAL") ?? "1");
  if (!Number.isInteger(interval) || interval < 1) return undefined;
  const byDay = p.get("BYDAY");
  const dayCount = byDay === undefined || byDay === "" ? 1 : byDay.split(",").length;
  switch (p.get("FREQ")) {
    case "DAILY":
      return { count: Math.floor(days / interval), spacingSeconds: interval * DAY_SECONDS };
    case "WEEKLY":
      // Any `days` days hold floor(days / 7) whole weeks, each with every listed weekday once.
      return {
        count: Math.floor(days / (7 * interval)) * dayCount,
        spacingSeconds: dayCount > 1 ? DAY_SECONDS : 7 * interval * DAY_SECONDS,
      };
    case "MONTHLY": {
      if (byDay !== undefined) {
        // Every listed weekday of the month: weekly, as far as any 32 days go.
        return interval === 1
          ? { count: Math.floor(days / 7) * dayCount, spacingSeconds: DAY_SECONDS }
          : undefined;
      }
      const monthDays = p.get("BYMONTHDAY");
      return interval === 1
        ? {
            count: monthDays === undefined ? 1 : monthDays.split(",").length,
            spacingSeconds:
              monthDays !== undefined && monthDays.includes(",") ? DAY_SECONDS : 28 * DAY_SECONDS,
          }
        : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * A maintenance window that gives GKE too little time: how long it is, the
 * availability it gives in the worst rolling period (when the recurrence is
 * one this count models), and the shortest window that would give enough
 * with the same recurrence (undefined when no window length can, because
 * the recurrence has too few days).
 */
export interface WindowShortfall {
  readonly windowSeconds: number;
  readonly totalSeconds?: number;
  readonly neededWindowSeconds?: number;
}

/** The shortest window GKE accepts for a recurrence; undefined when the recurrence itself gives too little. */
export function neededWindowSeconds(recurrence: string): number | undefined {
  const min = MAINTENANCE_RULE.minWindowHours * 3600;
  const per = windowsPerRollingPeriod(recurrence);
  if (per === undefined) return min;
  if (per.count === 0) return undefined;
  const needed = Math.max(min, Math.ceil((MAINTENANCE_RULE.minHours * 3600) / per.count));
  return needed <= per.spacingSeconds ? needed : undefined;
}

/** Undefined when the window gives GKE enough (or the count cannot tell). */
export function maintenanceShortfall(
  startMs: number,
  endMs: number,
  recurrence: string,
): WindowShortfall | undefined {
  const windowSeconds = Math.round((endMs - startMs) / 1000);
  if (!(windowSeconds > 0)) return undefined; // end before start is its own rule
  const needed = neededWindowSeconds(recurrence);
  const per = windowsPerRollingPeriod(recurrence);
  // Windows longer than their spacing overlap; count each at most its spacing.
  const totalSeconds =
    per === undefined ? undefined : per.count * Math.min(windowSeconds, per.spacingSeconds);
  const short =
    windowSeconds < MAINTENANCE_RULE.minWindowHours * 3600 ||
    (totalSeconds !== undefined && totalSeconds < MAINTENANCE_RULE.minHours * 3600);
  return short ? { windowSeconds, totalSeconds, neededWindowSeconds: needed } : undefined;
}
