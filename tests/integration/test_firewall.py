"""node.firewallrules with receptor's semantics, through real daemons (config-format.md 7)."""

import subprocess

from harness import require_receptord, wait_for_route, wait_until


def chain(mesh, b_rules=None, c_rules=None):
    a, b, c = mesh.node("A"), mesh.node("B"), mesh.node("C")
    if b_rules:
        b.node_fields["firewallrules"] = b_rules
    if c_rules:
        c.node_fields["firewallrules"] = c_rules
    b.listen()
    a.peer(b)
    c.peer(b)
    mesh.start()
    wait_for_route(a, "C", via="B", timeout=10)
    return a, b, c


def test_awx_rule_hides_a_control_service_and_rejects_visibly(mesh):
    # AWX's own rule: nobody reaches the control node's control service over the mesh.
    a, b, c = chain(mesh, c_rules=[{"action": "reject", "tonode": "C", "toservice": "control"}])
    with a.raw() as conn:
        conn.greeting()
        conn.send("connect C control\n")
        assert conn.readline() == "ERROR: blocked by firewall"
    assert a.command("ping C")["Success"] is True  # other services still pass


def test_reject_at_a_hop_reaches_the_sender(mesh):
    a, b, c = chain(mesh, b_rules=[{"action": "reject", "fromnode": "/(?i)a/", "tonode": "C"}])
    reply = a.command("ping C")
    assert reply == {"Success": False, "Error": "blocked by firewall"}
    assert c.command("ping A")["Success"] is False  # the request passes, but A's reply (A -> C) is rejected at B
    assert a.command("ping B")["Success"] is True


def test_a_regex_that_does_not_compile_is_a_config_error(tmp_path):
    config = tmp_path / "fw.yml"
    config.write_text(
        "- node: {id: n, datadir: %s, firewallrules: [{action: drop, fromnode: '/(unclosed/'}]}\n- local-only\n"
        % (tmp_path / "data")
    )
    proc = subprocess.run([str(require_receptord()), "--config", str(config)], capture_output=True, timeout=20)
    assert proc.returncode == 1
    assert b"firewall" in proc.stderr.lower() or b"regex" in proc.stderr.lower()
