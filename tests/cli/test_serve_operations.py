"""`todo serve --workers 2 --access-log` as an operator runs it: `/metrics` adds up every
worker's counts, and each request leaves one JSON access line with its request id."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from entrypoints.tokens import mint_token
from tests.served import free_port

SECRET = "serve-ops-secret-long-enough-for-hs256-0123456789"
REQUESTS = 24


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The server's base URL and the file its log goes to."""
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "AUTH_JWT_SECRET": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "PORT": str(port),
        "LOG_FORMAT": "json",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "entrypoints.cli", "serve", "--workers", "2", "--access-log"]
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603  (our own CLI, fixed arguments)
            command, cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base, process)
            yield base, log
        finally:
            process.terminate()
            process.wait(timeout=20)


def _wait_for(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        if process.poll() is not None:
            pytest.fail("the server exited")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("the server did not start")


COUNTED = re.compile(
    r'todo_http_requests_total\{method="POST",route="/api/\{user_id\}/tasks",status="201"\}'
    r" (\S+)"
)


def posted_count(metrics: str) -> float:
    found = COUNTED.search(metrics)
    return 0.0 if found is None else float(found.group(1))


def settled_scrape(client: httpx.Client) -> str:
    deadline = time.monotonic() + 3
    metrics = client.get("/metrics").text
    while posted_count(metrics) < REQUESTS and time.monotonic() < deadline:
        time.sleep(0.05)
        metrics = client.get("/metrics").text
    return metrics


def both_workers_up(client: httpx.Client) -> None:
    """The first worker may answer while the second still starts (each builds its app)."""
    deadline = time.monotonic() + 30
    while worker_count(client.get("/metrics").text) < 2:
        if time.monotonic() > deadline:
            pytest.fail("the second worker did not start")
        time.sleep(0.1)


def _requests_lines(metrics: str) -> str:
    return "\n".join(line for line in metrics.splitlines() if "requests_total" in line)


def worker_count(metrics: str) -> int:
    return len(set(re.findall(r'todo_worker_up\{pid="(\d+)"\} 1\.0', metrics)))


def test_metrics_add_up_every_worker_and_access_lines_carry_request_ids(
    served: tuple[str, Path],
) -> None:
    base, log = served
    token = mint_token(SECRET, "alice", now=datetime.now(UTC))
    headers = {"Authorization": f"Bearer {token}"}
    # A connection per request (no keep-alive), so the kernel spreads them over the workers.
    fresh = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=base, headers=headers, timeout=5, limits=fresh) as client:
        both_workers_up(client)
        for number in range(REQUESTS):
            sent = {"X-Request-ID": f"req-{number}"}
            response = client.post("/api/alice/tasks", json={"title": f"T{number}"}, headers=sent)
            assert response.status_code == 201
        # Whichever worker answers, the sum is every worker's (a request is counted just
        # after its response is sent, so a scrape may briefly lag the last one).
        scrapes = [settled_scrape(client) for _ in range(4)]

    for metrics in scrapes:
        assert posted_count(metrics) == REQUESTS, _requests_lines(metrics)
        assert worker_count(metrics) == 2
    access = [
        json.loads(line)
        for line in log.read_text().splitlines()
        if line.startswith("{") and '"todo.access"' in line
    ]
    posted = {line["request_id"] for line in access if line["method"] == "POST"}
    assert posted == {f"req-{number}" for number in range(REQUESTS)}
    assert {line["route"] for line in access if line["method"] == "POST"} == {
        "/api/{user_id}/tasks"
    }
