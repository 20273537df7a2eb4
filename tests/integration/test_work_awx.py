"""AWX's path through the mesh (awx-integration.md 2 and 3): an `ansible-runner worker` work type
on an execution node behind a hop, a real playbook sent with `ansible-runner transmit` and read back
with `ansible-runner process`, the `--worker-info` health probe, and signed work."""

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from harness import wait_for_route, wait_until

BIN = Path(sys.executable).parent
RUNNER = BIN / "ansible-runner"

pytestmark = pytest.mark.skipif(not RUNNER.exists(), reason="ansible-runner is installed by .ci/run")


@pytest.fixture
def awx_chain(mesh, tmp_path, monkeypatch):
    # The worker runs ansible-playbook from PATH: the venv's.
    monkeypatch.setenv("PATH", f"{BIN}:{os.environ['PATH']}")
    keys = tmp_path / "keys"
    keys.mkdir()
    subprocess.run(["openssl", "genrsa", "-out", str(keys / "private.pem"), "2048"], check=True, capture_output=True)
    subprocess.run(["openssl", "rsa", "-in", str(keys / "private.pem"), "-pubout", "-out", str(keys / "public.pem")],
                   check=True, capture_output=True)
    control, hop, execution = mesh.node("control"), mesh.node("hop"), mesh.node("exec")
    hop.listen()
    control.peer(hop)
    execution.peer(hop)
    control.add({"work-signing": {"privatekey": str(keys / "private.pem"), "tokenexpiration": "1m"}})
    execution.add({"work-verification": {"publickey": str(keys / "public.pem")}})
    execution.add({"work-command": {"worktype": "ansible-runner", "command": str(RUNNER), "params": "worker",
                                    "allowruntimeparams": True, "verifysignature": True}})
    mesh.start()
    wait_for_route(control, "exec", via="hop", timeout=10)
    wait_until(lambda: any(ad["NodeID"] == "exec" and ad["WorkCommands"] for ad in control.status()["Advertisements"]),
               5, desc="exec's work types")
    return control, hop, execution, keys


def run_unit(node, payload, **kw):
    rc = node.ctl()
    result = rc.submit_work("ansible-runner", payload, node="exec", signwork=True, **kw)
    rc.close()
    unit = result["unitid"]
    rc = node.ctl()
    _, stream = rc.get_work_results(unit, return_socket=True, return_sockfile=True)
    data = stream.read()
    rc.close()
    return unit, data


def test_worker_info_health_probe(awx_chain):
    control, _, _, _ = awx_chain
    unit, data = run_unit(control, b"", ttl="20s", params={"params": "--worker-info"})
    info = yaml.safe_load(data.strip())
    assert isinstance(info, dict) and info["errors"] == []
    assert info["cpu_count"] == os.cpu_count()
    assert info["mem_in_bytes"] > 0 and str(info["runner_version"])
    wait_until(lambda: control.command(f"work status {unit}")["StateName"] == "Succeeded", 10, desc="probe to finish")
    assert control.command(f"work release {unit}") == {"released": unit}


def test_playbook_through_the_mesh(awx_chain, tmp_path):
    control, _, _, _ = awx_chain
    pdd = tmp_path / "pdd"
    (pdd / "project").mkdir(parents=True)
    (pdd / "inventory").mkdir()
    (pdd / "inventory" / "hosts").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
    )
    (pdd / "project" / "play.yml").write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - debug: {msg: hello from the mesh}\n    - command: echo second task\n"
    )
    transmit = subprocess.run([str(RUNNER), "transmit", str(pdd), "-p", "play.yml"], capture_output=True, check=True)
    workdir = tmp_path / "worker-pdd"
    unit, stream = run_unit(control, transmit.stdout, params={"params": f"--private-data-dir={workdir}"})
    proc_dir = tmp_path / "processed"
    processed = subprocess.run([str(RUNNER), "process", str(proc_dir), "-i", "job1"], input=stream,
                               capture_output=True, check=True)
    assert b"hello from the mesh" in processed.stdout, processed.stdout.decode()[-3000:]
    assert (proc_dir / "artifacts" / "job1" / "status").read_text().strip() == "successful", processed.stdout.decode()[-3000:]
    statuses = [json.loads(line).get("status") for line in stream.splitlines() if line.startswith(b"{\"status\"")]
    assert statuses[-1] == "successful"
    wait_until(lambda: control.command(f"work status {unit}")["Detail"] == "exit status 0", 10, desc="unit to end")


def test_signed_work_is_required_over_tcp(awx_chain, tmp_path):
    _, _, execution, keys = awx_chain
    # A TCP control listener on the execution node: not the trusted unix socket.
    from harness import ControlConn, free_port
    port = free_port()
    execution.stop()
    execution.add({"control-service": {"service": "ctl2", "tcplisten": f"127.0.0.1:{port}"}})
    execution.start()
    submit = '{"command":"work","subcommand":"submit","node":"exec","worktype":"ansible-runner"%s}'
    with ControlConn.tcp("127.0.0.1", port) as conn:
        conn.greeting()
        assert conn.command(submit % "") == "ERROR: could not verify signature: signature is empty"
        assert conn.command(submit % ',"signature":"not.a.token"').startswith("ERROR: could not verify signature")
    other = tmp_path / "other.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(other), "2048"], check=True, capture_output=True)
    now = int(time.time())
    good = make_token(keys / "private.pem", aud="exec", exp=now + 60)
    cases = {
        make_token(other, aud="exec", exp=now + 60): "ERROR: could not verify signature",
        make_token(keys / "private.pem", aud="exec", exp=now - 60): "ERROR: could not verify signature",
        make_token(keys / "private.pem", aud="someone-else", exp=now + 60): "ERROR: token audience did not match node ID",
    }
    with ControlConn.tcp("127.0.0.1", port) as conn:
        conn.greeting()
        for token, expected in cases.items():
            assert conn.command(submit % f',"signature":"{token}"').startswith(expected)
        assert conn.command(submit % f',"params":"--worker-info","signature":"{good}"').startswith("Work unit created with ID")
    # The unix socket is trusted: no signature needed.
    with execution.raw() as conn:
        conn.greeting()
        assert conn.command(submit % ',"params":"--worker-info"').startswith("Work unit created with ID")


def make_token(key, aud, exp):
    """An RS512 JWT as receptor's work-signing makes them (claims exp and aud), signed with openssl."""
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    header = b64(json.dumps({"alg": "RS512", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"aud": [aud], "exp": exp}).encode())
    signing_input = f"{header}.{claims}".encode()
    signature = subprocess.run(["openssl", "dgst", "-sha512", "-sign", str(key)], input=signing_input,
                               capture_output=True, check=True).stdout
    return f"{header}.{claims}.{b64(signature)}"
