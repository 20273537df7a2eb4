"""A diamond A-B-D / A-C-D: failure detection, rerouting, and a stream that survives it.

Links via B cost 1, links via C cost 5, so A reaches D via B (2) until B goes
silent (SIGSTOP: its sockets stay open, it just stops talking), then via C (10).
architecture.md property 2: a silent peer is declared dead in about a second.
"""

import hashlib
import os
import socket
import threading
import time

from harness import Mesh, routing_table, wait_for_route, wait_until

FAILOVER_TIMEOUT = 3.0  # default dead-peer detection is 1.2 s
RECOVERY_TIMEOUT = 20.0  # includes the dialer's redial backoff (first retry after 5 s)


def build_diamond(mesh: Mesh, d_entries=()):
    a, b, c, d = (mesh.node(x) for x in "ABCD")
    b.listen(cost=1)
    c.listen(cost=5)
    a.peer(b, cost=1)
    a.peer(c, cost=5)
    d.peer(b, cost=1)
    d.peer(c, cost=5)
    for e in d_entries:
        d.add(e)
    mesh.start()
    wait_for_route(a, "D", via="B", timeout=5)
    wait_for_route(d, "A", via="B", timeout=5)
    return a, b, c, d


def test_failover_when_hop_goes_silent(mesh):
    a, b, c, d = build_diamond(mesh)
    assert routing_table(a)["D"] == "B"

    b.pause()
    t0 = time.monotonic()
    try:
        wait_for_route(a, "D", via="C", timeout=FAILOVER_TIMEOUT)
        elapsed = time.monotonic() - t0
        print(f"A rerouted D via C {elapsed:.2f}s after SIGSTOP of B")
        wait_for_route(d, "A", via="C", timeout=max(0.5, FAILOVER_TIMEOUT - elapsed + 0.5))
        # The dead peer leaves A's connection list.
        wait_until(lambda: "B" not in {x["NodeID"] for x in a.status()["Connections"]}, 2,
                   desc="B to leave A's Connections")
        assert a.command("ping D")["Success"] is True
    finally:
        b.resume()

    # B comes back: the links are re-established and the cheap path is used again.
    t0 = time.monotonic()
    wait_for_route(a, "D", via="B", timeout=RECOVERY_TIMEOUT)
    print(f"A routes D via B again {time.monotonic() - t0:.2f}s after SIGCONT")
    wait_for_route(d, "A", via="B", timeout=5)
    assert a.command("ping B")["Success"] is True


class Sink:
    """A TCP server that hashes one connection's bytes until EOF."""

    def __init__(self):
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(4)
        self.srv.settimeout(60)
        self.port = self.srv.getsockname()[1]
        self.digest = hashlib.sha256()
        self.count = 0
        self.connections = 0
        self.error = None
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        try:
            conn, _ = self.srv.accept()
            self.connections += 1
            conn.settimeout(60)
            with conn:
                while True:
                    data = conn.recv(1 << 20)
                    if not data:
                        break
                    self.digest.update(data)
                    self.count += len(data)
        except Exception as e:  # noqa: BLE001
            self.error = e
        finally:
            self.done.set()

    def close(self):
        self.srv.close()


TOTAL = 20 * 1024 * 1024
CHUNK = 256 * 1024
STOP_AFTER = 5 * 1024 * 1024
PAUSE_FOR = 3.0


def test_stream_survives_hop_failure(mesh):
    sink = Sink()
    try:
        a, b, c, d = build_diamond(
            mesh, d_entries=[{"tcp-client": {"service": "sink", "address": f"127.0.0.1:{sink.port}"}}])
        wait_until(lambda: any(ad["NodeID"] == "D" and ad["Service"] == "sink"
                               for ad in a.status()["Advertisements"]), 5, desc="D's sink ad at A")

        payload = os.urandom(TOTAL)
        sent_hash = hashlib.sha256(payload).hexdigest()

        conn = a.raw(timeout=25)
        assert conn.greeting() == "Receptor Control, node A"
        conn.send("connect D sink\n")
        assert conn.readline() == "Connecting"

        resumed = threading.Event()

        def pause_b():
            b.pause()
            try:
                time.sleep(PAUSE_FOR)
            finally:
                b.resume()
                resumed.set()

        pauser = None
        t0 = time.monotonic()
        view = memoryview(payload)
        for off in range(0, TOTAL, CHUNK):
            if pauser is None and off >= STOP_AFTER:
                pauser = threading.Thread(target=pause_b, daemon=True)
                pauser.start()
            conn.sock.sendall(view[off:off + CHUNK])
        conn.sock.shutdown(socket.SHUT_WR)
        send_time = time.monotonic() - t0
        assert pauser is not None
        print(f"sent {TOTAL} bytes in {send_time:.2f}s (B paused for {PAUSE_FOR}s after {STOP_AFTER} bytes)")

        assert sink.done.wait(25), (
            f"sink did not see EOF within 25 s; it got {sink.count} of {TOTAL} bytes "
            f"(sending took {send_time:.1f}s)")
        assert sink.error is None, f"sink error: {sink.error!r}"
        assert sink.connections == 1
        assert sink.count == TOTAL, f"sink got {sink.count} bytes, sent {TOTAL}"
        assert sink.digest.hexdigest() == sent_hash, "bytes differ (same length, different content)"
        assert resumed.wait(PAUSE_FOR + 2)
    finally:
        sink.close()
