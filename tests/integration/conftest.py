"""pytest glue for the receptord integration tests (see harness.py)."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from harness import Mesh  # noqa: E402


def pytest_report_header(config):
    d = harness.receptord_path()
    state = "found" if d.is_file() else "MISSING: run `swift build` or set $RECEPTORD"
    return [f"receptord: {d} ({state})", f"receptorctl (python): {' '.join(harness.python_receptorctl_cmd())}"]


def pytest_collection_modifyitems(config, items):
    if harness.ReceptorControl is None:
        raise pytest.UsageError(
            "the receptorctl package is not importable from this Python "
            f"({sys.executable}). Run .ci/run, or: python3 -m venv .venv && "
            ".venv/bin/pip install receptorctl==1.6.9 pytest"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a test fails, attach the log tail of every running daemon to its report."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and rep.when in ("setup", "call"):
        for mesh in list(harness.ACTIVE_MESHES):
            mesh.failed = True
            if mesh.nodes:
                rep.sections.append((f"receptord logs ({mesh.dir})", mesh.log_report()))
        for where, text in harness.RECENT_REPORTS:
            rep.sections.append((f"receptord logs ({where}, already stopped)", text))
    if rep.when != "teardown":
        harness.RECENT_REPORTS.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    harness.RECENT_REPORTS.clear()


# receptorctl's library sockets have no timeout; a daemon that accepts and then
# never answers must fail a test, not hang the suite.
socket.setdefaulttimeout(30)

TEST_TIMEOUT = int(os.environ.get("RECEPTORD_TEST_TIMEOUT", "120"))


class HardTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _hard_timeout():
    """Abort a test that runs longer than TEST_TIMEOUT seconds (SIGALRM in the main thread)."""

    def on_alarm(signum, frame):
        raise HardTimeout(f"test exceeded {TEST_TIMEOUT}s (RECEPTORD_TEST_TIMEOUT)")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_TIMEOUT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _finish(mesh: Mesh) -> None:
    mesh.cleanup(keep=False)


@pytest.fixture
def mesh(request):
    """A fresh Mesh for one test; all its daemons are stopped afterwards."""
    m = Mesh(request.node.name)
    yield m
    _finish(m)


@pytest.fixture
def mesh_factory(request):
    """For module-scoped fixtures that want their own mesh: call with a name."""
    made = []

    def make(name: str) -> Mesh:
        m = Mesh(name)
        made.append(m)
        return m

    yield make
    for m in made:
        _finish(m)


@pytest.fixture(scope="session", autouse=True)
def receptord_bin() -> Path:
    """Every test needs the daemon: fail (not skip) with one clear line if it is missing.

    Session-scoped and autouse, so it runs before any module-scoped mesh fixture.
    """
    try:
        return harness.require_receptord()
    except harness.HarnessError as e:
        message = str(e)
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> Path:
    """A test PKI made by scripts/make-certs.sh: nodes a, b, c, x (and rogue/expired variants)."""
    d = tmp_path_factory.mktemp("certs")
    try:
        return harness.make_certs(d, "a", "b", "c", "x", rogue=["b"], expired=["b"])
    except harness.HarnessError as e:
        message = str(e)
    pytest.fail(message, pytrace=False)
