"""Start-up against the database: a schema behind the migrations is refused with one line
naming `todo db upgrade` (or migrated, under DB_AUTO_CREATE); an unreachable database is
waited for a bounded time, then served anyway with 503s until it is back, with no restart."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.sql.schema import SchemaBehindError, head_revision
from tests.api.conftest import running_api, settings_for
from tests.databases import (
    asyncpg_url,
    create_postgres_database,
    drop_postgres_database,
    postgres_host,
    postgres_port,
    postgres_user,
)
from tests.faults import FaultProxy
from tests.served import free_port

pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_database(postgres_database_name: str) -> Iterator[str]:
    """A fresh database with no tables (the session one has them)."""
    name = create_postgres_database()
    yield name
    drop_postgres_database(name)


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    fault = FaultProxy(postgres_host(), postgres_port())
    await fault.start()
    yield fault
    await fault.stop()


async def test_an_unmigrated_database_is_refused_naming_todo_db_upgrade(
    empty_database: str,
) -> None:
    settings = settings_for(persistence="sql", database_url=asyncpg_url(empty_database))
    with pytest.raises(SchemaBehindError, match="run `todo db upgrade`"):
        async with running_api(settings):
            pass


def test_todo_serve_refuses_it_in_one_line_with_status_2(
    empty_database: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "APP_ENV": "test",
        "AUTH_JWT_SECRET": "startup-test-secret-long-enough-for-hs256-0123456789",
        "DATABASE_URL": asyncpg_url(empty_database).replace("@", ":s3cret-pw@", 1),
        "PORT": str(free_port()),
    }
    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("todo:")]
    assert errors == [
        f"todo: schema behind: the database is not migrated, the code needs {head_revision()};"
        " run `todo db upgrade`"
    ]
    assert "Traceback" not in done.stderr
    assert "s3cret-pw" not in done.stderr + done.stdout


async def test_under_db_auto_create_it_is_migrated_instead(empty_database: str) -> None:
    settings = settings_for(
        persistence="sql", database_url=asyncpg_url(empty_database), db_auto_create=True
    )
    async with running_api(settings) as api:
        health = (await api.client.get("/health/db")).json()
        await api.create(title="On a database migrated at start-up")
    assert health["schema"] == head_revision()


async def test_an_unreachable_database_still_starts_and_recovers_without_a_restart(
    postgres_schema: str, proxy: FaultProxy
) -> None:
    database = postgres_schema.rsplit("/", 1)[1]
    await proxy.cut()
    settings = settings_for(
        persistence="sql",
        database_url=proxy.url(database, postgres_user()),
        db_startup_wait=0.3,
    )
    async with running_api(settings) as api:
        refused = await api.client.get(api.tasks, headers=api.auth())
        health = await api.client.get("/health/db")
        await proxy.restore()
        healthy = await api.client.get("/health/db")
        created = await api.client.post(api.tasks, json={"title": "Back"}, headers=api.auth())
    assert refused.status_code == 503
    assert int(refused.headers["Retry-After"]) > 0
    assert health.status_code == 503
    assert health.json()["error"] == "connection refused"
    assert healthy.status_code == 200
    assert created.status_code == 201


async def test_a_database_waking_up_is_waited_for(postgres_schema: str, proxy: FaultProxy) -> None:
    database = postgres_schema.rsplit("/", 1)[1]
    await proxy.cut()
    settings = settings_for(
        persistence="sql",
        database_url=proxy.url(database, postgres_user()),
        db_startup_wait=10,
    )

    async def wake_up() -> None:
        await asyncio.sleep(0.8)
        await proxy.restore()

    waking = asyncio.create_task(wake_up())
    started = time.monotonic()
    async with running_api(settings) as api:
        took = time.monotonic() - started
        health = await api.client.get("/health/db")
    await waking
    assert 0.8 <= took < 5
    assert health.status_code == 200
