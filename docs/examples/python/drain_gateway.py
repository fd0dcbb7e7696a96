"""A minimal WebSocket gateway that honours the drain contract (docs/drain-contract.md),
with the Python standard library only: the RFC 6455 handshake and framing are written out below.

Run:   DRAIN_SECONDS=1800 PORT=8080 GATEWAY_VERSION=v1 python3 drain_gateway.py
Check: npm run conformance -- --cmd "python3 docs/examples/python/drain_gateway.py" (docs/conformance.md)
"""

import asyncio
import base64
import hashlib
import os
import random
import signal
import struct
import sys

CLOSE_SERVICE_RESTART = 1012  # the contract's close code (Service Restart)
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
CLOSE_TIMEOUT_SECONDS = 10  # how long a close handshake may take before the socket is dropped
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
MAX_FRAME = 1 << 20

VERSION = os.environ.get("GATEWAY_VERSION") or "dev"
DRAIN_SECONDS = float(os.environ.get("DRAIN_SECONDS") or "1800")

draining = False
connections = set()
done = None  # an asyncio.Event, made inside the running loop


class Connection:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.close_sent = False

    def send(self, opcode, payload=b""):
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        self.writer.write(header + payload)

    def start_close(self, code, reason=b""):
        """Sends a close frame once; the read loop ends the connection when the client answers."""
        if self.close_sent:
            return
        self.close_sent = True
        self.send(OP_CLOSE, struct.pack("!H", code) + reason)

    async def read_frame(self):
        """One frame (client frames are masked): FIN, opcode, payload."""
        b0, b1 = await self.reader.readexactly(2)
        length = b1 & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        if not b1 & 0x80 or length > MAX_FRAME:
            raise ConnectionError("protocol error")
        mask = await self.reader.readexactly(4)
        data = await self.reader.readexactly(length)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        return bool(b0 & 0x80), b0 & 0x0F, payload

    async def serve(self):
        """Echoes messages until the close handshake ends."""
        while True:
            if self.close_sent:
                frame = await asyncio.wait_for(self.read_frame(), CLOSE_TIMEOUT_SECONDS)
            else:
                frame = await self.read_frame()
            fin, opcode, payload = frame
            if opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
                while not fin:  # a fragmented message: echo it whole once complete
                    fin, _, more = await self.read_frame()
                    payload += more
                self.send(opcode, payload)
            elif opcode == OP_PING:
                self.send(OP_PONG, payload)
            elif opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1000
                self.start_close(code)  # answer the client's close, or this was the answer to ours
                await self.writer.drain()
                return
            await self.writer.drain()


def respond(writer, status, reason, body=b""):
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


async def handle(reader, writer):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    path = request_line.split(" ")[1] if request_line.count(" ") >= 2 else ""
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if path == "/livez":  # stays healthy while draining
        respond(writer, 200, "OK", b"ok")
    elif path == "/readyz":  # fails while draining
        respond(writer, 503, "Service Unavailable") if draining else respond(writer, 200, "OK")
    elif headers.get("upgrade", "").lower() != "websocket" or "sec-websocket-key" not in headers:
        respond(writer, 404, "Not Found")
    elif draining:  # no new upgrades on a pod that is leaving
        respond(writer, 503, "Service Unavailable")
    else:
        accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + ACCEPT_GUID).digest())
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + b"Sec-WebSocket-Accept: " + accept + b"\r\n"
            + b"X-Gateway-Version: " + VERSION.encode() + b"\r\n\r\n"  # version identity
        )
        conn = Connection(reader, writer)
        connections.add(conn)
        try:
            await conn.serve()
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            connections.discard(conn)
            if draining and not connections:
                done.set()  # exit when no connection is left
    try:
        await writer.drain()
        writer.close()
    except ConnectionError:
        pass


def drain():
    """Closes the open connections spread uniformly over DRAIN_SECONDS, with jitter:
    connection i of n closes at a random moment of slot i."""
    global draining
    if draining:
        return
    draining = True  # readiness fails, no new upgrades
    open_now = list(connections)
    if not open_now:
        done.set()
        return
    random.shuffle(open_now)
    slot = DRAIN_SECONDS / len(open_now)
    if os.environ.get("BROKEN") == "close-all":
        slot = 0  # plays the mistake the conformance check catches: every socket closed at once
    loop = asyncio.get_running_loop()
    for i, conn in enumerate(open_now):
        loop.call_later((i + random.random()) * slot, conn.start_close, CLOSE_SERVICE_RESTART, b"service restart")


async def main():
    global done
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, drain)
    server = await asyncio.start_server(handle, os.environ.get("HOST") or None, int(os.environ.get("PORT") or "8080"))
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    await done.wait()
    sys.exit(0)


if __name__ == "__main__":
    asyncio.run(main())
