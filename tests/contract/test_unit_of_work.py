"""Unit-of-work semantics every adapter must share: commit, rollback, all or nothing."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import pytest

from application.ports import TaskRepository, UnitOfWork
from application.tasks import create_task, get_task, set_completion
from domain.errors import TaskNotFoundError
from domain.tasks import Recurrence, TaskPatch
from tests.contract.conftest import Harness
from tests.factories import at, make_fields


class BoomError(Exception):
    """Stands for any failure in a use case after it wrote."""


class AddFails:
    """A unit of work whose task creation fails, so the write before it must roll back."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        self.tasks = _FailingAdd(self._inner.tasks)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)


class _FailingAdd:
    def __init__(self, inner: TaskRepository) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def add(self, **_: Any) -> None:
        raise BoomError


class TestUnitOfWork:
    async def test_a_block_that_ends_normally_commits(self, harness: Harness, user_id: str) -> None:
        task = await create_task(harness.new_uow(), user_id=user_id, fields=make_fields(), at=at(0))
        assert await get_task(harness.new_uow(), user_id=user_id, task_id=task.id) == task

    async def test_an_error_after_an_insert_leaves_no_trace(
        self, harness: Harness, user_id: str
    ) -> None:
        added: list[int] = []

        async def add_then_fail() -> None:
            async with harness.new_uow() as uow:
                task = await uow.tasks.add(user_id=user_id, fields=make_fields(), at=at(0))
                added.append(task.id)
                raise BoomError

        with pytest.raises(BoomError):
            await add_then_fail()
        with pytest.raises(TaskNotFoundError):
            await get_task(harness.new_uow(), user_id=user_id, task_id=added[0])

    async def test_an_error_after_an_update_and_a_delete_leaves_no_trace(
        self, harness: Harness, user_id: str
    ) -> None:
        kept = await create_task(harness.new_uow(), user_id=user_id, fields=make_fields(), at=at(0))
        other = await create_task(
            harness.new_uow(), user_id=user_id, fields=make_fields(title="x"), at=at(0)
        )

        async def change_then_fail() -> None:
            async with harness.new_uow() as uow:
                await uow.tasks.apply_patch(
                    user_id=user_id, task_id=kept.id, patch=TaskPatch(title="changed"), at=at(1)
                )
                await uow.tasks.delete(user_id=user_id, task_id=other.id)
                raise BoomError

        with pytest.raises(BoomError):
            await change_then_fail()
        assert await get_task(harness.new_uow(), user_id=user_id, task_id=kept.id) == kept
        assert await get_task(harness.new_uow(), user_id=user_id, task_id=other.id) == other

    async def test_a_recurring_completion_whose_next_occurrence_fails_is_undone(
        self, harness: Harness, user_id: str
    ) -> None:
        fields = make_fields(recurring=True, recurring_pattern=Recurrence.DAILY, due_date=at(0))
        task = await create_task(harness.new_uow(), user_id=user_id, fields=fields, at=at(0))
        with pytest.raises(BoomError):
            await set_completion(
                AddFails(harness.new_uow()),
                user_id=user_id,
                task_id=task.id,
                completed=True,
                at=at(5),
            )
        assert await get_task(harness.new_uow(), user_id=user_id, task_id=task.id) == task

    async def test_a_recurring_completion_and_its_next_occurrence_commit_together(
        self, harness: Harness, user_id: str
    ) -> None:
        fields = make_fields(recurring=True, recurring_pattern=Recurrence.WEEKLY, due_date=at(0))
        task = await create_task(harness.new_uow(), user_id=user_id, fields=fields, at=at(0))
        done = await set_completion(
            harness.new_uow(), user_id=user_id, task_id=task.id, completed=None, at=at(5)
        )
        assert done.next is not None
        stored = await get_task(harness.new_uow(), user_id=user_id, task_id=done.next.id)
        assert stored.due_date == at(7 * 24 * 60)
        assert (stored.completed, stored.recurring_pattern) == (False, Recurrence.WEEKLY)
