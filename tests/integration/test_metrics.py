"""Opt-in Prometheus metrics: scraping during traffic shows the counters moving."""

import re
import urllib.request

from harness import free_port, wait_for_route, wait_until


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        assert r.status == 200
        return r.read().decode()


def value(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(want) + r"\}" if want else "") + r" ([0-9.e+-]+)"
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None


def test_metrics_move_with_traffic(mesh):
    port = free_port()
    a, b = mesh.node("A"), mesh.node("B")
    a.add({"metrics": {"port": port}})
    a.add({"work-command": {"worktype": "cat", "command": "cat"}})
    b.listen()
    a.peer(b)
    mesh.start()
    wait_for_route(a, "B", timeout=5)
    first = scrape(port)
    assert value(first, "receptord_link_up", peer="B") == 1
    assert value(first, "receptord_routes") == 1
    sent0 = value(first, "receptord_link_frames_sent_total", peer="B") or 0
    for _ in range(5):
        assert a.command("ping B")["Success"] is True
    rc = a.ctl()
    rc.submit_work("cat", b"hello", node=None)
    rc.close()
    second = scrape(port)
    assert value(second, "receptord_link_frames_sent_total", peer="B") >= sent0 + 5
    assert value(second, "receptord_link_bytes_received_total", peer="B") > 0
    assert value(second, "receptord_control_commands_total", command="ping") >= 5
    wait_until(lambda: value(scrape(port), "receptord_link_rtt_seconds", peer="B") is not None, 3,
               desc="a heartbeat round trip to be measured")
    assert sum(v for v in [value(second, "receptord_work_units", state=s) for s in ("Pending", "Running", "Succeeded")] if v) >= 1
    b.stop()
    third = scrape(port)
    assert value(third, "receptord_link_up", peer="B") == 0
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        assert r.headers["Content-Type"].startswith("text/plain")


def test_pipelined_requests_are_answered_in_order(mesh):
    """The text is rendered off the event loop; responses on one keep-alive connection still
    come back in request order, each complete."""
    import socket

    port = free_port()
    a = mesh.node("A")
    a.add({"metrics": {"port": port}})
    a.add("local-only")
    mesh.start()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        request = "GET {} HTTP/1.1\r\nHost: x\r\n\r\n"
        s.sendall((request.format("/metrics") + request.format("/nope") + request.format("/metrics")).encode())
        f = s.makefile("rb")
        statuses, bodies = [], []
        for _ in range(3):
            statuses.append(f.readline().decode().split()[1])
            length = 0
            while (line := f.readline().decode().strip()) != "":
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            bodies.append(f.read(length).decode())
    assert statuses == ["200", "404", "200"]
    assert "receptord_routes" in bodies[0] and "receptord_routes" in bodies[2]
    assert bodies[1].startswith("not found")
