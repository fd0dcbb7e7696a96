/**
 * Names shared by the rehearsal's processes (gateway, balancer, nginx config,
 * fleet). The gateway's own contract names live in components/names.ts.
 */

/** Response header naming the version that accepted an upgrade (the drain contract's version identity; the fleet counts clients per version). */
export { VERSION_HEADER } from "../../components/names";

/** Response header of the balancer that carries the chosen endpoint, "127.0.0.1:port". */
export const BACKEND_HEADER = "X-Backend";

/**
 * Response header naming the path a request took, "stable" or "canary": the
 * balancer sets it and nginx copies it onto every answer to the client (101
 * or error), so a failed handshake is charged to the path that failed it.
 */
export const ROUTE_HEADER = "X-Route";

/** Path of the balancer decision, reached by nginx `auth_request`. */
export const BALANCER_PATH = "/_balancer";

/** Path the fleet and the handshake gate connect to. */
export const WEBSOCKET_PATH = "/ws";

/** Set by `node --test` in the test files it runs; the rehearsal's own child processes are not test files. */
const TEST_RUNNER_ENV = "NODE_TEST_CONTEXT";

/** Environment for a child process of the rehearsal: ours, minus the test runner's marker. */
export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env[TEST_RUNNER_ENV];
  return env;
}
