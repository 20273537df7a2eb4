"""udp-server / udp-client: UDP datagrams on one node carried as mesh datagrams to a UDP service
behind another node and back, with receptor's advertisement tags (config-format.md §5.7).

Chain A - B - C: a udp-server on A targets the udp-client service on C, which forwards to a Python
UDP server that answers each datagram with its bytes reversed, so every reply proves a full round
trip. Idle-session expiry (60 s here) is covered by the Swift tests (UDPSessionTableTests,
UDPProxyTests), which shorten the timeout.
"""

import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from harness import dump_yaml, free_port, run_receptord, wait_for_route, wait_until


class ReversingEcho:
    """A UDP server on 127.0.0.1 (thread) answering each datagram with its bytes reversed."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.senders: list[tuple[str, int]] = []
        self.received: list[bytes] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self.senders.append(addr)
            self.received.append(data)
            self.sock.sendto(data[::-1], addr)

    def close(self):
        self.stopping.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def echo():
    e = ReversingEcho()
    yield e
    e.close()


def udp_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(10)
    return s


def round_trip(sock, address, payload):
    sock.sendto(payload, address)
    data, source = sock.recvfrom(65535)
    assert source == address, f"reply from {source}, expected {address}"
    return data


def test_udp_proxies_carry_datagrams_both_ways_over_a_chain(mesh, echo):
    a, b, c = mesh.node("A"), mesh.node("B"), mesh.node("C")
    b.listen()
    a.peer(b)
    c.peer(b)
    target = f"127.0.0.1:{echo.port}"
    c.add({"udp-client": {"service": "udpecho", "address": target}})
    port = free_port(kind=socket.SOCK_DGRAM)
    a.add({"udp-server": {"port": port, "bindaddr": "127.0.0.1", "remotenode": "C", "remoteservice": "udpecho"}})
    mesh.start()
    wait_for_route(a, "C", timeout=10)
    wait_for_route(c, "A", timeout=10)
    wait_until(lambda: any(ad["NodeID"] == "C" and ad["Service"] == "udpecho" for ad in a.status()["Advertisements"]),
               10, desc="C's udp-client service in A's status")
    ad = next(ad for ad in a.status()["Advertisements"] if ad["NodeID"] == "C" and ad["Service"] == "udpecho")
    assert ad["Tags"] == {"type": "UDP Proxy", "address": target}
    assert ad["ConnType"] == 0

    address = ("127.0.0.1", port)
    first, second = udp_socket(), udp_socket()
    try:
        # Several datagrams from two senders, interleaved: each gets exactly its own replies.
        for i in range(8):
            p1 = f"first sender, datagram {i}".encode() + os.urandom(i * 100)
            p2 = f"second sender, datagram {i}".encode() + os.urandom(i * 37)
            first.sendto(p1, address)
            second.sendto(p2, address)
            assert first.recvfrom(65535)[0] == p1[::-1]
            assert second.recvfrom(65535)[0] == p2[::-1]
        # Binary, empty, and a 60000-byte datagram, byte-exact.
        binary = bytes(range(256))
        assert round_trip(first, address, binary) == binary[::-1]
        assert round_trip(second, address, b"") == b""
        big = os.urandom(60000)
        assert round_trip(first, address, big) == big[::-1]
        assert big in echo.received

        # Nothing extra arrived on either socket.
        for s in (first, second):
            s.settimeout(0.3)
            with pytest.raises(socket.timeout):
                s.recvfrom(65535)

        # One UDP socket on C per sender: the target saw two stable source ports.
        assert len(set(echo.senders)) == 2, echo.senders
    finally:
        first.close()
        second.close()


def test_udp_server_to_a_local_udp_client(mesh, echo):
    """remotenode: localhost means this node."""
    a = mesh.node("A")
    a.add("local-only")
    a.add({"udp-client": {"service": "echo", "address": f"127.0.0.1:{echo.port}"}})
    port = free_port(kind=socket.SOCK_DGRAM)
    a.add({"udp-server": {"port": port, "bindaddr": "127.0.0.1", "remotenode": "localhost", "remoteservice": "echo"}})
    mesh.start()
    s = udp_socket()
    try:
        assert round_trip(s, ("127.0.0.1", port), b"hello mesh") == b"hsem olleh"
        assert round_trip(s, ("127.0.0.1", port), b"abc") == b"cba"
    finally:
        s.close()


@pytest.fixture
def workdir():
    d = Path(tempfile.mkdtemp(prefix="rdt-udp-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def run_config(workdir, entries):
    cfg = workdir / "udp.yml"
    base = [
        {"node": {"id": "udptest", "datadir": str(workdir / "data")}},
        {"control-service": {"filename": str(workdir / "ctl.sock")}},
        "local-only",
    ]
    cfg.write_text(dump_yaml(base + entries))
    return run_receptord("--config", str(cfg), timeout=10)


def test_udp_server_port_in_use_stops_startup(workdir):
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("127.0.0.1", 0))
    try:
        port = busy.getsockname()[1]
        rc, out, err = run_config(workdir, [
            {"udp-server": {"port": port, "bindaddr": "127.0.0.1", "remotenode": "n2", "remoteservice": "s"}},
        ])
    finally:
        busy.close()
    assert rc == 1, (rc, out, err)
    assert "udp-server (item 4)" in err and "port" in err, err


@pytest.mark.parametrize("entry, words", [
    ({"udp-client": {"service": "u", "address": "no-port-here"}}, ["udp-client (item 4)", "address"]),
    ({"udp-client": {"service": "u", "address": "127.0.0.1:70000"}}, ["udp-client (item 4)", "address"]),
    ({"udp-server": {"port": 70000, "remotenode": "n2", "remoteservice": "s"}}, ["udp-server (item 4)", "port"]),
    ({"udp-server": {"port": 5000, "remotenode": "n2"}}, ["udp-server (item 4)", "remoteservice"]),
])
def test_bad_udp_proxy_fields_stop_startup(workdir, entry, words):
    rc, out, err = run_config(workdir, [entry])
    assert rc == 1, (rc, out, err)
    for w in words:
        assert w in err, err
