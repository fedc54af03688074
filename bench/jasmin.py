"""Jasmin (PyPI ``jasmin==0.11.0``, and 0.11.1 for reference) as a peer for the "jasmin" scenario, on 127.0.0.1.

- its own virtualenv per version, created on first use under ``bench/.cache/`` (``jasmin-venv`` for 0.11.0,
  ``jasmin-0.11.1-venv``; git-ignored, kept between runs);
- RabbitMQ: the one already listening on 127.0.0.1:5672 (guest/guest) is reused, with a throw-away vhost made
  with ``rabbitmqctl`` (deleted afterwards); when none listens, Debian's ``rabbitmq-server`` (installed with
  ``apt-get install -y rabbitmq-server`` when missing) is started as a private node on free loopback ports with
  its data in a temporary folder, and stopped afterwards;
- Redis: the local one (127.0.0.1:6379). Jasmin 0.11.0 only selects ``dbid`` when a password is set, so it writes
  database 0: the ``dlr:*`` / ``queue-msgid:*`` keys it adds are deleted afterwards;
- the configuration is generated into a temporary folder (every listener bound to 127.0.0.1 on a free port; the
  wheel ships neither a config nor the AMQP spec, which is taken from txAMQP); ``jasmind.py`` runs with the DLR
  lookup and thrower enabled; jCli (over a plain socket) adds an smppc connector to the SMSC sink (no submit
  throttle), a group, a user and a default MT route.

No Jasmin code or configuration is written into the repository.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from bench.config import BENCH_DIR
from bench.errors import BenchError
from bench.procs import ManagedProcess, free_port, tail
from bench.procstats import pids_named

VERSION = "0.11.0"
# 0.11.1 answers every submit_sm_resp with an AttributeError in its handler ('SubmitSM' object has no attribute
# 'response'), so it never stores a DLR map and loses every DLR; the same error skips a RabbitMQ publish on which
# 0.11.0 waits about 40 ms per message. It is the release behind the ~540 msg/s usually quoted for Jasmin here,
# and is measured without DLRs as that reference.
REFERENCE_VERSION = "0.11.1"
VENV = BENCH_DIR / ".cache" / "jasmin-venv"


def venv_of(version: str) -> Path:
    return VENV if version == VERSION else BENCH_DIR / ".cache" / f"jasmin-{version}-venv"


INSTALL_TIMEOUT_S = 600.0
START_TIMEOUT_S = 60.0
CTL_TIMEOUT_S = 60.0
AMQP_HOST, AMQP_PORT = "127.0.0.1", 5672
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
JASMIN_KEYS = ("dlr:*", "queue-msgid:*")
JCLI_USER, JCLI_PASSWORD = "jcliadmin", "jclipwd"  # Jasmin's defaults (its config keeps only the md5)
USER, USER_PASSWORD = "bench", "benchpw"
CONNECTOR = "smsc"
# The sink sends each receipt in the same instant as the submit_sm_resp; Jasmin looks the receipt up before it has
# stored the message's DLR map, fails, and looks again after dlr_lookup_retry_delay: 10 s by default, 1 s here (the
# smallest whole second it takes), so that the figure shows Jasmin's pipeline rather than that default.
DLR_RETRY_DELAY_S = 1


@dataclass
class Jasmin:
    http_url: str
    process: ManagedProcess
    log_dir: Path
    broker: str  # how RabbitMQ was provided, for the notes
    broker_pids: list[int]
    jcli_transcript: str


def _run(args: list[str], timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, env=env)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{' '.join(args[:3])} ... did not finish in {timeout:.0f}s") from exc
    except OSError as exc:
        raise BenchError(f"{args[0]}: {exc}") from exc


def _base_python() -> str:
    """The interpreter the project's virtualenv was made from (Jasmin gets a venv of its own)."""
    base = getattr(sys, "_base_executable", "") or sys.executable
    return base if Path(base).exists() else sys.executable


def ensure_venv(version: str = VERSION) -> Path:
    """A virtualenv with jasmin==``version`` (``venv_of``), created (about a minute) when missing; its python."""
    venv = venv_of(version)
    python = venv / "bin" / "python"
    marker = venv / f".jasmin-{version}"
    if marker.exists() and python.exists() and (venv / "bin" / "jasmind.py").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    gitignore = venv.parent / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("*\n")
    done = _run([_base_python(), "-m", "venv", str(venv)], 120)
    if done.returncode != 0:
        raise BenchError(f"cannot create {venv}: {done.stderr.strip()[-400:]}")
    done = _run([str(python), "-m", "pip", "install", "-q", f"jasmin=={version}"], INSTALL_TIMEOUT_S)
    if done.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        raise BenchError(f"pip install jasmin=={version} failed: {done.stderr.strip()[-600:]}")
    marker.write_text(version + "\n")
    return python


def _listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def _amqp_spec(python: Path) -> Path:
    done = _run([str(python), "-c", "import txamqp, os; print(os.path.dirname(txamqp.__file__))"], 60)
    spec = Path(done.stdout.strip()) / "specs" / "standard" / "amqp0-9-1.stripped.xml"
    if done.returncode != 0 or not spec.exists():
        raise BenchError(f"txAMQP's AMQP 0-9-1 spec not found in the Jasmin venv: {done.stderr.strip()[-300:]}")
    return spec


@contextmanager
def rabbitmq_vhost() -> Iterator[tuple[str, int, str, str]]:
    """(host, port, vhost, how): a throw-away vhost on the running broker, or a private broker node."""
    if _listening(AMQP_HOST, AMQP_PORT):
        vhost = f"sb_bench_{secrets.token_hex(4)}"
        made = shutil.which("rabbitmqctl") is not None and (
            _run(["rabbitmqctl", "add_vhost", vhost], CTL_TIMEOUT_S).returncode == 0
        )
        if made:
            try:
                granted = _run(
                    ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], CTL_TIMEOUT_S
                )
                if granted.returncode != 0:
                    raise BenchError(f"rabbitmqctl set_permissions failed: {granted.stderr.strip()[-300:]}")
                yield AMQP_HOST, AMQP_PORT, vhost, f"running broker {AMQP_HOST}:{AMQP_PORT}, vhost {vhost}"
            finally:
                _run(["rabbitmqctl", "delete_vhost", vhost], CTL_TIMEOUT_S)
        else:
            yield AMQP_HOST, AMQP_PORT, "/", f"running broker {AMQP_HOST}:{AMQP_PORT}, vhost / (no rabbitmqctl)"
        return
    with private_rabbitmq() as (port, how):
        yield AMQP_HOST, port, "/", how


def _ensure_rabbitmq_installed() -> None:
    if shutil.which("rabbitmq-server") or Path("/usr/sbin/rabbitmq-server").exists():
        return
    if os.geteuid() != 0:
        raise BenchError("rabbitmq-server is not installed (apt-get install -y rabbitmq-server, as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = _run(["apt-get", "install", "-y", "rabbitmq-server"], INSTALL_TIMEOUT_S, env)
    if done.returncode != 0:
        raise BenchError(f"apt-get install -y rabbitmq-server failed: {done.stderr.strip()[-400:]}")


@contextmanager
def private_rabbitmq() -> Iterator[tuple[int, str]]:
    """A RabbitMQ node of our own (Debian's rabbitmq-server) on free loopback ports, data in a temp folder."""
    _ensure_rabbitmq_installed()
    server = shutil.which("rabbitmq-server") or "/usr/sbin/rabbitmq-server"
    with ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sb-bench-rabbitmq-")))
        os.chmod(base, 0o755)  # noqa: S103 (the rabbitmq user must reach its folders inside)
        for sub in ("mnesia", "log"):
            (base / sub).mkdir()
        shutil.chown(base / "mnesia", "rabbitmq", "rabbitmq")
        shutil.chown(base / "log", "rabbitmq", "rabbitmq")
        port, dist = free_port(), free_port()
        node = f"sbbench{secrets.token_hex(3)}@localhost"
        plugins = base / "enabled_plugins"
        plugins.write_text("[].\n")
        conf = base / "rabbitmq.conf"
        conf.write_text(f"listeners.tcp.default = 127.0.0.1:{port}\nloopback_users.guest = true\n")
        env = {
            **os.environ,
            "RABBITMQ_NODENAME": node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(port),
            "RABBITMQ_DIST_PORT": str(dist),
            "RABBITMQ_SERVER_ERL_ARGS": f"-kernel inet_dist_use_interface {{127,0,0,1}} -kernel inet_dist_listen_min "
            f"{dist} -kernel inet_dist_listen_max {dist}",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_CONFIG_FILE": str(conf.with_suffix("")),
        }
        proc = ManagedProcess([server], env=env, log=base / "server.log")

        def stop() -> None:
            _run(["rabbitmqctl", "-n", node, "stop"], CTL_TIMEOUT_S, env)
            proc.stop()

        stack.enter_context(proc)
        stack.callback(stop)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _listening(AMQP_HOST, port):
            if proc.exited() or time.monotonic() > deadline:
                raise BenchError(f"RabbitMQ did not start on 127.0.0.1:{port}:\n{tail(proc.log)}")
            time.sleep(0.5)
        yield port, f"private rabbitmq-server node {node} on 127.0.0.1:{port}"


def _redis_keys(client: redis.Redis) -> set[bytes]:
    keys: set[bytes] = set()
    for pattern in JASMIN_KEYS:
        keys.update(client.scan_iter(match=pattern, count=1000))
    return keys


@contextmanager
def redis_cleanup() -> Iterator[None]:
    """Check the local Redis answers; afterwards delete the Jasmin keys (db 0) that were not there before."""
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=0, socket_timeout=10)
    try:
        client.ping()
        before = _redis_keys(client)
    except redis.RedisError as exc:
        client.close()
        raise BenchError(f"the local Redis ({REDIS_HOST}:{REDIS_PORT}) does not answer: {exc}") from exc
    try:
        yield
    finally:
        try:
            added = list(_redis_keys(client) - before)
            for start in range(0, len(added), 1000):
                client.delete(*added[start : start + 1000])
        finally:
            client.close()


def write_config(folder: Path, amqp: tuple[str, int, str], spec: Path) -> dict[str, int]:
    """jasmin.cfg in ``folder``: every listener on 127.0.0.1 and a free port; returns the ports."""
    ports = {name: free_port() for name in ("http", "jcli", "smpps", "smpps_pb", "cm", "router")}
    host, port, vhost = amqp
    store = folder / "store"
    store.mkdir()
    text = f"""
[smpp-server]
bind = 127.0.0.1
port = {ports["smpps"]}

[smpp-server-pb]
bind = 127.0.0.1
port = {ports["smpps_pb"]}

[smpp-server-pb-client]
host = 127.0.0.1
port = {ports["smpps_pb"]}

[client-management]
bind = 127.0.0.1
port = {ports["cm"]}
store_path = {store}

[router]
bind = 127.0.0.1
port = {ports["router"]}
store_path = {store}

[http-api]
bind = 127.0.0.1
port = {ports["http"]}
access_log = {folder / "log" / "http-accesslog.log"}

[jcli]
bind = 127.0.0.1
port = {ports["jcli"]}

[amqp-broker]
host = {host}
port = {port}
vhost = {vhost}
username = guest
password = guest
spec = {spec}

[redis-client]
host = {REDIS_HOST}
port = {REDIS_PORT}

[dlr]
dlr_lookup_retry_delay = {DLR_RETRY_DELAY_S}
"""
    (folder / "jasmin.cfg").write_text(text.lstrip())
    return ports


PROMPTS = (b"jcli : ", b"> ", b"Username: ", b"Password: ")


class JCli:
    """jCli over a plain TCP socket (telnet negotiation bytes and terminal echo are ignored)."""

    def __init__(self, port: int, timeout: float = 15.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout
        self.transcript: list[str] = []

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(b"quit\r\n")
        self.sock.close()

    def read_prompt(self, markers: tuple[bytes, ...] = PROMPTS) -> str:
        """Read until the answer ends with one of ``markers`` (a prompt)."""
        data = b""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
            text = re.sub(rb"\xff[\xfb-\xfe].|\xff[\xf0-\xfa]|\x1b\[[0-9;]*[A-Za-z]", b"", data)
            if text.rstrip(b"\x00").endswith(markers):
                return text.decode(errors="replace")
        raise BenchError(f"jCli: no prompt after {self.timeout:.0f}s; got {data[-300:]!r}")

    def send(self, line: str, secret: bool = False) -> str:
        self.sock.sendall(line.encode() + b"\r\n")
        answer = self.read_prompt()
        self.transcript.append(f"{'***' if secret else line} -> {answer.strip()[-200:]}")
        return answer

    def login(self, user: str, password: str) -> None:
        # Its first prompt comes only with the terminal size (telnet NAWS), which this client does not negotiate.
        self.read_prompt((b"Authentication required.\r\r\r\n\r\r\r\n", b"Username: "))
        self.send(user)
        answer = self.send(password, secret=True)
        if "jcli : " not in answer:
            raise BenchError(f"jCli login failed: {answer[-200:]!r}")

    def block(self, lines: list[str], expect: str) -> None:
        """Send an add/update block ending with ``ok``; BenchError unless the answer contains ``expect``."""
        answer = ""
        for line in lines:
            answer = self.send(line, secret=line.startswith("password "))
            if "Unknown" in answer or "Error" in answer or "error" in answer.lower().split("jcli")[0][-200:]:
                raise BenchError(f"jCli refused {line!r}: {answer.strip()[-300:]}")
        if expect not in answer:
            raise BenchError(f"jCli: expected {expect!r}, got {answer.strip()[-300:]!r}")


def configure(jcli_port: int, smsc_port: int, system_id: str, password: str) -> str:
    """Connector to the SMSC sink (started), group, user, default MT route; returns the transcript."""
    jcli = JCli(jcli_port)
    try:
        jcli.login(JCLI_USER, JCLI_PASSWORD)
        connector = ["smppccm -a", f"cid {CONNECTOR}", "host 127.0.0.1", f"port {smsc_port}"]
        connector += [f"username {system_id}", f"password {password}", "bind transceiver", "submit_throughput 0"]
        jcli.block([*connector, "ok"], "Successfully added")
        jcli.block(["group -a", "gid bench", "ok"], "Successfully added")
        user = ["user -a", f"username {USER}", f"password {USER_PASSWORD}", "gid bench", "uid bench", "ok"]
        jcli.block(user, "Successfully added")
        route = ["mtrouter -a", "type DefaultRoute", f"connector smppc({CONNECTOR})", "rate 0.00", "ok"]
        jcli.block(route, "Successfully added")
        answer = jcli.send(f"smppccm -1 {CONNECTOR}")
        if "Successfully" not in answer:
            raise BenchError(f"jCli could not start the connector: {answer.strip()[-300:]}")
    finally:
        jcli.close()
    return "\n".join(jcli.transcript)


@contextmanager
def running_jasmin(smsc_port: int, system_id: str, password: str, version: str = VERSION) -> Iterator[Jasmin]:
    """Jasmin ``version`` configured to deliver to the SMSC sink on ``smsc_port``; all undone on exit."""
    python = ensure_venv(version)
    spec = _amqp_spec(python)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sb-bench-jasmin-")))
        (folder / "log").mkdir()
        host, port, vhost, how = stack.enter_context(rabbitmq_vhost())
        stack.enter_context(redis_cleanup())
        ports = write_config(folder, (host, port, vhost), spec)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SWITCHBOARD_", "REDIS_URL", "AMQP_"))}
        env |= {"CONFIG_PATH": f"{folder}/", "LOG_PATH": str(folder / "log"), "ROOT_PATH": str(folder)}
        jasmind = str(venv_of(version) / "bin" / "jasmind.py")
        args = [str(python), jasmind, "-c", str(folder / "jasmin.cfg"), "--enable-dlr-thrower", "--enable-dlr-lookup"]
        process = stack.enter_context(ManagedProcess(args, env=env, log=folder / "jasmind.log"))
        http_url = f"http://127.0.0.1:{ports['http']}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.exited():
                raise BenchError(f"jasmind exited:\n{tail(process.log)}")
            try:
                if b"PONG" in httpx.get(f"{http_url}/ping", timeout=1.0).content and _listening(
                    "127.0.0.1", ports["jcli"]
                ):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"Jasmin's HTTP API did not answer in {START_TIMEOUT_S:.0f}s:\n{tail(process.log)}")
            time.sleep(0.2)
        transcript = configure(ports["jcli"], smsc_port, system_id, password)
        yield Jasmin(http_url, process, folder / "log", how, pids_named("beam.smp"), transcript)


# What a fresh jasmind logs at ERROR level on start: it looks for a saved configuration profile that does not exist.
STARTUP_NOISE = ("Config loading error", "Cannot load configuration from")


def log_summary(log_dir: Path, limit: int = 3) -> tuple[int, list[str], int]:
    """Jasmin's logs: how many ERROR lines, the first few (distinct), and how many DLR lookups missed their map."""
    count, misses = 0, 0
    first: list[str] = []
    for path in sorted(log_dir.glob("*.log")):
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            if "DLRMapNotFound" in line:
                misses += 1
            if " ERROR " in line and not any(expected in line for expected in STARTUP_NOISE):
                count += 1
                text = f"{path.name}: {line[:240]}"
                if len(first) < limit and all(text[:80] != seen[:80] for seen in first):
                    first.append(text)
    return count, first, misses
