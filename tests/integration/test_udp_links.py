"""UDP links (udp-listener / udp-peer): the same hello, identity, heartbeats and costs as TCP,
carried by a reliable datagram stream of at most 1232-byte datagrams (no IP fragmentation).
Checked here: routing through a UDP hop, a work unit's payload and results across it, 20 % random
loss in both directions (nftables on loopback), a listener restart, garbage datagrams, and a port
that is already taken."""

import hashlib
import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

from harness import Mesh, dump_yaml, free_port, run_cli, run_receptord, wait_for_route, wait_until, work_results, work_status


def udp_listen(node, **fields) -> int:
    port = free_port(kind=socket.SOCK_DGRAM)
    entry = {"port": port, "bindaddr": "127.0.0.1"}
    entry.update(fields)
    node.add({"udp-listener": entry})
    return port


def udp_peer(node, port: int, **fields) -> None:
    entry = {"address": f"127.0.0.1:{port}"}
    entry.update(fields)
    node.add({"udp-peer": entry})


@pytest.fixture
def udp_chain(mesh):
    """A -udp- B -tcp- C; C runs `cat` work."""
    a, b, c = mesh.node("A"), mesh.node("B"), mesh.node("C")
    port = udp_listen(b, cost=2.0)
    udp_peer(a, port, cost=2.0)
    c.listen()
    b.peer(c)
    b.add({"work-command": {"worktype": "cat", "command": "cat"}})
    c.add({"work-command": {"worktype": "cat", "command": "cat"}})
    mesh.start()
    wait_for_route(a, "C", via="B", timeout=10)
    wait_for_route(c, "A", via="B", timeout=10)  # both ways: tests ping and submit at once
    return a, b, c, port


def test_udp_link_routes_pings_and_reports_cost(udp_chain):
    a, b, c, _ = udp_chain
    assert {"NodeID": "B", "Cost": 2} in a.status()["Connections"]
    rc, out, err = run_cli(a, "ping", "C", "--count", "3")
    assert rc == 0, err
    assert out.count("Reply from C") == 3
    costs = a.status()["KnownConnectionCosts"]
    assert costs["A"]["B"] == 2 and costs["B"]["C"] == 1
    assert "link up" in b.log_text() and "udp-listener" in b.log_text()


def submit_cat(node, target, payload):
    rc = node.ctl()
    try:
        return rc.submit_work("cat", payload, node=target)
    finally:
        rc.close()


def test_work_unit_payload_and_results_cross_the_udp_link(udp_chain):
    a, _, _, _ = udp_chain
    payload = os.urandom(6 << 20)
    result = submit_cat(a, "C", payload)
    assert result["result"] == "Job Started"
    data = work_results(a, result["unitid"])
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(payload).hexdigest()
    wait_until(lambda: work_status(a, result["unitid"])["StateName"] == "Succeeded", 10, desc="unit to succeed")


@pytest.fixture
def udp_loss():
    """Drops a share of the UDP datagrams to and from a port on loopback (both directions)."""
    if os.geteuid() != 0 or not shutil.which("nft"):
        pytest.skip("needs root and nftables")
    table = f"rdt_udp_{os.getpid()}"
    made = []

    def impair(port: int, percent: int) -> None:
        script = (
            f"table inet {table} {{\n"
            f"  chain input {{\n"
            f"    type filter hook input priority 0; policy accept;\n"
            f"    udp dport {port} numgen random mod 100 < {percent} drop\n"
            f"    udp sport {port} numgen random mod 100 < {percent} drop\n"
            f"  }}\n"
            f"}}\n"
        )
        subprocess.run(["nft", "-f", "-"], input=script.encode(), check=True)
        made.append(table)

    yield impair
    for t in made:
        subprocess.run(["nft", "delete", "table", "inet", t], check=False)


def test_twenty_percent_loss_each_way_still_delivers_byte_exact(udp_chain, udp_loss):
    a, b, _, port = udp_chain
    udp_loss(port, 20)
    payload = os.urandom(1 << 20)
    t0 = time.monotonic()
    result = submit_cat(a, "B", payload)
    data = work_results(a, result["unitid"])
    elapsed = time.monotonic() - t0
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(payload).hexdigest()
    rc, out, err = run_cli(a, "ping", "C", "--count", "5")
    assert rc == 0, err
    # The link never flapped: heartbeats are retransmitted within tens of ms, far inside 1 s.
    assert "link down" not in a.log_text()
    print(f"1 MiB round trip through a UDP link with 20 % loss each way: {elapsed:.2f} s")


def test_listener_restart_relinks_at_once(udp_chain):
    a, b, c, _ = udp_chain
    b.stop()
    wait_until(lambda: "B" not in [x["NodeID"] for x in a.status()["Connections"]], 5, desc="A to drop B")
    t0 = time.monotonic()
    b.start()
    wait_for_route(a, "C", via="B", timeout=15)
    print(f"relinked {time.monotonic() - t0:.2f} s after B restarted")


def wait_for_datagram(s: socket.socket, expected: bytes, timeout: float = 10.0) -> list[bytes]:
    """Reads datagrams (acks and the like may come first) until `expected` arrives."""
    seen: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            break
        seen.append(data)
        if data == expected:
            return seen
    raise AssertionError(f"no {expected!r} within {timeout} s; got {seen!r}")


def test_garbage_datagrams_lose_only_their_own_session(udp_chain):
    a, b, _, port = udp_chain
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        # Not a link datagram at all, from an unknown address: dropped, no answer.
        s.sendto(b"\xff" * 100, ("127.0.0.1", port))
        s.sendto(b"GET / HTTP/1.1\r\n\r\n", ("127.0.0.1", port))
        # A well-formed first data packet whose bytes are not a link hello: the listener starts a
        # session, the link protocol refuses it, and the session is reset back to us.
        conn = 0x0BADF00D
        s.sendto(b"RM\x01\x01" + struct.pack(">IQ", conn, 0) + b"\x00\x00\x00\x05\xffjunk", ("127.0.0.1", port))
        seen = wait_for_datagram(s, b"RM\x01\x03" + struct.pack(">I", conn))
        # A packet for a connection the listener does not know is answered with a reset too.
        s.sendto(b"RM\x01\x02" + struct.pack(">IQQI", 77, 5, 0, 10), ("127.0.0.1", port))
        seen += wait_for_datagram(s, b"RM\x01\x03" + struct.pack(">I", 77))
    finally:
        s.close()
    assert b.is_running()
    assert a.command("ping C")["Success"] is True
    assert "B" in [x["NodeID"] for x in a.status()["Connections"]]


def test_udp_port_in_use_is_a_config_error(tmp_path):
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        config = tmp_path / "r.yml"
        config.write_text(dump_yaml([
            {"node": {"id": "u", "datadir": str(tmp_path / "data")}},
            {"udp-listener": {"port": port, "bindaddr": "127.0.0.1"}},
        ]))
        t0 = time.monotonic()
        rc, out, err = run_receptord("--config", str(config))
        assert rc != 0
        assert "udp-listener" in (out + err) and "port" in (out + err)
        assert time.monotonic() - t0 < 10
    finally:
        taken.close()
