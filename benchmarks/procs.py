"""Starting, watching and stopping the processes a benchmark run needs.

A :class:`Server` is one service (or the replay server) started as production starts it:
``python -m <package>`` from its directory, settings in the environment, on a free
loopback port. The environment is built from scratch (plus ``PATH``, ``HOME``, locale),
so a variable set in the caller's shell cannot change what is measured. Memory and CPU
are summed over the process and all its descendants (pool workers, the
multiprocessing resource tracker).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Sequence

import psutil

from inference_testing.harness import free_port

__all__ = ["Server", "ServerFailed", "free_port", "base_env", "machine_busy"]

_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "TZ")


def base_env() -> dict[str, str]:
    return {key: os.environ[key] for key in _PASSED_ENV if key in os.environ}


class ServerFailed(RuntimeError):
    pass


class Server:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: dict[str, str],
        port: int,
        ready_path: str,
        log_dir: Path,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.cwd = cwd
        self.env = {**base_env(), **env}
        # the caller's PYTHONPATH after the service's own (e.g. a worktree's
        # inference_common ahead of the one installed in the service's environment)
        given = os.environ.get("PYTHONPATH")
        if given:
            self.env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), given) if p)
        self.port = port
        self.ready_path = ready_path
        self.log_path = log_dir / f"{name}.log"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.popen: subprocess.Popen | None = None
        self.process: psutil.Process | None = None
        self._known: dict[int, psutil.Process] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 240.0) -> "Server":
        log = self.log_path.open("w")
        self.popen = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.process = psutil.Process(self.popen.pid)
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}{self.ready_path}"
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise ServerFailed(
                    f"{self.name} exited with {self.popen.returncode}: {self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerFailed(f"{self.name} not ready after {timeout:.0f}s: {self.log_tail()}")

    def stop(self) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                pass
        # Whatever of its own session is left (pool workers of a server that hung on exit):
        # the group id is the pid of the process this object started.
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.popen = None

    def exit_status(self) -> str | None:
        """None while the server runs; else how it ended ("killed by SIGSEGV", "exit 1")."""
        if self.popen is None or self.popen.poll() is None:
            return None
        code = self.popen.returncode
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit {code}"

    def log_tail(self, lines: int = 8) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:])

    # -- measurements ----------------------------------------------------------------------

    def processes(self) -> list[psutil.Process]:
        if self.process is None:
            return []
        try:
            found = [self.process] + self.process.children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        for proc in found:  # keep the same Process objects (cpu_times of dead ones stay)
            self._known.setdefault(proc.pid, proc)
        return [self._known[proc.pid] for proc in found]

    def rss(self) -> int:
        total = 0
        for proc in self.processes():
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def pss(self) -> int:
        """Proportional set size of the process tree, bytes (``/proc/<pid>/smaps_rollup``):
        a page shared by n of its processes counts 1/n in each, so the sum counts it once."""
        total = 0
        for proc in self.processes():
            try:
                with open(f"/proc/{proc.pid}/smaps_rollup") as handle:
                    for line in handle:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1]) * 1024
                            break
            except OSError:
                pass
        return total

    def cpu(self) -> float:
        """CPU seconds (user + system) of the process tree so far."""
        total = 0.0
        for proc in self.processes():
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def main_cpu(self) -> float:
        """CPU seconds of the started process alone (without pool workers)."""
        if self.process is None:
            return 0.0
        try:
            times = self.process.cpu_times()
        except psutil.NoSuchProcess:
            return 0.0
        return times.user + times.system

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_count(self, since: int, needle: str) -> int:
        """Occurrences of ``needle`` in the log written after offset ``since``."""
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(since)
                return handle.read().decode("utf-8", "replace").count(needle)
        except OSError:
            return 0

    def pids(self) -> list[int]:
        return [proc.pid for proc in self.processes()]


def machine_busy() -> float:
    """CPU seconds all processors have spent not idle since boot (from /proc/stat)."""
    with open("/proc/stat") as handle:
        fields = handle.readline().split()[1:]
    values = [int(x) for x in fields] + [0] * 10
    # user nice system idle iowait irq softirq steal ...: guest time is inside user already
    busy = values[0] + values[1] + values[2] + values[5] + values[6]
    return busy / os.sysconf("SC_CLK_TCK")
