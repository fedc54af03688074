"""Kannel (Debian ``kannel``: bearerbox + smsbox) as a peer for the "kannel" scenario, on 127.0.0.1.

- the Debian package is installed with ``apt-get install -y kannel`` when ``bearerbox`` is missing (the project's
  ``kannel-extras``, the test SMSC of the test suite, depends on it, so it is usually there);
- one configuration file is generated into a temporary folder: bearerbox with one SMPP transceiver to the SMSC
  sink (``max-pending-submits`` = the window of Switchboard's binds, no throughput limit), in-memory DLR storage
  and no message store (Kannel's default), and smsbox with its HTTP ``sendsms`` interface, one send user allowed
  10 parts per message (concatenation on) and a default sender; every listener on 127.0.0.1 on a free port;
- DLRs: each request asks for the terminal ones (``dlr-mask`` 3: delivered or failed) fetched from the push
  receiver's URL, which carries the load generator's own id (Kannel answers a send with no id) and the SMSC's.

No Kannel code or configuration is written into the repository.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError
from bench.procs import ManagedProcess, free_port, tail

USER = "bench"
USER_PASSWORD = "bench-kannel"  # noqa: S105 (a throw-away send user of a loopback-only gateway)
WINDOW = 10  # max-pending-submits: the same window as each of Switchboard's SMPP binds in "deliver"
START_TIMEOUT_S = 30.0


@dataclass
class Kannel:
    http_url: str  # smsbox's sendsms interface
    bearerbox: ManagedProcess
    smsbox: ManagedProcess
    folder: Path

    @property
    def pids(self) -> dict[str, int]:
        return {"bearerbox": self.bearerbox.pid, "smsbox": self.smsbox.pid}


def version() -> str:
    """The installed Kannel's version as bearerbox prints it (``1.4.5``), or "unknown"."""
    try:
        out = subprocess.run(
            [_binary("bearerbox"), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired, BenchError):
        return "unknown"
    for line in (out.stdout + out.stderr).splitlines():
        if "bearerbox version" in line:
            return line.split("`")[1].split("'")[0] if "`" in line else line.strip()
    return "unknown"


def _binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path is None:
        raise BenchError(f"{name} is not installed")
    return path


def ensure_installed() -> None:
    if shutil.which("bearerbox", path="/usr/sbin:/usr/bin") and shutil.which("smsbox", path="/usr/sbin:/usr/bin"):
        return
    result = subprocess.run(
        ["apt-get", "install", "-y", "-q", "kannel"], capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0 or not shutil.which("bearerbox"):
        raise BenchError(f"Kannel is not installed and apt-get could not install it:\n{result.stderr[-800:]}")


def write_config(folder: Path, smsc_port: int, system_id: str, password: str) -> dict[str, int]:
    ports = {"admin": free_port(), "smsbox": free_port(), "http": free_port()}
    config = f"""
group = core
admin-port = {ports["admin"]}
admin-password = {USER_PASSWORD}
admin-interface = 127.0.0.1
admin-allow-ip = 127.0.0.1
smsbox-port = {ports["smsbox"]}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = {folder}/bearerbox.log
log-level = 1
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = sink
host = 127.0.0.1
port = {smsc_port}
transceiver-mode = true
smsc-username = {system_id}
smsc-password = {password}
system-type = ""
max-pending-submits = {WINDOW}

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {ports["smsbox"]}
sendsms-port = {ports["http"]}
sendsms-interface = 127.0.0.1
log-file = {folder}/smsbox.log
log-level = 1

group = sendsms-user
username = {USER}
password = {USER_PASSWORD}
max-messages = 10
concatenation = true
default-sender = 12345
"""
    (folder / "kannel.conf").write_text(config)
    return ports


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_listening(process: ManagedProcess, port: int, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _listening(port):
        if process.exited():
            raise BenchError(f"{what} exited:\n{tail(process.log)}")
        if time.monotonic() > deadline:
            raise BenchError(f"{what} did not listen on {port} in {START_TIMEOUT_S:.0f}s:\n{tail(process.log)}")
        time.sleep(0.2)


@contextmanager
def running_kannel(smsc_port: int, system_id: str, password: str) -> Iterator[Kannel]:
    """bearerbox and smsbox configured to deliver to the SMSC sink on ``smsc_port``; stopped on exit."""
    ensure_installed()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sb-bench-kannel-")))
        ports = write_config(folder, smsc_port, system_id, password)
        conf = str(folder / "kannel.conf")
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
        bearerbox = stack.enter_context(ManagedProcess([_binary("bearerbox"), conf], env=env, log=folder / "bb.out"))
        _wait_listening(bearerbox, ports["smsbox"], "bearerbox")
        smsbox = stack.enter_context(ManagedProcess([_binary("smsbox"), conf], env=env, log=folder / "smsbox.out"))
        _wait_listening(smsbox, ports["http"], "smsbox")
        yield Kannel(f"http://127.0.0.1:{ports['http']}", bearerbox, smsbox, folder)


LOST_DLR = "got DLR but could not find message"  # a receipt that overtook the submit_sm_resp: dropped


def log_errors(folder: Path, limit: int = 3) -> tuple[int, list[str], int]:
    """ERROR and PANIC lines of bearerbox's and smsbox's logs, the first few, and how many of them are receipts
    bearerbox dropped because they arrived before it had stored the message's DLR entry."""
    count, lost, first = 0, 0, []
    for name in ("bearerbox.log", "smsbox.log"):
        try:
            lines = (folder / name).read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            if " ERROR: " in line or " PANIC: " in line:
                count += 1
                lost += LOST_DLR in line
                if len(first) < limit:
                    first.append(f"{name}: {line[:240]}")
    return count, first, lost
