"""unix-socket-server / unix-socket-client: a Unix socket on one node carried over the mesh to a
Unix socket on another, both ways, with receptor's advertisement tags."""

import os
import socket
import stat
import threading

from harness import wait_for_route, wait_until


def test_unix_socket_proxies_carry_traffic_both_ways(mesh, tmp_path):
    target = tmp_path / "target.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(target))
    server.listen(1)
    received = []

    def serve():
        conn, _ = server.accept()
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        received.append(data)
        conn.sendall(data[::-1])
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    a, b, c = mesh.node("A"), mesh.node("B"), mesh.node("C")
    b.listen()
    a.peer(b)
    c.peer(b)
    c.add({"unix-socket-client": {"service": "usock", "filename": str(target)}})
    front = tmp_path / "front.sock"
    a.add({"unix-socket-server": {"filename": str(front), "remotenode": "C", "remoteservice": "usock", "permissions": "0660"}})
    mesh.start()
    wait_for_route(a, "C", timeout=10)
    wait_until(lambda: any(ad["NodeID"] == "C" and ad["Service"] == "usock" for ad in a.status()["Advertisements"]),
               5, desc="C's unix proxy service")
    ad = next(ad for ad in a.status()["Advertisements"] if ad["Service"] == "usock")
    assert ad["Tags"] == {"type": "Unix Proxy", "filename": str(target)}
    assert stat.S_IMODE(os.stat(front).st_mode) == 0o660
    payload = os.urandom(300_000)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(str(front))
    client.sendall(payload)
    client.shutdown(socket.SHUT_WR)
    back = b""
    client.settimeout(15)
    while True:
        chunk = client.recv(65536)
        if not chunk:
            break
        back += chunk
    client.close()
    assert received == [payload]
    assert back == payload[::-1]
