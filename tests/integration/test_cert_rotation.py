"""Certificate rotation: replacing a node's certificate files takes effect for new links while the
links it has stay up; files that do not load are refused with a log line and the old material stays."""

import hashlib
import shutil
import subprocess
import time

from harness import make_certs, wait_for_route, wait_until
from test_tls import tls_client, tls_server


def fingerprint(path):
    der = subprocess.run(["openssl", "x509", "-outform", "DER", "-in", str(path)], capture_output=True, check=True).stdout
    return hashlib.sha256(der).hexdigest()


def test_rotation_keeps_links_and_applies_to_new_ones(mesh, certs, tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    for name in ("a.crt", "a.key"):
        shutil.copy(certs / name, live / name)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(certs / "ca.crt", fresh / "ca.crt")
    shutil.copy(certs / "ca.key", fresh / "ca.key")
    make_certs(fresh, "a")  # a new key and certificate for node a, same CA
    old_pin, new_pin = fingerprint(live / "a.crt"), fingerprint(fresh / "a.crt")
    assert old_pin != new_pin

    a, b = mesh.node("a"), mesh.node("b")
    a.add({"tls-server": {"name": "srv", "cert": str(live / "a.crt"), "key": str(live / "a.key"),
                          "requireclientcert": True, "clientcas": str(certs / "ca.crt")}})
    a.listen(tls="srv")
    b.add(tls_client(certs, "cli", "b"))
    b.peer(a, tls="cli")
    mesh.start([a, b])
    wait_for_route(b, "a", timeout=5)

    # Rotate: new files in place. The existing link stays; a new peer pinned to the NEW cert connects.
    shutil.copy(fresh / "a.key", live / "a.key")
    shutil.copy(fresh / "a.crt", live / "a.crt")
    wait_until(lambda: "reloaded TLS certificates" in a.log_text(), 10, desc="a to reload its certificates")
    c = mesh.node("c")
    c.add(tls_client(certs, "cli", "c", pinnedservercert=[new_pin]))
    c.peer(a, tls="cli")
    mesh.start([c])
    wait_for_route(c, "a", timeout=5)
    assert "link down" not in b.log_text()
    assert b.command("ping a")["Success"] is True

    # A broken file is refused and the rotated certificate stays in use.
    (live / "a.crt").write_text("not a certificate\n")
    wait_until(lambda: "refusing changed TLS files" in a.log_text(), 10, desc="a to refuse the broken file")
    x = mesh.node("x")
    x.add(tls_client(certs, "cli", "x", pinnedservercert=[new_pin]))
    x.peer(a, tls="cli")
    mesh.start([x])
    wait_until(lambda: "x" in a.status()["RoutingTable"], 5, desc="a new link with the rotated certificate")
