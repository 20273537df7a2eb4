"""SIGHUP reloads like the `reload` command; SIGTERM stops cleanly and leaves work units running;
the packaged example configuration is valid."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness import REPO_ROOT, ControlConn, require_receptord, wait_for_route, wait_until


def test_sighup_reloads_backends(mesh):
    a, b = mesh.node("A"), mesh.node("B")
    b.listen()
    a.add("local-only")  # reloadable, and a backend so A starts
    mesh.start()
    assert "B" not in a.status()["RoutingTable"]
    a.peer(b)
    a.write_config()
    os.kill(a.pid, signal.SIGHUP)
    wait_for_route(a, "B", timeout=10)
    assert "configuration reloaded" in a.log_text()


def test_sigterm_closes_links_cleanly(mesh):
    a, b = mesh.node("A"), mesh.node("B")
    b.listen()
    a.peer(b)
    a.node_fields["deadpeertimeout"] = "30s"  # a clean close must not need the failure detector
    mesh.start()
    wait_for_route(a, "B", timeout=5)
    assert b.stop() == 0  # exit status 0 after SIGTERM
    wait_until(lambda: "B" not in a.status()["RoutingTable"], 3, desc="A to see B leave at once")
    assert "node shutting down" in a.log_text()


def bridged_session(mesh):
    """A and B linked, and a control session on A bridged to B's control service (a stream)."""
    a, b = mesh.node("A"), mesh.node("B")
    b.listen()
    a.peer(b)
    mesh.start()
    wait_for_route(a, "B", timeout=5)
    c = a.raw()
    assert c.greeting() == "Receptor Control, node A"
    c.send("connect B control \n")
    assert c.readline() == "Connecting"
    assert c.readline() == "Receptor Control, node B"
    return a, b, c


def test_sigterm_drains_open_streams_then_exits_0(mesh):
    """SIGTERM stops accepting but lets an open stream finish (within the 3 s drain deadline),
    then the node stops cleanly and exits 0, as soon as the stream is done."""
    a, b, c = bridged_session(mesh)
    proc = a.proc
    with c:
        proc.send_signal(signal.SIGTERM)
        wait_until(lambda: "draining open streams" in a.log_text(), 2, desc="A to start draining")
        # The open stream, to B through A, still works while A drains...
        assert json.loads(c.command("status"))["NodeID"] == "B"
        assert proc.poll() is None
        # ...and A accepts nothing new.
        with pytest.raises(OSError):
            ControlConn(a.socket_path, 2).greeting()
        closed_at = time.monotonic()
    # The session is over: A stops at once, well before the deadline would have cut it.
    assert proc.wait(5) == 0
    assert time.monotonic() - closed_at < 2.5
    assert "streams still open at the drain deadline" not in a.log_text()
    wait_until(lambda: "A" not in b.status()["RoutingTable"], 3, desc="B to see A leave")


def test_sigterm_resets_streams_left_at_the_drain_deadline(mesh):
    a, _, c = bridged_session(mesh)
    proc = a.proc
    with c:
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        # Nobody closes the session: the deadline (3 s) resets it and A exits 0.
        assert proc.wait(8) == 0
        assert 2.5 < time.monotonic() - started < 6
    assert "streams still open at the drain deadline; resetting them" in a.log_text()


def test_packaged_example_config_parses(tmp_path):
    text = (REPO_ROOT / "packaging" / "receptor.conf").read_text()
    # Point the file paths at a temporary directory; the structure stays as shipped.
    text = text.replace("/var/lib/receptor", str(tmp_path / "data")).replace("/run/receptor", str(tmp_path))
    config = tmp_path / "receptor.conf"
    config.write_text(text)
    proc = subprocess.run([str(require_receptord()), "--config", str(config)], capture_output=True, timeout=20)
    # Everything parses and validates; the only failure is the certificate files that do not exist.
    assert proc.returncode == 1
    assert b"tls-server" in proc.stderr and b"/etc/receptor/tls/receptor.crt" in proc.stderr, proc.stderr
