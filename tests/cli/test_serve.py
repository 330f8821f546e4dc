"""`todo serve` as a user runs it: a real server process, several workers, one database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from entrypoints.tokens import mint_token
from tests.served import SECRET, serving


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`todo serve --workers 2` on a SQLite file, until the test ends."""
    with serving(
        tmp_path, "--workers", "2", persistence="sql", database_url=f"sqlite:///{tmp_path / 's.db'}"
    ) as base:
        yield base


def test_serve_with_two_workers_serves_the_api(server: str) -> None:
    headers = {"Authorization": f"Bearer {mint_token(SECRET, 'alice', now=datetime.now(UTC))}"}
    with httpx.Client(base_url=server, headers=headers, timeout=5) as client:
        created = [client.post("/api/alice/tasks", json={"title": f"Task {n}"}) for n in range(6)]
        assert [response.status_code for response in created] == [201] * 6
        listed = client.get("/api/alice/tasks").json()
    assert sorted(task["title"] for task in listed) == [f"Task {n}" for n in range(6)]
