"""Shared fixtures.

Database fixtures (session-scoped, synchronous, return SQLAlchemy URLs):

- ``postgres_database``: a fresh PostgreSQL database, created once per session, dropped at the end.
- ``pgbouncer_database``: the same database through a private PgBouncer in transaction mode.

Without PostgreSQL (or the pgbouncer binary) they skip, or fail when ``CI=true``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from adapters.sql.engine import build_engine, create_schema, plan_connection
from tests.databases import (
    PgBouncer,
    asyncpg_url,
    create_postgres_database,
    drop_postgres_database,
    find_pgbouncer,
    postgres_available,
)


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _unavailable(reason: str) -> None:
    if _running_in_ci():
        pytest.fail(f"{reason} (required because CI=true)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_database_name() -> Iterator[str]:
    """Name of a fresh database on the test PostgreSQL server."""
    if not postgres_available():
        _unavailable("PostgreSQL is not reachable (see TEST_POSTGRES_HOST/PORT/USER)")
    name = create_postgres_database()
    yield name
    drop_postgres_database(name)


@pytest.fixture(scope="session")
def postgres_database(postgres_database_name: str) -> str:
    """``postgresql+asyncpg://`` URL of the fresh session database."""
    return asyncpg_url(postgres_database_name)


@pytest.fixture(scope="session")
def pgbouncer_database(postgres_database_name: str) -> Iterator[str]:
    """URL of the session database through PgBouncer (``pool_mode = transaction``).

    Engines need ``prepared_statement_cache_size=0`` and unique prepared statement
    names; see ``tests/test_databases_fixture.py``.
    """
    if find_pgbouncer() is None:
        _unavailable("pgbouncer binary not found (apt-get install pgbouncer)")
    with PgBouncer(postgres_database_name) as bouncer:
        yield bouncer.url


@pytest.fixture(scope="session")
def postgres_schema(postgres_database: str) -> str:
    """The session database with the service's tables, for tests that need a schema."""
    asyncio.run(_create_schema(postgres_database))
    return postgres_database


async def _create_schema(url: str) -> None:
    engine = build_engine(plan_connection(url))
    await create_schema(engine)
    await engine.dispose()
