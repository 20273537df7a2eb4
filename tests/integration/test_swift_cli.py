"""Our receptorctl against a real chain, side by side with the Python receptorctl 1.6.9:
same output lines and exit codes for status, ping and traceroute."""

import re

import pytest

from harness import Mesh, run_cli, run_swift_cli, wait_for_route, wait_until


@pytest.fixture(scope="module")
def chain():
    m = Mesh("swiftcli")
    try:
        a, b, c = m.node("A"), m.node("B"), m.node("C")
        b.listen()
        a.peer(b)
        c.peer(b)
        m.start()
        wait_for_route(a, "C", via="B", timeout=10)
        wait_for_route(c, "A", via="B", timeout=10)  # both ways: tests ping and submit at once
        wait_until(lambda: len(a.status()["Advertisements"]) == 3, 5, desc="all control services advertised")
        yield a, b, c
    finally:
        m.cleanup()


def without_times(text):
    # "Last Seen" differs between two calls (local ads carry the current time).
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<time>", text)


def test_status_text_matches_python(chain):
    a, _, _ = chain
    rc_py, out_py, _ = run_cli(a, "status")
    rc_sw, out_sw, _ = run_swift_cli(a, "status")
    assert rc_py == rc_sw == 0
    assert without_times(out_sw) == without_times(out_py)


def test_status_json_matches_python(chain):
    a, _, _ = chain
    _, out_py, _ = run_cli(a, "status", "--json")
    _, out_sw, _ = run_swift_cli(a, "status", "--json")
    strip = lambda t: re.sub(r'"Time": "[^"]*"', '"Time": "<t>"', t)
    assert strip(out_sw) == strip(out_py)


def test_ping_and_traceroute_match_python(chain):
    a, _, _ = chain
    shape = lambda t: re.sub(r"in [0-9.]+(ns|µs|ms|s)", "in <d>", t)
    rc_py, out_py, _ = run_cli(a, "ping", "C", "--count", "2", "--delay", "0.1")
    rc_sw, out_sw, _ = run_swift_cli(a, "ping", "C", "--count", "2", "--delay", "0.1")
    assert rc_py == rc_sw == 0
    assert shape(out_sw) == shape(out_py) == "Reply from C in <d>\nReply from C in <d>\n"
    rc_py, out_py, err_py = run_cli(a, "ping", "nowhere", "--count", "1")
    rc_sw, out_sw, err_sw = run_swift_cli(a, "ping", "nowhere", "--count", "1")
    assert rc_py == rc_sw == 2
    assert err_sw.strip().endswith("ERROR: no route to node") and "ERROR: no route to node" in err_py
    rc_py, out_py, _ = run_cli(a, "traceroute", "C")
    rc_sw, out_sw, _ = run_swift_cli(a, "traceroute", "C")
    assert rc_py == rc_sw == 0
    assert shape(out_sw) == shape(out_py) == "0: A in <d>\n1: B in <d>\n2: C in <d>\n"


def test_unreachable_socket_is_an_error():
    rc_sw, _, err_sw = run_swift_cli("/nonexistent/socket", "status")
    assert rc_sw != 0
    assert "ERROR:" in err_sw
