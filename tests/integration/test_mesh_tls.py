"""TLS above the mesh: end-to-end TLS on mesh streams (connect with a tls-client, a control
service with `tls`, the proxies' mesh-side TLS), with the remote node ID checked against the
certificate (config-format.md 6, "Above the mesh")."""

import socket

from harness import ControlConn, free_port, wait_for_route, wait_until
from test_tls import tls_client, tls_server


def chain_with_tls_control(mesh, certs, server_cert="c", **server_extra):
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    b.listen()
    a.peer(b)
    c.peer(b)
    a.add(tls_client(certs, "cli", "a"))
    c.add(tls_server(certs, "srv", server_cert, **server_extra))
    c.add({"control-service": {"service": "ctls", "tls": "srv"}})
    mesh.start()
    wait_for_route(a, "c", timeout=5)
    wait_until(lambda: any(ad["NodeID"] == "c" and ad["Service"] == "ctls" for ad in a.status()["Advertisements"]),
               5, desc="c's TLS control service to be advertised")
    return a, b, c


def test_connect_with_tls_client_to_tls_control_service(mesh, certs):
    a, b, c = chain_with_tls_control(mesh, certs)
    ad = next(ad for ad in a.status()["Advertisements"] if ad["NodeID"] == "c" and ad["Service"] == "ctls")
    assert ad["ConnType"] == 2  # StreamTLS
    with a.raw() as conn:
        conn.greeting()
        conn.send("connect c ctls cli\n")
        assert conn.readline() == "Connecting"
        assert conn.readline() == "Receptor Control, node c"
        reply = conn.json_command('{"command":"status","requested_fields":["NodeID"]}')
        assert reply == {"NodeID": "c"}


def test_tls_control_service_refuses_a_certificate_for_another_node(mesh, certs):
    # c's TLS service presents b's certificate: a client dialling c must refuse it.
    a, b, c = chain_with_tls_control(mesh, certs, server_cert="b", skipreceptornamescheck=True)
    with a.raw() as conn:
        conn.greeting()
        conn.send("connect c ctls cli\n")
        reply = conn.readline()
        assert reply.startswith("ERROR: "), reply
        assert "TLS" in reply or "certificate" in reply
    assert "does not name node c" in a.log_text()


def test_tls_control_service_refuses_plain_clients(mesh, certs):
    a, b, c = chain_with_tls_control(mesh, certs)
    with a.raw() as conn:
        conn.greeting()
        conn.send("connect c ctls \n")
        assert conn.readline() == "Connecting"
        # The far end speaks TLS, so no greeting arrives in clear; the session ends.
        conn.sock.settimeout(10)
        data = b""
        try:
            while True:
                chunk = conn.sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        assert b"Receptor Control" not in data


def test_tcp_proxies_with_tls_above_the_mesh(mesh, certs):
    """tcp-server (tlsclient) on a -> mesh stream in TLS -> tcp-client (tlsserver) on c -> echo."""
    echo = socket.socket()
    echo.bind(("127.0.0.1", 0))
    echo.listen(1)
    echo_port = echo.getsockname()[1]

    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    b.listen()
    a.peer(b)
    c.peer(b)
    a.add(tls_client(certs, "cli", "a"))
    c.add(tls_server(certs, "srv", "c"))
    c.add({"tcp-client": {"service": "echo", "address": f"127.0.0.1:{echo_port}", "tlsserver": "srv"}})
    local = free_port()
    a.add({"tcp-server": {"port": local, "bindaddr": "127.0.0.1", "remotenode": "c", "remoteservice": "echo",
                          "tlsclient": "cli"}})
    mesh.start()
    wait_for_route(a, "c", timeout=5)
    wait_until(lambda: any(ad["NodeID"] == "c" and ad["Service"] == "echo" and ad["ConnType"] == 2
                           for ad in a.status()["Advertisements"]), 5, desc="c's echo service (StreamTLS)")

    client = socket.create_connection(("127.0.0.1", local), timeout=10)
    server, _ = echo.accept()
    server.settimeout(10)
    payload = bytes(range(256)) * 4096  # 1 MiB
    client.sendall(payload)
    client.shutdown(socket.SHUT_WR)
    got = b""
    while len(got) < len(payload):
        chunk = server.recv(65536)
        if not chunk:
            break
        got += chunk
    assert got == payload
    server.sendall(b"reply through TLS")
    server.shutdown(socket.SHUT_WR)
    client.settimeout(10)
    back = b""
    while True:
        chunk = client.recv(4096)
        if not chunk:
            break
        back += chunk
    assert back == b"reply through TLS"
    client.close()
    server.close()
    echo.close()
