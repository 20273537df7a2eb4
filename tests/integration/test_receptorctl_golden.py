"""Golden comparison of our receptorctl with the Python receptorctl 1.6.9 for work and connect:
same stdout, same stderr (less the Python client's version-mismatch warning) and same exit codes,
on a chain A-B-C with `cat` work types on A and C. Only unit IDs are normalised."""

import json
import os
import re
import select
import subprocess
import time

import pytest

from harness import (
    Mesh,
    python_receptorctl_cmd,
    run_cli,
    run_swift_cli,
    swift_receptorctl_path,
    wait_for_route,
    wait_until,
)

VERSION_WARNING = "Warning: receptorctl and receptor are different versions, they may not be compatible\n"


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    m = Mesh("golden")
    try:
        a, b, c = m.node("A"), m.node("B"), m.node("C")
        b.listen()
        a.peer(b)
        c.peer(b)
        for n in (a, c):
            n.add({"work-command": {"worktype": "cat", "command": "cat"}})
        a.add({"work-command": {"worktype": "fail", "command": "bash", "params": "-c 'echo partial; exit 3'"}})
        a.add({"work-command": {"worktype": "echo", "command": "echo", "allowruntimeparams": True}})
        m.start()
        wait_for_route(a, "C", via="B", timeout=10)
        wait_for_route(c, "A", via="B", timeout=10)  # both ways: tests ping and submit at once
        wait_until(lambda: len(a.status()["Advertisements"]) == 3, 5, desc="all control services advertised")
        yield a, b, c
    finally:
        m.cleanup()


def norm(text):
    """Unit IDs out; everything else must match byte for byte."""
    text = re.sub(r"(?m)^Unit ID: \S+$", "Unit ID: <unit>", text)
    return re.sub(r"(?m)^\(\S+, (released|cancelled|release pending|cancel pending)\)$", r"(<unit>, \1)", text)


def both(node, *args, input=None):
    py = run_cli(node, *args, input=input)
    sw = run_swift_cli(node, *args, input=input)
    return py, sw


def assert_same(node, *args, input=None, rc=0):
    """Runs both clients; asserts equal exit codes, stdout and stderr; returns the Swift result."""
    (rc_py, out_py, err_py), (rc_sw, out_sw, err_sw) = both(node, *args, input=input)
    err_py = err_py.replace(VERSION_WARNING, "")
    assert (rc_sw, norm(out_sw), norm(err_sw)) == (rc_py, norm(out_py), norm(err_py))
    assert rc_sw == rc
    return rc_sw, out_sw, err_sw


def unit_of(out):
    return re.search(r"(?m)^Unit ID: (\S+)$", out)[1]


def units(node):
    return node.command("work list")


def wait_done(node, unit):
    wait_until(lambda: node.command(f"work status {unit}")["State"] in (2, 3), 20, desc=f"{unit} to finish")


def release_all(*nodes):
    for n in nodes:
        for u in units(n):
            n.command(f"work force-release {u}")
        wait_until(lambda: units(n) == {}, 20, desc=f"{n.id} to have no units")


def test_submit_local_payload_literal(chain):
    a, _, _ = chain
    _, out, _ = assert_same(a, "work", "submit", "cat", "--payload-literal", "hello")
    assert norm(out) == "Result: Job Started\nUnit ID: <unit>\n"
    wait_done(a, unit_of(out))
    release_all(a)


@pytest.mark.parametrize("target", [[], ["--node", "C"]], ids=["local", "node-C"])
def test_submit_follow_variants(chain, target):
    a, _, c = chain
    _, out, _ = assert_same(a, "work", "submit", "cat", *target, "--payload-literal", "hello there", "--follow")
    assert out == "hello there\n"
    _, out, _ = assert_same(a, "work", "submit", "cat", *target, "--payload", "-", "--follow", input=b"line 1\nline 2\n")
    assert out == "line 1\nline 2\n"
    _, out, _ = assert_same(a, "work", "submit", "cat", *target, "--no-payload", "-f")
    assert out == ""
    _, out, _ = assert_same(a, "work", "submit", "cat", *target, "-l", "gone", "--follow", "--rm")
    assert norm(out) == "gone\n(<unit>, released)\n"
    release_all(a, c)


def test_submit_payload_file_params_and_cmdparams(chain, tmp_path):
    a, _, _ = chain
    payload = tmp_path / "payload.bin"
    payload.write_bytes(bytes(range(256)) * 64)
    (rc_py, out_py, _), (rc_sw, out_sw, _) = both(a, "work", "submit", "cat", "-p", str(payload), "-f")
    assert rc_py == rc_sw == 0
    assert out_sw == out_py
    (tmp_path / "word").write_text("from-file")
    assert_same(a, "work", "submit", "echo", "-n", "-f", "-a", "params=one", "two", "three")
    _, out, _ = assert_same(a, "work", "submit", "echo", "-n", "-f", "--param", f"params=@{tmp_path / 'word'}")
    assert out == "from-file\n"
    assert_same(a, "work", "submit", "echo", "-n", "-f", "--param", "params=@@literal")
    release_all(a)


def test_submit_errors(chain, tmp_path):
    a, _, _ = chain
    _, _, err = assert_same(a, "work", "submit", "nope", "-l", "x", rc=101)
    assert err == "ERROR: Failed to start work unit: unknown work type nope\n"
    _, _, err = assert_same(a, "work", "submit", "cat", rc=1)
    assert err == "ERROR: Must provide one of --payload, --no-payload or --payload-literal.\n"
    assert_same(a, "work", "submit", "cat", "-n", "-l", "x", rc=1)
    assert_same(a, "work", "submit", "cat", "-p", str(tmp_path / "missing"), rc=1)
    assert_same(a, "work", "submit", "cat", "-n", "--param", "novalue", rc=101)
    assert_same(a, "work", "submit", "cat", "-n", "--param", "node=X", rc=101)
    assert_same(a, "work", "submit", "cat", "-n", "--param", f"x=@{tmp_path / 'missing'}", rc=101)
    _, _, err = assert_same(a, "work", "submit", "cat", "-n", "--rm")
    assert err == "Warning: using --rm without --follow. Unit results will never be seen.\n"
    _, out, err = assert_same(a, "work", "submit", "fail", "-n", "--follow", rc=1)
    assert out == "partial\n" and err == "ERROR: Remote unit failed: exit status 3\n\n"
    _, out, err = assert_same(a, "work", "submit", "fail", "-n", "--follow", "--rm", rc=1)
    assert norm(out) == "partial\n(<unit>, released)\n"
    release_all(a)


def test_work_list_results_cancel_release(chain):
    a, _, c = chain
    release_all(a, c)
    _, out, _ = assert_same(a, "work", "list")
    assert out == "{}\n"
    assert_same(a, "work", "list", "--quiet")
    ids = []
    for payload in ("one", "two"):
        _, out, _ = run_swift_cli(a, "work", "submit", "cat", "-l", payload)
        ids.append(unit_of(out))
        _, out, _ = run_cli(c, "work", "submit", "cat", "-l", payload)
        wait_done(c, unit_of(out))
    for u in ids:
        wait_done(a, u)
    _, out, _ = assert_same(a, "work", "list")
    assert set(json.loads(out)) == set(ids)
    _, out, _ = assert_same(a, "work", "list", "-q")
    assert out.split() == sorted(ids)
    assert_same(a, "work", "list", "--unit_id", ids[0])
    assert_same(a, "work", "list", "--unit_id", "nosuchunit", rc=1)
    _, out, _ = assert_same(a, "work", "list", "--node", "C")
    assert len(json.loads(out)) == 2
    assert_same(a, "work", "list", "--node", "C", "--quiet")
    _, _, err = assert_same(a, "work", "list", "--node", "nowhere", rc=1)
    assert err.startswith("ERROR: ERROR: ")

    _, out, _ = assert_same(a, "work", "results", ids[0])
    assert out == "one\n"
    _, _, err = assert_same(a, "work", "results", "nosuchunit", rc=1)
    assert err == "ERROR: Failed to get results: unknown work unit nosuchunit\n"

    _, out, _ = assert_same(a, "work", "cancel", ids[0])
    assert out == f"Cancelled:\n({ids[0]}, cancelled)\n"
    _, out, err = assert_same(a, "work", "cancel", "nosuchunit", rc=1)
    assert out == "Cancelled:\n" and err == "ERROR: nosuchunit: ERROR: unknown work unit nosuchunit\n"
    _, _, err = assert_same(a, "work", "cancel")
    assert err == "Warning: No unit IDs supplied: Not doing anything\n"

    _, _, err = assert_same(a, "work", "release")
    assert err == "Warning: No unit IDs supplied: Not doing anything\n"
    _, out, err = assert_same(a, "work", "release", "nosuchunit", rc=1)
    assert out == "Released:\n" and err == "ERROR: nosuchunit: ERROR: unknown work unit nosuchunit\n"
    _, out, err = assert_same(a, "work", "release", "--force", "nosuchunit", rc=1)
    # --all: Python first, then ours on a fresh set of units.
    rc_py, out_py, _ = run_cli(a, "work", "release", "--all")
    assert rc_py == 0 and out_py == "Released:\n" + "".join(f"({u}, released)\n" for u in sorted(ids))
    for payload in ("three", "four"):
        _, out, _ = run_cli(a, "work", "submit", "cat", "-l", payload)
        wait_done(a, unit_of(out))
    fresh = sorted(units(a))
    rc_sw, out_sw, err_sw = run_swift_cli(a, "work", "release", "--all")
    assert (rc_sw, err_sw) == (0, "")
    assert out_sw == "Released:\n" + "".join(f"({u}, released)\n" for u in fresh)
    assert_same(a, "work", "release", "--all")
    release_all(a, c)


def _run_on_pty(cmd, timeout=20.0):
    """Runs cmd with a terminal on stdin: types `status`, waits for the reply, then Ctrl-D."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", LC_ALL="C.UTF-8", LANG="C.UTF-8")
    master, slave = os.openpty()
    p = subprocess.Popen(cmd, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    try:
        os.write(master, b"status\n")
        deadline = time.monotonic() + timeout
        while not re.search(rb"(?m)^\{.*\}\n", out) and time.monotonic() < deadline:
            r, _, _ = select.select([p.stdout, master], [], [], 0.2)
            if master in r:
                os.read(master, 4096)  # terminal echo
            if p.stdout in r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                out += chunk
        os.write(master, b"\x04")
        rest, err = p.communicate(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
        os.close(master)
    return p.returncode, (out + rest).decode(), err.decode()


def check_connect_output(out, greeting_may_be_lost=False):
    if greeting_may_be_lost and not out.startswith("Receptor Control"):
        # The Python client reads `Connecting` through a buffered file and then selects on the raw
        # socket, so a greeting that arrives in the same segment is swallowed (a race).
        out = "Receptor Control, node C\n" + out
    greeting, reply, tail = out.split("\n", 2)
    assert greeting == "Receptor Control, node C"
    assert json.loads(reply)["NodeID"] == "C"
    assert tail == "\n"


def test_connect_on_a_terminal_matches_python(chain):
    a, _, _ = chain
    args = ["--socket", str(a.socket_path), "connect", "C", "control"]
    rc_py, out_py, err_py = _run_on_pty([*python_receptorctl_cmd(), *args])
    rc_sw, out_sw, err_sw = _run_on_pty([str(swift_receptorctl_path()), *args])
    assert rc_py == rc_sw == 0
    assert err_py.replace(VERSION_WARNING, "") == err_sw == ""
    check_connect_output(out_py, greeting_may_be_lost=True)
    check_connect_output(out_sw)


def test_connect_with_piped_stdin(chain):
    a, _, _ = chain
    rc, out, err = run_swift_cli(a, "connect", "C", "control", input=b"status\n")
    assert (rc, err) == (0, "")
    check_connect_output(out)


def test_connect_errors(chain):
    a, _, _ = chain
    _, _, err = assert_same(a, "connect", "nowhere", "control", rc=1)
    assert err.startswith("ERROR: ERROR: ")


def test_global_options_and_socket_errors(chain, tmp_path):
    a, _, _ = chain
    _, _, err = assert_same("/nonexistent/socket", "work", "list", rc=1)
    assert err == "ERROR: Socket path does not exist: /nonexistent/socket\n"
    assert_same("bad:address:here", "work", "list", rc=1)
    assert_same(f"unix://{a.socket_path}", "work", "list")
    assert_same(f"unix:{a.socket_path}", "work", "list")
    cfg = tmp_path / "receptor.yml"
    cfg.write_text("---\n- node:\n    id: X\n- tls-client:\n    name: ctl\n    rootcas: /nonexistent/ca.crt\n    insecureskipverify: true\n")
    (rc_py, out_py, _), (rc_sw, out_sw, err_sw) = both(a, "work", "list")
    for extra in (["--config", str(cfg), "--tls-client", "ctl"], ["-c", str(cfg)], ["--config", str(cfg), "--tls-client", "ctl", "--key", "k"],
                  ["--config", str(tmp_path / "missing.yml"), "--tls-client", "ctl"]):
        env_sock = ["--socket", str(a.socket_path)]
        py = subprocess.run([*python_receptorctl_cmd(), *extra, *env_sock, "work", "list"], capture_output=True, text=True)
        sw = subprocess.run([str(swift_receptorctl_path()), *extra, *env_sock, "work", "list"], capture_output=True, text=True)
        assert (sw.returncode, sw.stdout, sw.stderr) == (py.returncode, py.stdout, py.stderr.replace(VERSION_WARNING, ""))


@pytest.mark.parametrize("args", [
    ["work", "submit"], ["work", "list", "--bogus"], ["work", "results", "a", "b"], ["work", "list", "--node"],
    ["work", "results"], ["connect", "A"], ["bogus"], ["work", "bogus"], ["ping", "A", "--count", "x"],
], ids=lambda a: " ".join(a))
def test_usage_errors(chain, args):
    a, _, _ = chain
    _, _, err = assert_same(a, *args, rc=1)
    assert err.startswith("ERROR: ")


def test_help_on_every_command():
    for cmd in (["work", "list"], ["work", "submit"], ["work", "results"], ["work", "cancel"], ["work", "release"], ["connect"], ["work"]):
        p = subprocess.run([str(swift_receptorctl_path()), *cmd, "--help"], capture_output=True, text=True)
        assert p.returncode == 0 and "USAGE" in p.stdout.upper(), (cmd, p.stdout, p.stderr)


@pytest.fixture(scope="module")
def tls_node(tmp_path_factory):
    from harness import free_port, make_certs

    certs = make_certs(tmp_path_factory.mktemp("certs"), "T", "ctl")
    m = Mesh("goldentls")
    try:
        t = m.node("T")
        t.add("local-only")
        port = free_port()
        t.add({"tls-server": {"name": "srv", "cert": str(certs / "T.crt"), "key": str(certs / "T.key"),
                              "requireclientcert": True, "clientcas": str(certs / "ca.crt")}})
        t.add({"control-service": {"service": "ctltls", "tcplisten": f"127.0.0.1:{port}", "tcptls": "srv"}})
        t.add({"work-command": {"worktype": "cat", "command": "cat"}})
        t.plain_port = free_port()
        t.add({"control-service": {"service": "ctltcp", "tcplisten": f"127.0.0.1:{t.plain_port}"}})
        m.start()
        yield t, port, certs
    finally:
        m.cleanup()


def run_both_raw(*args, input=None):
    env = dict(os.environ, PYTHONIOENCODING="utf-8", LC_ALL="C.UTF-8", LANG="C.UTF-8")
    py = subprocess.run([*python_receptorctl_cmd(), *args], capture_output=True, input=input, env=env, timeout=30)
    sw = subprocess.run([str(swift_receptorctl_path()), *args], capture_output=True, input=input, env=env, timeout=30)
    return ((py.returncode, py.stdout.decode(), py.stderr.decode().replace(VERSION_WARNING, "")),
            (sw.returncode, sw.stdout.decode(), sw.stderr.decode()))


def test_tcp_socket(tls_node):
    t, _, _ = tls_node
    for address in (f"tcp://127.0.0.1:{t.plain_port}", f"tcp:127.0.0.1:{t.plain_port}", f"tcp://localhost:{t.plain_port}"):
        py, sw = run_both_raw("--socket", address, "work", "submit", "cat", "-l", "over tcp", "-f", "--rm")
        assert (sw[0], norm(sw[1]), sw[2]) == (py[0], norm(py[1]), py[2]) == (0, "over tcp\n(<unit>, released)\n", "")
    py, sw = run_both_raw("--socket", "tcp://127.0.0.1:1", "work", "list")
    assert sw == py == (1, "", "ERROR: Could not connect to host 127.0.0.1 port 1\n")


def test_tls_socket(tls_node, tmp_path):
    t, port, certs = tls_node
    tls = ["--socket", f"tls://127.0.0.1:{port}", "--rootcas", str(certs / "ca.crt"),
           "--cert", str(certs / "ctl.crt"), "--key", str(certs / "ctl.key")]
    py, sw = run_both_raw(*tls, "work", "list")
    assert sw == py and sw[:2] == (0, "{}\n")
    py, sw = run_both_raw(*tls, "work", "submit", "cat", "-l", "over tls", "--follow", "--rm")
    assert (sw[0], norm(sw[1]), sw[2]) == (py[0], norm(py[1]), py[2]) == (0, "over tls\n(<unit>, released)\n", "")
    py, sw = run_both_raw(*tls, "work", "submit", "cat", "-p", "-", "-f", "--rm", input=b"piped\n")
    assert (sw[0], norm(sw[1]), sw[2]) == (py[0], norm(py[1]), py[2]) == (0, "piped\n(<unit>, released)\n", "")
    cfg = tmp_path / "receptor.yml"
    cfg.write_text(f"---\n- tls-client:\n    name: cli\n    rootcas: {certs / 'ca.crt'}\n"
                   f"    cert: {certs / 'ctl.crt'}\n    key: {certs / 'ctl.key'}\n")
    py, sw = run_both_raw("--socket", f"tls://localhost:{port}", "--config", str(cfg), "--tls-client", "cli", "work", "list")
    assert sw == py and sw[0] == 0
    # No client certificate, or a CA that did not sign the server: the handshake fails.
    py, sw = run_both_raw("--socket", f"tls://127.0.0.1:{port}", "--rootcas", str(certs / "ca.crt"), "work", "list")
    # OpenSSL's error text differs from Python's ssl module wording (which names _ssl.c lines).
    assert sw[:2] == py[:2] == (1, "")
    assert "certificate required" in py[2] and sw[2].startswith("ERROR: [SSL] ") and "certificate required" in sw[2]
    py, sw = run_both_raw("--socket", f"tls://127.0.0.1:{port}", "--rootcas", str(certs / "T.crt"),
                          "--cert", str(certs / "ctl.crt"), "--key", str(certs / "ctl.key"), "work", "list")
    assert sw == py and sw[0] == 1
