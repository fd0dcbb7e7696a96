/**
 * The keys of rollout.gates.handshake that shape the probes' upgrade and
 * their liveness question (components/rollout/gates/probe.ts): headers,
 * subprotocols, the expected reply and the probe mode. Header names and
 * subprotocols are RFC 7230 tokens (RFC 6455 § 4.1 takes subprotocols as
 * tokens too); a literal value is a field value without line breaks.
 */
import {
  DEFAULT_PROBE_MODE,
  PROBE_MODES,
  PROBE_OWNED_HEADERS,
  type HeaderSource,
} from "../../components/rollout/gates/probe";
import { CANARY_HEADER } from "../../components/names";
import { key, show } from "./errors";
import { leaf, list, matching, oneOf, section } from "./leaves";

/** RFC 7230 § 3.2.6 token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 7230 § 3.2 field value: visible ASCII, spaces and tabs, no line break. */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
/** A POSIX shell variable name, which `export NAME=...` can set. */
const SHELL_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const probeKeys = {
  headers: list(
    section(
      {
        name: matching(
          TOKEN,
          'a header name, an RFC 7230 token like "Authorization"',
          'write it with letters, digits and "-"',
          "name the header, e.g. name: Authorization",
          (v) => v.replace(/[^!#$%&'*+.^_`|~0-9A-Za-z-]+/g, "-"),
        ),
        value: leaf(
          "a header value without line breaks, in visible ASCII",
          "write the value on one line; for a secret use fromEnv instead",
          (v) => (typeof v === "string" && FIELD_VALUE.test(v) ? v : undefined),
          { expect: "text" },
        ).optional(),
        fromEnv: matching(
          SHELL_VAR,
          'an environment variable name like "GATEWAY_PROBE_TOKEN"',
          "name the variable of the pulumi up process holding the value",
          undefined,
          (v) =>
            v
              .toUpperCase()
              .replace(/[^A-Z0-9_]+/g, "_")
              .replace(/^[0-9]/, "_$&"),
        ).optional(),
      },
      "header settings",
    ),
    "headers",
    0,
    20,
  ).default([]),
  subprotocols: list(
    matching(
      TOKEN,
      'a subprotocol, an RFC 7230 token like "graphql-transport-ws"',
      "name the subprotocol as the gateway accepts it",
      undefined,
      (v) => v.trim().replace(/[^!#$%&'*+.^_`|~0-9A-Za-z-]+/g, "-"),
    ),
    "subprotocols",
    0,
    10,
  ).default([]),
  reply: leaf(
    "a non-empty text",
    "write the reply the gateway sends to the message",
    (v) => (typeof v === "string" && v !== "" ? v : undefined),
    { expect: "text", ascii: false },
  ).optional(),
  mode: oneOf(
    PROBE_MODES,
    'use "message" (send handshake.message, wait for a reply) or "ping" (a WebSocket ping frame, wait for its pong)',
  ).default(DEFAULT_PROBE_MODE),
};

const AT = ["rollout", "gates", "handshake"] as const;

/** Rules across the probe keys. */
export function probeProblems(h: {
  readonly headers: readonly HeaderSource[];
  readonly subprotocols: readonly string[];
  readonly reply?: string;
  readonly mode: string;
}): string[] {
  const out: string[] = [];
  const seen = new Map<string, number>();
  h.headers.forEach((x, i) => {
    const lower = x.name.toLowerCase();
    if (PROBE_OWNED_HEADERS.includes(lower) || lower === CANARY_HEADER.toLowerCase()) {
      out.push(
        `${key([...AT, "headers", i, "name"])}: ${show(x.name)} is written by the probe itself (the WebSocket handshake's headers and ${CANARY_HEADER}, which routes it to the canary). Fix: remove it; offer subprotocols with rollout.gates.handshake.subprotocols.`,
      );
    }
    const first = seen.get(lower);
    if (first !== undefined) {
      out.push(
        `${key([...AT, "headers", i, "name"])}: ${show(x.name)} is already set by headers[${first}]. Fix: set each header once.`,
      );
    } else seen.set(lower, i);
    if ((x.value === undefined) === (x.fromEnv === undefined)) {
      out.push(
        `${key([...AT, "headers", i])}: needs exactly one of value or fromEnv (got ${x.value === undefined ? "neither" : "both"}). Fix: write value for a literal, or fromEnv: GATEWAY_PROBE_TOKEN for a secret read from the pulumi up process (a literal is stored in the stack's state).`,
      );
    }
  });
  const protocols = new Map<string, number>();
  h.subprotocols.forEach((p, i) => {
    const first = protocols.get(p);
    if (first !== undefined) {
      out.push(
        `${key([...AT, "subprotocols", i])}: ${show(p)} is already offered at subprotocols[${first}]; ws refuses repeated subprotocols. Fix: list each once.`,
      );
    } else protocols.set(p, i);
  });
  if (h.reply !== undefined && h.mode === "ping") {
    out.push(
      `${key([...AT, "reply"])}: applies to mode "message" only; a ping is answered by a pong frame (got ${show(h.reply)} with mode "ping"). Fix: remove reply, or set mode to "message".`,
    );
  }
  return out;
}
