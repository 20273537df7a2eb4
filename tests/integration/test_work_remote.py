"""Remote work through a hop (A - B - C, the unit runs on C), driven from A with the Python
receptorctl 1.6.9 library: payload round trip, streaming, cancel, release, unreachable nodes and
restarts of either daemon in the middle of the output."""

import hashlib
import os
import signal
import time

import pytest

from harness import work_results, work_status, Mesh, wait_for_route, wait_until

SLEEPER = "for i in $(seq 1 30); do echo line $i; sleep 0.1; done"
EXPECTED = b"".join(b"line %d\n" % i for i in range(1, 31))


@pytest.fixture
def chain(mesh):
    a, b, c = mesh.node("A"), mesh.node("B"), mesh.node("C")
    b.listen()
    a.peer(b)
    c.peer(b)
    c.add({"work-command": {"worktype": "cat", "command": "cat"}})
    c.add({"work-command": {"worktype": "sleeper", "command": "bash", "params": f"-c '{SLEEPER}'"}})
    mesh.start()
    wait_for_route(a, "C", via="B", timeout=10)
    wait_for_route(c, "A", via="B", timeout=10)  # both ways: tests ping and submit at once
    wait_until(lambda: any(ad["NodeID"] == "C" and ad["WorkCommands"] for ad in a.status()["Advertisements"]),
               5, desc="C's work types to be advertised")
    return a, b, c


def submit(node, target, worktype, payload=b"", **kw):
    rc = node.ctl()
    result = rc.submit_work(worktype, payload, node=target, **kw)
    rc.close()
    return result


results = work_results
status = work_status


def test_remote_payload_round_trip(chain):
    a, _, c = chain
    payload = os.urandom(24 << 20)
    result = submit(a, "C", "cat", payload)
    assert result["result"] == "Job Started"
    unit = result["unitid"]
    t0 = time.monotonic()
    data = results(a, unit)
    elapsed = time.monotonic() - t0
    assert hashlib.sha256(data).digest() == hashlib.sha256(payload).digest()
    wait_until(lambda: status(a, unit)["Detail"] == "exit status 0", 5, desc="the local record to show exit status 0")
    st = status(a, unit)
    assert st["WorkType"] == "remote" and st["StateName"] == "Succeeded" and st["StdoutSize"] == len(payload)
    extra = st["ExtraData"]
    assert extra["RemoteNode"] == "C" and extra["RemoteWorkType"] == "cat" and extra["RemoteStarted"] is True
    assert c.command(f"work status {extra['RemoteUnitID']}")["Detail"] == "exit status 0"
    print(f"remote cat round trip of 24 MiB: {len(payload) / elapsed / 1e6:.1f} MB/s (results phase)")


def test_remote_output_is_pushed_as_produced(chain):
    a, _, _ = chain
    unit = submit(a, "C", "sleeper")["unitid"]
    rc = a.ctl()
    _, stream = rc.get_work_results(unit, return_socket=True, return_sockfile=True)
    assert stream.readline() == b"line 1\n"
    gaps = []
    for i in range(2, 8):
        t0 = time.monotonic()
        assert stream.readline() == b"line %d\n" % i
        gaps.append(time.monotonic() - t0)
    # Lines are 0.1 s apart at the source; pushed output keeps that rhythm (no 1 s polling).
    assert max(gaps) < 0.4, gaps
    assert stream.read() == b"".join(b"line %d\n" % i for i in range(8, 31))
    rc.close()


def test_remote_cancel_and_release(chain):
    a, _, c = chain
    unit = submit(a, "C", "sleeper")["unitid"]
    wait_until(lambda: status(a, unit)["StateName"] == "Running", 5, desc="the remote unit to run")
    remote = status(a, unit)["ExtraData"]["RemoteUnitID"]
    assert a.command(f"work cancel {unit}") == {"cancelled": unit}
    wait_until(lambda: status(a, unit)["Detail"] == "Canceled", 15, desc="Canceled to reach A")
    assert c.command(f"work status {remote}")["StateName"] == "Canceled"
    assert a.command(f"work release {unit}") == {"released": unit}
    assert unit not in a.command("work list")
    assert remote not in c.command("work list")


def test_unreachable_node_is_submitted_and_can_be_released(chain):
    a, _, _ = chain
    result = submit(a, "nowhere", "cat", b"x")
    assert result["result"] == "Job Submitted"
    unit = result["unitid"]
    assert status(a, unit)["StateName"] == "Pending"
    assert a.command(f"work release {unit}") == {"released": unit}
    assert unit not in a.command("work list")


def test_remote_errors(chain):
    a, _, _ = chain
    with pytest.raises(RuntimeError, match="unknown work type nosuch"):
        submit(a, "C", "nosuch")
    with pytest.raises(RuntimeError, match="cannot send secrets over a non-TLS connection"):
        submit(a, "C", "cat", params={"secret_token": "x"})
    with pytest.raises(RuntimeError, match="unknown TLS config nope"):
        submit(a, "C", "cat", tlsclient="nope")


@pytest.mark.parametrize("victim", ["worker", "submitter"])
def test_output_survives_a_daemon_restart(chain, victim):
    a, _, c = chain
    unit = submit(a, "C", "sleeper")["unitid"]
    wait_until(lambda: status(a, unit)["StdoutSize"] >= 40, 10, desc="some output")
    node = c if victim == "worker" else a
    os.kill(node.pid, signal.SIGKILL)
    node.stop()
    time.sleep(0.5)
    node.start()
    wait_until(lambda: status(a, unit)["StateName"] == "Succeeded", 20, desc="the unit to finish on A")
    assert results(a, unit) == EXPECTED


def test_ttl_expires_a_unit_that_never_started(chain):
    a, _, _ = chain
    result = submit(a, "nowhere", "cat", b"x", ttl="1s")
    assert result["result"] == "Job Submitted"
    unit = result["unitid"]
    wait_until(lambda: status(a, unit)["StateName"] == "Failed", 10, desc="the unit to expire")
    assert status(a, unit)["Detail"].startswith("Work unit expired on ")


def test_release_of_an_unreachable_unit_is_pending_then_completes(chain):
    a, _, c = chain
    unit = submit(a, "C", "sleeper")["unitid"]
    wait_until(lambda: status(a, unit)["StateName"] == "Running", 5, desc="the remote unit to run")
    remote = status(a, unit)["ExtraData"]["RemoteUnitID"]
    c.stop()
    wait_until(lambda: "C" not in a.status()["RoutingTable"], 5, desc="C to be unreachable")
    assert a.command(f"work release {unit}") == {"release pending": unit}
    assert status(a, unit)["ExtraData"]["LocalReleased"] is True
    c.start()
    wait_until(lambda: unit not in a.command("work list"), 20, desc="the release to complete")
    assert remote not in c.command("work list")


def test_remote_work_over_tls_above_the_mesh(mesh, certs):
    """The execution node's control service has `tls`: the submitter must use a tls-client, and the
    whole control session (payload, output) is TLS end to end between the two nodes."""
    from test_tls import tls_client, tls_server
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    b.listen()
    a.peer(b)
    c.peer(b)
    a.add(tls_client(certs, "cli", "a"))
    c.add(tls_server(certs, "srv", "c"))
    c.control = False  # c's only control service is the TLS one on the mesh (plus a unix socket below)
    c.add({"control-service": {"service": "control", "tls": "srv", "filename": str(c.socket_path)}})
    c.add({"work-command": {"worktype": "cat", "command": "cat"}})
    mesh.start()
    c.control = True
    c.wait_ready()
    wait_for_route(a, "c", timeout=10)
    wait_until(lambda: any(ad["NodeID"] == "c" and ad["ConnType"] == 2 for ad in a.status()["Advertisements"]),
               5, desc="c's TLS control service")
    payload = os.urandom(1 << 20)
    result = submit(a, "c", "cat", payload, tlsclient="cli", params={"secret_token": "s3cret"})
    assert result["result"] == "Job Started"
    unit = result["unitid"]
    assert results(a, unit) == payload
    st = status(a, unit)
    assert st["ExtraData"]["TLSClient"] == "cli"
    assert "secret_token" not in st["ExtraData"]["RemoteParams"]  # redacted in replies
    on_disk = (a.datadir / "a" / unit / "status").read_bytes()
    assert b"s3cret" not in on_disk  # and never on disk in clear
    # Without the tls-client the TLS service cannot be used.
    with pytest.raises(RuntimeError):
        submit(a, "c", "cat", b"x")
