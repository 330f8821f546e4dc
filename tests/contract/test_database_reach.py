"""Against the real server: libpq URL parameters reach PostgreSQL as libpq would send them,
and each way of failing to reach it is told apart by the health check."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from adapters.sql.engine import build_engine, plan_connection
from adapters.sql.gate import ConnectionGate
from adapters.sql.health import SqlDatabaseHealth
from tests.databases import postgres_host, postgres_port, postgres_user

pytestmark = pytest.mark.postgres


async def test_query_parameters_reach_postgresql(postgres_database_name: str) -> None:
    url = (
        f"postgresql:///ignored?host={postgres_host()}&port={postgres_port()}"
        f"&user={postgres_user()}&dbname={postgres_database_name}"
        "&application_name=todo-url-test&options=-c%20search_path%3Dtodo_elsewhere,public"
        "&connect_timeout=5&sslmode=disable"
    )
    engine = build_engine(plan_connection(url))
    try:
        async with engine.connect() as connection:
            said = (
                await connection.execute(
                    text(
                        "SELECT current_database(), current_user,"
                        " current_setting('application_name'), current_setting('search_path')"
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    assert tuple(said) == (
        postgres_database_name,
        postgres_user(),
        "todo-url-test",
        "todo_elsewhere,public",
    )


def _url(database: str, *, user: str | None = None, host: str | None = None) -> str:
    return (
        f"postgresql://{user or postgres_user()}:s3cret-pw@{host or postgres_host()}"
        f":{postgres_port()}/{database}"
    )


CAUSES: dict[str, tuple[Callable[[str], str], str]] = {
    "refused": (lambda db: f"postgresql://u:s3cret-pw@127.0.0.1:1/{db}", "connection refused"),
    "unknown host": (lambda db: _url(db, host="no-such-host.invalid"), "host not found"),
    "TLS refused": (lambda db: _url(db) + "?sslmode=require", "TLS refused"),
    "unknown role": (lambda db: _url(db, user="no_such_role_here"), "authentication failed"),
    "missing database": (lambda _: _url("no_such_database_here"), "database missing"),
}


@pytest.mark.parametrize("cause", CAUSES.values(), ids=CAUSES.keys())
async def test_health_tells_each_cause_apart(
    postgres_database_name: str, cause: tuple[Callable[[str], str], str]
) -> None:
    make_url, reason = cause
    engine = build_engine(plan_connection(make_url(postgres_database_name), connect_timeout=3))
    try:
        report = await SqlDatabaseHealth(engine, ConnectionGate(), timeout=5).check()
    finally:
        await engine.dispose()
    assert (report.healthy, report.connected, report.error) == (False, False, reason)
