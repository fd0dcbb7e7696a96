/** The rollout schedule rule on the rollout dynamic resource. */
import { describe, it } from "node:test";
import { rolloutSchedule } from "../../policies/rules/rollout";
import { rollout, weightReset, withProps } from "./fixtures";
import { UNKNOWN_VALUE, expectStack, withValue, type FakeResource } from "./harness";

const R = 'Rollout "rollout"';
const withSteps = (steps: unknown): FakeResource =>
  withProps(rollout(), withValue(rollout().props, "steps", steps));
/** The canary-weight reset is a dynamic resource too, without a schedule. */
const reset: FakeResource = weightReset();

describe("rollout-schedule", () => {
  it("GIVEN the prod schedule, or the emergency one-step schedule THEN it passes", async () => {
    await expectStack(rolloutSchedule, [rollout(), reset], []);
    await expectStack(rolloutSchedule, [withSteps([{ weight: 100, pauseSeconds: 0 }])], []);
  });

  it("GIVEN weights that fall, repeat or leave 1..100 THEN it reports each step", async () => {
    await expectStack(
      rolloutSchedule,
      [
        withSteps([
          { weight: 50, pauseSeconds: 120 },
          { weight: 25, pauseSeconds: 120 },
          { weight: 101, pauseSeconds: 0 },
        ]),
      ],
      [
        `${R}: step 2 weight 25 does not rise above step 1 weight 50: clients moved to the canary would be sent back, and reconnect twice. Fix: make every weight larger than the one before.`,
        `${R}: step 3 weight is 101, outside 1..100. Fix: use a whole percentage from 1 to 100.`,
      ],
    );
    await expectStack(
      rolloutSchedule,
      [
        withSteps([
          { weight: 0, pauseSeconds: 120 },
          { weight: 100, pauseSeconds: 0 },
        ]),
      ],
      [`${R}: step 1 weight is 0, outside 1..100. Fix: use a whole percentage from 1 to 100.`],
    );
  });

  it("GIVEN a short pause before the last step THEN it reports it; the last step may have none", async () => {
    await expectStack(
      rolloutSchedule,
      [
        withSteps([
          { weight: 10, pauseSeconds: 30 },
          { weight: 100, pauseSeconds: 0 },
        ]),
      ],
      [
        `${R}: step 1 pauses 30 s, below 60 s: the gates cannot judge the canary that fast. Fix: pause at least 60s after every step but the last.`,
      ],
    );
    await expectStack(
      rolloutSchedule,
      [
        withSteps([
          { weight: 10, pauseSeconds: 30 },
          { weight: 100, pauseSeconds: 0 },
        ]),
      ],
      [],
      {
        "rollout-schedule": { minPauseSeconds: 30 },
      },
    );
  });

  it("GIVEN pauses longer than the maximum in total THEN it reports the total", async () => {
    await expectStack(
      rolloutSchedule,
      [
        withSteps([
          { weight: 10, pauseSeconds: 3600 },
          { weight: 50, pauseSeconds: 3601 },
          { weight: 100, pauseSeconds: 0 },
        ]),
      ],
      [
        `${R}: the pauses add up to 7201 s, more than 7200 s: the update would keep the previous version frozen for that long. Fix: shorten the pauses, or stop the schedule below 100 and resume in a later update.`,
      ],
    );
    await expectStack(
      rolloutSchedule,
      [withSteps([])],
      [`${R}: the schedule has no steps (found []). Fix: list at least one step, e.g. [{weight: 100}].`],
    );
  });

  it("GIVEN unknown steps or step fields THEN it reports nothing", async () => {
    await expectStack(rolloutSchedule, [withSteps(UNKNOWN_VALUE)], []);
    await expectStack(
      rolloutSchedule,
      [
        withSteps([
          { weight: UNKNOWN_VALUE, pauseSeconds: UNKNOWN_VALUE },
          { weight: 100, pauseSeconds: 0 },
        ]),
      ],
      [],
    );
  });
});
