"""Harness for end-to-end tests of receptord: real daemons on loopback.

A ``Mesh`` owns a short temporary directory and a set of ``Node`` objects. Each
node has a config (a receptor v1 YAML list, built from Python values), a control
socket, a data directory and a log file (stdout and stderr of the daemon).

    mesh = Mesh()
    a, b = mesh.node("A"), mesh.node("B")
    port = b.listen()              # tcp-listener on 127.0.0.1:<free port>
    a.peer(b)                      # tcp-peer to b's first listener
    mesh.start()                   # listeners first; waits for every control socket greeting
    wait_for_route(a, "B")
    ctl(a).simple_command("status")            # receptorctl's ReceptorControl
    rc, out, err = run_cli(a, "ping", "B")     # the Python receptorctl CLI
    mesh.stop()                    # SIGTERM (+SIGCONT), then SIGKILL after 5 s; by PID

Tests get meshes from the ``mesh`` fixture (conftest.py), which stops the daemons
afterwards; when a test fails, every running daemon's log tail is attached to
its report.

Binaries:
  receptord            $RECEPTORD, else <repo>/.build/debug/receptord
  receptorctl (Swift)  $RECEPTORCTL_SWIFT, else <repo>/.build/debug/receptorctl
  receptorctl (Python) $RECEPTORCTL_PY (a path), else ``<this python> -m receptorctl``
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

try:  # PyYAML comes with receptorctl; JSON (valid YAML) is the fallback.
    import yaml  # type: ignore
except ImportError:  # pragma: no cover
    yaml = None

try:
    from receptorctl.socket_interface import ReceptorControl
except ImportError:  # pragma: no cover - reported by conftest
    ReceptorControl = None  # type: ignore

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = float(os.environ.get("RECEPTORD_START_TIMEOUT", "20"))
STOP_GRACE = 5.0
LOG_TAIL_LINES = 80

# Every mesh that is currently running, so that a failing test can attach logs;
# and the final log reports of meshes cleaned up during the current test's setup
# (a module fixture whose setup failed has already torn its mesh down).
ACTIVE_MESHES: list["Mesh"] = []
RECENT_REPORTS: list[tuple[str, str]] = []


class HarnessError(AssertionError):
    """A daemon could not be started or did not behave well enough to test."""


# ---------------------------------------------------------------------------
# binaries


def receptord_path() -> Path:
    env = os.environ.get("RECEPTORD")
    return Path(env) if env else REPO_ROOT / ".build" / "debug" / "receptord"


def swift_receptorctl_path() -> Path:
    env = os.environ.get("RECEPTORCTL_SWIFT")
    return Path(env) if env else REPO_ROOT / ".build" / "debug" / "receptorctl"


def python_receptorctl_cmd() -> list[str]:
    env = os.environ.get("RECEPTORCTL_PY")
    return [env] if env else [sys.executable, "-m", "receptorctl"]


def require_receptord() -> Path:
    path = receptord_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise HarnessError(
            f"receptord binary not found at {path}. Build it with `swift build` at the repo "
            "root (scripts/test does), or point $RECEPTORD at a binary."
        )
    return path


# ---------------------------------------------------------------------------
# small utilities

_handed_out_ports: set[int] = set()
_port_lock = threading.Lock()


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    """A port that was free a moment ago (bind to port 0), never the same twice per run."""
    with _port_lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, kind) as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
            if port not in _handed_out_ports:
                _handed_out_ports.add(port)
                return port
    raise HarnessError("could not find a free port")


def listening_tcp_ports() -> set[int]:
    """Local TCP ports in LISTEN state (Linux /proc/net/tcp and tcp6)."""
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    if len(fields) > 3 and fields[3] == "0A":
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def wait_until(
    pred: Callable[[], Any],
    timeout: float = 10.0,
    interval: float = 0.1,
    desc: str | None = None,
) -> Any:
    """Poll ``pred`` until it returns something truthy; return that value.

    Exceptions raised by ``pred`` count as "not yet". On timeout, raise an
    AssertionError naming ``desc`` and the last value or exception seen.
    """
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            value = pred()
            if value:
                return value
            last = value
        except Exception as e:  # noqa: BLE001 - "not yet"
            last = e
        if time.monotonic() >= deadline:
            what = desc or getattr(pred, "__name__", "condition")
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def dump_yaml(config: list) -> str:
    if yaml is not None:
        return yaml.safe_dump(config, sort_keys=False, default_flow_style=False, allow_unicode=True)
    # JSON is a YAML flow sequence, readable by any YAML parser.
    return "---\n" + "\n".join("- " + json.dumps(item) for item in config) + "\n"


GO_DURATION_RE = re.compile(
    r"0s"
    r"|[1-9]\d*ns"
    r"|\d+(?:\.\d{0,2}[1-9])?µs"
    r"|\d+(?:\.\d{0,5}[1-9])?ms"
    r"|(?:[1-9]\d*h)?(?:\d+m)?\d+(?:\.\d{0,8}[1-9])?s"
)


def is_go_duration(text: str) -> bool:
    """True if ``text`` looks like Go's time.Duration.String() (control-protocol.md §3.2)."""
    return GO_DURATION_RE.fullmatch(text) is not None


# ---------------------------------------------------------------------------
# raw control connections


class ControlConn:
    """A raw control-socket session with line reads and a timeout.

    Use for protocol-level checks the receptorctl library hides (exact error
    lines, garbage input, the ``connect`` bridge).
    """

    def __init__(self, path: str | os.PathLike, timeout: float = 10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self._buf = b""

    @classmethod
    def tcp(cls, host: str, port: int, timeout: float = 10.0) -> "ControlConn":
        self = cls.__new__(cls)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self._buf = b""
        return self

    def readline_bytes(self, timeout: float | None = None) -> bytes:
        """One line including its b"\\n" (or what came before EOF)."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        while b"\n" not in self._buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                line, self._buf = self._buf, b""
                return line
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line + b"\n"

    def readline(self, timeout: float | None = None) -> str:
        line = self.readline_bytes(timeout)
        if not line:
            raise EOFError("control connection closed")
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def command(self, line: str, timeout: float | None = None) -> str:
        self.send(line + "\n")
        return self.readline(timeout)

    def json_command(self, line: str | dict, timeout: float | None = None) -> Any:
        if isinstance(line, dict):
            line = json.dumps(line)
        reply = self.command(line, timeout)
        if reply.startswith("ERROR:"):
            raise RuntimeError(reply)
        return json.loads(reply)

    def greeting(self, timeout: float | None = None) -> str:
        return self.readline(timeout)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "ControlConn":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------
# nodes and meshes


class Node:
    def __init__(self, mesh: "Mesh", node_id: str, log_level: str = "info", control: bool = True):
        self.mesh = mesh
        self.id = node_id
        self.dir = mesh.dir / node_id
        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket_path = self.dir / "ctl.sock"
        self.config_path = self.dir / "receptor.yml"
        self.log_path = self.dir / "receptord.log"
        self.datadir = self.dir / "data"
        self.log_level = log_level
        self.control = control
        self.node_fields: dict[str, Any] = {}
        self.entries: list[Any] = []
        self.listen_ports: list[int] = []
        self.proc: subprocess.Popen | None = None
        self._log_file = None
        self.stopped = False  # SIGSTOPped
        # Run the daemon inside this network namespace (``ip netns exec``); the control socket is
        # a path, so it is reachable from the test all the same.
        self.netns: str | None = None
        # Extra environment variables for the daemon (e.g. HTTP_PROXY).
        self.env: dict[str, str] = {}

    # -- config --------------------------------------------------------------

    def add(self, entry: Any) -> Any:
        """Append a config entry, e.g. ``{"local-only": None}`` or ``"local-only"``."""
        self.entries.append(entry)
        return entry

    def listen(self, cost: float | None = None, tls: str | None = None, port: int | None = None, **fields) -> int:
        """Add a tcp-listener on 127.0.0.1:<free port>; return the port."""
        port = port or free_port()
        entry: dict[str, Any] = {"port": port, "bindaddr": "127.0.0.1"}
        if cost is not None:
            entry["cost"] = cost
        if tls:
            entry["tls"] = tls
        entry.update(fields)
        self.add({"tcp-listener": entry})
        self.listen_ports.append(port)
        return port

    def peer(self, other: "Node | int", cost: float | None = None, tls: str | None = None, **fields) -> dict:
        """Add a tcp-peer to ``other``'s first listener (or to a port on 127.0.0.1)."""
        if isinstance(other, Node):
            if not other.listen_ports:
                raise HarnessError(f"{other.id} has no listener to peer with")
            port = other.listen_ports[0]
        else:
            port = other
        entry: dict[str, Any] = {"address": f"127.0.0.1:{port}"}
        if cost is not None:
            entry["cost"] = cost
        if tls:
            entry["tls"] = tls
        entry.update(fields)
        self.add({"tcp-peer": entry})
        return entry

    def config(self) -> list:
        node = {"id": self.id, "datadir": str(self.datadir)}
        node.update(self.node_fields)
        items: list[Any] = [{"node": node}, {"log-level": self.log_level}]
        if self.control:
            items.append({"control-service": {"service": "control", "filename": str(self.socket_path)}})
        items.extend(self.entries)
        return items

    def write_config(self, config: list | None = None) -> Path:
        self.config_path.write_text(dump_yaml(config if config is not None else self.config()))
        return self.config_path

    # -- process -------------------------------------------------------------

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.id} is not running"
        return self.proc.pid

    def spawn(self) -> None:
        """Write the config and start the daemon (does not wait)."""
        binary = require_receptord()
        if self.proc is not None and self.proc.poll() is None:
            raise HarnessError(f"{self.id} is already running")
        self.write_config()
        self.datadir.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"=== harness: starting {binary} --config {self.config_path}\n".encode())
        self._log_file.flush()
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        self.proc = subprocess.Popen(
            prefix + [str(binary), "--config", str(self.config_path)],
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            cwd=self.dir,
            start_new_session=True,  # a ^C to pytest does not hit the daemons first
        )
        self.stopped = False

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the control socket accepts and greets with this node's ID."""
        if not self.control:
            return
        expected = f"Receptor Control, node {self.id}"
        deadline = time.monotonic() + timeout
        last: Any = "socket file not created"
        while time.monotonic() < deadline:
            rc = self.proc.poll() if self.proc else None
            if rc is not None:
                raise HarnessError(
                    f"receptord {self.id} exited with status {rc} before its control socket came up\n"
                    f"--- {self.log_path} ---\n{self.log_tail()}"
                )
            if self.socket_path.exists():
                try:
                    with ControlConn(self.socket_path, timeout=2.0) as c:
                        line = c.greeting()
                    if line == expected:
                        return
                    last = f"greeting {line!r}, expected {expected!r}"
                except (OSError, EOFError) as e:
                    last = e
            time.sleep(0.05)
        raise HarnessError(
            f"receptord {self.id}: control socket {self.socket_path} not ready after {timeout:.0f}s ({last})\n"
            f"--- {self.log_path} ---\n{self.log_tail()}"
        )

    def start(self, timeout: float = START_TIMEOUT) -> "Node":
        """Start this node alone and wait until it is ready (control socket, listeners)."""
        self.spawn()
        self.wait_ready(timeout)
        self.wait_listening(timeout)
        return self

    def wait_listening(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until every tcp-listener port of this node is in LISTEN state.

        Reads /proc/net/tcp instead of connecting, so no stray connection (and no
        failed TLS handshake) shows up in the daemon's log.
        """
        if not self.listen_ports:
            return
        deadline = time.monotonic() + timeout
        while True:
            missing = set(self.listen_ports) - listening_tcp_ports()
            if not missing:
                return
            if not self.is_running() or time.monotonic() >= deadline:
                raise HarnessError(
                    f"receptord {self.id}: TCP port(s) {sorted(missing)} not listening "
                    f"({'exited' if not self.is_running() else f'after {timeout:.0f}s'})\n"
                    f"--- {self.log_path} ---\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pause(self) -> None:
        """SIGSTOP: the process stays, its sockets stay open, it just goes silent."""
        os.kill(self.pid, signal.SIGSTOP)
        self.stopped = True

    def resume(self) -> None:
        """SIGCONT (a no-op if the node has been stopped meanwhile)."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
        self.stopped = False

    def stop(self, grace: float = STOP_GRACE) -> int | None:
        """SIGTERM (plus SIGCONT if paused), then SIGKILL after ``grace`` s. By PID only."""
        proc, self.proc = self.proc, None
        rc = None
        if proc is not None:
            if proc.poll() is None:
                try:
                    proc.send_signal(signal.SIGTERM)
                    os.kill(proc.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                try:
                    rc = proc.wait(grace)
                except subprocess.TimeoutExpired:
                    self._note(f"did not exit {grace:.0f}s after SIGTERM; sending SIGKILL")
                    proc.kill()
                    rc = proc.wait(5)
            else:
                rc = proc.returncode
            self._note(f"stopped, exit status {rc}")
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        self.stopped = False
        return rc

    def _note(self, text: str) -> None:
        if self._log_file is not None:
            self._log_file.write(f"=== harness: {self.id} {text}\n".encode())
            self._log_file.flush()

    def log_text(self) -> str:
        try:
            return self.log_path.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    # -- control helpers -----------------------------------------------------

    def ctl(self) -> "ReceptorControl":
        """A new receptorctl ReceptorControl on this node's Unix socket (closed at mesh stop)."""
        rc = ReceptorControl(str(self.socket_path))
        self.mesh._ctls.append(rc)
        return rc

    def raw(self, timeout: float = 10.0) -> ControlConn:
        """A raw control connection; the greeting has NOT been read yet."""
        conn = ControlConn(self.socket_path, timeout)
        self.mesh._conns.append(conn)
        return conn

    def status(self) -> dict:
        rc = ReceptorControl(str(self.socket_path))
        try:
            return rc.simple_command("status")
        finally:
            rc.close()

    def command(self, line: str) -> Any:
        """One command on a fresh library connection; returns parsed JSON (raises on ERROR:)."""
        rc = ReceptorControl(str(self.socket_path))
        try:
            return rc.simple_command(line)
        finally:
            rc.close()

    def __repr__(self) -> str:
        return f"<Node {self.id} pid={self.proc.pid if self.proc else None}>"


class Mesh:
    def __init__(self, name: str = "mesh"):
        # Unix socket paths are limited to 107 bytes: keep the directory short.
        base = "/tmp" if len(tempfile.gettempdir()) > 40 else None
        self.dir = Path(tempfile.mkdtemp(prefix=f"rdt-{name[:12]}-", dir=base))
        self.nodes: dict[str, Node] = {}
        self._ctls: list = []
        self._conns: list[ControlConn] = []
        self.failed = False
        ACTIVE_MESHES.append(self)

    def node(self, node_id: str, **kw) -> Node:
        if node_id in self.nodes:
            raise HarnessError(f"duplicate node {node_id}")
        n = Node(self, node_id, **kw)
        self.nodes[node_id] = n
        return n

    def __getitem__(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def start(self, nodes: Iterable[Node] | None = None, timeout: float = START_TIMEOUT) -> None:
        """Start the nodes and wait for each control socket.

        Nodes with listeners go first (and their TCP ports must be listening), so
        that dialers connect on their first attempt instead of after a redial delay.
        """
        todo = list(nodes) if nodes is not None else [n for n in self.nodes.values() if not n.is_running()]
        listeners = [n for n in todo if n.listen_ports]
        others = [n for n in todo if not n.listen_ports]
        for group in (listeners, others):
            for n in group:
                n.spawn()
            for n in group:
                n.wait_ready(timeout)
                n.wait_listening(timeout)

    def stop(self) -> None:
        for c in self._ctls:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass
        self._ctls.clear()
        for c in self._conns:
            c.close()
        self._conns.clear()
        for n in self.nodes.values():
            n.stop()

    def cleanup(self, keep: bool = False) -> None:
        self.stop()
        if self in ACTIVE_MESHES:
            ACTIVE_MESHES.remove(self)
            if self.nodes:
                RECENT_REPORTS.append((str(self.dir), self.log_report()))
        if not keep and not os.environ.get("RECEPTORD_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_report(self) -> str:
        parts = []
        for n in self.nodes.values():
            state = "running" if n.is_running() else "not running"
            parts.append(f"----- {n.id} ({state}) {n.log_path} (last {LOG_TAIL_LINES} lines) -----\n{n.log_tail()}")
        return "\n".join(parts)


# ---------------------------------------------------------------------------
# mesh-level waits and CLI runners


def routing_table(node: Node) -> dict:
    return node.status().get("RoutingTable") or {}


def wait_for_route(node: Node, dest: str, via: str | None = None, timeout: float = 10.0) -> dict:
    """Poll ``status`` until ``node``'s RoutingTable has ``dest`` (via ``via`` if given)."""

    __tracebackhide__ = True
    last: list[Any] = [None]

    def check():
        last[0] = table = routing_table(node)
        return table if dest in table and (via is None or table[dest] == via) else None

    what = f"{node.id} to route {dest}" + (f" via {via}" if via else "")
    try:
        return wait_until(check, timeout, interval=0.1, desc=what)
    except AssertionError:
        raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}; "
                             f"last RoutingTable: {last[0]!r}") from None


def wait_for_no_route(node: Node, dest: str, timeout: float) -> None:
    """Assert that ``node`` does NOT get a route to ``dest`` for ``timeout`` seconds."""
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        table = routing_table(node)
        assert dest not in table, f"{node.id} unexpectedly routes to {dest}: {table}"
        time.sleep(0.25)


def _run(cmd: list[str], timeout: float, input: bytes | None = None) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", LC_ALL="C.UTF-8", LANG="C.UTF-8")
    p = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def run_cli(node: Node | str, *args: str, timeout: float = 30.0, input: bytes | None = None) -> tuple[int, str, str]:
    """Run the Python receptorctl CLI against ``node``; return (rc, stdout, stderr)."""
    sock = str(node.socket_path) if isinstance(node, Node) else node
    return _run([*python_receptorctl_cmd(), "--socket", sock, *args], timeout, input)


def run_swift_cli(node: Node | str, *args: str, timeout: float = 30.0, input: bytes | None = None) -> tuple[int, str, str]:
    """Run our Swift receptorctl against ``node``; return (rc, stdout, stderr)."""
    path = swift_receptorctl_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise HarnessError(f"Swift receptorctl not found at {path}; build it with `swift build` or set $RECEPTORCTL_SWIFT")
    sock = str(node.socket_path) if isinstance(node, Node) else node
    return _run([str(path), "--socket", sock, *args], timeout, input)


def run_receptord(*args: str, timeout: float = 15.0) -> tuple[int, str, str]:
    """Run receptord to completion (config errors, --version); return (rc, stdout, stderr)."""
    binary = require_receptord()
    try:
        return _run([str(binary), *args], timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"receptord {' '.join(args)} did not exit within {timeout:.0f}s") from e


def make_certs(directory: Path, *nodes: str, rogue: Iterable[str] = (), expired: Iterable[str] = (),
               extra_san: str = "IP:127.0.0.1,DNS:localhost") -> Path:
    """Run scripts/make-certs.sh into ``directory``."""
    cmd = ["bash", str(REPO_ROOT / "scripts" / "make-certs.sh"), "--san", extra_san]
    for n in rogue:
        cmd += ["--rogue", n]
    for n in expired:
        cmd += ["--expired", n]
    cmd += [str(directory), *nodes]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise HarnessError(f"make-certs.sh failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return directory


# Short names used by the tests and by anyone poking at a mesh from a REPL.
def ctl(node: Node) -> "ReceptorControl":
    """A receptorctl ``ReceptorControl`` on ``node``'s control socket."""
    return node.ctl()


# -- work units (through the Python receptorctl library, as AWX drives them) ---

def work_results(node: Node, unit: str) -> bytes:
    """All of a unit's output, read with `work results` until the node closes the stream."""
    rc = node.ctl()
    _, stream = rc.get_work_results(unit, return_socket=True, return_sockfile=True)
    data = stream.read()
    rc.close()
    return data


def work_status(node: Node, unit: str) -> dict:
    return node.command(f"work status {unit}")
