"""Start a real `kg serve` for tests, as its own process, and stop it by PID."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(str):
    """The base URL of a running server; `pid` is its process, for reading its memory use."""

    pid: int

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory so far (Linux /proc), in megabytes."""
        with open(f"/proc/{self.pid}/status", encoding="ascii") as handle:
            line = next(x for x in handle if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024


@contextmanager
def running_server(kb: str, env: dict[str, str] | None = None, timeout: float = 120, args: tuple[str, ...] = ()):
    """Yield the base URL (a `Server`) of a `kg serve` on a free loopback port; stop it afterwards."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--kb", str(kb), "--port", str(port), *args],
                               env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = Server(f"http://127.0.0.1:{port}")
    base.pid = process.pid
    deadline = time.monotonic() + timeout
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"kg serve exited: {process.stdout.read().decode(errors='replace')[-2000:]}")
            try:
                headers = {"Authorization": f"Bearer {env['KG_ACCESS_TOKEN']}"} if env and env.get("KG_ACCESS_TOKEN") else {}
                urllib.request.urlopen(urllib.request.Request(base + "/api/health", headers=headers), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("kg serve did not start in time") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
