"""`todo serve` as a user runs it: a real server process, several workers, one database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from entrypoints.tokens import mint_token

SECRET = "serve-test-secret-long-enough-for-hs256-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`todo serve --workers 2` on a SQLite file, until the test ends."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "AUTH_JWT_SECRET": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "PORT": str(port),
    }
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--workers", "2"]
    process = subprocess.Popen(  # noqa: S603  (our own CLI, fixed arguments)
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        assert process.stdout is not None
        process.stdout.close()


def test_serve_with_two_workers_serves_the_api(server: str) -> None:
    headers = {"Authorization": f"Bearer {mint_token(SECRET, 'alice', now=datetime.now(UTC))}"}
    with httpx.Client(base_url=server, headers=headers, timeout=5) as client:
        created = [client.post("/api/alice/tasks", json={"title": f"Task {n}"}) for n in range(6)]
        assert [response.status_code for response in created] == [201] * 6
        listed = client.get("/api/alice/tasks").json()
    assert sorted(task["title"] for task in listed) == [f"Task {n}" for n in range(6)]
