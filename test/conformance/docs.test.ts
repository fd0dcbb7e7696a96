/**
 * docs/conformance.md states what the checker and the pod do: every point the
 * checker reports is listed, and the numbers the page gives are the code's.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { GATEWAY_UID } from "../../components/gateway/versionedGateway";
import {
  CLOSE_CODE_SERVICE_RESTART,
  LIVENESS_PATH,
  READINESS_PATH,
  VERSION_HEADER,
} from "../../components/names";
import { DEFAULT_PROBE_MESSAGE } from "../../components/rollout/defaults";
import { REPO_ROOT } from "../helpers/stacks";
import { BOUNDS, EXIT } from "./args";
import { EXIT_AFTER_MS, READINESS_FAIL_MS, expectations } from "./checks";
import { LATE_CLOSE_MS, MIN_CLIENTS, SPREAD_MAX_DISTANCE } from "./spread";

const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "conformance.md"), "utf8");
/** The page with every run of white space as one space, so a wrapped line still matches. */
const flat = doc.replace(/\s+/g, " ");

describe("docs/conformance.md", () => {
  it("GIVEN the checker's points THEN the page has a row for each", () => {
    const ids = Object.keys(
      expectations({ drainSeconds: 1, clients: MIN_CLIENTS, version: "v", message: "m" }),
    );
    for (const id of ids) assert.match(doc, new RegExp(`^\\| \`${id}\` +\\|`, "m"), `no row for ${id}`);
  });

  it("GIVEN the numbers the page states THEN they are the code's", () => {
    for (const text of [
      `within ${READINESS_FAIL_MS} ms of SIGTERM`,
      `within ${EXIT_AFTER_MS} ms of it`,
      `at most ${SPREAD_MAX_DISTANCE}`,
      `at most ${LATE_CLOSE_MS} ms after`,
      `at ${MIN_CLIENTS} clients or more`,
      `(${BOUNDS.drainSeconds.default} by default)`,
      `opens ${BOUNDS.clients.default}`,
      `UID and GID ${GATEWAY_UID}`,
      `--user ${GATEWAY_UID}:${GATEWAY_UID}`,
      `with code ${CLOSE_CODE_SERVICE_RESTART}`,
      `\`${VERSION_HEADER}`,
      `\`GET ${READINESS_PATH}\``,
      `\`GET ${LIVENESS_PATH}\``,
      `\`${DEFAULT_PROBE_MESSAGE}\` by default`,
      `exit code is ${EXIT.pass} when every point passed, ${EXIT.fail} when one failed, ${EXIT.usage} for bad arguments`,
    ])
      assert.ok(flat.includes(text), `docs/conformance.md should say "${text}"`);
  });
});
