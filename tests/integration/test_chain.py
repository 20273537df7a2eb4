"""A three-node chain A - B - C over plain TCP on loopback.

B listens; A and C dial B. A also runs a tcp-server that proxies a local TCP
port to C's mesh control service. control-protocol.md §3.1-3.5.
"""

import json
import re

import pytest

from harness import (
    ControlConn,
    Mesh,
    free_port,
    is_go_duration,
    run_cli,
    wait_for_route,
    wait_until,
)

ROUTE_TIMEOUT = 5.0  # "routes converge within a few seconds"


@pytest.fixture(scope="module")
def chain():
    m = Mesh("chain")
    try:
        a, b, c = m.node("A"), m.node("B"), m.node("C")
        b.listen()
        a.peer(b)
        c.peer(b)
        a.tcp_server_port = free_port()
        a.add({"tcp-server": {"port": a.tcp_server_port, "bindaddr": "127.0.0.1",
                              "remotenode": "C", "remoteservice": "control"}})
        m.start()
        wait_for_route(a, "C", via="B", timeout=ROUTE_TIMEOUT)
        wait_for_route(c, "A", via="B", timeout=ROUTE_TIMEOUT)
        yield m
    finally:
        m.cleanup()


def test_routes_converge(chain):
    a, b, c = chain["A"], chain["B"], chain["C"]
    assert a.status()["RoutingTable"] == {"B": "B", "C": "B"}
    assert b.status()["RoutingTable"] == {"A": "A", "C": "C"}
    assert c.status()["RoutingTable"] == {"A": "B", "B": "B"}
    conns = {x["NodeID"]: x["Cost"] for x in b.status()["Connections"]}
    assert conns == {"A": 1, "C": 1}


def test_fresh_chain_converges_quickly(mesh):
    """Routes through a hop appear within a few seconds of starting the daemons."""
    a, b, c = mesh.node("A"), mesh.node("B"), mesh.node("C")
    b.listen()
    a.peer(b)
    c.peer(b)
    mesh.start()
    wait_for_route(a, "C", via="B", timeout=ROUTE_TIMEOUT)
    wait_for_route(c, "A", via="B", timeout=ROUTE_TIMEOUT)


def test_ping_through_hop(chain):
    rc, out, err = run_cli(chain["A"], "ping", "C", "--count", "3", "--delay", "0.2")
    assert rc == 0, f"ping failed ({rc})\nstdout: {out}\nstderr: {err}"
    lines = out.splitlines()
    assert len(lines) == 3, out
    for line in lines:
        m = re.fullmatch(r"Reply from C in (\S+)", line)
        assert m, f"unexpected ping line {line!r}"
        assert is_go_duration(m[1]), f"not a Go duration: {m[1]!r}"


def test_ping_reply_object(chain):
    reply = chain["A"].command("ping C")
    assert reply["Success"] is True and reply["From"] == "C"
    assert isinstance(reply["Time"], int) and reply["Time"] > 0
    assert is_go_duration(reply["TimeStr"])
    reply = chain["A"].command('{"command":"ping","target":"B"}')
    assert reply["Success"] is True and reply["From"] == "B"


def test_ping_unknown_node(chain):
    assert chain["A"].command("ping nosuchnode") == {"Success": False, "Error": "no route to node"}
    rc, out, err = run_cli(chain["A"], "ping", "nosuchnode", "--count", "1")
    assert rc == 2, (rc, out, err)
    assert "ERROR: no route to node" in err
    assert "Reply from" not in out


def test_ping_errors(chain):
    with chain["A"].raw() as c:
        c.greeting()
        assert c.command("ping") == "ERROR: no ping target"
        assert c.command('{"command":"ping","target":5}') == "ERROR: ping target must be string"


def test_traceroute_through_hop(chain):
    rc, out, err = run_cli(chain["A"], "traceroute", "C")
    assert rc == 0, err
    assert "ERROR" not in err, err
    lines = out.splitlines()
    assert [l.split(" in ")[0] for l in lines] == ["0: A", "1: B", "2: C"], out
    for line in lines:
        m = re.fullmatch(r"\d+: \S+ in (\S+)", line)
        assert m and is_go_duration(m[1]), line
    trace = chain["A"].command("traceroute C")
    assert sorted(trace, key=int) == ["0", "1", "2"]
    assert [trace[k]["From"] for k in ("0", "1", "2")] == ["A", "B", "C"]
    for hop in trace.values():
        assert "Error" not in hop
        assert isinstance(hop["Time"], int) and is_go_duration(hop["TimeStr"])


def test_traceroute_unknown_node(chain):
    trace = chain["A"].command("traceroute nosuchnode")
    assert sorted(trace, key=int) == ["0", "1"], trace
    assert trace["0"]["From"] == "A" and "Error" not in trace["0"]
    assert trace["1"]["From"] == "A" and trace["1"]["Error"] == "no route to node"
    errors = [hop for hop in trace.values() if "Error" in hop]
    assert len(errors) == 1

    rc, out, err = run_cli(chain["A"], "traceroute", "nosuchnode")
    assert out.splitlines()[0].startswith("0: A in "), out
    assert re.search(r"^ERROR: 1: Error no route to node from A in \S+$", err, re.M), err


def test_known_connection_costs(chain):
    costs = chain["A"].status()["KnownConnectionCosts"]
    assert {"A", "B", "C"} <= set(costs), costs
    assert costs["A"] == {"B": 1}
    assert costs["B"] == {"A": 1, "C": 1}
    assert costs["C"] == {"B": 1}


def test_advertisements_include_every_control_service(chain):
    def control_ads():
        ads = chain["A"].status()["Advertisements"]
        found = {ad["NodeID"]: ad for ad in ads if ad["Service"] == "control"}
        return found if {"A", "B", "C"} <= set(found) else None

    found = wait_until(control_ads, 5, desc="control ads of A, B and C at A")
    for node_id in "ABC":
        ad = found[node_id]
        assert ad["ConnType"] == 1
        assert ad["Tags"] == {"type": "Control Service"}


def test_connect_to_remote_control_service_raw(chain):
    with chain["A"].raw() as c:
        assert c.greeting() == "Receptor Control, node A"
        c.send("connect C control \n")  # receptorctl's form: empty third token = no TLS
        assert c.readline() == "Connecting"
        assert c.readline() == "Receptor Control, node C"
        status = json.loads(c.command("status"))
        assert status["NodeID"] == "C"
        # The bridged session is a normal session: several commands work.
        assert c.json_command("ping A")["From"] == "A"
        assert c.command("status x") == "ERROR: status command does not take parameters"


def test_connect_with_receptorctl_library(chain):
    rc = chain["A"].ctl()
    rc.connect_to_service("C", "control", "")
    rc.handshake()
    assert rc.simple_command("status")["NodeID"] == "C"


def test_connect_errors(chain):
    with chain["A"].raw() as c:
        c.greeting()
        assert c.command("connect C") == "ERROR: no connect target"
        assert c.command("connect C control x y") == "ERROR: too many parameters"
        assert c.command("connect C control nosuchtls").startswith("ERROR: ")
        assert c.json_command("status")["NodeID"] == "A"


def test_tcp_server_proxies_to_remote_control(chain):
    a = chain["A"]
    with ControlConn.tcp("127.0.0.1", a.tcp_server_port) as c:
        assert c.greeting() == "Receptor Control, node C"
        assert c.json_command("status")["NodeID"] == "C"
    rc, out, err = run_cli(f"tcp://127.0.0.1:{a.tcp_server_port}", "status", "--json")
    assert rc == 0, err
    assert json.loads(out)["NodeID"] == "C"


def test_reload(mesh):
    a, b = mesh.node("A"), mesh.node("B")
    a.add("local-only")
    b.listen()
    mesh.start()
    assert a.status()["Connections"] == []

    # Adding a tcp-peer is a reloadable change.
    a.peer(b)
    a.write_config()
    assert a.command("reload") == {"Success": True}
    wait_for_route(a, "B", timeout=ROUTE_TIMEOUT)
    rc, out, err = run_cli(a, "reload")
    assert rc == 0 and "Reload successful" in out, (rc, out, err)
    wait_for_route(a, "B", timeout=ROUTE_TIMEOUT)

    # Adding a work-command is not reloadable: ERRORCODE 3, and nothing changes.
    a.add({"work-command": {"worktype": "cat", "command": "cat"}})
    a.write_config()
    reply = a.command("reload")
    assert reply["Success"] is False, reply
    assert "ERRORCODE 3" in reply["Error"], reply
    rc, out, err = run_cli(a, "reload")
    assert rc == 3, (rc, out, err)
    assert "ERRORCODE 3" in err

    # Changing a non-reloadable entry (the control service) is refused too.
    a.entries.pop()
    cfg = a.config()
    for item in cfg:
        if isinstance(item, dict) and "control-service" in item:
            item["control-service"]["permissions"] = 0o660
    a.write_config(cfg)
    reply = a.command("reload")
    assert reply["Success"] is False and "ERRORCODE 3" in reply["Error"], reply

    # The daemon is still fine and still connected.
    wait_for_route(a, "B", timeout=ROUTE_TIMEOUT)
    assert a.command("ping B")["Success"] is True
