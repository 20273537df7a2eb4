"""command-service: each stream to the service runs the command on a new pseudo-terminal
(config-format.md §5.7), driven with `connect` from another node through the mesh."""

import time
from pathlib import Path

import pytest

from harness import run_swift_cli, wait_for_route, wait_until

SCRIPT = "sh -c 'tty; read X; echo got:$X; exit 3'"


@pytest.fixture
def pair(mesh):
    a, b = mesh.node("a"), mesh.node("b")
    b.listen()
    a.peer(b)
    b.add({"command-service": {"service": "shell", "command": SCRIPT}})
    b.add({"command-service": {"service": "nope", "command": "/nonexistent/program --flag"}})
    mesh.start()
    wait_for_route(a, "b", timeout=10)
    wait_until(lambda: any(ad["NodeID"] == "b" and ad["Service"] == "shell" for ad in a.status()["Advertisements"]),
               10, desc="b's command service in a's status")
    return a, b


def zombies_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] == "Z":
            found.append(int(stat.parent.name))
    return found


def test_command_runs_on_a_terminal_and_talks_both_ways(pair):
    a, b = pair
    rc, out, err = run_swift_cli(a, "connect", "b", "shell", input=b"hello\n", timeout=20)
    assert "/dev/pts/" in out, (rc, out, err)
    assert "got:hello" in out, (rc, out, err)
    # The command is reaped once its terminal closes: no zombies left under the daemon.
    wait_until(lambda: not zombies_of(b.pid), 5, desc="the command to be reaped")


def test_service_is_advertised_as_a_command_service(pair):
    a, _ = pair
    ad = next(ad for ad in a.status()["Advertisements"] if ad["NodeID"] == "b" and ad["Service"] == "shell")
    assert ad["Tags"] == {"type": "Command Service"}
    assert ad["ConnType"] == 1


def test_a_command_that_cannot_start_ends_the_stream_and_nothing_else(pair):
    a, b = pair
    rc, out, err = run_swift_cli(a, "connect", "b", "nope", input=b"", timeout=20)
    assert "got:" not in out
    assert "cannot start /nonexistent/program" in b.log_text()
    assert b.is_running()
    rc, out, err = run_swift_cli(a, "connect", "b", "shell", input=b"again\n", timeout=20)
    assert "got:again" in out, (rc, out, err)
