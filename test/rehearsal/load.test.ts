import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EXIT } from "./cli";
import {
  INJECT_LAG_ENV,
  MACHINE_TOO_BUSY,
  TOO_BUSY_VERDICT,
  cpuWaitPercent,
  machineVerdict,
  parseProcStat,
  parseSchedstat,
  tooBusyHint,
  type LoadFigures,
} from "./load";
import { NGINX_INSTALL_HINT, findNginx } from "./nginx";
import { realSecondsLeft } from "./progress";
import type { RehearsalJson } from "./report";
import { run } from "./runChild";

describe("machine too busy (starvation is not a regression)", () => {
  const load = (over: Partial<LoadFigures>): LoadFigures => ({
    eventLoopLagP99Ms: 10,
    eventLoopLagMaxMs: 20,
    eventLoopLagMeanMs: 1,
    runQueueWaitPercent: 10,
    stealPercent: 0,
    ownCpuPercent: 30,
    ...over,
  });
  const limit = MACHINE_TOO_BUSY;

  it("keeps a run valid at its event-loop lag limit and invalidates it just past", () => {
    // GIVEN a lag p99 exactly at the limit THEN the run is a measurement
    assert.deepEqual(machineVerdict(load({ eventLoopLagP99Ms: limit.eventLoopLagP99Ms })), { valid: true });
    // WHEN the lag is a tenth of a millisecond past it THEN the run is invalid, and says by how much
    const verdict = machineVerdict(
      load({ eventLoopLagP99Ms: limit.eventLoopLagP99Ms + 0.1, eventLoopLagMaxMs: 2000 }),
    );
    assert.deepEqual(verdict, {
      valid: false,
      reasons: [
        `event-loop lag p99 ${limit.eventLoopLagP99Ms + 0.1} ms real (max 2000 ms), limit ${limit.eventLoopLagP99Ms} ms`,
      ],
    });
  });

  it("adds host steal to the run-queue wait, and invalidates the run just past the CPU-wait limit", () => {
    // GIVEN run-queue wait and steal that sum to the limit THEN valid
    const half = limit.cpuWaitPercent / 2;
    assert.deepEqual(machineVerdict(load({ runQueueWaitPercent: half, stealPercent: half })), {
      valid: true,
    });
    // WHEN they sum to a tenth past it THEN invalid, naming both parts
    const verdict = machineVerdict(load({ runQueueWaitPercent: half, stealPercent: half + 0.1 }));
    assert.equal(verdict.valid, false);
    assert.match(
      verdict.valid ? "" : verdict.reasons.join(),
      new RegExp(`run queue ${half}%, steal ${half + 0.1}%\\), limit ${limit.cpuWaitPercent}%`),
    );
  });

  it("judges the lag alone where the kernel reports no CPU wait", () => {
    const unknown = load({ runQueueWaitPercent: null, stealPercent: null });
    assert.equal(cpuWaitPercent(unknown), null);
    assert.deepEqual(machineVerdict(unknown), { valid: true });
    assert.equal(machineVerdict({ ...unknown, eventLoopLagP99Ms: limit.eventLoopLagP99Ms + 1 }).valid, false);
  });

  it("reads steal from /proc/stat and the run-queue wait from /proc/self/schedstat", () => {
    assert.deepEqual(parseProcStat("cpu  10 1 5 80 2 0 0 2 7 0\ncpu0 1 1 1 1 1 1 1 1 1 1\n"), {
      total: 100,
      steal: 2,
    });
    assert.equal(parseProcStat("intr 1 2 3"), undefined);
    assert.equal(parseSchedstat("123456 7890 12\n"), 7890);
  });

  it("names a smaller fleet and a slower clock in its hint", () => {
    assert.equal(
      tooBusyHint(500, 240),
      "rerun on a quieter machine, or with less to play per real second: --clients 250 (now 500) or --scale 120 (now 240)",
    );
  });

  it("stretches the time left by how much slower than planned the finished runs were", () => {
    // GIVEN a run half played (300 of 600 scheduled s at x60: 5 s real left) and 20 s planned after it
    const base = { playedScheduled: 300, plannedScheduled: 600, scale: 60, laterPlannedReal: 20 };
    // THEN on plan, 25 s are left
    assert.equal(realSecondsLeft({ ...base, doneReal: 0, donePlannedReal: 0 }), 25);
    // AND when the finished runs took twice their plan, 50 s
    assert.equal(realSecondsLeft({ ...base, doneReal: 40, donePlannedReal: 20 }), 50);
    // AND a run past its plan is never shown as done: a tenth of its plan remains
    assert.equal(
      realSecondsLeft({
        ...base,
        playedScheduled: 900,
        laterPlannedReal: 0,
        doneReal: 0,
        donePlannedReal: 0,
      }),
      1,
    );
  });

  it(
    "exits with its own code and prints the figures when the measured lag is past the limit",
    { timeout: 120_000 },
    async (t) => {
      if (findNginx() === undefined) assert.fail(NGINX_INSTALL_HINT);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-busy-"));
      const jsonFile = path.join(dir, "busy.json");
      try {
        // GIVEN a starved machine, played by the test hook that adds a lag to the measured one
        const injected = String(MACHINE_TOO_BUSY.eventLoopLagP99Ms + 1000);
        // WHEN a small rehearsal runs
        const { code, stdout, stderr } = await run(
          process.execPath,
          [
            path.join(__dirname, "main.js"),
            "--quick",
            "--clients",
            "50",
            "--strategies",
            "rolling",
            "--json",
            jsonFile,
          ],
          t.signal,
          { [INJECT_LAG_ENV]: injected },
        );
        // THEN it exits with the too-busy code, never "promise broken", with the hint
        assert.equal(code, EXIT.TOO_BUSY, stderr.slice(-2000));
        assert.match(stderr, /invalid: machine too busy: event-loop lag p99 \d+(\.\d)? ms real/);
        assert.match(stderr, /--clients 25 \(now 50\) or --scale 120 \(now 240\)/);
        assert.match(stderr, new RegExp(`Exit code ${EXIT.TOO_BUSY} says so`));
        assert.doesNotMatch(stderr, /promise\(s\) broken/);
        // AND the figures are still printed and written, with the measured lag and the verdict
        assert.match(stdout, /disconnects per client: max/);
        assert.match(stdout, /machine: event-loop lag p99 .*: invalid: machine too busy/);
        const json = JSON.parse(fs.readFileSync(jsonFile, "utf8")) as RehearsalJson;
        assert.ok(json.strategies.rolling !== undefined);
        assert.equal(json.machine?.verdict, TOO_BUSY_VERDICT);
        assert.ok((json.machine?.eventLoopLagP99Ms ?? 0) > MACHINE_TOO_BUSY.eventLoopLagP99Ms);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
