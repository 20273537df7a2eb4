"""Our receptorctl's control-plane views (what AWX computes, for anyone): `health` runs the
worker-info probe over the mesh and computes capacity as AWX does, `nodes` shows roles and
ready/lost, `topology` prints the graph."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from harness import run_swift_cli, wait_for_route, wait_until

BIN = Path(sys.executable).parent
RUNNER = BIN / "ansible-runner"


@pytest.fixture
def chain(mesh, monkeypatch):
    monkeypatch.setenv("PATH", f"{BIN}:{os.environ['PATH']}")
    a, b, c = mesh.node("A"), mesh.node("B"), mesh.node("C")
    for n in (a, b, c):
        n.node_fields["routelifetime"] = "4s"  # advertisements refreshed every second
    b.listen()
    a.peer(b)
    c.peer(b)
    c.add({"work-command": {"worktype": "ansible-runner", "command": str(RUNNER), "params": "worker",
                            "allowruntimeparams": True}})
    c.add({"work-command": {"worktype": "broken", "command": "/bin/false", "allowruntimeparams": True}})
    mesh.start()
    wait_for_route(a, "C", via="B", timeout=10)
    wait_for_route(c, "A", via="B", timeout=10)  # both ways: tests ping and submit at once
    wait_until(lambda: any(ad["NodeID"] == "C" and ad["WorkCommands"] for ad in a.status()["Advertisements"]),
               5, desc="C's work types")
    return a, b, c


@pytest.mark.skipif(not RUNNER.exists(), reason="ansible-runner is installed by .ci/run")
def test_health_matches_awx_formulas(chain):
    a, _, _ = chain
    rc, out, err = run_swift_cli(a, "health", "C", "--json")
    assert rc == 0, err
    [result] = json.loads(out)
    direct = yaml.safe_load(subprocess.run([str(RUNNER), "worker", "--worker-info"], capture_output=True,
                                           check=True).stdout)
    cpu_capacity = max(1, int(direct["cpu_count"] * 4))
    mem_capacity = max(1, ((direct["mem_in_bytes"] - 2147483648) // 2**20) // 100)
    lo, hi = min(cpu_capacity, mem_capacity), max(cpu_capacity, mem_capacity)
    assert result["cpu_count"] == direct["cpu_count"]
    assert result["mem_in_bytes"] == direct["mem_in_bytes"]
    assert result["cpu_capacity"] == cpu_capacity and result["mem_capacity"] == mem_capacity
    assert result["capacity"] == int(lo + (hi - lo) * 1.0)
    assert result["errors"] == []
    rc, out, _ = run_swift_cli(a, "health", "C", "--capacity-adjustment", "0.5", "--json")
    assert json.loads(out)[0]["capacity"] == int(lo + (hi - lo) * 0.5)
    rc, out, _ = run_swift_cli(a, "health", "C")
    assert rc == 0 and "C" in out and str(mem_capacity) in out


def test_health_reports_per_node_errors(chain):
    a, _, _ = chain
    rc, out, err = run_swift_cli(a, "health", "nowhere", "C", "--work-type", "broken", "--ttl", "2s", "--json")
    assert rc == 1
    results = {r["node"]: r for r in json.loads(out)}
    assert results["nowhere"]["errors"] and "Traceback" not in out + err
    assert results["C"]["errors"] and "exit status 1" in results["C"]["errors"][0]


def test_nodes_marks_a_stopped_node_lost_then_ready(chain):
    a, b, c = chain
    args = ("nodes", "--json", "--heartbeat-period", "1", "--missed-heartbeats", "2")

    def states():
        rc, out, _ = run_swift_cli(a, *args)
        assert rc == 0
        return {n["NodeID"]: n for n in json.loads(out)}

    nodes = states()
    assert nodes["C"]["Role"] == "execution" and nodes["C"]["State"] == "ready"
    assert nodes["A"]["Role"] == "control" and nodes["B"]["Role"] == "control"
    assert nodes["B"]["Links"] == {"A": 1, "C": 1}
    c.stop()
    wait_until(lambda: states().get("C", {}).get("State") == "lost", 8, desc="C to be lost")
    c.start()
    wait_until(lambda: states()["C"]["State"] == "ready", 8, desc="C to be ready again")


def test_topology_formats(chain):
    a, _, _ = chain
    rc, out, _ = run_swift_cli(a, "topology", "--format", "dot")
    assert rc == 0 and out.startswith("graph mesh {") and '"A" -- "B"' in out and '"B" -- "C"' in out
    assert '"A" [style=filled' in out
    rc, out, _ = run_swift_cli(a, "topology", "--format", "mermaid")
    assert rc == 0 and out.startswith("graph LR") and "n_B ===|1| n_C" in out
    rc, out, _ = run_swift_cli(a, "topology")
    assert rc == 0 and "* A -- B  cost 1" in out and "* B -- C  cost 1" in out
    if subprocess.run(["which", "dot"], capture_output=True).returncode == 0:
        rc2 = subprocess.run(["dot", "-Tsvg"], input=run_swift_cli(a, "topology", "--format", "dot")[1].encode(),
                             capture_output=True).returncode
        assert rc2 == 0
