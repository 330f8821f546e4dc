"""Shared fixtures.

Database fixtures (session-scoped, synchronous, return SQLAlchemy URLs):

- ``postgres_database``: a fresh PostgreSQL database, created once per session, dropped at the end.
- ``pgbouncer_database``: the same database through a private PgBouncer in transaction mode.
- ``redis_url``: the test Redis (``TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/0``).

Without PostgreSQL (or the pgbouncer binary, or Redis) they skip, or fail when ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from adapters.sql import migrate
from tests.databases import (
    PgBouncer,
    asyncpg_url,
    create_postgres_database,
    drop_postgres_database,
    find_pgbouncer,
    postgres_available,
)
from tests.pgbouncer_tls import TlsPgBouncer


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
def pgbouncer_tls(postgres_database_name: str) -> Iterator[TlsPgBouncer]:
    """The session database through a PgBouncer that requires TLS (a certificate made for
    the run): Neon's `-pooler` shape. Its `neon_url()` is the URL as Neon shows it."""
    if find_pgbouncer() is None:
        _unavailable("pgbouncer binary not found (apt-get install pgbouncer)")
    if shutil.which("openssl") is None:
        _unavailable("openssl not found (apt-get install openssl)")
    with TlsPgBouncer(postgres_database_name) as bouncer:
        yield bouncer


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the test Redis server, checked to be listening."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        _unavailable(f"Redis is not reachable at {host}:{port} (see TEST_REDIS_URL)")
    return url


@pytest.fixture(scope="session")
def postgres_schema(postgres_database: str) -> str:
    """The session database with the service's tables, for tests that need a schema:
    migrated to the head (the app refuses to start on a database behind it)."""
    migrate.upgrade(postgres_database)
    return postgres_database
