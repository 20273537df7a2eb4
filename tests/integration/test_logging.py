"""Structured logs: `log-level: {level: info, format: json}` gives one JSON object per line."""

import json


def test_json_log_lines(mesh):
    a, b = mesh.node("A"), mesh.node("B")
    a.log_level = {"level": "info", "format": "json"}
    b.listen()
    a.peer(b)
    mesh.start()
    from harness import wait_for_route
    wait_for_route(a, "B", timeout=5)
    lines = [l for l in a.log_text().splitlines() if not l.startswith("===")]
    records = [json.loads(l) for l in lines]
    assert records and all({"time", "level", "msg"} <= set(r) for r in records)
    assert any(r["msg"] == "link up" and r.get("peer") == "B" for r in records)


def test_bad_log_format_is_a_config_error(mesh):
    a = mesh.node("A")
    a.log_level = {"level": "info", "format": "xml"}
    a.add("local-only")
    a.write_config()
    import subprocess
    from harness import require_receptord
    proc = subprocess.run([str(require_receptord()), "--config", str(a.config_path)], capture_output=True, timeout=20)
    assert proc.returncode == 1 and b"format" in proc.stderr
