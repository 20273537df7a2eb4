"""Work units on one node, driven by the Python receptorctl 1.6.9 library and CLI: submit with a
payload, results, status, list, cancel, release, errors, and a daemon restart in the middle of a job."""

import hashlib
import json
import os
import signal
import time

import pytest

from harness import work_results, work_status, run_cli, wait_until

SLEEPER = "for i in $(seq 1 40); do echo line $i; sleep 0.1; done"


@pytest.fixture
def worker(mesh):
    n = mesh.node("w")
    n.add("local-only")
    n.add({"work-command": {"worktype": "cat", "command": "cat"}})
    n.add({"work-command": {"worktype": "sleeper", "command": "bash", "params": f"-c '{SLEEPER}'"}})
    n.add({"work-command": {"worktype": "echo", "command": "echo", "allowruntimeparams": True}})
    n.add({"work-command": {"worktype": "fixed", "command": "echo", "params": "fixed"}})
    mesh.start()
    return n


def submit(node, worktype, payload=b"", **params):
    rc = node.ctl()
    result = rc.submit_work(worktype, payload, node=None, params=params or None)
    rc.close()
    return result["unitid"]


results = work_results
status = work_status


def test_payload_round_trip_is_byte_exact(worker):
    payload = os.urandom(24 << 20)
    unit = submit(worker, "cat", payload)
    wait_until(lambda: status(worker, unit)["StateName"] == "Succeeded", 30, desc="cat to finish")
    data = results(worker, unit)
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(payload).hexdigest()
    st = status(worker, unit)
    assert st["Detail"] == "exit status 0" and st["StdoutSize"] == len(payload) and st["State"] == 2
    assert st["WorkType"] == "cat"


def test_results_stream_while_the_job_runs(worker):
    unit = submit(worker, "sleeper")
    rc = worker.ctl()
    _, stream = rc.get_work_results(unit, return_socket=True, return_sockfile=True)
    first = stream.readline()
    t0 = time.monotonic()
    second = stream.readline()
    gap = time.monotonic() - t0
    assert first == b"line 1\n" and second == b"line 2\n"
    assert gap < 0.5  # pushed as produced (the job writes a line every 0.1 s)
    rest = stream.read()
    assert rest.endswith(b"line 40\n")
    rc.close()
    assert status(worker, unit)["Detail"] == "exit status 0"


def test_results_from_an_offset(worker):
    unit = submit(worker, "cat", b"0123456789")
    wait_until(lambda: status(worker, unit)["StateName"] == "Succeeded", 10, desc="cat to finish")
    with worker.raw() as conn:
        conn.greeting()
        conn.send(f"work results {unit} 4\n")
        assert conn.readline() == f"Streaming results for work unit {unit}"
        data = b""
        while True:
            chunk = conn.readline_bytes()
            if not chunk:
                break
            data += chunk
    assert data == b"456789"


def test_runtime_params_and_errors(worker):
    unit = submit(worker, "echo", params="hello there")
    wait_until(lambda: status(worker, unit)["StateName"] == "Succeeded", 10, desc="echo to finish")
    assert results(worker, unit) == b"hello there\n"
    with worker.raw() as conn:
        conn.greeting()
        assert conn.command("work submit localhost nosuchtype") == "ERROR: unknown work type nosuchtype"
        assert conn.command('{"command":"work","subcommand":"submit","node":"localhost","worktype":"fixed","params":"x"}') \
            == "ERROR: extra params provided but not allowed"
        assert conn.command('{"command":"work","subcommand":"submit","node":"localhost","worktype":"cat","ttl":"20s"}') \
            == "ERROR: ttl option is intended for remote work only"
        assert conn.command('{"command":"work","subcommand":"submit","node":"localhost","worktype":"cat","x":1}') \
            == "ERROR: submit parameters must all be strings and x is not"
        assert conn.command("work submit localhost") == "ERROR: work submit requires a target node and work type"
        assert conn.command("work status ../../etc") == "ERROR: unknown work unit ../../etc"
        assert conn.command("work status") == "ERROR: work status requires a unit ID"
        assert conn.command(f"work status {unit} x") == "ERROR: work status does not take parameters after the unit ID"
        assert conn.command("work frobnicate") == "ERROR: bad command"
        assert conn.command("work release nosuch") == "ERROR: unknown work unit nosuch"
        # The session still works after the errors.
        assert json.loads(conn.command(f"work status {unit}"))["StateName"] == "Succeeded"


def test_cancel_and_release(worker):
    unit = submit(worker, "sleeper")
    wait_until(lambda: status(worker, unit)["StateName"] == "Running", 5, desc="sleeper to run")
    pid = status(worker, unit)["ExtraData"]["Pid"]
    assert status(worker, unit)["Detail"] == f"Running: PID {pid}"
    assert worker.command(f"work cancel {unit}") == {"cancelled": unit}
    st = status(worker, unit)
    assert st["State"] == 4 and st["Detail"] == "Canceled" and st["StateName"] == "Canceled"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert worker.command(f"work release {unit}") == {"released": unit}
    assert unit not in worker.command("work list")
    assert not (worker.datadir / "w" / unit).exists()


def test_work_list_fresh_node_is_empty(mesh):
    n = mesh.node("fresh")
    n.add("local-only")
    n.add({"work-command": {"worktype": "cat", "command": "cat"}})
    mesh.start()
    assert n.command("work list") == {}
    ads = n.status()["Advertisements"]
    assert ads[0]["WorkCommands"] == [{"WorkType": "cat", "Secure": False}]


def test_job_survives_a_daemon_kill_and_restart(worker):
    unit = submit(worker, "sleeper")
    wait_until(lambda: status(worker, unit)["StateName"] == "Running", 5, desc="sleeper to run")
    os.kill(worker.pid, signal.SIGKILL)
    worker.stop()
    time.sleep(0.5)
    worker.start()
    st = status(worker, unit)
    assert st["StateName"] in ("Running", "Succeeded")
    wait_until(lambda: status(worker, unit)["StateName"] == "Succeeded", 15, desc="sleeper to finish after restart")
    data = results(worker, unit)
    assert data == b"".join(b"line %d\n" % i for i in range(1, 41))


def test_unit_whose_runner_died_during_a_restart_fails_clearly(worker):
    unit = submit(worker, "sleeper")
    wait_until(lambda: status(worker, unit)["StateName"] == "Running", 5, desc="sleeper to run")
    runner = json.loads((worker.datadir / "w" / unit / "runner.json").read_text())
    worker.stop()
    os.kill(runner["pid"], signal.SIGKILL)
    os.kill(runner["runner"], signal.SIGKILL)
    time.sleep(0.3)
    worker.start()
    wait_until(lambda: status(worker, unit)["StateName"] != "Running", 5, desc="the orphaned unit to be reconciled")
    st = status(worker, unit)
    assert st["StateName"] == "Failed"
    assert st["Detail"] != "" and "Running" not in st["Detail"]
