/**
 * What the data-plane probes send on the upgrade and after it, as a real
 * gateway may require: extra headers (an Authorization header from a literal
 * or, for a secret, from an environment variable of the process running the
 * rollout, so the value never enters the stack's state or any message), the
 * subprotocols offered in Sec-WebSocket-Protocol, and how liveness is asked:
 * an application message (with, optionally, the one reply that counts) or a
 * WebSocket ping frame (opcode 0x9) answered by a pong (RFC 6455 § 5.5.2).
 */

/** How a probe asks whether the gateway is alive. */
export const PROBE_MODES = ["message", "ping"] as const;
export type ProbeMode = (typeof PROBE_MODES)[number];
export const DEFAULT_PROBE_MODE: ProbeMode = "message";

/** One header of the upgrade: exactly one of `value` (a literal) and `fromEnv` (a variable's name). */
export interface HeaderSource {
  readonly name: string;
  readonly value?: string;
  readonly fromEnv?: string;
}

/** Headers the probes may not set: the handshake's own (ws writes them) and the canary routing header. */
export const PROBE_OWNED_HEADERS: readonly string[] = [
  "host",
  "connection",
  "upgrade",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
];

/** The headers to send, or which source could not be read; values never appear in the text. */
export type ResolvedHeaders = { readonly ok: Record<string, string> } | { readonly problem: string };

export function resolveHeaders(
  sources: readonly HeaderSource[] | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedHeaders {
  const out: Record<string, string> = {};
  for (const h of sources ?? []) {
    if (h.fromEnv !== undefined) {
      const v = env[h.fromEnv];
      if (v === undefined || v === "") {
        return {
          problem: `header ${h.name}: environment variable ${h.fromEnv} is not set in the process running the rollout (pulumi up); export it there`,
        };
      }
      out[h.name] = v;
    } else out[h.name] = h.value ?? "";
  }
  return { ok: out };
}

/** A reply for a message: its text cut to 80 characters, so a long frame stays readable. */
export function shownReply(data: unknown): string {
  const text = Buffer.isBuffer(data)
    ? data.toString("utf8")
    : Array.isArray(data)
      ? Buffer.concat(data as Buffer[]).toString("utf8")
      : data instanceof ArrayBuffer
        ? Buffer.from(data).toString("utf8")
        : String(data);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
