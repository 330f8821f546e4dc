"""Unit-of-work semantics every adapter must share: commit, rollback, all or nothing."""

from __future__ import annotations

import pytest

from application.listing import TaskFilter, TaskSort
from application.tasks import create_task, get_task, list_tasks, set_completion
from domain.errors import TaskNotFoundError
from domain.tasks import Recurrence, TaskPatch
from tests.contract.conftest import Harness
from tests.factories import at, in_unit, make_fields


class BoomError(Exception):
    """Stands for any failure in a use case after it wrote."""


class TestUnitOfWork:
    async def test_a_block_that_ends_normally_commits(self, harness: Harness, user_id: str) -> None:
        task = await in_unit(
            harness.new_uow(), create_task, user_id=user_id, fields=make_fields(), at=at(0)
        )
        assert await in_unit(harness.new_uow(), get_task, user_id=user_id, task_id=task.id) == task

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
            await in_unit(harness.new_uow(), get_task, user_id=user_id, task_id=added[0])

    async def test_an_error_after_an_update_and_a_delete_leaves_no_trace(
        self, harness: Harness, user_id: str
    ) -> None:
        kept = await in_unit(
            harness.new_uow(), create_task, user_id=user_id, fields=make_fields(), at=at(0)
        )
        other = await in_unit(
            harness.new_uow(), create_task, user_id=user_id, fields=make_fields(title="x"), at=at(0)
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
        assert await in_unit(harness.new_uow(), get_task, user_id=user_id, task_id=kept.id) == kept
        assert (
            await in_unit(harness.new_uow(), get_task, user_id=user_id, task_id=other.id) == other
        )

    async def test_a_recurring_completion_undone_by_a_later_failure_leaves_no_occurrence(
        self, harness: Harness, user_id: str
    ) -> None:
        fields = make_fields(recurring=True, recurring_pattern=Recurrence.DAILY, due_date=at(0))
        task = await in_unit(
            harness.new_uow(), create_task, user_id=user_id, fields=fields, at=at(0)
        )

        async def complete_then_fail() -> None:
            async with harness.new_uow() as uow:
                done = await set_completion(
                    uow, user_id=user_id, task_id=task.id, completed=True, at=at(5)
                )
                assert done.next is not None
                raise BoomError

        with pytest.raises(BoomError):
            await complete_then_fail()
        assert await in_unit(harness.new_uow(), get_task, user_id=user_id, task_id=task.id) == task
        listed = await in_unit(
            harness.new_uow(),
            list_tasks,
            user_id=user_id,
            task_filter=TaskFilter(),
            sort=TaskSort(),
            limit=10,
        )
        assert [t.id for t in listed.items] == [task.id]

    async def test_a_recurring_completion_and_its_next_occurrence_commit_together(
        self, harness: Harness, user_id: str
    ) -> None:
        fields = make_fields(recurring=True, recurring_pattern=Recurrence.WEEKLY, due_date=at(0))
        task = await in_unit(
            harness.new_uow(), create_task, user_id=user_id, fields=fields, at=at(0)
        )
        done = await in_unit(
            harness.new_uow(),
            set_completion,
            user_id=user_id,
            task_id=task.id,
            completed=None,
            at=at(5),
        )
        assert done.next is not None
        stored = await in_unit(harness.new_uow(), get_task, user_id=user_id, task_id=done.next.id)
        assert stored.due_date == at(7 * 24 * 60)
        assert (stored.completed, stored.recurring_pattern) == (False, Recurrence.WEEKLY)
