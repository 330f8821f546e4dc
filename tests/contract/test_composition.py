"""Use cases compose: several share one unit, savepoints undo one step, re-entry is refused,
and ids are never handed out twice. Every adapter is held to the same standard."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from application.listing import TaskFilter, TaskSort
from application.ports import UnitOfWork
from application.tasks import create_task, delete_task, get_task, list_tasks, update_task
from domain.errors import InvalidTaskError, TaskNotFoundError
from domain.tasks import Recurrence, TaskPatch
from tests.contract.conftest import Harness
from tests.factories import at, in_unit, make_fields


class BoomError(Exception):
    """Stands for any failure after some steps succeeded."""


async def titles(harness: Harness, user_id: str) -> list[str]:
    page = await in_unit(
        harness.new_uow(),
        list_tasks,
        user_id=user_id,
        task_filter=TaskFilter(),
        sort=TaskSort.parse("title"),
        limit=50,
    )
    return [task.title for task in page.items]


async def add(uow: UnitOfWork, user_id: str, title: str) -> int:
    task = await create_task(uow, user_id=user_id, fields=make_fields(title=title), at=at(0))
    return task.id


class TestComposition:
    async def test_two_use_cases_in_one_unit_commit_together(
        self, harness: Harness, user_id: str
    ) -> None:
        first = await in_unit(
            harness.new_uow(), create_task, user_id=user_id, fields=make_fields(), at=at(0)
        )
        async with harness.new_uow() as uow:
            await add(uow, user_id, "Second")
            await update_task(
                uow, user_id=user_id, task_id=first.id, patch=TaskPatch(title="First"), at=at(1)
            )
        assert await titles(harness, user_id) == ["First", "Second"]

    async def test_two_use_cases_in_one_unit_fail_together(
        self, harness: Harness, user_id: str
    ) -> None:
        first = await in_unit(
            harness.new_uow(), create_task, user_id=user_id, fields=make_fields(), at=at(0)
        )

        async def add_delete_then_fail() -> None:
            async with harness.new_uow() as uow:
                await add(uow, user_id, "Second")
                await delete_task(uow, user_id=user_id, task_id=first.id)
                raise BoomError

        with pytest.raises(BoomError):
            await add_delete_then_fail()
        assert await titles(harness, user_id) == ["Buy milk"]

    async def test_entering_an_open_unit_raises(self, harness: Harness, user_id: str) -> None:
        uow = harness.new_uow()
        async with uow:
            await add(uow, user_id, "Kept")
            with pytest.raises(RuntimeError, match="already open"):
                async with uow:
                    pass  # pragma: no cover  (never entered)
        assert await titles(harness, user_id) == ["Kept"]

    async def test_a_unit_is_usable_only_while_open(self, harness: Harness) -> None:
        uow = harness.new_uow()
        async with uow:
            pass
        with pytest.raises(RuntimeError):
            async with uow.savepoint():
                pass  # pragma: no cover

    async def test_a_savepoint_undoes_one_step_and_the_unit_goes_on(
        self, harness: Harness, user_id: str
    ) -> None:
        async with harness.new_uow() as uow:
            await add(uow, user_id, "Before")

            async def add_in_savepoint_then_fail() -> None:
                async with uow.savepoint():
                    await add(uow, user_id, "Undone")
                    raise BoomError

            with pytest.raises(BoomError):
                await add_in_savepoint_then_fail()
            await add(uow, user_id, "After")
        assert await titles(harness, user_id) == ["After", "Before"]

    async def test_a_savepoint_survives_a_statement_the_database_refused(
        self, harness: Harness, user_id: str
    ) -> None:
        """On PostgreSQL a refused statement aborts the whole transaction; the savepoint
        confines it (here: a CHECK constraint refusing a pattern on a non-recurring task)."""
        async with harness.new_uow() as uow:
            plain = await add(uow, user_id, "Plain")
            with pytest.raises(InvalidTaskError):
                async with uow.savepoint():
                    await update_task(
                        uow,
                        user_id=user_id,
                        task_id=plain,
                        patch=TaskPatch(recurring_pattern=Recurrence.DAILY),
                        at=at(1),
                    )
            await add(uow, user_id, "After")
        assert await titles(harness, user_id) == ["After", "Plain"]

    async def test_a_successful_savepoint_keeps_its_step(
        self, harness: Harness, user_id: str
    ) -> None:
        async with harness.new_uow() as uow, uow.savepoint():
            await add(uow, user_id, "Kept")
        assert await titles(harness, user_id) == ["Kept"]

    async def test_a_deleted_tasks_id_is_never_given_again(
        self, harness: Harness, user_id: str
    ) -> None:
        async with harness.new_uow() as uow:
            last = await add(uow, user_id, "Last")
        await in_unit(harness.new_uow(), delete_task, user_id=user_id, task_id=last)
        async with harness.new_uow() as uow:
            newer = await add(uow, user_id, "Newer")
        assert newer > last
        with pytest.raises(TaskNotFoundError):
            await in_unit(harness.new_uow(), get_task, user_id=user_id, task_id=last)


@pytest.mark.parametrize(
    "adapter", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
class TestSingleWriteUnitsOnPostgres:
    async def test_a_single_write_unit_refuses_a_second_write(
        self, harness: Harness, user_id: str
    ) -> None:
        """It runs without a transaction, so a second write could not be undone with the
        first: it is refused before it is sent."""

        async def write_twice() -> None:
            async with harness.new_uow(single_write=True) as uow:
                await add(uow, user_id, "First")
                await add(uow, user_id, "Second")

        with pytest.raises(RuntimeError, match="second write"):
            await write_twice()
        assert await titles(harness, user_id) == ["First"]

    async def test_a_connection_closed_while_idle_is_replaced_without_failing(
        self, harness: Harness, adapter: tuple[str, str], user_id: str
    ) -> None:
        """Neon suspends idle computes and PgBouncer restarts: the pooled connection's socket
        is closed under it, and the next request must still succeed."""
        async with harness.new_uow(single_write=True) as uow:
            await add(uow, user_id, "Before")
        killer = await asyncpg.connect(adapter[1].replace("postgresql+asyncpg", "postgresql"))
        try:
            killed = await killer.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await killer.close()
        assert killed >= 1
        await asyncio.sleep(0.3)  # the driver sees the server's goodbye
        async with harness.new_uow(single_write=True) as uow:
            await add(uow, user_id, "After")
        assert await titles(harness, user_id) == ["After", "Before"]
