"""Control sockets over TLS with half-close, duplicate node IDs, and hostile peers."""

import os
import socket
import ssl
import time

from harness import free_port, wait_for_route, wait_until, run_cli
from test_tls import tls_server


def test_tls_control_socket_with_bare_fin_half_close(mesh, certs):
    """The Python client half-closes TLS sockets with a bare TCP FIN (no close_notify);
    the server must treat it as EOF and still answer (control-protocol.md 2.5)."""
    a = mesh.node("a")
    port = free_port()
    server = tls_server(certs, "ctl", "a", requireclientcert=False)
    del server["tls-server"]["clientcas"]  # no client certificates on this listener
    a.add(server)
    a.add({"control-service": {"service": "ctl2", "tcplisten": f"127.0.0.1:{port}", "tcptls": "ctl"}})
    a.add("local-only")
    mesh.start()

    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    ctx.check_hostname = False
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    tls = ctx.wrap_socket(raw, server_hostname="a")
    f = tls.makefile("rb")
    assert f.readline() == b"Receptor Control, node a\n"
    tls.sendall(b'{"command":"status","requested_fields":["NodeID"]}\n')
    # A final command without a newline, then a bare FIN (the plain socket's shutdown).
    tls.sendall(b"ping a")
    # shutdown() on a duplicate of the descriptor: a TCP FIN without a TLS close_notify.
    bare = socket.socket(fileno=os.dup(tls.fileno()))
    bare.shutdown(socket.SHUT_WR)
    bare.close()
    assert f.readline() == b'{"NodeID":"a"}\n'
    reply = f.readline()
    assert b'"Success":true' in reply and b'"From":"a"' in reply
    assert f.readline() == b""  # the server closes after the last command
    tls.close()

    # The Python receptorctl over tls:// works too.
    rc, out, err = run_cli(f"tls://127.0.0.1:{port}", "--rootcas", str(certs / "ca.crt"),
                           "status", "--json")
    assert rc == 0, err
    assert '"NodeID": "a"' in out


def test_duplicate_node_id_does_not_flap(mesh, mesh_factory):
    """Two processes claiming one node ID: the hub keeps the first and refuses the second,
    and the first one's link stays up (no flapping)."""
    hub = mesh.node("hub")
    hub.listen()
    first = mesh.node("dup")
    first.peer(hub)
    mesh.start([hub, first])
    wait_for_route(hub, "dup", via="dup", timeout=5)

    other = mesh_factory("other")
    second = other.node("dup")  # a second process with the same node ID
    second.peer(hub.listen_ports[0])
    other.start()
    time.sleep(3)
    conns = [c["NodeID"] for c in hub.status()["Connections"]]
    assert conns == ["dup"]
    # The first process still has its link and answers pings through it.
    assert first.command("ping hub")["Success"] is True
    assert "already connected" in second.log_text()
    # The refused process backs off instead of hammering the hub: few attempts in 3 s.
    assert second.log_text().count("peer refused the link") <= 6


def test_garbage_on_a_link_drops_only_that_link(mesh):
    a = mesh.node("a")
    port = a.listen()
    b = mesh.node("b")
    b.peer(a)
    mesh.start()
    wait_for_route(a, "b", timeout=5)
    for payload in (b"\x00\x00\x00\x05\xffgarbage", b"\xff" * 64, b"GET / HTTP/1.1\r\n\r\n"):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(payload)
        s.settimeout(5)
        try:
            while s.recv(4096):
                pass  # the daemon closes the connection
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()
    assert a.is_running()
    assert a.command("ping b")["Success"] is True
    assert "closing link" in a.log_text()


def test_connect_to_localhost_reaches_our_own_service(mesh):
    a = mesh.node("a")
    a.add("local-only")
    mesh.start()
    with a.raw() as conn:
        conn.greeting()
        conn.send("connect localhost control\n")
        assert conn.readline() == "Connecting"
        assert conn.readline() == "Receptor Control, node a"
        assert conn.json_command('{"command":"status","requested_fields":["NodeID"]}') == {"NodeID": "a"}
    with a.raw() as conn:
        conn.greeting()
        conn.send("connect localhost nosuchsvc\n")
        assert conn.readline() == "ERROR: service unknown"
