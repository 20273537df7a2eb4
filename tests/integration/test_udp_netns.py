"""UDP links between two network namespaces joined by a veth pair whose MTU is the IPv6 minimum
(1280) and which drops every IP fragment: datagrams that rely on fragmentation (as receptor's
do, up to 64 KiB each) never arrive, while a UDP link (datagrams of at most 1232 bytes) carries
a work unit byte-exact. Then the same path is squeezed to 40 Mbit/s with tbf: the link's
congestion window adapts and heartbeats keep the link up while a payload fills the bottleneck."""

import hashlib
import os
import shutil
import socket
import subprocess
import textwrap
import time

import pytest

from harness import free_port, wait_for_route, wait_until, work_results, work_status

A_ADDR, B_ADDR = "198.18.0.1", "198.18.0.2"  # RFC 2544 benchmarking range, only inside our namespaces


def sh(*args, check=True, input=None):
    return subprocess.run(args, check=check, input=input, capture_output=True)


@pytest.fixture
def namespaces():
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "nft", "tc")):
        pytest.skip("needs root, ip, nft and tc")
    tag = f"{os.getpid() % 100000}"
    ns_a, ns_b = f"rdtA{tag}", f"rdtB{tag}"
    veth_a, veth_b = f"rva{tag}", f"rvb{tag}"
    try:
        sh("ip", "netns", "add", ns_a)
        sh("ip", "netns", "add", ns_b)
        sh("ip", "link", "add", veth_a, "type", "veth", "peer", "name", veth_b)
        sh("ip", "link", "set", veth_a, "netns", ns_a)
        sh("ip", "link", "set", veth_b, "netns", ns_b)
        for ns, dev, addr in ((ns_a, veth_a, A_ADDR), (ns_b, veth_b, B_ADDR)):
            sh("ip", "-n", ns, "addr", "add", f"{addr}/30", "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "mtu", "1280", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            # Drop every IPv4 fragment (first or later) arriving in this namespace, before
            # netfilter's own defragmentation (priority -400) could put them back together.
            rules = textwrap.dedent("""
                table inet nofrag {
                  chain early {
                    type filter hook prerouting priority -450; policy accept;
                    ip frag-off & 0x3fff != 0 counter drop
                  }
                }
            """)
            sh("ip", "netns", "exec", ns, "nft", "-f", "-", input=rules.encode())
        yield {"a": ns_a, "b": ns_b, "veth_a": veth_a}
    finally:
        sh("ip", "netns", "del", ns_a, check=False)
        sh("ip", "netns", "del", ns_b, check=False)


def datagram_arrives(ns_from, ns_to, size: int) -> bool:
    """Sends one UDP datagram of `size` bytes from one namespace to the other; True if it arrived."""
    port = free_port(kind=socket.SOCK_DGRAM)
    receiver = subprocess.Popen(
        ["ip", "netns", "exec", ns_to, "python3", "-c", textwrap.dedent(f"""
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("{B_ADDR}", {port}))
            s.settimeout(2)
            print("ready", flush=True)
            try:
                print(len(s.recvfrom(70000)[0]))
            except socket.timeout:
                print("none")
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    assert receiver.stdout.readline().strip() == "ready"
    sh("ip", "netns", "exec", ns_from, "python3", "-c",
       f"import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x' * {size}, ('{B_ADDR}', {port}))")
    out, _ = receiver.communicate(timeout=10)
    return out.strip() == str(size)


def test_udp_link_needs_no_fragmentation_and_survives_a_bottleneck(mesh, namespaces):
    # The path really drops what needs fragmenting: receptor's one-datagram-per-message would fail.
    assert datagram_arrives(namespaces["a"], namespaces["b"], 1000)
    assert not datagram_arrives(namespaces["a"], namespaces["b"], 4000)

    a, b = mesh.node("A"), mesh.node("B")
    a.netns, b.netns = namespaces["a"], namespaces["b"]
    port = free_port(kind=socket.SOCK_DGRAM)
    b.add({"udp-listener": {"port": port, "bindaddr": B_ADDR}})
    a.add({"udp-peer": {"address": f"{B_ADDR}:{port}"}})
    b.add({"work-command": {"worktype": "cat", "command": "cat"}})
    mesh.start()
    wait_for_route(a, "B", timeout=15)

    def round_trip(size):
        payload = os.urandom(size)
        rc = a.ctl()
        try:
            result = rc.submit_work("cat", payload, node="B")
        finally:
            rc.close()
        data = work_results(a, result["unitid"])
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(payload).hexdigest()
        wait_until(lambda: work_status(a, result["unitid"])["StateName"] == "Succeeded", 10, desc="unit to succeed")

    round_trip(2 << 20)
    assert a.command("ping B")["Success"] is True

    # A 40 Mbit/s bottleneck from A to B (tbf; this kernel has no netem).
    for ns, dev in ((namespaces["a"], namespaces["veth_a"]),):
        sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root", "tbf",
           "rate", "40mbit", "burst", "16kb", "latency", "30ms")
    t0 = time.monotonic()
    round_trip(8 << 20)
    elapsed = time.monotonic() - t0
    # 8 MiB up at 40 Mbit/s takes at least 1.7 s: the bottleneck was real.
    assert elapsed > 1.6, elapsed
    assert a.command("ping B")["Success"] is True
    assert "link down" not in a.log_text() and "link down" not in b.log_text()
    print(f"8 MiB cat round trip, upload through a 40 Mbit/s bottleneck on a UDP link: {elapsed:.1f} s")
