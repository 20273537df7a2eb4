"""Clients that misbehave on the paths where sockets meet mesh streams (the stream channels and
the glue between them): connections dropped before the stream opens, resets mid-transfer,
abandoned `connect`s, garbage to a TLS service, slow readers. The node keeps serving, byte-exact,
and every stream it opened for them is gone afterwards (the `receptord_streams` gauge)."""

import hashlib
import os
import socket
import struct
import threading
import time

from harness import free_port, wait_for_route, wait_until
from test_metrics import scrape, value
from test_tls import tls_server


def echo_server():
    """A local TCP echo server (one thread per connection); returns (port, stop)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    stopping = threading.Event()

    def serve(conn):
        with conn:
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def accept_loop():
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()

    def stop():
        stopping.set()
        listener.close()

    return listener.getsockname()[1], stop


def proxied_chain(mesh, metrics_a, metrics_c, **c_extra):
    """a (tcp-server) - b - c (tcp-client to a local echo); returns (a, c, local port, stop echo)."""
    echo_port, stop = echo_server()
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    b.listen()
    a.peer(b)
    c.peer(b)
    a.add({"metrics": {"port": metrics_a}})
    c.add({"metrics": {"port": metrics_c}})
    c.add({"tcp-client": {"service": "echo", "address": f"127.0.0.1:{echo_port}"}})
    local = free_port()
    a.add({"tcp-server": {"port": local, "bindaddr": "127.0.0.1", "remotenode": "c", "remoteservice": "echo"}})
    for entry in c_extra.get("extra_c", []):
        c.add(entry)
    mesh.start()
    wait_for_route(a, "c", timeout=5)
    wait_for_route(c, "a", timeout=5)
    wait_until(lambda: any(ad["NodeID"] == "c" and ad["Service"] == "echo" for ad in a.status()["Advertisements"]),
               5, desc="c's echo service to be advertised")
    return a, c, local, stop


def echo_once(port, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    return got


def streams_settle(*ports):
    counts = {}

    def settled():
        counts.update({p: value(scrape(p), "receptord_streams") for p in ports})
        return all(v == 0 for v in counts.values())

    try:
        wait_until(settled, 15, desc="every stream opened for the abusers to be gone")
    except AssertionError as e:
        raise AssertionError(f"{e}; streams open by metrics port: {counts}") from None


def test_proxy_clients_that_vanish_or_reset(mesh):
    ma, mc = free_port(), free_port()
    a, c, local, stop = proxied_chain(mesh, ma, mc)
    try:
        # Connect and close at once, before the stream can open.
        for _ in range(40):
            socket.create_connection(("127.0.0.1", local), timeout=5).close()
        # Send, then reset (SO_LINGER 0) with data in flight.
        for _ in range(40):
            s = socket.create_connection(("127.0.0.1", local), timeout=5)
            s.sendall(os.urandom(200_000))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        # Half-close with nothing sent.
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", local), timeout=5)
            s.shutdown(socket.SHUT_WR)
            assert s.recv(10) == b""
            s.close()
        payload = os.urandom(3 << 20)
        assert echo_once(local, payload) == payload, "the proxy still carries bytes exactly"
        streams_settle(ma, mc)
        assert a.is_running() and c.is_running()
    finally:
        stop()


def pattern_chunk(index, size=1 << 20):
    """The `index`-th MiB of a deterministic byte stream (cheap to make twice, no big buffers)."""
    return hashlib.sha256(index.to_bytes(8, "big")).digest() * (size // 32)


def test_slow_reader_holds_the_stream_back_without_loss(mesh):
    """A client that sends 160 MiB but reads nothing for a while: backpressure through the
    proxy, the mesh, the echo and back stops it with a bounded amount inside (two stream windows
    and the sockets' buffers); then it reads everything, byte-exact."""
    ma, mc = free_port(), free_port()
    a, c, local, stop = proxied_chain(mesh, ma, mc)
    total_chunks = 160
    try:
        s = socket.create_connection(("127.0.0.1", local), timeout=60)
        sent = [0]

        def writer():
            for i in range(total_chunks):
                s.sendall(pattern_chunk(i))
                sent[0] += 1 << 20
            s.shutdown(socket.SHUT_WR)

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        # Nobody reads: the writer must stall well short of the total.
        wait_until(lambda: sent[0] > 0, 10, desc="the first MiB to go in")
        last = -1
        for _ in range(30):
            time.sleep(0.5)
            if sent[0] == last:
                break
            last = sent[0]
        assert sent[0] == last, f"the writer never stalled ({sent[0] >> 20} MiB in)"
        assert sent[0] <= 100 << 20, f"{sent[0] >> 20} MiB went in with no reader"
        expected = b"".join(pattern_chunk(i) for i in range(total_chunks))
        got = bytearray()
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got += chunk
        t.join(60)
        s.close()
        assert len(got) == len(expected) and bytes(got) == expected, f"{len(got)} of {len(expected)} bytes, or not the same"
        streams_settle(ma, mc)
    finally:
        stop()


def test_abandoned_connects_and_garbage_to_a_tls_service(mesh, certs):
    ma, mc = free_port(), free_port()
    a, c, local, stop = proxied_chain(
        mesh, ma, mc,
        extra_c=[tls_server(certs, "srv", "c"), {"control-service": {"service": "ctls", "tls": "srv"}}],
    )
    try:
        wait_until(lambda: any(ad["NodeID"] == "c" and ad["Service"] == "ctls" for ad in a.status()["Advertisements"]),
                   5, desc="c's TLS control service to be advertised")
        # `connect` and hang up before (or just after) the stream opens.
        for _ in range(30):
            conn = a.raw()
            conn.greeting()
            conn.send("connect c control\n")
            conn.close()
        # A plain client talking garbage to the TLS service above the mesh.
        for _ in range(10):
            conn = a.raw()
            conn.greeting()
            assert conn.command("connect c ctls") == "Connecting"
            try:
                conn.send(os.urandom(5000))
            except OSError:
                pass  # the TLS server may have hung up already
            conn.close()
        # And one that half-closes after its garbage and waits for the end.
        conn = a.raw()
        conn.greeting()
        assert conn.command("connect c ctls") == "Connecting"
        conn.send(b"\x16\x03\x01\x00\x05hello")
        conn.sock.shutdown(socket.SHUT_WR)
        conn.sock.settimeout(10)
        while conn.sock.recv(4096):
            pass
        conn.close()
        # The node answers, connects still work, and nothing lingers.
        conn = a.raw()
        conn.greeting()
        assert conn.command("connect c control") == "Connecting"
        assert conn.readline(timeout=10).startswith("Receptor Control, node c")
        conn.close()
        payload = os.urandom(1 << 20)
        assert echo_once(local, payload) == payload
        streams_settle(ma, mc)
    finally:
        stop()
