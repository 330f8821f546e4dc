"""Driver failures become core errors: an outage or a statement timeout is a retryable 503."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from adapters.sql.engine import build_engine, build_sessionmaker, plan_connection
from adapters.sql.errors import translate_db_errors
from application.errors import StorageUnavailableError


@pytest.mark.postgres
async def test_a_statement_over_the_timeout_is_storage_unavailable(postgres_database: str) -> None:
    engine = build_engine(plan_connection(postgres_database, statement_timeout=0.2))
    try:
        async with build_sessionmaker(engine)() as session:
            with pytest.raises(StorageUnavailableError), translate_db_errors():
                await session.execute(text("SELECT pg_sleep(2)"))
    finally:
        await engine.dispose()


@pytest.mark.pgbouncer
async def test_behind_pgbouncer_the_client_side_timeout_applies(pgbouncer_database: str) -> None:
    engine = build_engine(
        plan_connection(pgbouncer_database, pgbouncer=True, statement_timeout=0.2)
    )
    try:
        async with build_sessionmaker(engine)() as session:
            with pytest.raises(StorageUnavailableError), translate_db_errors():
                await session.execute(text("SELECT pg_sleep(2)"))
    finally:
        await engine.dispose()


async def test_a_refused_connection_is_storage_unavailable() -> None:
    engine = build_engine(plan_connection("postgresql://u:pw@127.0.0.1:1/db", connect_timeout=2))
    try:
        async with build_sessionmaker(engine)() as session:
            with pytest.raises(StorageUnavailableError), translate_db_errors():
                await session.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def test_other_errors_pass_through_unchanged() -> None:
    engine = build_engine(plan_connection("sqlite+aiosqlite:///:memory:"))
    try:
        async with build_sessionmaker(engine)() as session:
            with pytest.raises(Exception, match="no such table"), translate_db_errors():
                await session.execute(text("SELECT * FROM missing"))
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_missing_database_is_storage_unavailable(postgres_database: str) -> None:
    url = postgres_database.rsplit("/", 1)[0] + "/no_such_database_here"
    engine = build_engine(plan_connection(url))
    try:
        async with build_sessionmaker(engine)() as session:
            with pytest.raises(StorageUnavailableError), translate_db_errors():
                await session.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_bug_in_sql_is_not_mistaken_for_an_outage(postgres_database: str) -> None:
    engine = build_engine(plan_connection(postgres_database))
    try:
        async with build_sessionmaker(engine)() as session:
            with pytest.raises(Exception, match="does not exist"), translate_db_errors():
                await session.execute(text("SELECT * FROM no_such_table"))
    finally:
        await engine.dispose()
