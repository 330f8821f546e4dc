"""Driver failures become core errors: an outage or a statement timeout is a retryable 503,
while a bug in SQL stays a bug."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from adapters.sql.engine import build_engine, plan_connection
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.errors import StorageUnavailableError


async def run_translated(url: str, sql: str, **plan: Any) -> None:
    """Run one statement in a unit of work on a fresh engine for `url`."""
    connection_plan = plan_connection(url, **plan)
    engine = build_engine(connection_plan)
    try:
        async with SqlUnitOfWork(engine, pgbouncer=connection_plan.pgbouncer) as uow:
            await uow.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_statement_over_the_timeout_is_storage_unavailable(postgres_database: str) -> None:
    with pytest.raises(StorageUnavailableError):
        await run_translated(postgres_database, "SELECT pg_sleep(2)", statement_timeout=0.2)


@pytest.mark.pgbouncer
async def test_behind_pgbouncer_the_client_side_timeout_applies(pgbouncer_database: str) -> None:
    with pytest.raises(StorageUnavailableError):
        await run_translated(
            pgbouncer_database, "SELECT pg_sleep(2)", pgbouncer=True, statement_timeout=0.2
        )


async def test_a_refused_connection_is_storage_unavailable() -> None:
    with pytest.raises(StorageUnavailableError):
        await run_translated("postgresql://u:pw@127.0.0.1:1/db", "SELECT 1", connect_timeout=2)


@pytest.mark.postgres
async def test_a_missing_database_is_storage_unavailable(postgres_database: str) -> None:
    url = postgres_database.rsplit("/", 1)[0] + "/no_such_database_here"
    with pytest.raises(StorageUnavailableError):
        await run_translated(url, "SELECT 1")


@pytest.mark.postgres
async def test_a_bug_in_sql_is_not_mistaken_for_an_outage(postgres_database: str) -> None:
    with pytest.raises(Exception, match="does not exist"):
        await run_translated(postgres_database, "SELECT * FROM no_such_table")


async def test_a_bug_in_sql_on_sqlite_passes_through_unchanged() -> None:
    with pytest.raises(Exception, match="no such table"):
        await run_translated("sqlite+aiosqlite:///:memory:", "SELECT * FROM missing")
