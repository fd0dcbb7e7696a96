/**
 * The progress line's time left. Pure.
 */

/**
 * Real seconds left in the whole rehearsal, from the scaled clock: the current run's scheduled seconds still
 * to play, plus the runs not started yet; both stretched by how much slower than planned the finished runs
 * were (a busy machine makes waits for pods, sockets and settling overrun), so the estimate follows the load.
 */
export function realSecondsLeft(p: {
  /** Scheduled seconds the current run has played, and its plan. */
  readonly playedScheduled: number;
  readonly plannedScheduled: number;
  readonly scale: number;
  /** Real seconds planned for the runs after this one. */
  readonly laterPlannedReal: number;
  /** Real seconds the finished runs took, and their plan. */
  readonly doneReal: number;
  readonly donePlannedReal: number;
}): number {
  const stretch = p.donePlannedReal > 0 ? Math.max(1, p.doneReal / p.donePlannedReal) : 1;
  // A run past its plan still has at least its last phase to go: one tenth of its plan.
  const currentLeft = Math.max(p.plannedScheduled - p.playedScheduled, p.plannedScheduled / 10) / p.scale;
  return (currentLeft + p.laterPlannedReal) * stretch;
}

export function formatLeft(realSeconds: number): string {
  const s = Math.max(0, Math.round(realSeconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
