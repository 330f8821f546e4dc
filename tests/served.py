"""A real `todo serve` process for tests that need the service over the network (a browser, a
shell script), on a free port, in-memory unless told otherwise."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

SECRET = "served-test-secret-long-enough-for-hs256-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(cwd: Path, *options: str, **settings: str) -> Iterator[str]:
    """`todo serve [options]` with APP_ENV=test, the test secret, PERSISTENCE=memory and
    `settings` (environment names, upper-cased); yields its base URL once `/health` answers."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "AUTH_JWT_SECRET": SECRET,
        "PERSISTENCE": "memory",
        "PORT": str(port),
        **{name.upper(): value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "entrypoints.cli", "serve", *options]
    log = (cwd / "serve.log").open("w")
    process = subprocess.Popen(  # noqa: S603  (our own CLI, fixed arguments)
        command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process, cwd / "serve.log")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_for(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(200):
        if process.poll() is not None:
            pytest.fail(f"todo serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    pytest.fail(f"todo serve did not start: {log.read_text()[-2000:]}")
