"""Mutual TLS links and the certificate-to-node-ID binding (architecture.md property 1).

Certificates come from scripts/make-certs.sh (the session ``certs`` fixture):
nodes a, b, c, x signed by the test CA, b.rogue signed by a rogue CA, and
b.expired valid only in 2020. Every node cert also has IP:127.0.0.1 because
a TLS dialer checks the address it dialled (config-format.md §5.3).
"""

import re
import time

import pytest

from harness import wait_for_route

REFUSAL_WINDOW = 4.0  # seconds during which no route may form
# What a log line about the refusal could say (wording is the daemon's choice).
REFUSAL_LOG_RE = re.compile(
    r"refus|reject|denied|deny|mismatch|not match|untrusted|unknown.?ca|expired|"
    r"not found in certificate|verif\w*\s+fail|fail\w*\s+to\s+verif|could not verify|"
    r"handshake\s+(fail|error)|bad.?certificate|certificate.?(required|unknown|invalid)|invalid.?certificate",
    re.I,
)


def tls_server(certs, name, node_cert, **extra):
    entry = {
        "name": name,
        "cert": str(certs / f"{node_cert}.crt"),
        "key": str(certs / f"{node_cert}.key"),
        "requireclientcert": True,
        "clientcas": str(certs / "ca.crt"),
    }
    entry.update(extra)
    return {"tls-server": entry}


def tls_client(certs, name, node_cert, **extra):
    entry = {
        "name": name,
        "cert": str(certs / f"{node_cert}.crt") if node_cert else "",
        "key": str(certs / f"{node_cert}.key") if node_cert else "",
        "rootcas": str(certs / "ca.crt"),
    }
    entry.update(extra)
    return {"tls-client": entry}


def test_mutual_tls_link_comes_up(mesh, certs):
    a, b = mesh.node("a"), mesh.node("b")
    a.add(tls_server(certs, "srv", "a"))
    a.listen(tls="srv")
    b.add(tls_client(certs, "cli", "b"))
    b.peer(a, tls="cli")
    mesh.start()
    wait_for_route(a, "b", timeout=5)
    wait_for_route(b, "a", timeout=5)
    assert a.command("ping b")["Success"] is True
    assert {x["NodeID"] for x in a.status()["Connections"]} == {"b"}


def test_tls_chain_through_hop(mesh, certs):
    a, b, c = mesh.node("a"), mesh.node("b"), mesh.node("c")
    b.add(tls_server(certs, "srv", "b"))
    b.listen(tls="srv")
    for n in (a, c):
        n.add(tls_client(certs, "cli", n.id))
        n.peer(b, tls="cli")
    mesh.start()
    wait_for_route(a, "c", via="b", timeout=5)
    trace = a.command("traceroute c")
    assert [trace[k]["From"] for k in sorted(trace, key=int)] == ["a", "b", "c"]


# Each case: (listener id, listener cert, dialer id, dialer cert, extra tls fields for the impostor).
REFUSED = {
    # x dials a, presenting b's (valid, CA-signed) certificate: the claimed ID x is not in it.
    "client-cert-has-other-node-id": ("a", "a", "x", "b", {"skipreceptornamescheck": True}),
    # a dials x, whose server certificate is b's.
    "server-cert-has-other-node-id": ("x", "b", "a", "a", {"skipreceptornamescheck": True}),
    # b dials a with a cert for b signed by another CA.
    "client-cert-from-rogue-ca": ("a", "a", "b", "b.rogue", {}),
    # b dials a with an expired cert (right CA, right ID).
    "client-cert-expired": ("a", "a", "b", "b.expired", {}),
    # b dials a without any client certificate; a requires one.
    "no-client-cert": ("a", "a", "b", None, {}),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_certificate_is_refused(mesh, certs, case):
    lid, lcert, did, dcert, extra = REFUSED[case]
    listener, dialer = mesh.node(lid), mesh.node(did)
    server_extra = extra if lid == "x" else {}
    client_extra = extra if did == "x" else {}
    listener.add(tls_server(certs, "srv", lcert, **server_extra))
    listener.listen(tls="srv")
    dialer.add(tls_client(certs, "cli", dcert, **client_extra))
    dialer.peer(listener, tls="cli")
    mesh.start()

    # Node "a" holds a good certificate and does the refusing. It must never list the
    # impostor as a connection nor route to it. (The impostor may briefly see a link
    # from its own side before "a" closes it, so only its routes are checked.)
    verifier, impostor = (listener, dialer) if lid == "a" else (dialer, listener)
    deadline = time.monotonic() + REFUSAL_WINDOW
    while time.monotonic() < deadline:
        st = verifier.status()
        assert impostor.id not in (st["RoutingTable"] or {}), f"a routes to {impostor.id}: {st['RoutingTable']}"
        assert impostor.id not in {c["NodeID"] for c in st["Connections"] or []}, (
            f"a lists {impostor.id} as connected: {st['Connections']}")
        time.sleep(0.2)
    assert "a" not in (impostor.status()["RoutingTable"] or {}), f"{impostor.id} got a route to a"

    logs = listener.log_text() + "\n" + dialer.log_text()
    assert any(REFUSAL_LOG_RE.search(line) and not line.startswith("=== harness")
               for line in logs.splitlines()), (
        "neither daemon's log mentions refusing the peer's certificate:\n" + logs[-4000:])
