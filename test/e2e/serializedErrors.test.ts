/**
 * Found by the real engine: with the API server down, `pulumi up` printed
 * "measured [object Object]": the client's errors were a subclass of Error,
 * which Pulumi's closure serializer (the dynamic provider's code) turns into
 * objects with no message that are not Errors. The errors the provider can
 * throw are checked here through the same serializer, run in a fresh node.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { errorText, networkApiError } from "../../components/rollout/apiError";

async function runSerialized(fn: () => unknown): Promise<unknown> {
  const serialized = await pulumi.runtime.serializeFunction(fn);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ws-gateway-serialized-"));
  try {
    const file = path.join(dir, "fn.js");
    fs.writeFileSync(file, serialized.text);
    const r = spawnSync(
      process.execPath,
      ["-e", `console.log(JSON.stringify(require(${JSON.stringify(file)}).${serialized.exportName}()))`],
      { encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("Kubernetes API errors inside the serialized dynamic provider", () => {
  it("GIVEN a failed API call WHEN its error is built by serialized code THEN it is an Error with its message and status", async () => {
    const seen = await runSerialized(() => {
      const error = networkApiError(
        {
          method: "GET",
          path: "/apis/networking.k8s.io/v1/namespaces/prod/ingresses/ws-gateway-canary",
          url: "https://127.0.0.1:6443/apis/networking.k8s.io/v1/namespaces/prod/ingresses/ws-gateway-canary",
          what: "Ingress prod/ws-gateway-canary",
        },
        "ECONNREFUSED",
        "connection refused",
        false,
      );
      return { isError: error instanceof Error, status: error.status, text: errorText(error) };
    });
    const { isError, status, text } = seen as { isError: boolean; status: unknown; text: string };
    assert.equal(isError, true);
    assert.equal(status, undefined);
    assert.match(text, /\(Ingress prod\/ws-gateway-canary\): connection refused; /);
    assert.doesNotMatch(text, /\[object Object\]/);
  });
});
