"""Link and routing behaviour across processes: simultaneous dials, route aging, restarts,
the control socket's lock file and permissions, certificate pins, not-yet-supported entries."""

import hashlib
import os
import stat
import subprocess
import time

from harness import require_receptord, wait_for_route, wait_until
from test_tls import tls_client, tls_server


def test_both_sides_dialling_keep_one_stable_link(mesh):
    a, b = mesh.node("a"), mesh.node("b")
    a.listen()
    b.listen()
    a.peer(b)
    b.peer(a)
    mesh.start()
    wait_for_route(a, "b", timeout=5)
    time.sleep(3)
    assert [c["NodeID"] for c in a.status()["Connections"]] == ["b"]
    assert [c["NodeID"] for c in b.status()["Connections"]] == ["a"]
    # Settled: after the first second, no link went down and up again.
    ups = a.log_text().count("link up") + b.log_text().count("link up")
    assert ups <= 4, a.log_text() + b.log_text()
    assert a.command("ping b")["Success"] is True


def test_a_vanished_node_ages_out_of_every_table(mesh):
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    for n in (a, b, c):
        n.node_fields["routelifetime"] = "3s"
    b.listen()
    a.peer(b)
    c.peer(b)
    mesh.start()
    wait_for_route(a, "c", timeout=5)
    c.stop()
    # The route goes at once (b drops the link and floods); the record itself after its lifetime.
    wait_until(lambda: "c" not in a.status()["RoutingTable"], 3, desc="route to c to go")
    wait_until(lambda: "c" not in a.status()["KnownConnectionCosts"]
               and all(ad["NodeID"] != "c" for ad in a.status()["Advertisements"]),
               8, desc="c to leave a's tables")


def test_a_restarted_node_is_believed_at_once(mesh):
    """Sequence numbers never go backwards across a restart, so the mesh takes the restarted
    node's new advertisement immediately (not after the old one ages out)."""
    a, b = mesh.node("a"), mesh.node("b")
    a.listen()
    b.peer(a)
    mesh.start()
    wait_for_route(a, "b", timeout=5)
    b.stop()
    b.add({"tcp-client": {"service": "newsvc", "address": "127.0.0.1:9"}})
    b.start()
    wait_until(lambda: any(ad["NodeID"] == "b" and ad["Service"] == "newsvc" for ad in a.status()["Advertisements"]),
               3, desc="b's new service to reach a")


def test_control_socket_lock_and_permissions(mesh, tmp_path):
    a = mesh.node("a")
    a.add("local-only")
    a.add({"control-service": {"service": "", "filename": str(a.dir / "group.sock"), "permissions": "0660"}})
    mesh.start()
    assert stat.S_IMODE(os.stat(a.socket_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(a.dir / "group.sock").st_mode) == 0o660
    assert (a.dir / "ctl.sock.lock").exists()
    # A second daemon on the same socket path is refused, and the first keeps serving.
    config = tmp_path / "second.yml"
    config.write_text(
        "- node: {id: second, datadir: %s}\n- local-only\n- control-service: {filename: %s}\n"
        % (tmp_path / "data", a.socket_path)
    )
    proc = subprocess.run([str(require_receptord()), "--config", str(config)], capture_output=True, timeout=20)
    assert proc.returncode == 1
    assert b"could not acquire lock" in proc.stderr
    assert a.status()["NodeID"] == "a"


def fingerprint(path):
    pem = path.read_text()
    der = subprocess.run(["openssl", "x509", "-outform", "DER"], input=pem.encode(), capture_output=True,
                         check=True).stdout
    return hashlib.sha256(der).hexdigest()


def test_pinned_server_certificate(mesh, certs):
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    a.add(tls_server(certs, "srv", "a"))
    a.listen(tls="srv")
    good = fingerprint(certs / "a.crt")
    pretty = ":".join(good[i:i + 2] for i in range(0, len(good), 2))
    b.add(tls_client(certs, "cli", "b", pinnedservercert=[pretty]))
    b.peer(a, tls="cli")
    c.add(tls_client(certs, "cli", "c", pinnedservercert=["00" * 32]))
    c.peer(a, tls="cli")
    mesh.start()
    wait_for_route(b, "a", timeout=5)
    time.sleep(2)
    assert "a" not in c.status()["RoutingTable"]
    assert "pinned fingerprint" in c.log_text()


def test_entries_of_later_work_are_reported_not_refused(mesh):
    a = mesh.node("a")
    a.add("local-only")
    a.add({"ip-router": {"networkname": "net", "localnet": "10.0.0.0/30"}})
    mesh.start()
    log = a.log_text()
    for name in ("ip-router",):
        assert f"{name} (item" in log and "not supported yet" in log, log
    assert a.status()["NodeID"] == "a"
