"""One fixture, four adapters: every contract test runs unchanged against each of them."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.sql.engine import build_engine, create_schema, plan_connection
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.ports import UnitOfWork
from tests.factories import new_user_id

DATA_VERBS = ("INSERT", "SELECT", "UPDATE", "DELETE", "WITH")


@dataclass
class Harness:
    """How a test reaches an adapter: fresh units of work, and the SQL statements sent."""

    name: str
    make_uow: Callable[..., UnitOfWork]
    statements: list[str] = field(default_factory=list)

    def new_uow(self, *, single_write: bool = False) -> UnitOfWork:
        return self.make_uow(single_write=single_write)

    @property
    def is_sql(self) -> bool:
        return self.name != "memory"

    def data_statements(self) -> list[str]:
        """Statements sent since the last reset that read or write rows."""
        return [s for s in self.statements if s.lstrip().upper().startswith(DATA_VERBS)]

    def reset_count(self) -> None:
        self.statements.clear()


ADAPTERS = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("pgbouncer", marks=pytest.mark.pgbouncer),
    # Neon's shape: TLS to the pooler, the URL as Neon's console shows it.
    pytest.param("pgbouncer-tls", marks=pytest.mark.pgbouncer),
]


@pytest.fixture(params=ADAPTERS)
def adapter(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """The adapter's name and, for SQL ones, the URL of a database that has the schema."""
    name: str = request.param
    if name == "memory":
        return name, ""
    if name == "sqlite":
        return name, f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}"
    url: str = request.getfixturevalue("postgres_schema")
    if name == "pgbouncer":
        url = request.getfixturevalue("pgbouncer_database")
    if name == "pgbouncer-tls":
        url = request.getfixturevalue("pgbouncer_tls").neon_url()
    return name, url


@pytest.fixture
async def harness(adapter: tuple[str, str]) -> AsyncIterator[Harness]:
    name, url = adapter
    if name == "memory":
        store = InMemoryStore()
        yield Harness(name, functools.partial(InMemoryUnitOfWork, store))
        return
    plan = plan_connection(url, pgbouncer=name.startswith("pgbouncer"))
    engine = build_engine(plan)
    if name == "sqlite":
        await create_schema(engine)
    harness = Harness(name, functools.partial(SqlUnitOfWork, engine, pgbouncer=plan.pgbouncer))

    def record(*args: Any) -> None:
        harness.statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield harness
    await engine.dispose()


@pytest.fixture
def user_id() -> str:
    return new_user_id()
