"""WebSocket links: ws-listener / ws-peer (config-format.md 5.3), plain and with mutual TLS, the
listener's path, the peer's extraheader, and peers that send garbage.

A ws-listener is an HTTP server on 127.0.0.1:<free port>; a ws-peer dials ws://127.0.0.1:<port><path>
(wss:// with a tls-client). Raw sockets stand in for broken or hostile clients.
"""

import base64
import hashlib
import http.server
import os
import random
import re
import socket
import threading
import time

import pytest

from harness import free_port, run_cli, wait_for_no_route, wait_for_route, wait_until
from test_tls import REFUSAL_LOG_RE, tls_client, tls_server

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_listen(node, path=None, tls=None, **fields):
    """Add a ws-listener on 127.0.0.1:<free port>; return the port (the harness waits for it)."""
    port = free_port()
    entry = {"port": port, "bindaddr": "127.0.0.1"}
    if path is not None:
        entry["path"] = path
    if tls:
        entry["tls"] = tls
    entry.update(fields)
    node.add({"ws-listener": entry})
    node.listen_ports.append(port)
    return port


def ws_peer(node, port, path="/", tls=None, host="127.0.0.1", **fields):
    """Add a ws-peer to ws://host:port/path (wss:// when a tls-client is named)."""
    scheme = "wss" if tls else "ws"
    entry = {"address": f"{scheme}://{host}:{port}{path}"}
    if tls:
        entry["tls"] = tls
    entry.update(fields)
    node.add({"ws-peer": entry})
    return entry


def connection_ids(node):
    return {c["NodeID"] for c in node.status()["Connections"] or []}


# -- a raw WebSocket client ---------------------------------------------------


def ws_frame(opcode, payload=b"", mask=True, fin=True, rsv=0):
    """One WebSocket frame; masked (as a client must) unless mask=False."""
    first = (0x80 if fin else 0) | rsv | opcode
    n = len(payload)
    maskbit = 0x80 if mask else 0
    if n < 126:
        head = bytes([first, maskbit | n])
    elif n < 65536:
        head = bytes([first, maskbit | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([first, maskbit | 127]) + n.to_bytes(8, "big")
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def read_http_head(sock):
    """Bytes up to the blank line, and whatever came after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def ws_handshake(port, path="/"):
    """Open a socket and complete the upgrade; the server's answer must be a valid 101."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
    )
    head, rest = read_http_head(sock)
    lines = head.split("\r\n")
    assert lines[0].startswith("HTTP/1.1 101"), head
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    assert headers.get("sec-websocket-accept") == expected, head
    assert headers.get("upgrade", "").lower() == "websocket", head
    assert rest == b""
    return sock


def wait_closed(sock, timeout):
    """Read until the server closes the connection; return what it sent. Fails on timeout."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        except socket.timeout:
            raise AssertionError(f"connection still open after {timeout}s; got {data!r}") from None
        if not chunk:
            return data
        data += chunk
        if time.monotonic() > deadline:
            raise AssertionError(f"connection still open after {timeout}s; got {data!r}")


def http_get(port, path):
    """A plain HTTP/1.1 GET; returns (status line, whole answer) once the server closes."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    answer = wait_closed(sock, 5)
    sock.close()
    return answer.split(b"\r\n", 1)[0].decode("latin-1"), answer


# -- a) plain links and routing -------------------------------------------------


def test_three_nodes_route_over_websocket(mesh):
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    port = ws_listen(b, nodecost={"c": 2.5})
    ws_peer(a, port)
    ws_peer(c, port, cost=2.5)
    b.add({"ws-listener": {"port": free_port(), "bindaddr": "127.0.0.1", "path": "/unused"}})
    mesh.start()
    wait_for_route(a, "c", via="b", timeout=5)
    wait_for_route(c, "a", via="b", timeout=5)
    assert connection_ids(b) == {"a", "c"}
    costs = {x["NodeID"]: x["Cost"] for x in b.status()["Connections"]}
    assert costs == {"a": 1.0, "c": 2.5}
    assert connection_ids(a) == {"b"}

    rc, out, err = run_cli(a, "ping", "c", "--count", "2", "--delay", "0.2")
    assert rc == 0, f"ping failed ({rc})\nstdout: {out}\nstderr: {err}"
    assert len(re.findall(r"Reply from c in \S+", out)) == 2, out
    trace = a.command("traceroute c")
    assert [trace[k]["From"] for k in sorted(trace, key=int)] == ["a", "b", "c"]
    assert f"ws-peer ws://127.0.0.1:{port}/" in a.log_text()
    assert "ws-listener ws://127.0.0.1:" in b.log_text()
    # No "not supported" warning any more.
    assert "not supported yet" not in b.log_text()

    # Heartbeats over WebSocket keep the links up well past the dead-peer timeout.
    time.sleep(3)
    assert connection_ids(b) == {"a", "c"}
    assert a.log_text().count("link up") == 1, a.log_text()


def test_peer_redials_after_listener_restart(mesh):
    a, b = mesh.node("a"), mesh.node("b")
    port = ws_listen(b, path="/mesh")
    ws_peer(a, port, path="/mesh")
    mesh.start()
    wait_for_route(a, "b", timeout=5)
    b.stop()
    wait_until(lambda: "b" not in connection_ids(a), 5, desc="a to notice b is gone")
    b.start()
    wait_for_route(a, "b", timeout=10)
    assert a.command("ping b")["Success"] is True


def test_listener_port_in_use_is_a_config_error(mesh):
    a = mesh.node("a")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        a.add({"ws-listener": {"port": port, "bindaddr": "127.0.0.1"}})
        a.spawn()
        wait_until(lambda: not a.is_running(), 15, desc="receptord to exit")
    log = a.log_text()
    assert "ws-listener" in log and "port" in log and str(port) in log, log


# -- b) wss with mutual TLS -------------------------------------------------------


def test_wss_mutual_tls_link(mesh, certs):
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    b.add(tls_server(certs, "srv", "b"))
    port = ws_listen(b, path="/secure", tls="srv")
    for n in (a, c):
        n.add(tls_client(certs, "cli", n.id))
        ws_peer(n, port, path="/secure", tls="cli")
    mesh.start()
    wait_for_route(a, "c", via="b", timeout=5)
    assert a.command("ping c")["Success"] is True
    assert connection_ids(b) == {"a", "c"}
    assert f"wss://127.0.0.1:{port}/secure" in a.log_text()
    # Plain HTTP on the TLS port gets nowhere.
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /secure HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"101" not in wait_closed(sock, 5)
    sock.close()
    assert connection_ids(b) == {"a", "c"}


def test_wss_without_tls_client_verifies_against_system_roots(mesh, certs):
    """No tls-client: the default client config trusts the system roots only, so a server
    certificate from the test CA is refused (the connection is not silently unverified)."""
    a, b = mesh.node("a"), mesh.node("b")
    b.add({"tls-server": {"name": "srv", "cert": str(certs / "b.crt"), "key": str(certs / "b.key")}})
    port = ws_listen(b, tls="srv")
    a.add({"ws-peer": {"address": f"wss://127.0.0.1:{port}/"}})
    mesh.start()
    wait_for_no_route(a, "b", timeout=3)
    assert connection_ids(b) == set()
    assert re.search(r"websocket upgrade failed.*(certificate|CERTIFICATE)", a.log_text()), a.log_text()


# (listener id, listener cert, dialer id, dialer cert, extra tls fields for the impostor)
WSS_REFUSED = {
    # x dials a, presenting b's certificate: the claimed ID x is not in it.
    "client-cert-has-other-node-id": ("a", "a", "x", "b", {"skipreceptornamescheck": True}),
    # a dials x, whose server certificate is b's.
    "server-cert-has-other-node-id": ("x", "b", "a", "a", {"skipreceptornamescheck": True}),
    # b dials a with a cert for b signed by another CA.
    "client-cert-from-rogue-ca": ("a", "a", "b", "b.rogue", {}),
}


@pytest.mark.parametrize("case", list(WSS_REFUSED))
def test_wss_bad_certificate_is_refused(mesh, certs, case):
    lid, lcert, did, dcert, extra = WSS_REFUSED[case]
    listener, dialer = mesh.node(lid), mesh.node(did)
    listener.add(tls_server(certs, "srv", lcert, **(extra if lid == "x" else {})))
    port = ws_listen(listener, tls="srv")
    dialer.add(tls_client(certs, "cli", dcert, **(extra if did == "x" else {})))
    ws_peer(dialer, port, tls="cli")
    mesh.start()
    verifier, impostor = (listener, dialer) if lid == "a" else (dialer, listener)
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        assert impostor.id not in connection_ids(verifier)
        assert impostor.id not in (verifier.status()["RoutingTable"] or {})
        time.sleep(0.2)
    logs = listener.log_text() + "\n" + dialer.log_text()
    assert any(REFUSAL_LOG_RE.search(line) and not line.startswith("=== harness") for line in logs.splitlines()), logs[-4000:]
    assert verifier.is_running() and impostor.is_running()


# -- c) the listener's path -------------------------------------------------------


def test_wrong_path_never_links_right_path_does(mesh):
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    port = ws_listen(b, path="/receptor")
    ws_peer(a, port, path="/receptor?client=a")
    ws_peer(c, port, path="/other")
    mesh.start()
    wait_for_route(a, "b", timeout=5)
    wait_for_no_route(c, "b", timeout=3)
    assert connection_ids(b) == {"a"}
    assert re.search(r"websocket upgrade failed.*404", c.log_text()), c.log_text()
    # The listener answers anything but an upgrade on its path with 404 and closes.
    status, _ = http_get(port, "/other")
    assert status.startswith("HTTP/1.1 404"), status
    status, _ = http_get(port, "/receptor")
    assert status.startswith("HTTP/1.1 404"), status
    assert connection_ids(b) == {"a"}


def test_default_path_is_slash(mesh):
    a, b = mesh.node("a"), mesh.node("b")
    port = ws_listen(b)
    ws_peer(a, port, path="")
    mesh.start()
    wait_for_route(a, "b", timeout=5)


# -- d) extraheader --------------------------------------------------------------


class RecordingHTTPServer:
    """A tiny HTTP server that records each request's line and headers and answers 403."""

    def __init__(self):
        self.requests = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                recorder.requests.append((self.path, dict(self.headers.items())))
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    servers = []

    def make():
        s = RecordingHTTPServer()
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()


def test_extraheader_is_sent_and_refused_upgrade_is_redialled(mesh, recorder):
    server = recorder()
    a = mesh.node("a")
    ws_peer(a, server.port, path="/hub/in?x=1", extraheader="X-Mesh-Token:  s3cret:with:colons ")
    mesh.start()
    wait_until(lambda: len(server.requests) >= 2, 10, desc="two upgrade attempts (redial after a refusal)")
    path, headers = server.requests[0]
    headers = {k.lower(): v for k, v in headers.items()}
    assert path == "/hub/in?x=1"
    assert headers["x-mesh-token"] == "s3cret:with:colons"
    assert headers["host"] == f"127.0.0.1:{server.port}"
    assert headers["upgrade"].lower() == "websocket"
    assert "upgrade" in headers["connection"].lower()
    assert headers["sec-websocket-version"] == "13"
    assert len(base64.b64decode(headers["sec-websocket-key"])) == 16
    assert re.search(r"websocket upgrade failed.*403", a.log_text()), a.log_text()


def test_redial_false_gives_up_after_one_refusal(mesh, recorder):
    server = recorder()
    a = mesh.node("a")
    ws_peer(a, server.port, redial=False)
    mesh.start()
    wait_until(lambda: len(server.requests) >= 1, 10, desc="the upgrade attempt")
    time.sleep(2)
    assert len(server.requests) == 1
    assert "not redialling" in a.log_text()


# -- e) bad input ----------------------------------------------------------------


@pytest.fixture
def guarded(mesh):
    """b's ws-listener, with a linked to it over WebSocket and c over TCP."""
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    b.listen()
    c.peer(b)  # b's first listener: the TCP one
    port = ws_listen(b)
    ws_peer(a, port)
    mesh.start()
    wait_for_route(a, "c", via="b", timeout=5)
    # Both directions: c drops a's messages as implausible until a's advertisement reaches it
    # (a few ms after a routes to c), and the tests ping at once.
    wait_for_route(c, "a", via="b", timeout=5)
    return a, b, c, port


def assert_unharmed(a, b, c):
    assert b.is_running()
    assert connection_ids(b) == {"a", "c"}
    assert a.command("ping c")["Success"] is True
    assert b.log_text().count("link up") == 2, b.log_text()


BAD_FRAMES = {
    # Valid WebSocket, but the bytes are no link frame (length 0xffffffff).
    "garbage-link-bytes": [ws_frame(0x2, b"\xff" * 64)],
    "garbage-in-fragments": [ws_frame(0x2, os.urandom(3), fin=False), ws_frame(0x0, b"\xff" * 40)],
    "text-frame": [ws_frame(0x1, b"hello")],
    "unmasked-frame": [ws_frame(0x2, b"\x00\x00\x00\x05", mask=False)],
    "reserved-opcode": [ws_frame(0x3, b"x")],
    "reserved-bits": [ws_frame(0x2, b"x", rsv=0x40)],
    "oversized-frame": [bytes([0x82, 0xFF]) + (1 << 62).to_bytes(8, "big") + os.urandom(4)],
    # Fixed "random" bytes (a seeded generator), so the case is the same on every run.
    "random-bytes": [random.Random(20261129).randbytes(256)],
}


@pytest.mark.parametrize("case", list(BAD_FRAMES))
def test_garbage_after_upgrade_loses_the_connection(guarded, case):
    a, b, c, port = guarded
    sock = ws_handshake(port)
    for chunk in BAD_FRAMES[case]:
        sock.sendall(chunk)
    wait_closed(sock, 4)  # well before the 10 s hello timeout
    sock.close()
    assert_unharmed(a, b, c)


def test_non_http_garbage_gets_400_and_close(guarded):
    a, b, c, port = guarded
    for junk in (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64), b"HELLO WORLD\r\n\r\n",
                 b"\x00" * 10 + b"\r\n\r\n"):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(junk)
        answer = wait_closed(sock, 4)
        sock.close()
        assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer
    assert_unharmed(a, b, c)


def test_silent_connection_is_closed_after_the_header_timeout(guarded):
    a, b, c, port = guarded
    silent = socket.create_connection(("127.0.0.1", port), timeout=5)
    half = socket.create_connection(("127.0.0.1", port), timeout=5)
    half.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
    start = time.monotonic()
    wait_closed(silent, 15)
    wait_closed(half, 5)
    elapsed = time.monotonic() - start
    assert 8 <= elapsed <= 14, elapsed
    silent.close()
    half.close()
    assert_unharmed(a, b, c)


def test_upgraded_but_silent_client_is_dropped_by_the_hello_timeout(guarded):
    a, b, c, port = guarded
    sock = ws_handshake(port)
    # Answer pings like a browser would, but never say hello.
    sock.sendall(ws_frame(0x9, b"ping!"))
    sock.settimeout(3)
    pong = sock.recv(64)
    assert pong[0] == 0x8A and pong[2:] == b"ping!", pong
    data = wait_closed(sock, 15)
    assert b"\x88" in data  # a close frame before the TCP close
    sock.close()
    assert_unharmed(a, b, c)
