/**
 * Names shared by the rehearsal's processes (gateway, balancer, nginx config,
 * fleet). The gateway's own contract names live in components/names.ts.
 */

/** Response header naming the version that accepted an upgrade (the fleet counts clients per version). */
export const VERSION_HEADER = "X-Gateway-Version";

/** Response header of the balancer that carries the chosen endpoint, "127.0.0.1:port". */
export const BACKEND_HEADER = "X-Backend";

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
