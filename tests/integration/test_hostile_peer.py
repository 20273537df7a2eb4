"""A hostile mesh member and a hostile control client cannot crash a node (issue: hardening).

The peer in hostile_peer.py completes a real native hello and then sends frames no honest node
sends. Each case checks that the node is still running and serving, that the violation is
logged and counted in ``receptord_protocol_errors_total{kind=...}``, and, for flooded values,
that nothing reached the node behind it.
"""

import ssl
import struct
import time

import pytest

import hostile_peer as hp
from harness import free_port, run_cli, wait_for_route, wait_until
from test_metrics import scrape, value

U64_MAX = 2**64 - 1
I64_MIN = -(2**63)


def protocol_errors(port, kind):
    return value(scrape(port), "receptord_protocol_errors_total", kind=kind) or 0


def chain_with_metrics(mesh):
    """a (listener, metrics) - b; returns (a, b, a's link port, metrics port)."""
    metrics = free_port()
    a, b = mesh.node("a"), mesh.node("b")
    port = a.listen()
    a.add({"metrics": {"port": metrics}})
    b.listen()
    b.peer(a)
    mesh.start([a, b])
    wait_for_route(a, "b", timeout=5)
    return a, b, port, metrics


def assert_serving(*nodes):
    for n in nodes:
        assert n.is_running(), f"{n.id} died"
    for n in nodes:
        others = [o for o in nodes if o is not n]
        for o in others:
            assert n.command(f"ping {o.id}")["Success"] is True
    for n in nodes:
        rc, out, err = run_cli(n, "status")
        assert rc == 0, err
        assert f"Node ID: {n.id}" in out


MALFORMED = {
    # kind label -> bytes sent after a good hello
    "truncated_frame": hp.frame(hp.HEARTBEAT, b"\x01"),
    "unknown_frame_type": hp.frame(99, b"hello"),
    "frame_too_large": hp.frame(hp.MESSAGE, b"", length=0xFFFFFFFF),
    "trailing_bytes": hp.frame(hp.HEARTBEAT, struct.pack(">BQ", 0, 1) + b"extra"),
    # a name whose length byte claims more than the frame holds
    "truncated_frame/name": hp.frame(hp.MESSAGE, struct.pack(">BB", 30, 1) + hp.str8("b", length=255) + b"xyz"),
    # a routing frame claiming 65535 advertisements and carrying none
    "truncated_frame/count": hp.frame(hp.ROUTING, struct.pack(">H", 65535)),
    "invalid_name": hp.message("evil", "b\x00x", "s", "control", b""),
    "invalid_field": hp.frame(hp.MESSAGE, struct.pack(">BB", 30, 9) + hp.str8("evil") + hp.str8("b") + hp.str8("s") + hp.str8("t")),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_frames_close_only_that_link(mesh, case):
    a, b, port, metrics = chain_with_metrics(mesh)
    kind = case.split("/")[0]
    before = protocol_errors(metrics, kind)
    evil = hp.HostilePeer(port, "evil")
    wait_for_route(a, "evil", timeout=5)
    evil.send(MALFORMED[case])
    assert evil.wait_closed(5), "the node kept a link that broke the protocol"
    evil.close()
    wait_until(lambda: protocol_errors(metrics, kind) > before, timeout=5, desc=f"protocol_errors{{kind={kind}}}")
    assert "protocol violation" in a.log_text()
    assert_serving(a, b)


def test_hello_with_nul_in_the_node_id_is_refused(mesh):
    a, b, port, metrics = chain_with_metrics(mesh)
    with pytest.raises(ConnectionError):
        hp.HostilePeer(port, "EVIL\x00F")
    assert "EVIL" not in str(a.status()["Connections"])
    wait_until(lambda: protocol_errors(metrics, "invalid_name") > 0, timeout=5, desc="invalid_name counted")
    assert_serving(a, b)


def test_absurd_advertisements_are_dropped_and_not_flooded(mesh):
    """Advertisements with absurd sequences, times, lifetimes and costs, some in the names of
    a (the neighbour) and b (two hops from the attacker). Nothing may trap, nothing is passed
    on, and both victims keep advertising: later changes at a and b are still seen."""
    a, b, port, metrics = chain_with_metrics(mesh)
    evil = hp.HostilePeer(port, "evil")
    evil.advertise_self({"a": 1.0})
    wait_for_route(b, "evil", timeout=5)
    ads = [
        hp.advertisement("b", U64_MAX, instance=5, origin_time_ms=I64_MIN, links={"a": 1.0}),
        hp.advertisement("a", U64_MAX, instance=5, origin_time_ms=1, links={"evil": 1.0}),
        hp.advertisement("a", 2**62 + 1, instance=5, origin_time_ms=1),
        hp.advertisement("ghost1", 10, origin_time_ms=I64_MIN, links={"evil": 1.0}),
        hp.advertisement("ghost2", 10, lifetime_ms=0xFFFFFFFF, links={"evil": 1.0}),
        hp.advertisement("ghost3", 10, links={"evil": 1e300}),
        hp.advertisement("ghost4", 10, links={"ghost4": 1.0, "evil": 1.0}),
    ]
    evil.send(hp.routing(*ads))
    wait_until(lambda: protocol_errors(metrics, "absurd_value") >= len(ads), timeout=5, desc="absurd ads counted")
    time.sleep(0.5)
    assert not evil.closed.is_set(), "absurd values are dropped, the link stays (they may be relayed)"
    for n in (a, b):
        known = set((n.status().get("KnownConnectionCosts") or {}).keys())
        assert not {"ghost1", "ghost2", "ghost3", "ghost4"} & known, f"{n.id} stored an absurd ad: {known}"
    assert_serving(a, b)
    # Both victims' later advertisements still win everywhere: new links at b and at a.
    c = mesh.node("c")
    c.peer(b)
    d = mesh.node("d")
    d.peer(a)
    mesh.start([c, d])
    wait_for_route(a, "c", via="b", timeout=10)
    wait_for_route(b, "d", via="a", timeout=10)
    evil.close()


def test_stream_abuse_ends_only_the_abusers_streams(mesh):
    """Windows of 2^64-1, acks and data at the top of the offset range, an end before the
    bytes already sent, and 10,000 opens in a burst, all at a's control service."""
    a, b, port, metrics = chain_with_metrics(mesh)
    evil = hp.HostilePeer(port, "evil")
    wait_for_route(a, "evil", timeout=5)

    def to_control(payload, stream_id_service="x1"):
        evil.send(hp.message("evil", "a", stream_id_service, "control", payload))

    to_control(hp.s_open(1, U64_MAX))
    to_control(hp.s_ack(1, U64_MAX, U64_MAX, U64_MAX))
    to_control(hp.s_ack(1, 0, U64_MAX - 1, 1))
    to_control(hp.s_data(1, U64_MAX - 2, b"abcdef"))
    to_control(hp.s_data(1, 2**63, b"abcdef"))
    to_control(hp.s_open(2, 0))
    to_control(hp.s_data(2, 0, b"status\n"))
    to_control(hp.s_fin(2, 3))
    # The same stream ID for another service is another stream (and "nosuch" is unknown).
    evil.send(hp.message("evil", "a", "x1", "nosuch", hp.s_open(1, 1 << 20)))
    burst = b"".join(hp.message("evil", "a", "x2", "control", hp.s_open(100 + i, 1 << 20)) for i in range(10_000))
    evil.send(burst)
    wait_until(lambda: b"too many streams" in evil.received, timeout=20, desc="opens past the cap refused")
    assert b"service unknown" in evil.received
    wait_until(lambda: protocol_errors(metrics, "stream_violation") >= 1, timeout=5, desc="fin violation counted")
    assert_serving(a, b)
    evil.close()


def test_control_client_names_too_long_or_with_controls(mesh):
    a = mesh.node("a")
    a.add("local-only")
    mesh.start()
    with a.raw() as conn:
        conn.greeting()
        conn.send("connect a " + "s" * 300 + "\n")
        assert conn.readline() == "ERROR: connect target: service name is 300 bytes long (at most 255)"
        conn.send("connect " + "n" * 300 + " control\n")
        assert conn.readline() == "ERROR: connect target: node ID is 300 bytes long (at most 255)"
        conn.send('{"command":"connect","node":"a","service":"con\\u0000trol"}\n')
        assert conn.readline() == "ERROR: connect target: service name contains a control character"
        conn.send("ping " + "p" * 256 + "\n")
        assert conn.readline().startswith("ERROR: ping target: node ID is 256 bytes long")
        # The session is still usable.
        assert conn.json_command('{"command":"status","requested_fields":["NodeID"]}') == {"NodeID": "a"}
    assert a.is_running()


def test_certificate_for_another_node_id_is_refused(mesh, certs):
    """The hostile peer holds b's certificate and claims to be c: the hello is refused."""
    from test_tls import tls_server

    a = mesh.node("a")
    a.add(tls_server(certs, "srv", "a"))
    port = a.listen(tls="srv")
    mesh.start()
    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    ctx.check_hostname = False
    ctx.load_cert_chain(str(certs / "b.crt"), str(certs / "b.key"))
    with pytest.raises(ConnectionError):
        hp.HostilePeer(port, "c", tls=ctx)
    assert "does not match the certificate" in a.log_text()
    assert not a.status()["Connections"]
    # The same certificate with its own node ID is accepted.
    peer = hp.HostilePeer(port, "b", tls=ctx)
    wait_for_route(a, "b", timeout=5)
    peer.close()
    assert a.is_running()


def test_names_at_the_maximum_length_work_and_over_it_are_refused(mesh):
    """A neighbour whose node ID is exactly 255 bytes links up, and routes and pings work both
    ways; one byte more cannot be encoded, and a length byte that claims more than the frame
    carries closes the link."""
    a, b, port, metrics = chain_with_metrics(mesh)
    long_id = "n" * 255
    peer = hp.HostilePeer(port, long_id)
    peer.advertise_self({"a": 1.0})
    wait_for_route(b, long_id, via="a", timeout=5)
    assert long_id in {c["NodeID"] for c in a.status()["Connections"]}
    # a's status renders the 255-byte neighbour (both clients print it).
    rc, out, err = run_cli(a, "status")
    assert rc == 0 and long_id in out, err
    peer.close()
    # 256 bytes cannot be said in a one-byte length: a peer that tries gets a wrapped length (0,
    # an empty ID) followed by bytes that do not parse. The hello is refused.
    import socket as socketlib
    raw = socketlib.create_connection(("127.0.0.1", port), timeout=5)
    body = struct.pack(">B", 1) + struct.pack(">B", 0) + b"m" * 256 + struct.pack(">QdI", 1, 1.0, 250)
    raw.sendall(hp.frame(hp.HELLO, body))
    raw.settimeout(5)
    reply = b""
    try:
        while chunk := raw.recv(4096):
            reply += chunk
    except (ConnectionResetError, socketlib.timeout):
        pass
    raw.close()
    assert reply[4:5] == bytes([hp.REJECT]), reply[:40]
    assert_serving(a, b)
