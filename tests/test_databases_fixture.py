"""The database fixtures hand out working URLs for the session's own throw-away database."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.mark.postgres
async def test_postgres_database_is_the_sessions_own_and_reachable(
    postgres_database: str,
) -> None:
    expected = make_url(postgres_database).database
    assert expected is not None
    assert expected.startswith("todo_test_")
    engine = create_async_engine(postgres_database)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT current_database()")) == expected
    finally:
        await engine.dispose()


@pytest.mark.pgbouncer
async def test_pgbouncer_database_works_in_transaction_mode(
    pgbouncer_database: str, postgres_database: str
) -> None:
    expected = make_url(postgres_database).database
    assert make_url(pgbouncer_database).port != make_url(postgres_database).port
    # PgBouncer 1.18 in transaction mode cannot track prepared statements: no
    # statement cache, and unique names so server connections never clash.
    engine = create_async_engine(
        make_url(pgbouncer_database).update_query_dict({"prepared_statement_cache_size": "0"}),
        connect_args={
            "statement_cache_size": 0,
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
        },
    )
    try:
        for _ in range(2):
            async with engine.begin() as conn:
                assert await conn.scalar(text("SELECT current_database()")) == expected
        async with engine.connect() as first, engine.connect() as second:
            for conn in (first, second, first):
                assert await conn.scalar(text("SELECT current_database()")) == expected
    finally:
        await engine.dispose()
