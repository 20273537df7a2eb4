"""A mesh mixing every link kind routes as one: a -(TCP+TLS)- b -(UDP)- c -(WebSocket+TLS)- x,
plus a direct plain WebSocket link a - x of higher cost. Ping, traceroute, streams (a work unit's
payload and results) cross all three kinds; when the UDP link is cut, traffic moves to the direct
link and work still completes."""

import hashlib
import os
import shutil
import socket
import subprocess

import pytest

from harness import free_port, run_cli, run_swift_cli, wait_for_route, wait_until, work_results, work_status
from test_tls import tls_client, tls_server
from test_udp_links import udp_listen, udp_peer
from test_websocket import ws_listen, ws_peer


@pytest.fixture
def mixed(mesh, certs):
    a, b, c, x = (mesh.node(n) for n in ("a", "b", "c", "x"))
    # a -(tcp, mutual TLS)- b
    b.add(tls_server(certs, "srv", "b"))
    b.listen(tls="srv")
    a.add(tls_client(certs, "cli", "a"))
    a.peer(b, tls="cli")
    # b -(udp)- c
    udp_port = udp_listen(c)
    udp_peer(b, udp_port)
    # c -(wss, mutual TLS)- x
    x.add(tls_server(certs, "srv", "x"))
    wss_port = ws_listen(x, path="/mesh", tls="srv")
    c.add(tls_client(certs, "cli", "c"))
    ws_peer(c, wss_port, path="/mesh", tls="cli")
    # a -(plain ws, cost 10)- x: the long way round is cheaper (3) while the UDP link is up.
    ws_port = ws_listen(x, path="/plain", cost=10)
    ws_peer(a, ws_port, path="/plain", cost=10)
    x.add({"work-command": {"worktype": "cat", "command": "cat"}})
    mesh.start()
    wait_for_route(a, "x", via="b", timeout=15)
    wait_until(lambda: any(ad["NodeID"] == "x" and ad["WorkCommands"] for ad in a.status()["Advertisements"]),
               10, desc="x's work types to reach a")
    return a, b, c, x, udp_port


def cat_round_trip(a, size):
    payload = os.urandom(size)
    rc = a.ctl()
    try:
        result = rc.submit_work("cat", payload, node="x")
    finally:
        rc.close()
    unit = result["unitid"]
    data = work_results(a, unit)
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(payload).hexdigest()
    wait_until(lambda: work_status(a, unit)["StateName"] == "Succeeded", 10, desc="the unit to succeed")


def test_every_link_kind_carries_ping_traceroute_and_work(mixed):
    a, b, c, x, _ = mixed
    costs = a.status()["KnownConnectionCosts"]
    assert costs["a"]["b"] == 1 and costs["b"]["c"] == 1 and costs["c"]["x"] == 1 and costs["a"]["x"] == 10
    rc, out, err = run_cli(a, "ping", "x", "--count", "3")
    assert rc == 0 and out.count("Reply from x") == 3, err
    rc, out, err = run_swift_cli(a, "ping", "x", "--count", "2")
    assert rc == 0 and out.count("Reply from x") == 2, err
    rc, out, err = run_cli(a, "traceroute", "x")
    assert rc == 0, err
    hops = [line.split(":")[1].split()[0] for line in out.splitlines() if ":" in line]
    assert hops == ["a", "b", "c", "x"], out
    cat_round_trip(a, 4 << 20)
    assert "udp-peer" in b.log_text() and "ws-peer wss://" in c.log_text() and "tcp-peer" in a.log_text()


def test_cutting_the_udp_link_moves_traffic_to_the_websocket_link(mixed):
    a, b, c, x, udp_port = mixed
    if os.geteuid() != 0 or not shutil.which("nft"):
        pytest.skip("needs root and nftables")
    table = f"rdt_cut_{os.getpid()}"
    script = (
        f"table inet {table} {{\n  chain input {{\n    type filter hook input priority 0; policy accept;\n"
        f"    udp dport {udp_port} drop\n    udp sport {udp_port} drop\n  }}\n}}\n"
    )
    subprocess.run(["nft", "-f", "-"], input=script.encode(), check=True)
    try:
        wait_for_route(a, "x", via="x", timeout=10)
        assert a.command("ping x")["Success"] is True
        cat_round_trip(a, 1 << 20)
    finally:
        subprocess.run(["nft", "delete", "table", "inet", table], check=False)
    # Healed: the cheaper path through the UDP link comes back.
    wait_for_route(a, "x", via="b", timeout=15)


def test_reload_moves_a_link_from_tcp_to_udp_to_websocket(mesh):
    """Backends of every kind are reloadable (config-format.md §8): a peer entry swapped for
    another kind takes effect on `reload`, with the old link closed and the new one up."""
    a, b = mesh.node("a"), mesh.node("b")
    b.listen()
    udp_port = udp_listen(b)
    ws_port = ws_listen(b)
    a.peer(b)
    mesh.start()
    wait_for_route(a, "b", timeout=10)
    for kind, port, marker in (("udp-peer", udp_port, "udp-peer"), ("ws-peer", ws_port, "ws-peer ws://")):
        a.entries = [e for e in a.entries if not (isinstance(e, dict) and set(e) & {"tcp-peer", "udp-peer", "ws-peer"})]
        if kind == "udp-peer":
            udp_peer(a, port)
        else:
            ws_peer(a, port)
        a.write_config()
        assert a.command("reload") == {"Success": True}
        wait_until(lambda: f"link up backend={marker}" in a.log_text(), 10, desc=f"a link from a {kind}")
        wait_for_route(a, "b", timeout=10)
        assert a.command("ping b")["Success"] is True
