"""A serialization failure or a deadlock (SQLSTATE 40001, 40P01) runs the whole unit of work
again, a bounded number of times: the unit's first statement inside the SQL adapter (it is
the whole unit at that point), any later one through `run_in_unit` at the edge.

The database raises the conflict on demand: a function that fails with the given SQLSTATE
the first `n` times it is called (a sequence counts the calls, whatever rolls back)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import build_engine, plan_connection
from adapters.sql.unit_of_work import CONFLICT_ATTEMPTS, SqlUnitOfWork
from application.errors import StorageConflictError
from application.ports import UnitOfWork
from application.units import run_in_unit

pytestmark = pytest.mark.postgres


@dataclass
class Conflicts:
    engine: AsyncEngine
    name: str

    def uow(self, *, single_write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, single_write=single_write)

    def call(self, failures: int, sqlstate: str = "40001") -> str:
        """SQL that conflicts (`sqlstate`) the first `failures` times it runs."""
        return f"SELECT {self.name}({failures}, '{sqlstate}')"

    @property
    def log_row(self) -> str:
        return f"INSERT INTO {self.name}_log VALUES (1)"  # noqa: S608  (a name made here)

    @property
    def count_rows(self) -> str:
        return f"SELECT count(*) FROM {self.name}_log"  # noqa: S608  (a name made here)

    async def rows(self) -> int:
        async with self.engine.connect() as connection:
            return int((await connection.execute(text(self.count_rows))).scalar_one())


@pytest.fixture
async def conflicts(postgres_schema: str) -> AsyncIterator[Conflicts]:
    engine = build_engine(plan_connection(postgres_schema))
    name = f"conflict_{uuid.uuid4().hex[:12]}"
    async with engine.begin() as connection:
        await connection.execute(text(f"CREATE SEQUENCE {name}_calls"))
        await connection.execute(text(f"CREATE TABLE {name}_log (n int)"))
        await connection.execute(
            text(
                f"CREATE FUNCTION {name}(failures int, state text) RETURNS int LANGUAGE plpgsql"
                f" AS $$ BEGIN IF nextval('{name}_calls') <= failures THEN"
                " RAISE EXCEPTION 'conflict' USING ERRCODE = state; END IF; RETURN 1; END $$"
            )
        )
    yield Conflicts(engine, name)
    async with engine.begin() as connection:
        for dropped in (f"FUNCTION {name}", f"TABLE {name}_log", f"SEQUENCE {name}_calls"):
            await connection.execute(text(f"DROP {dropped}"))
    await engine.dispose()


@pytest.mark.parametrize("single_write", [True, False], ids=["autocommit", "transaction"])
@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
async def test_a_first_statement_is_run_again_after_a_conflict(
    conflicts: Conflicts, single_write: bool, sqlstate: str
) -> None:
    async with conflicts.uow(single_write=single_write) as uow:
        result = await uow.execute(text(conflicts.call(CONFLICT_ATTEMPTS - 1, sqlstate)))
        assert result.scalar_one() == 1


async def test_a_conflict_that_persists_is_storage_conflict_after_bounded_attempts(
    conflicts: Conflicts,
) -> None:
    with pytest.raises(StorageConflictError):
        async with conflicts.uow() as uow:
            await uow.execute(text(conflicts.call(CONFLICT_ATTEMPTS)))


async def test_a_later_statement_runs_the_whole_unit_again_at_the_edge(
    conflicts: Conflicts,
) -> None:
    runs = 0

    async def work(uow: UnitOfWork) -> None:
        nonlocal runs
        runs += 1
        assert isinstance(uow, SqlUnitOfWork)
        await uow.execute(text(conflicts.log_row))
        await uow.execute(text(conflicts.call(1)))

    await run_in_unit(conflicts.uow, work)
    assert runs == 2
    assert await conflicts.rows() == 1  # the first run's insert was undone with it


async def test_the_edge_gives_up_after_bounded_attempts(conflicts: Conflicts) -> None:
    async def work(uow: UnitOfWork) -> None:
        assert isinstance(uow, SqlUnitOfWork)
        await uow.execute(text(conflicts.log_row))
        await uow.execute(text(conflicts.call(100)))

    with pytest.raises(StorageConflictError):
        await run_in_unit(conflicts.uow, work, attempts=2)
    assert await conflicts.rows() == 0
