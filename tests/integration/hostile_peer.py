"""A hostile member of a receptord mesh, for the hardening tests.

It speaks receptord's native link protocol (see Sources/MeshProtocol/README.md) well enough to
complete a real handshake (optionally over mutual TLS) and stay up (it sends heartbeats), and
then sends whatever a test asks for: well-formed frames with absurd values, malformed frames,
bursts. Every encoder here takes raw numbers and lengths, so a test can lie about any of them.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time

HELLO, HEARTBEAT, ROUTING, REJECT, MESSAGE = 1, 2, 3, 4, 5
DATAGRAM, STREAM, UNREACHABLE = 0, 1, 2
S_OPEN, S_OPEN_ACK, S_DATA, S_ACK, S_FIN, S_RESET = 1, 2, 3, 4, 5, 6


def str8(text: str | bytes, length: int | None = None) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack(">B", len(raw) if length is None else length) + raw


def str16(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack(">H", len(raw)) + raw


def frame(kind: int, body: bytes, length: int | None = None) -> bytes:
    """A link frame: u32 length (of type + body; a test may lie), u8 type, body."""
    return struct.pack(">IB", (1 + len(body)) if length is None else length, kind) + body


def hello(node: str | bytes, instance: int = 1234, cost: float = 1.0, version: int = 1, hb_ms: int = 250) -> bytes:
    return frame(HELLO, struct.pack(">B", version) + str8(node) + struct.pack(">QdI", instance, cost, hb_ms))


def heartbeat(reply: bool = False, timestamp: int = 0) -> bytes:
    return frame(HEARTBEAT, struct.pack(">BQ", 1 if reply else 0, timestamp))


def advertisement(origin: str | bytes, sequence: int, instance: int = 77, lifetime_ms: int = 120_000,
                  origin_time_ms: int = 0, links: dict | None = None, services: list | None = None) -> bytes:
    """One routing advertisement (values unchecked). `services` holds (name, conn_type) pairs."""
    out = str8(origin) + struct.pack(">QQIq", sequence, instance, lifetime_ms, origin_time_ms)
    links = links or {}
    out += struct.pack(">H", len(links))
    for peer, cost in sorted(links.items()):
        out += str8(peer) + struct.pack(">d", cost)
    services = services or []
    out += struct.pack(">H", len(services))
    for name, conn_type in services:
        out += str8(name) + struct.pack(">BHH", conn_type, 0, 0)
    return out


def routing(*ads: bytes) -> bytes:
    return frame(ROUTING, struct.pack(">H", len(ads)) + b"".join(ads))


def message(src: str, dst: str, src_svc: str, dst_svc: str, payload: bytes, kind: int = STREAM, hops: int = 30) -> bytes:
    return frame(MESSAGE, struct.pack(">BB", hops, kind) + str8(src) + str8(dst) + str8(src_svc) + str8(dst_svc) + payload)


def stream_frame(stream_id: int, kind: int, body: bytes, from_opener: bool = True) -> bytes:
    return struct.pack(">IB", stream_id, kind | (0x80 if from_opener else 0)) + body


def s_open(stream_id: int, window: int) -> bytes:
    return stream_frame(stream_id, S_OPEN, struct.pack(">Q", window))


def s_data(stream_id: int, offset: int, data: bytes, sent_at: int = 1) -> bytes:
    return stream_frame(stream_id, S_DATA, struct.pack(">QQ", offset, sent_at) + data)


def s_ack(stream_id: int, received: int, limit: int, echo: int = 0) -> bytes:
    return stream_frame(stream_id, S_ACK, struct.pack(">QQQ", received, limit, echo))


def s_fin(stream_id: int, offset: int) -> bytes:
    return stream_frame(stream_id, S_FIN, struct.pack(">Q", offset))


class HostilePeer:
    """A connection to a node's tcp-listener that has completed the native hello."""

    def __init__(self, port: int, node_id: str, tls: ssl.SSLContext | None = None, cost: float = 1.0,
                 timeout: float = 10.0):
        self.node_id = node_id
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = tls.wrap_socket(raw, server_hostname="localhost") if tls else raw
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.received = bytearray()
        self.send(hello(node_id, cost=cost))
        kind, body = self._read_frame()
        if kind != HELLO:
            self.sock.close()
            reason = body[2:].decode(errors="replace") if kind == REJECT else f"frame type {kind}"
            raise ConnectionError(f"link refused: {reason}")
        self.peer_hello = body
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self._beater = threading.Thread(target=self._beat, daemon=True)
        self._beater.start()

    def _read_exact(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("link closed by the node")
            out += chunk
        return out

    def _read_frame(self) -> tuple[int, bytes]:
        (length,) = struct.unpack(">I", self._read_exact(4))
        body = self._read_exact(length)
        return body[0], body[1:]

    def _read_loop(self) -> None:
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.received += chunk
        except (OSError, ValueError):
            pass
        self.closed.set()

    def _beat(self) -> None:
        while not self.closed.is_set():
            try:
                self.send(heartbeat())
            except OSError:
                break
            time.sleep(0.15)

    def advertise_self(self, links: dict, sequence: int | None = None) -> None:
        """An honest advertisement of our own (so nodes past the neighbour route to us)."""
        now_ms = int(time.time() * 1000)
        self.send(routing(advertisement(self.node_id, sequence or now_ms * 1000, instance=1234,
                                        origin_time_ms=now_ms, links=links)))

    def send(self, data: bytes) -> None:
        with self.lock:
            self.sock.sendall(data)

    def wait_closed(self, timeout: float = 5.0) -> bool:
        return self.closed.wait(timeout)

    def close(self) -> None:
        self.closed.set()
        try:
            self.sock.close()
        except OSError:
            pass
