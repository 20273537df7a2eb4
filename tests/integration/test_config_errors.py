"""Startup with a bad config: exit status 1, quickly, and a message naming entry and field.

config-format.md §2 (unknown entries and fields, required fields) and §5.3 (cost > 0).
"""

import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from harness import dump_yaml, run_receptord

EXIT_WITHIN = 5.0


@pytest.fixture
def workdir():
    d = Path(tempfile.mkdtemp(prefix="rdt-cfg-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def base(workdir):
    return [
        {"node": {"id": "cfgtest", "datadir": str(workdir / "data")}},
        {"control-service": {"filename": str(workdir / "ctl.sock")}},
        "local-only",
    ]


# name: (extra entries, words the error output must contain (case-insensitive))
BAD = {
    "unknown-entry": ([{"bogus-entry": {"port": 1}}], ["bogus-entry"]),
    "unknown-field": ([{"tcp-listener": {"port": 27999, "bogusfield": 1}}], ["tcp-listener", "bogusfield"]),
    "bad-cost-negative": ([{"tcp-listener": {"port": 27999, "cost": -1.5}}], ["tcp-listener", "cost"]),
    "bad-cost-zero": ([{"tcp-peer": {"address": "127.0.0.1:27999", "cost": 0}}], ["tcp-peer", "cost"]),
    "bad-nodecost": ([{"tcp-listener": {"port": 27999, "nodecost": {"n2": 0}}}], ["tcp-listener", "nodecost"]),
    "missing-required": ([{"tcp-peer": {"cost": 2.0}}], ["tcp-peer", "address"]),
    "missing-required-work-command": ([{"work-command": {"worktype": "cat"}}], ["work-command", "command"]),
    "bad-type": ([{"tcp-listener": {"port": "not-a-number"}}], ["tcp-listener", "port"]),
    "upper-case-entry": ([{"TCP-LISTENER": {"port": 27999}}], ["TCP-LISTENER"]),
    "second-singleton": ([{"node": {"id": "again"}}], ["node"]),
}


def run_bad(workdir, entries):
    cfg = workdir / "bad.yml"
    cfg.write_text(dump_yaml(base(workdir) + entries))
    t0 = time.monotonic()
    rc, out, err = run_receptord("--config", str(cfg), timeout=EXIT_WITHIN + 3)
    return rc, out, err, time.monotonic() - t0


@pytest.mark.parametrize("case", list(BAD))
def test_bad_config_exits_1_naming_entry_and_field(workdir, case):
    entries, words = BAD[case]
    rc, out, err, elapsed = run_bad(workdir, entries)
    assert rc == 1, f"exit status {rc}, expected 1\nstdout: {out}\nstderr: {err}"
    assert elapsed < EXIT_WITHIN, f"took {elapsed:.1f}s to fail"
    for w in words:
        assert w.lower() in err.lower(), f"stderr does not name {w!r}:\n{err}\n(stdout: {out})"


def test_map_shaped_v2_file_is_rejected(workdir):
    cfg = workdir / "v2.yml"
    cfg.write_text("version: 2\nnode:\n  id: foo\ntcp-listeners:\n  - port: 27999\n")
    rc, out, err = run_receptord("--config", str(cfg))
    assert rc == 1, (rc, out, err)
    assert err.strip(), "no error message on stderr"


def test_missing_config_file(workdir):
    rc, out, err = run_receptord("--config", str(workdir / "nope.yml"))
    assert rc == 1, (rc, out, err)
    assert "nope.yml" in err


def test_no_backend_exits_1(workdir):
    """Only a control socket and no backend: "Nothing to do - no backends are running." """
    cfg = workdir / "nobackend.yml"
    cfg.write_text(dump_yaml([e for e in base(workdir) if e != "local-only"]))
    rc, out, err = run_receptord("--config", str(cfg), timeout=EXIT_WITHIN + 3)
    assert rc == 1, (rc, out, err)


def test_version():
    rc, out, err = run_receptord("--version")
    assert rc == 0, (rc, out, err)
    assert re.search(r"\d+\.\d+", out), f"no version number on stdout: {out!r} (stderr {err!r})"
