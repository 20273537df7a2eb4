"""receptord's certificate utilities: cert-init, cert-makereq, cert-signreq (config-format.md §5.8, §6, §9).

A CA and node certificates are made with receptord itself (command-line and
config-file forms), checked with openssl, and then used for a mutual-TLS link.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from harness import dump_yaml, require_receptord, run_receptord, wait_for_route

OTHERNAME_OID = "1.3.6.1.4.1.2312.19.1"
REFUSAL_WINDOW = 4.0

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


def receptord(*args: str, cwd: Path | None = None, input: str | None = None, timeout: float = 60.0):
    """Run receptord to completion; return (rc, stdout, stderr)."""
    p = subprocess.run(
        [str(require_receptord()), *args],
        cwd=cwd,
        input=(input or "").encode(),
        capture_output=True,
        timeout=timeout,
    )
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def ok(result):
    rc, out, err = result
    assert rc == 0, f"receptord failed ({rc}):\nstdout: {out}\nstderr: {err}"
    return out


def openssl(*args: str) -> str:
    p = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"openssl {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}"
    return p.stdout + p.stderr


def cert_text(path: Path) -> str:
    return openssl("x509", "-in", str(path), "-noout", "-text")


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """ca.{crt,key}; node1 made on the command line, node2 from config files (both signed by the CA)."""
    d = tmp_path_factory.mktemp("pki")
    # The CA, command-line form (as AWX's operator runs it).
    ok(receptord("--cert-init", "commonname=Test CA", "bits=2048", "outcert=ca.crt", "outkey=ca.key", cwd=d))
    # node1: command-line form, with the names a TLS dialer to 127.0.0.1 checks.
    ok(receptord("--cert-makereq", "bits=2048", "commonname=node1", "nodeid=node1", "dnsname=node1",
                 "dnsname=localhost", "ipaddress=127.0.0.1", "outreq=node1.csr", "outkey=node1.key", cwd=d))
    ok(receptord("--cert-signreq", "req=node1.csr", "cacert=ca.crt", "cakey=ca.key", "outcert=node1.crt",
                 "verify=yes", cwd=d))
    # node2: config-file form (a flow map, as in receptor's docs).
    (d / "makereq.yml").write_text(
        "---\n"
        f"- cert-makereq: {{commonname: node2, bits: 2048, nodeid: [node2], dnsname: [localhost],"
        f" ipaddress: [127.0.0.1], outreq: {d / 'node2.csr'}, outkey: {d / 'node2.key'}}}\n"
    )
    ok(receptord("--config", str(d / "makereq.yml")))
    (d / "signreq.yml").write_text(dump_yaml([{"cert-signreq": {
        "req": str(d / "node2.csr"), "cacert": str(d / "ca.crt"), "cakey": str(d / "ca.key"),
        "outcert": str(d / "node2.crt"), "verify": True,
    }}]))
    ok(receptord("--config", str(d / "signreq.yml")))
    return d


def test_outputs_are_pem(pki):
    assert (pki / "ca.crt").read_text().startswith("-----BEGIN CERTIFICATE-----")
    for key in ("ca.key", "node1.key", "node2.key"):
        assert (pki / key).read_text().startswith("-----BEGIN RSA PRIVATE KEY-----"), key
        assert (pki / key).stat().st_mode & 0o077 == 0, f"{key} is readable by others"
    for req in ("node1.csr", "node2.csr"):
        assert (pki / req).read_text().startswith("-----BEGIN CERTIFICATE REQUEST-----"), req
    for crt in ("node1.crt", "node2.crt"):
        assert (pki / crt).read_text().startswith("-----BEGIN CERTIFICATE-----"), crt


@needs_openssl
def test_ca_certificate(pki):
    text = cert_text(pki / "ca.crt")
    assert "CA:TRUE" in text
    assert "Issuer: CN = Test CA" in text and "Subject: CN = Test CA" in text
    assert "Certificate Sign" in text
    assert "2048 bit" in text
    assert "sha256WithRSAEncryption" in text
    # notafter defaults to 10 years after now.
    end = openssl("x509", "-in", str(pki / "ca.crt"), "-noout", "-enddate")
    assert str(time.gmtime().tm_year + 10) in end


@needs_openssl
@pytest.mark.parametrize("node", ["node1", "node2"])
def test_node_certificate(pki, node):
    text = cert_text(pki / f"{node}.crt")
    assert f"othername: {OTHERNAME_OID}::{node}" in text or f"{OTHERNAME_OID};UTF8:{node}" in text, text
    assert "TLS Web Server Authentication" in text and "TLS Web Client Authentication" in text
    assert "Digital Signature" in text and "Key Encipherment" in text
    assert "IP Address:127.0.0.1" in text and "DNS:localhost" in text
    assert f"Subject: CN = {node}" in text and "Issuer: CN = Test CA" in text
    assert "CA:TRUE" not in text
    assert "sha256WithRSAEncryption" in text
    assert f"{node}.crt: OK" in openssl("verify", "-CAfile", str(pki / "ca.crt"), str(pki / f"{node}.crt"))
    # notafter defaults to one year after now.
    end = openssl("x509", "-in", str(pki / f"{node}.crt"), "-noout", "-enddate")
    assert str(time.gmtime().tm_year + 1) in end
    # The certificate carries the request's key.
    req_key = openssl("req", "-in", str(pki / f"{node}.csr"), "-noout", "-pubkey")
    crt_key = openssl("x509", "-in", str(pki / f"{node}.crt"), "-noout", "-pubkey")
    assert req_key == crt_key


@needs_openssl
def test_request_carries_names(pki):
    text = openssl("req", "-in", str(pki / "node1.csr"), "-noout", "-text", "-verify")
    assert "verify OK" in text
    assert f"othername: {OTHERNAME_OID}::node1" in text or f"{OTHERNAME_OID};UTF8:node1" in text, text
    assert "DNS:node1" in text and "DNS:localhost" in text


@needs_openssl
def test_makereq_with_existing_pkcs8_key_and_validity(pki, tmp_path):
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(tmp_path / "k.pem"))
    assert (tmp_path / "k.pem").read_text().startswith("-----BEGIN PRIVATE KEY-----")
    ok(receptord("--cert-makereq", "commonname=n3", "nodeid=n3", "nodeid=n3b", f"inkey={tmp_path / 'k.pem'}",
                 f"outreq={tmp_path / 'n3.csr'}"))
    ok(receptord("--cert-signreq", f"req={tmp_path / 'n3.csr'}", f"cacert={pki / 'ca.crt'}",
                 f"cakey={pki / 'ca.key'}", f"outcert={tmp_path / 'n3.crt'}",
                 "notbefore=2024-01-01T00:00:00Z", "notafter=2030-06-30T12:00:00+02:00", "verify=true"))
    text = cert_text(tmp_path / "n3.crt")
    assert "othername: " + OTHERNAME_OID + "::n3," in text.replace("\n", ",") or "UTF8:n3" in text
    assert "n3b" in text
    assert "Not Before: Jan  1 00:00:00 2024 GMT" in text
    assert "Not After : Jun 30 10:00:00 2030 GMT" in text
    key_pub = openssl("pkey", "-in", str(tmp_path / "k.pem"), "-pubout")
    assert key_pub == openssl("x509", "-in", str(tmp_path / "n3.crt"), "-noout", "-pubkey")


def test_signreq_asks_for_confirmation(pki, tmp_path):
    args = ["--cert-signreq", f"req={pki / 'node1.csr'}", f"cacert={pki / 'ca.crt'}", f"cakey={pki / 'ca.key'}",
            f"outcert={tmp_path / 'asked.crt'}"]
    rc, out, err = receptord(*args, input="no\n")
    assert rc == 1, (out, err)
    assert "yes/no" in out and "node1" in out
    assert "declined" in err
    assert not (tmp_path / "asked.crt").exists()
    rc, out, err = receptord(*args, input="")  # end of input: no
    assert rc == 1 and not (tmp_path / "asked.crt").exists()
    out = ok(receptord(*args, input="yes\n"))
    assert "yes/no" in out
    assert (tmp_path / "asked.crt").read_text().startswith("-----BEGIN CERTIFICATE-----")


# ---------------------------------------------------------------------------
# the certificates in use


def tls_server(pki, name, cert, **extra):
    entry = {"name": name, "cert": str(pki / f"{cert}.crt"), "key": str(pki / f"{cert}.key"),
             "requireclientcert": True, "clientcas": str(pki / "ca.crt")}
    entry.update(extra)
    return {"tls-server": entry}


def tls_client(pki, name, cert, **extra):
    entry = {"name": name, "cert": str(pki / f"{cert}.crt"), "key": str(pki / f"{cert}.key"),
             "rootcas": str(pki / "ca.crt")}
    entry.update(extra)
    return {"tls-client": entry}


def test_mutual_tls_link_with_generated_certs(mesh, pki):
    n1, n2 = mesh.node("node1"), mesh.node("node2")
    n1.add(tls_server(pki, "srv", "node1"))
    n1.listen(tls="srv")
    n2.add(tls_client(pki, "cli", "node2"))
    n2.peer(n1, tls="cli")
    mesh.start()
    wait_for_route(n1, "node2", timeout=10)
    wait_for_route(n2, "node1", timeout=10)
    assert n1.command("ping node2")["Success"] is True


def test_certificate_of_another_node_is_refused(mesh, pki):
    # "x" dials node1 presenting node2's (valid, CA-signed) certificate: x is not in it.
    n1, x = mesh.node("node1"), mesh.node("x")
    n1.add(tls_server(pki, "srv", "node1"))
    n1.listen(tls="srv")
    x.add(tls_client(pki, "cli", "node2", skipreceptornamescheck=True))
    x.peer(n1, tls="cli")
    mesh.start()
    deadline = time.monotonic() + REFUSAL_WINDOW
    while time.monotonic() < deadline:
        st = n1.status()
        assert "x" not in (st["RoutingTable"] or {}), st["RoutingTable"]
        assert "x" not in {c["NodeID"] for c in st["Connections"] or []}, st["Connections"]
        time.sleep(0.2)
    assert "node1" not in (x.status()["RoutingTable"] or {})


def test_node_id_check_rejects_wrong_certificate_at_startup(pki, tmp_path):
    # Without skipreceptornamescheck, a node refuses to start with another node's certificate.
    cfg = tmp_path / "wrong.yml"
    cfg.write_text(dump_yaml([{"node": {"id": "node1", "datadir": str(tmp_path / "data")}}, "local-only",
                              tls_server(pki, "srv", "node2")]))
    rc, out, err = run_receptord("--config", str(cfg))
    assert rc != 0
    assert "node1" in out + err


# ---------------------------------------------------------------------------
# errors: exit 1 with a message naming the entry and the field


ERRORS = {
    "missing-required": (["--cert-init", "commonname=CA", "bits=2048", "outcert=ca.crt"], ["cert-init", "outkey"]),
    "missing-bits": (["--cert-init", "commonname=CA", "outcert=ca.crt", "outkey=ca.key"], ["cert-init", "bits"]),
    "bits-with-inkey": (["--cert-makereq", "commonname=n", "bits=2048", "inkey=k.pem", "outreq=n.csr"],
                        ["cert-makereq", "bits"]),
    "no-key": (["--cert-makereq", "commonname=n", "outreq=n.csr"], ["cert-makereq", "inkey"]),
    "both-keys": (["--cert-makereq", "commonname=n", "bits=2048", "inkey=a", "outkey=b", "outreq=n.csr"],
                  ["cert-makereq", "inkey"]),
    "unknown-field": (["--cert-signreq", "req=a", "cacert=b", "cakey=c", "outcert=d", "colour=blue"],
                      ["cert-signreq", "colour"]),
    "bad-ip": (["--cert-makereq", "commonname=n", "bits=2048", "outkey=n.key", "outreq=n.csr", "ipaddress=1.2.3"],
               ["cert-makereq", "ipaddress"]),
    "bad-time": (["--cert-init", "commonname=CA", "bits=2048", "outcert=ca.crt", "outkey=ca.key",
                  "notafter=next tuesday"], ["cert-init", "notafter"]),
    "small-key": (["--cert-init", "commonname=CA", "bits=512", "outcert=ca.crt", "outkey=ca.key"],
                  ["cert-init", "bits"]),
    "missing-req-file": (["--cert-signreq", "req=nope.csr", "cacert=ca.crt", "cakey=ca.key", "outcert=x.crt",
                          "verify=true"], ["cert-signreq", "nope.csr"]),
    "with-other-entries": (["--cert-init", "commonname=CA", "bits=2048", "outcert=ca.crt", "outkey=ca.key",
                            "--local-only"], ["cert-init", "cannot specify any other options"]),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_command_line_errors(tmp_path, case):
    args, words = ERRORS[case]
    rc, out, err = receptord(*args, cwd=tmp_path, timeout=15)
    assert rc == 1, f"rc={rc}\n{out}\n{err}"
    text = (out + err).lower()
    assert "error" in text
    for word in words:
        assert word.lower() in text, f"{word!r} not in output:\n{out}{err}"
    assert not (tmp_path / "ca.crt").exists() or case == "with-other-entries"


@needs_openssl
def test_unusable_key_files_are_named(tmp_path):
    """A key file that is absent, not PEM, or not an RSA private key fails naming the field,
    the file and what is wrong (the same reader work signing uses)."""
    (tmp_path / "garbage.key").write_text("not a key\n")
    (tmp_path / "ec.key").write_text(openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout"))
    cases = [
        ("nope.key", "nope.key"),
        ("garbage.key", "no PEM data found in garbage.key"),
        ("ec.key", 'unsupported key type "EC PRIVATE KEY" in ec.key'),
    ]
    for name, words in cases:
        rc, out, err = receptord("--cert-makereq", "commonname=n", f"inkey={name}", "outreq=n.csr",
                                 cwd=tmp_path, timeout=15)
        assert rc == 1, (name, out, err)
        assert "inkey" in out + err and words in out + err, (name, out, err)
        assert not (tmp_path / "n.csr").exists()


def test_config_file_errors(tmp_path):
    cases = [
        ({"cert-init": {"commonname": "CA", "outcert": "a", "outkey": "b"}}, ["cert-init", "bits"]),
        ({"cert-makereq": {"commonname": "n", "bits": 2048, "inkey": "k", "outreq": "r"}}, ["cert-makereq", "bits"]),
        ({"cert-signreq": {"req": "a", "cacert": "b", "cakey": "c", "outcert": "d", "bogus": 1}},
         ["cert-signreq", "bogus"]),
    ]
    for entry, words in cases:
        cfg = tmp_path / "c.yml"
        cfg.write_text(dump_yaml([entry]))
        rc, out, err = receptord("--config", str(cfg), cwd=tmp_path, timeout=15)
        assert rc == 1, (entry, out, err)
        for word in words:
            assert word in out + err, (entry, out, err)

