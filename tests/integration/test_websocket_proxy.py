"""ws-peer through an HTTP proxy from the environment (as receptor's, via Go's
ProxyFromEnvironment): HTTP_PROXY for ws://, HTTPS_PROXY for wss://, NO_PROXY and loopback
bypass, Basic credentials from the proxy URL, and a proxy that refuses the tunnel."""

import base64
import socket
import threading

import pytest

from harness import free_port, wait_for_route, wait_until
from test_tls import tls_client, tls_server
from test_websocket import ws_listen


class ConnectProxy:
    """A minimal HTTP CONNECT proxy on 127.0.0.1: records each request head, sends every tunnel
    to 127.0.0.1:<the requested port> whatever the host name, or refuses with `refuse`."""

    def __init__(self, refuse: str | None = None):
        self.refuse = refuse
        self.requests: list[str] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            head += chunk
        text, _, rest = head.partition(b"\r\n\r\n")
        self.requests.append(text.decode())
        if self.refuse:
            client.sendall(f"HTTP/1.1 {self.refuse}\r\n\r\n".encode())
            client.close()
            return
        target = text.split(b"\r\n")[0].split(b" ")[1].decode()
        port = int(target.rsplit(":", 1)[1])
        upstream = socket.create_connection(("127.0.0.1", port))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if rest:
            upstream.sendall(rest)

        def pipe(src, dst):
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

    def close(self):
        self.closed = True
        self.sock.close()


@pytest.fixture
def proxy():
    p = ConnectProxy()
    yield p
    p.close()


def test_ws_peer_tunnels_through_http_proxy_with_credentials(mesh, proxy):
    a, b = mesh.node("a"), mesh.node("b")
    port = ws_listen(b)
    # A name only the proxy knows how to reach: the daemon must not resolve it itself.
    a.add({"ws-peer": {"address": f"ws://mesh-hub.invalid:{port}/"}})
    a.env = {"HTTP_PROXY": f"http://svc%40corp:s3cret@127.0.0.1:{proxy.port}"}
    mesh.start()
    wait_for_route(a, "b", timeout=10)
    assert a.command("ping b")["Success"] is True
    head = proxy.requests[0]
    assert head.startswith(f"CONNECT mesh-hub.invalid:{port} HTTP/1.1\r\n")
    assert f"Host: mesh-hub.invalid:{port}" in head
    assert f"Proxy-Authorization: Basic {base64.b64encode(b'svc@corp:s3cret').decode()}" in head
    assert "dialling through an HTTP proxy" in a.log_text()


def test_wss_peer_uses_https_proxy_and_tls_inside_the_tunnel(mesh, proxy, certs):
    a, b = mesh.node("a"), mesh.node("b")
    b.add(tls_server(certs, "srv", "b"))
    port = ws_listen(b, tls="srv")
    a.add(tls_client(certs, "cli", "a", insecureskipverify=True))
    a.add({"ws-peer": {"address": f"wss://mesh-hub.invalid:{port}/", "tls": "cli"}})
    a.env = {"HTTPS_PROXY": f"127.0.0.1:{proxy.port}", "HTTP_PROXY": "http://127.0.0.1:1"}
    mesh.start()
    wait_for_route(a, "b", timeout=10)
    assert proxy.requests and proxy.requests[0].startswith(f"CONNECT mesh-hub.invalid:{port} ")


def test_loopback_and_localhost_go_direct_even_with_a_proxy_set(mesh, proxy):
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    port_b = ws_listen(b)
    port_c = ws_listen(c)
    a.add({"ws-peer": {"address": f"ws://127.0.0.1:{port_b}/"}})  # loopback: never proxied
    a.add({"ws-peer": {"address": f"ws://localhost:{port_c}/"}})  # localhost: never proxied
    a.env = {"HTTP_PROXY": f"http://127.0.0.1:{proxy.port}", "NO_PROXY": "example.com"}  # NO_PROXY matching: HTTPProxyTests
    mesh.start()
    wait_for_route(a, "b", timeout=10)
    wait_for_route(a, "c", timeout=10)
    assert proxy.requests == []


def test_a_refusing_proxy_keeps_the_link_down_and_is_logged(mesh):
    refusing = ConnectProxy(refuse="407 Proxy Authentication Required")
    try:
        a, b = mesh.node("a"), mesh.node("b")
        port = ws_listen(b)
        a.add({"ws-peer": {"address": f"ws://mesh-hub.invalid:{port}/"}})
        a.env = {"HTTP_PROXY": f"http://127.0.0.1:{refusing.port}"}
        mesh.start()
        wait_until(lambda: "proxy refused the tunnel: HTTP/1.1 407" in a.log_text(), 10, desc="the refusal to be logged")
        assert a.status()["Connections"] == []
    finally:
        refusing.close()


def test_unusable_proxy_setting_is_a_startup_error(mesh):
    a = mesh.node("a")
    a.add({"ws-peer": {"address": "wss://hub.example.com/"}})
    a.env = {"HTTPS_PROXY": "socks5://127.0.0.1:1080"}
    a.spawn()
    assert a.proc.wait(timeout=10) == 1
    log = a.log_text()
    assert "ws-peer" in log and "only http:// proxies are supported" in log, log
