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


@contextmanager
def running_server(kb: str, env: dict[str, str] | None = None, timeout: float = 120):
    """Yield the base URL of a `kg serve` on a free loopback port; stop it afterwards."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--kb", str(kb), "--port", str(port)],
                               env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
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
