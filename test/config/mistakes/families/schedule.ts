/**
 * Durations and the weight schedule, from docs/configuration.md: durations
 * are written "90s", "2m", "1h30m" (hours, minutes, seconds); each key's
 * range; pauses at least the shared minimum (60 s) on every step but the
 * last, all together at most 7200 s; weights 1-100 rising strictly.
 * Integer-second keys (drainSeconds, preStopSeconds, terminationMarginSeconds)
 * take the ranges of the thresholds table.
 */
import { family, type FamilyCase, refused, refusedAt, set } from "../mutate";

const units = 'docs/configuration.md: durations are written "90s", "2m", "1h30m" (hours, minutes, seconds)';
const pause = (id: string, description: string, value: string, source = units): FamilyCase => ({
  id,
  description,
  source,
  stack: "dev",
  mutate: set("ws-gateway:rollout.steps[0].pause", value),
  expect: refused("ws-gateway:rollout.steps[0].pause"),
});
const at = refusedAt;

export const scheduleCases = family("durations-and-schedule", [
  pause("dur-min-word", "pause 1min", "1min"),
  pause("dur-space", "pause '1 m'", "1 m"),
  pause("dur-negative", "pause -1m", "-1m"),
  pause(
    "dur-below-min-pause",
    "pause 30s (below the 60 s minimum)",
    "30s",
    "docs/configuration.md thresholds: minPauseSeconds 60",
  ),
  pause(
    "dur-zero-middle",
    "pause 0s on a middle step (meant: no pause)",
    "0s",
    "docs/configuration.md thresholds: minPauseSeconds 60 on every step but the last",
  ),
  pause("dur-iso8601", "pause PT2M (ISO 8601)", "PT2M"),
  pause("dur-uppercase-unit", "pause 2M", "2M"),
  pause("dur-days", "pause 1d", "1d"),
  pause("dur-dangling-number", "pause 2m30 (no unit on the seconds)", "2m30"),
  pause("dur-empty", "pause empty", ""),
  pause(
    "dur-over-range",
    "pause 169h",
    "169h",
    "docs/configuration.md rollout.steps[].pause: duration 0s-168h",
  ),
  pause("dur-bare-text-number", 'pause "90" (text without a unit)', "90"),
  pause("dur-milliseconds", "pause 90000ms (not one of the documented units)", "90000ms"),
  {
    id: "sched-total-over",
    description: "three one-hour pauses: 10800 s, over the 7200 s maximum",
    source: "docs/configuration.md thresholds: maxScheduleSeconds 7200",
    stack: "prod",
    mutate: set("ws-gateway:rollout.steps", [
      { weight: 5, pause: "1h" },
      { weight: 25, pause: "1h" },
      { weight: 50, pause: "1h" },
      { weight: 100 },
    ]),
    expect: refused("ws-gateway:rollout.steps"),
  },
  {
    id: "sched-weights-falling",
    description: "weights 50 then 10",
    source: "docs/configuration.md rollout.steps[].weight: weights rise strictly",
    stack: "dev",
    mutate: set("ws-gateway:rollout.steps", [
      { weight: 50, pause: "1m" },
      { weight: 10, pause: "1m" },
      { weight: 100 },
    ]),
    expect: refused("ws-gateway:rollout.steps[1].weight"),
  },
  {
    id: "sched-weights-repeated",
    description: "weight 50 twice",
    source: "docs/configuration.md rollout.steps[].weight: weights rise strictly",
    stack: "dev",
    mutate: set("ws-gateway:rollout.steps", [
      { weight: 50, pause: "1m" },
      { weight: 50, pause: "1m" },
      { weight: 100 },
    ]),
    expect: refused("ws-gateway:rollout.steps[1].weight"),
  },
  at(
    "sched-weight-zero",
    "first weight 0",
    "rollout.steps[0].weight",
    0,
    "docs/configuration.md rollout.steps[].weight: integer 1-100",
    "dev",
  ),
  at(
    "sched-weight-over",
    "last weight 110",
    "rollout.steps[2].weight",
    110,
    "docs/configuration.md rollout.steps[].weight: integer 1-100",
    "dev",
  ),
  {
    id: "sched-middle-pause-missing",
    description: "a middle step without pause",
    source: "docs/configuration.md rollout.steps[].pause: required on every step but the last",
    stack: "dev",
    mutate: set("ws-gateway:rollout.steps", [{ weight: 10 }, { weight: 50, pause: "2m" }, { weight: 100 }]),
    expect: refused("ws-gateway:rollout.steps[0].pause"),
  },
  at(
    "sched-empty",
    "steps: []",
    "rollout.steps",
    [],
    "docs/configuration.md rollout.steps: the schedule",
    "dev",
  ),
  at(
    "dur-interval-zero",
    "gates.interval 0s",
    "rollout.gates.interval",
    "0s",
    "docs/configuration.md gates.interval: duration 1s-10m",
  ),
  at(
    "dur-interval-over",
    "gates.interval 11m",
    "rollout.gates.interval",
    "11m",
    "docs/configuration.md gates.interval: duration 1s-10m",
  ),
  at(
    "dur-pod-startup-zero",
    "gates.podStartup 0s",
    "rollout.gates.podStartup",
    "0s",
    "docs/configuration.md gates.podStartup: duration 1s-30m",
  ),
  at(
    "dur-pod-startup-over",
    "gates.podStartup 31m",
    "rollout.gates.podStartup",
    "31m",
    "docs/configuration.md gates.podStartup: duration 1s-30m",
  ),
  at(
    "dur-handshake-timeout-over",
    "handshake.timeout 3m",
    "rollout.gates.handshake.timeout",
    "3m",
    "docs/configuration.md gates.handshake.timeout: duration 1s-2m",
  ),
  at(
    "dur-ping-interval-zero",
    "survival.pingInterval 0s",
    "rollout.gates.survival.pingInterval",
    "0s",
    "docs/configuration.md gates.survival.pingInterval: duration 1s-5m",
  ),
  at(
    "dur-pong-timeout-over",
    "survival.pongTimeout 3m",
    "rollout.gates.survival.pongTimeout",
    "3m",
    "docs/configuration.md gates.survival.pongTimeout: duration 1s-2m",
  ),
  at(
    "dur-request-timeout-over",
    "api.requestTimeout 6m",
    "rollout.api.requestTimeout",
    "6m",
    "docs/configuration.md rollout.api.requestTimeout: duration 1s-5m",
  ),
  at(
    "dur-retry-budget-negative",
    "api.retryBudget -1s",
    "rollout.api.retryBudget",
    "-1s",
    "docs/configuration.md rollout.api.retryBudget: duration 0s-1h",
  ),
  at(
    "dur-abort-budget-over",
    "api.abortBudget 3h",
    "rollout.api.abortBudget",
    "3h",
    "docs/configuration.md rollout.api.abortBudget: duration 0s-2h",
  ),
  at("dur-uppercase-hours", "gates.interval 1H", "rollout.gates.interval", "1H", units),
  at(
    "secs-drain-below",
    "drainSeconds 299",
    "gateway.drainSeconds",
    299,
    "docs/configuration.md thresholds: minDrainSeconds 300",
  ),
  at(
    "secs-drain-over",
    "drainSeconds 86401",
    "gateway.drainSeconds",
    86401,
    "docs/configuration.md gateway.drainSeconds: to 86400",
  ),
  at(
    "secs-prestop-below",
    "preStopSeconds 4",
    "gateway.preStopSeconds",
    4,
    "docs/configuration.md thresholds: minPreStopSeconds 5",
  ),
  at(
    "secs-prestop-over",
    "preStopSeconds 121",
    "gateway.preStopSeconds",
    121,
    "docs/configuration.md gateway.preStopSeconds: to 120",
  ),
  at(
    "secs-margin-over",
    "terminationMarginSeconds 601",
    "gateway.terminationMarginSeconds",
    601,
    "docs/configuration.md gateway.terminationMarginSeconds: to 600",
  ),
]);
