/**
 * rollout.gates.handshake's probe keys validated: a stack using all of them
 * parses into the gates' settings, and each class of mistake gets its exact
 * problem lines.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig, type RawStackConfig } from "../../infra/config";
import { gkeStackConfig } from "../helpers/gkeConfig";

function withHandshake(handshake: Record<string, unknown>): RawStackConfig {
  const c = gkeStackConfig();
  return { ...c, rollout: { ...c.rollout, gates: { handshake } } };
}

function problemsOf(raw: RawStackConfig): readonly string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.fail("expected a ConfigError");
}

const CASES: readonly { name: string; handshake: Record<string, unknown>; problems: readonly string[] }[] = [
  {
    name: "a header name with a space",
    handshake: {
      headers: [
        {
          name: "X Tenant",
          value: "a",
        },
      ],
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.headers[0].name: must be a header name, an RFC 7230 token like "Authorization" (got "X Tenant"). Fix: write it with letters, digits and "-", e.g. "X-Tenant".',
    ],
  },
  {
    name: "the handshake's own header",
    handshake: {
      headers: [
        {
          name: "Sec-WebSocket-Protocol",
          value: "chat",
        },
      ],
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.headers[0].name: "Sec-WebSocket-Protocol" is written by the probe itself (the WebSocket handshake\'s headers and X-Ws-Gateway-Canary, which routes it to the canary). Fix: remove it; offer subprotocols with rollout.gates.handshake.subprotocols.',
    ],
  },
  {
    name: "the canary routing header",
    handshake: {
      headers: [
        {
          name: "x-ws-gateway-canary",
          value: "never",
        },
      ],
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.headers[0].name: "x-ws-gateway-canary" is written by the probe itself (the WebSocket handshake\'s headers and X-Ws-Gateway-Canary, which routes it to the canary). Fix: remove it; offer subprotocols with rollout.gates.handshake.subprotocols.',
    ],
  },
  {
    name: "a header with value and fromEnv",
    handshake: {
      headers: [
        {
          name: "Authorization",
          value: "Bearer x",
          fromEnv: "TOKEN",
        },
      ],
    },
    problems: [
      "ws-gateway:rollout.gates.handshake.headers[0]: needs exactly one of value or fromEnv (got both). Fix: write value for a literal, or fromEnv: GATEWAY_PROBE_TOKEN for a secret read from the pulumi up process (a literal is stored in the stack's state).",
    ],
  },
  {
    name: "a header with neither value nor fromEnv",
    handshake: {
      headers: [
        {
          name: "Authorization",
        },
      ],
    },
    problems: [
      "ws-gateway:rollout.gates.handshake.headers[0]: needs exactly one of value or fromEnv (got neither). Fix: write value for a literal, or fromEnv: GATEWAY_PROBE_TOKEN for a secret read from the pulumi up process (a literal is stored in the stack's state).",
    ],
  },
  {
    name: "a header set twice",
    handshake: {
      headers: [
        {
          name: "X-A",
          value: "1",
        },
        {
          name: "x-a",
          value: "2",
        },
      ],
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.headers[1].name: "x-a" is already set by headers[0]. Fix: set each header once.',
    ],
  },
  {
    name: "a header value with a line break",
    handshake: {
      headers: [
        {
          name: "X-A",
          value: "a\r\nX-B: b",
        },
      ],
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.headers[0].value: must be a header value without line breaks, in visible ASCII (got "a\\r\\nX-B: b": character 2 is U+000D CARRIAGE RETURN, character 3 is U+000A LINE FEED (a line break)). Fix: write it in plain ASCII: "aX-B: b".',
    ],
  },
  {
    name: "an environment variable name with a dash",
    handshake: {
      headers: [
        {
          name: "Authorization",
          fromEnv: "probe-token",
        },
      ],
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.headers[0].fromEnv: must be an environment variable name like "GATEWAY_PROBE_TOKEN" (got "probe-token"). Fix: name the variable of the pulumi up process holding the value, e.g. "PROBE_TOKEN".',
    ],
  },
  {
    name: "a subprotocol with a space",
    handshake: {
      subprotocols: ["graphql ws"],
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.subprotocols[0]: must be a subprotocol, an RFC 7230 token like "graphql-transport-ws" (got "graphql ws"). Fix: name the subprotocol as the gateway accepts it, e.g. "graphql-ws".',
    ],
  },
  {
    name: "a subprotocol offered twice",
    handshake: {
      subprotocols: ["chat", "chat"],
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.subprotocols[1]: "chat" is already offered at subprotocols[0]; ws refuses repeated subprotocols. Fix: list each once.',
    ],
  },
  {
    name: "a reply in ping mode",
    handshake: {
      mode: "ping",
      reply: "pong",
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.reply: applies to mode "message" only; a ping is answered by a pong frame (got "pong" with mode "ping"). Fix: remove reply, or set mode to "message".',
    ],
  },
  {
    name: "a mode in upper case",
    handshake: {
      mode: "PING",
    },
    problems: [
      'ws-gateway:rollout.gates.handshake.mode: must be one of message, ping (got "PING"). Fix: use "message" (send handshake.message, wait for a reply) or "ping" (a WebSocket ping frame, wait for its pong).',
    ],
  },
];

describe("rollout.gates.handshake probe keys", () => {
  it("GIVEN headers, subprotocols, a reply and the message mode WHEN parsed THEN the gates receive them", () => {
    const headers = [
      { name: "Authorization", fromEnv: "GATEWAY_PROBE_AUTH" },
      { name: "X-Tenant", value: "acme" },
    ];
    const c = parseConfig(withHandshake({ headers, subprotocols: ["v2.chat"], reply: "pong" }));
    assert.deepEqual(c.rollout.gates.handshake, {
      url: "wss://ws.acme.example/",
      timeoutSeconds: 5,
      message: "ping",
      headers,
      subprotocols: ["v2.chat"],
      reply: "pong",
    });
  });

  it("GIVEN ping mode WHEN parsed THEN the gates receive it", () => {
    assert.equal(parseConfig(withHandshake({ mode: "ping" })).rollout.gates.handshake.mode, "ping");
  });

  it("GIVEN no probe key WHEN parsed THEN the gates' settings hold none of them (the rollout's inputs stay as they were)", () => {
    assert.deepEqual(Object.keys(parseConfig(withHandshake({})).rollout.gates.handshake), [
      "url",
      "timeoutSeconds",
      "message",
    ]);
  });

  for (const c of CASES) {
    it(`GIVEN ${c.name} WHEN parsed THEN it fails with the exact message`, () => {
      assert.deepEqual(problemsOf(withHandshake(c.handshake)), c.problems);
    });
  }
});
