"""SIGHUP reloads like the `reload` command; SIGTERM stops cleanly and leaves work units running;
the packaged example configuration is valid."""

import os
import signal
import subprocess
import time
from pathlib import Path

from harness import REPO_ROOT, require_receptord, wait_for_route, wait_until


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
