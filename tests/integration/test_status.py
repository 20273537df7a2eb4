"""A single node (local-only + control-service): greeting, status, framing and errors.

control-protocol.md §2 (session framing) and §3.1 (status).
"""

import json
import os
import socket

import dateutil.parser
import pytest

from harness import Mesh, run_cli

NODE_ID = "solo"
STATUS_KEYS = {
    "NodeID",
    "Version",
    "SystemCPUCount",
    "SystemMemoryMiB",
    "Connections",
    "RoutingTable",
    "KnownConnectionCosts",
    "Advertisements",
}


@pytest.fixture(scope="module")
def solo():
    m = Mesh("status")
    try:
        n = m.node(NODE_ID)
        n.add("local-only")
        m.start()
        yield n
    finally:
        m.cleanup()


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def test_greeting(solo):
    with solo.raw() as c:
        assert c.readline_bytes() == f"Receptor Control, node {NODE_ID}\n".encode()


def test_status_json_has_exactly_the_eight_keys(solo):
    rc, out, err = run_cli(solo, "status", "--json")
    assert rc == 0, f"receptorctl status --json failed ({rc}): {err}"
    status = json.loads(out)
    assert set(status) == STATUS_KEYS

    assert status["NodeID"] == NODE_ID
    assert isinstance(status["Version"], str)
    assert is_int(status["SystemCPUCount"]) and status["SystemCPUCount"] >= 1
    assert status["SystemCPUCount"] <= (os.cpu_count() or 1024)
    assert is_int(status["SystemMemoryMiB"]) and status["SystemMemoryMiB"] > 0

    assert status["Connections"] == []  # isolated node: a list, not null
    assert status["RoutingTable"] == {}
    assert status["KnownConnectionCosts"] == {}  # isolated: no entry for itself (control-protocol.md 3.1)
    assert NODE_ID not in status["RoutingTable"]

    ads = status["Advertisements"]
    assert isinstance(ads, list)
    for ad in ads:
        assert set(ad) == {"NodeID", "Service", "Time", "ConnType", "Tags", "WorkCommands"}
        assert isinstance(ad["NodeID"], str) and isinstance(ad["Service"], str)
        assert len(ad["Service"].encode()) <= 8
        assert isinstance(ad["Time"], str)
        t = dateutil.parser.isoparse(ad["Time"])
        assert t.tzinfo is not None, f"ad Time has no zone offset: {ad['Time']}"
        assert is_int(ad["ConnType"]) and ad["ConnType"] in (0, 1, 2)
        assert ad["Tags"] is None or (isinstance(ad["Tags"], dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in ad["Tags"].items()))
        assert ad["WorkCommands"] is None or isinstance(ad["WorkCommands"], list)
    control = [a for a in ads if a["NodeID"] == NODE_ID and a["Service"] == "control"]
    assert len(control) == 1, f"expected one local control ad, got {ads}"
    assert control[0]["ConnType"] == 1
    assert control[0]["Tags"] == {"type": "Control Service"}


def test_status_text_output(solo):
    rc, out, err = run_cli(solo, "status")
    assert rc == 0, err
    assert f"Node ID: {NODE_ID}" in out
    assert "System CPU Count:" in out and "System Memory MiB:" in out
    assert "Additional data" not in out


def test_requested_fields_version_only(solo):
    with solo.raw() as c:
        c.greeting()
        reply = c.json_command('{"command":"status","requested_fields":["Version"]}')
        assert list(reply) == ["Version"] and isinstance(reply["Version"], str)
        # unknown names are skipped; an empty list gives {}
        assert c.json_command({"command": "status", "requested_fields": ["NodeID", "NoSuchField"]}) == {
            "NodeID": NODE_ID}
        assert c.json_command({"command": "status", "requested_fields": []}) == {}


def test_requested_fields_must_be_strings(solo):
    with solo.raw() as c:
        c.greeting()
        assert c.command('{"command":"status","requested_fields":[1]}') == (
            "ERROR: each element of requested_fields must be a string")
        # A non-list crashes Go; we require an ERROR line and a live session.
        assert c.command('{"command":"status","requested_fields":"Version"}').startswith("ERROR: ")
        assert c.json_command("status")["NodeID"] == NODE_ID


def test_plain_status_with_parameter(solo):
    with solo.raw() as c:
        c.greeting()
        assert c.command("status x") == "ERROR: status command does not take parameters"
        assert c.json_command("status")["NodeID"] == NODE_ID


def test_unknown_command(solo):
    with solo.raw() as c:
        c.greeting()
        assert c.command("frobnicate now") == "ERROR: Unknown command"
        assert c.command('{"command":"frobnicate"}') == "ERROR: Unknown command"
        # JSON command names are case-sensitive; plain-text ones are lower-cased.
        assert c.command('{"command":"STATUS"}') == "ERROR: Unknown command"
        assert c.json_command("STATUS")["NodeID"] == NODE_ID


@pytest.mark.parametrize(
    "garbage, expected",
    [
        (b'{"command": "status"', None),  # invalid JSON: ERROR: <parser message>
        (b"{not json at all}", None),
        (b'{"foo": 1}', "ERROR: JSON did not contain a command"),
        (b'{"command": 7}', "ERROR: command must be a string"),
        (b"\x00\x01\x02\xff\xfe\xfd binary \x80\x81", None),
        (b"{\xff\xfe\x00}", None),
    ],
    ids=["truncated-json", "not-json", "no-command", "command-not-string", "binary", "binary-json"],
)
def test_garbage_gives_one_error_line_and_session_survives(solo, garbage, expected):
    with solo.raw() as c:
        c.greeting()
        c.send(garbage + b"\n")
        reply = c.readline()
        assert reply.startswith("ERROR: "), reply
        if expected:
            assert reply == expected
        # The very next line must be the status reply: no stray second ERROR line.
        nxt = c.command("status")
        assert not nxt.startswith("ERROR"), f"a second line followed the error: {nxt!r}"
        assert json.loads(nxt)["NodeID"] == NODE_ID


def test_empty_lines_and_carriage_returns_are_ignored(solo):
    with solo.raw() as c:
        c.greeting()
        c.send(b"\n\r\n\n")
        assert json.loads(c.command("st\ratus\r"))["NodeID"] == NODE_ID


def test_several_commands_on_one_connection(solo):
    with solo.raw() as c:
        c.greeting()
        first = c.json_command("status")
        assert first["NodeID"] == NODE_ID
        ping = c.json_command("ping localhost")
        assert ping["Success"] is True and ping["From"] == NODE_ID
        assert c.json_command({"command": "status", "requested_fields": ["NodeID"]}) == {"NodeID": NODE_ID}
        assert c.command("bogus") == "ERROR: Unknown command"
        trace = c.json_command("traceroute localhost")
        assert trace["0"]["From"] == NODE_ID
        assert c.json_command("status")["NodeID"] == NODE_ID


def test_receptorctl_library_reuses_connection(solo):
    rc = solo.ctl()
    assert rc.simple_command("status")["NodeID"] == NODE_ID
    assert rc.simple_command('{"command":"status","requested_fields":["Version"]}').keys() == {"Version"}
    with pytest.raises(RuntimeError, match="Unknown command"):
        rc.simple_command("nonsense")
    assert rc.simple_command("ping localhost")["Success"] is True


def test_final_line_without_newline_runs_before_close(solo):
    with solo.raw() as c:
        c.greeting()
        c.send(b"status")
        c.sock.shutdown(socket.SHUT_WR)
        assert json.loads(c.readline())["NodeID"] == NODE_ID
