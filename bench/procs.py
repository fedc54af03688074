"""Starting, watching and stopping the processes of a bench run (all on 127.0.0.1, all bounded in time)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from bench.config import PROJECT_ROOT
from bench.errors import BenchError

STOP_GRACE_S = 10.0
CLI_TIMEOUT_S = 90.0


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def switchboard_executable() -> str:
    """The ``switchboard`` console script next to this interpreter (the project's virtualenv)."""
    beside = Path(sys.executable).with_name("switchboard")
    if beside.exists():
        return str(beside)
    found = shutil.which("switchboard")
    if found is None:
        raise BenchError("the switchboard command is not installed in this environment")
    return found


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def log_problems(path: Path, limit: int = 3) -> tuple[int, list[str]]:
    """How many lines of a server log report an error or a traceback, and the first few of them."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return 0, []
    bad = [line for line in lines if " ERROR " in line or line.startswith(("ERROR", "Traceback"))]
    return len(bad), bad[:limit]


def run_command(args: list[str], env: dict[str, str], timeout: float = CLI_TIMEOUT_S) -> str:
    """Run a short command to completion and return its stdout; BenchError when it fails or hangs."""
    try:
        done = subprocess.run(
            args, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:  # subprocess.run has already killed it
        raise BenchError(f"{' '.join(args[:4])} ... did not finish in {timeout:.0f}s") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-600:]
        raise BenchError(f"{' '.join(args[:4])} ... exited {done.returncode}: {detail}")
    return done.stdout


class ManagedProcess:
    """A long-running child process, in its own session, stopped on exit (SIGTERM, then SIGKILL)."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path, grace: float = STOP_GRACE_S) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.grace = grace  # seconds between SIGTERM and SIGKILL
        self.killed = False
        self.proc: subprocess.Popen[bytes] | None = None
        self._terminated_at: float | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def exited(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def __enter__(self) -> ManagedProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.args,
                env=self.env,
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches only the bench, which then stops it
            )
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def terminate(self) -> None:
        """Send SIGTERM (once); stop() then waits what is left of the grace period."""
        if self.proc is not None and self.proc.poll() is None and self._terminated_at is None:
            self.proc.send_signal(signal.SIGTERM)
            self._terminated_at = time.monotonic()

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        self.terminate()
        assert self._terminated_at is not None
        try:
            proc.wait(timeout=max(0.0, self.grace - (time.monotonic() - self._terminated_at)))
        except subprocess.TimeoutExpired:
            self.killed = True
            proc.kill()
            proc.wait(timeout=STOP_GRACE_S)


def signal_all(processes: list[ManagedProcess]) -> None:
    """SIGTERM every running process at once (their own stop() then waits for each), so that several
    processes shut down in parallel rather than one after the other."""
    for process in processes:
        process.terminate()


def wait_healthy(url: str, process: ManagedProcess, timeout: float = 45.0) -> None:
    """Poll ``url`` until it answers 200; BenchError (with the log's tail) if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.exited():
            raise BenchError(f"{os.path.basename(process.args[0])} exited early:\n{tail(process.log)}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise BenchError(f"{url} not healthy after {timeout:.0f}s:\n{tail(process.log)}")
