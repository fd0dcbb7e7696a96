/** Durations in config: one definition shared with the components and the pack. */
export { formatDuration, parseDuration } from "../../components/shared/units";
