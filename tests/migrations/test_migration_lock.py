"""Replicas that start together and all migrate (DB_AUTO_CREATE), or two `todo db upgrade`
runs, take turns on a PostgreSQL advisory lock instead of racing to create the same tables."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sql import migrate
from adapters.sql.schema import head_revision
from tests.databases import asyncpg_url, create_postgres_database, drop_postgres_database

REPLICAS = 4


@pytest.fixture
def empty_postgres_url(postgres_database_name: str) -> Iterator[str]:
    name = create_postgres_database()
    try:
        yield asyncpg_url(name)
    finally:
        drop_postgres_database(name)


@pytest.mark.postgres
def test_replicas_migrating_at_once_all_succeed(empty_postgres_url: str, tmp_path: Path) -> None:
    """Processes, as replicas are (Alembic's `context` is one per process)."""
    env = {**os.environ, "DATABASE_URL": empty_postgres_url}
    replicas = [
        subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "db", "upgrade"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(REPLICAS)
    ]
    failures = [replica.communicate(timeout=60)[1] for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0] * REPLICAS, failures
    assert migrate.current(empty_postgres_url) == head_revision()
