"""Task use cases on the in-memory adapter: one store per test, a fresh user per test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.errors import InvalidCursorError
from application.listing import SortField, StatusFilter, TaskFilter, TaskSort
from application.ports import UnitOfWork
from application.tasks import delete_task, get_task
from domain.errors import InvalidTaskError, TaskNotFoundError, VersionMismatchError
from domain.tasks import Priority, Recurrence, TaskPatch
from tests.factories import T0, at, in_unit, make_fields, new_user_id
from tests.unit.use_case_steps import (
    DAILY,
    MONTHLY,
    all_ids,
    complete,
    edit,
    flat,
    page,
    seed,
    seed_many,
    walk,
)


class TestCreateTask:
    async def test_a_new_task_is_pending_at_version_1(self, uow: UnitOfWork, user_id: str) -> None:
        task = await seed(uow, user_id, 5, tags=["Home"])
        assert (task.user_id, task.title, task.tags) == (user_id, "Buy milk", ("home",))
        assert (task.completed, task.completed_at, task.version) == (False, None, 1)
        assert task.created_at == task.updated_at == at(5)

    async def test_the_task_is_stored(self, uow: UnitOfWork, user_id: str) -> None:
        task = await seed(uow, user_id)
        assert await in_unit(uow, get_task, user_id=user_id, task_id=task.id) == task

    async def test_each_task_gets_its_own_id(self, uow: UnitOfWork, user_id: str) -> None:
        first, second = await seed(uow, user_id), await seed(uow, user_id)
        assert first.id != second.id


class TestGetTask:
    async def test_another_users_task_is_not_found(self, uow: UnitOfWork, user_id: str) -> None:
        task = await seed(uow, new_user_id())
        with pytest.raises(TaskNotFoundError):
            await in_unit(uow, get_task, user_id=user_id, task_id=task.id)

    async def test_an_unknown_id_is_not_found(self, uow: UnitOfWork, user_id: str) -> None:
        with pytest.raises(TaskNotFoundError):
            await in_unit(uow, get_task, user_id=user_id, task_id=999)


class TestListTasks:
    async def test_pages_of_2_over_5_tasks_walk_every_row_once(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        tasks = await seed_many(uow, user_id, 5)
        pages = await walk(uow, user_id, limit=2)
        assert [len(ids) for ids in pages] == [2, 2, 1]
        assert flat(pages) == [task.id for task in reversed(tasks)]

    async def test_the_last_page_has_no_next_cursor(self, uow: UnitOfWork, user_id: str) -> None:
        await seed_many(uow, user_id, 3)
        last = await page(uow, user_id, limit=5)
        assert (len(last.items), last.next_cursor) == (3, None)

    async def test_a_page_that_exactly_ends_the_list_has_no_next_cursor(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        await seed_many(uow, user_id, 4)
        assert [len(ids) for ids in await walk(uow, user_id, limit=2)] == [2, 2]

    async def test_only_the_callers_tasks_are_listed(self, uow: UnitOfWork, user_id: str) -> None:
        mine = await seed(uow, user_id)
        await seed(uow, new_user_id())
        assert await all_ids(uow, user_id) == [mine.id]

    async def test_a_cursor_reused_with_another_filter_is_refused(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        await seed_many(uow, user_id, 3)
        cursor = (await page(uow, user_id, limit=1)).next_cursor
        pending = TaskFilter(status=StatusFilter.PENDING)
        with pytest.raises(InvalidCursorError):
            await page(uow, user_id, limit=1, cursor=cursor, task_filter=pending)

    async def test_a_cursor_of_another_user_is_refused(self, uow: UnitOfWork, user_id: str) -> None:
        other = new_user_id()
        await seed_many(uow, other, 3)
        cursor = (await page(uow, other, limit=1)).next_cursor
        with pytest.raises(InvalidCursorError):
            await page(uow, user_id, limit=1, cursor=cursor)

    async def test_rows_added_between_pages_are_neither_skipped_nor_repeated(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        tasks = await seed_many(uow, user_id, 5)
        first = await page(uow, user_id, limit=2)
        await seed(uow, user_id, 60, title="Newer")
        await seed(uow, user_id, 61, title="Newest")
        rest = await page(uow, user_id, limit=10, cursor=first.next_cursor)
        seen = [task.id for task in first.items + rest.items]
        assert seen == [task.id for task in reversed(tasks)]

    async def test_deleting_rows_between_pages_skips_no_other_row(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        tasks = await seed_many(uow, user_id, 5)
        first = await page(uow, user_id, limit=2)
        await in_unit(uow, delete_task, user_id=user_id, task_id=first.items[-1].id)
        await in_unit(uow, delete_task, user_id=user_id, task_id=tasks[2].id)
        rest = await page(uow, user_id, limit=10, cursor=first.next_cursor)
        assert [task.id for task in rest.items] == [tasks[1].id, tasks[0].id]

    async def test_undated_tasks_come_last_when_walking_by_due_date(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        undated = [await seed(uow, user_id, minute) for minute in range(2)]
        late = await seed(uow, user_id, 2, due_date=at(500))
        early = await seed(uow, user_id, 3, due_date=at(100))
        pages = await walk(uow, user_id, limit=1, sort=TaskSort(SortField.DUE_DATE, False))
        assert flat(pages) == [early.id, late.id, undated[0].id, undated[1].id]


class TestSetCompletion:
    async def test_completing_a_daily_task_schedules_tomorrow(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id, due_date=T0, tags=["home"], **DAILY)
        result = await complete(uow, user_id, task.id, minute=30)
        assert (result.task.completed, result.task.completed_at) == (True, at(30))
        assert result.next is not None
        assert result.next.due_date == T0 + timedelta(days=1)
        assert (result.next.completed, result.next.version) == (False, 1)
        assert (result.next.tags, result.next.recurring_pattern) == (("home",), Recurrence.DAILY)
        assert await in_unit(uow, get_task, user_id=user_id, task_id=result.next.id) == result.next

    async def test_completing_a_monthly_task_due_january_31_schedules_february_28(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        due = datetime(2027, 1, 31, 17, 0, tzinfo=UTC)
        task = await seed(uow, user_id, due_date=due, **MONTHLY)
        result = await complete(uow, user_id, task.id)
        assert result.next is not None
        assert result.next.due_date == datetime(2027, 2, 28, 17, 0, tzinfo=UTC)

    async def test_without_a_due_date_the_next_is_due_one_interval_after_completion(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id, recurring=True, recurring_pattern=Recurrence.WEEKLY)
        result = await complete(uow, user_id, task.id, minute=45)
        assert result.next is not None
        assert result.next.due_date == at(45) + timedelta(weeks=1)

    async def test_completing_an_already_completed_recurring_task_changes_nothing(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id, due_date=T0, **DAILY)
        done = await complete(uow, user_id, task.id, minute=1)
        again = await complete(uow, user_id, task.id, minute=2)
        assert (again.next, again.task) == (None, done.task)
        assert again.task.version == 2
        assert len(await all_ids(uow, user_id)) == 2

    async def test_no_completion_flag_toggles(self, uow: UnitOfWork, user_id: str) -> None:
        task = await seed(uow, user_id)
        once = await complete(uow, user_id, task.id, None, minute=1)
        twice = await complete(uow, user_id, task.id, None, minute=2)
        assert (once.task.completed, twice.task.completed) == (True, False)
        assert (twice.task.completed_at, twice.task.version) == (None, 3)

    async def test_toggling_a_recurring_task_to_done_schedules_the_next(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id, due_date=T0, **DAILY)
        result = await complete(uow, user_id, task.id, None)
        assert result.next is not None
        assert result.next.due_date == T0 + timedelta(days=1)

    async def test_reopening_a_recurring_task_schedules_nothing(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id, due_date=T0, **DAILY)
        done = await complete(uow, user_id, task.id, minute=1)
        reopened = await complete(uow, user_id, task.id, False, minute=2)
        assert done.next is not None
        assert reopened.next is None
        assert await all_ids(uow, user_id) == [done.next.id, task.id]

    @pytest.mark.parametrize("completed", [True, False, None])
    async def test_an_unknown_task_is_not_found(
        self, uow: UnitOfWork, user_id: str, completed: bool | None
    ) -> None:
        with pytest.raises(TaskNotFoundError):
            await complete(uow, user_id, 404, completed)

    async def test_another_users_task_is_not_found(self, uow: UnitOfWork, user_id: str) -> None:
        task = await seed(uow, new_user_id())
        with pytest.raises(TaskNotFoundError):
            await complete(uow, user_id, task.id)

    @pytest.mark.parametrize("completed", [True, None])
    async def test_a_stale_expected_version_is_refused_and_changes_nothing(
        self, uow: UnitOfWork, user_id: str, completed: bool | None
    ) -> None:
        task = await seed(uow, user_id, due_date=T0, **DAILY)
        renamed = await edit(uow, user_id, task.id, TaskPatch(title="Renamed"))
        with pytest.raises(VersionMismatchError):
            await complete(uow, user_id, task.id, completed, minute=2, expected_version=1)
        assert await in_unit(uow, get_task, user_id=user_id, task_id=task.id) == renamed.task
        assert await all_ids(uow, user_id) == [task.id]

    async def test_the_current_expected_version_is_accepted(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id)
        result = await complete(uow, user_id, task.id, expected_version=1)
        assert (result.task.completed, result.task.version) == (True, 2)


class TestUpdateTask:
    async def test_only_the_fields_sent_change(self, uow: UnitOfWork, user_id: str) -> None:
        task = await seed(uow, user_id, description="two litres", tags=["home"])
        result = await edit(uow, user_id, task.id, TaskPatch(priority=Priority.HIGH), minute=3)
        assert result.task == task.patched(TaskPatch(priority=Priority.HIGH), at=at(3))
        assert (result.task.description, result.task.version) == ("two litres", 2)

    async def test_a_patch_that_changes_nothing_leaves_the_version_alone(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id)
        result = await edit(uow, user_id, task.id, TaskPatch(title=" Buy milk "), minute=3)
        assert result.task == task

    async def test_a_result_that_breaks_a_rule_is_refused_and_changes_nothing(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id)
        with pytest.raises(InvalidTaskError):
            await edit(uow, user_id, task.id, TaskPatch(recurring=True))
        assert await in_unit(uow, get_task, user_id=user_id, task_id=task.id) == task

    async def test_a_replacement_that_completes_a_recurring_task_schedules_the_next(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id, due_date=T0, **DAILY)
        patch = TaskPatch.replacing(make_fields(due_date=at(60), **DAILY), completed=True)
        result = await edit(uow, user_id, task.id, patch)
        assert result.next is not None
        assert result.next.due_date == at(60) + timedelta(days=1)

    async def test_a_replacement_without_completed_keeps_it(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id)
        await complete(uow, user_id, task.id, minute=1)
        patch = TaskPatch.replacing(make_fields(title="Buy oat milk"))
        result = await edit(uow, user_id, task.id, patch, minute=2)
        assert (result.task.title, result.task.completed) == ("Buy oat milk", True)

    async def test_a_stale_expected_version_is_refused(self, uow: UnitOfWork, user_id: str) -> None:
        task = await seed(uow, user_id)
        await edit(uow, user_id, task.id, TaskPatch(title="B"))
        with pytest.raises(VersionMismatchError):
            await edit(uow, user_id, task.id, TaskPatch(title="C"), expected_version=1)
        assert (await in_unit(uow, get_task, user_id=user_id, task_id=task.id)).title == "B"

    async def test_another_users_task_is_not_found(self, uow: UnitOfWork, user_id: str) -> None:
        task = await seed(uow, new_user_id())
        with pytest.raises(TaskNotFoundError):
            await edit(uow, user_id, task.id, TaskPatch(title="x"))


class TestDeleteTask:
    async def test_a_deleted_task_is_gone(self, uow: UnitOfWork, user_id: str) -> None:
        task = await seed(uow, user_id)
        await in_unit(uow, delete_task, user_id=user_id, task_id=task.id)
        with pytest.raises(TaskNotFoundError):
            await in_unit(uow, get_task, user_id=user_id, task_id=task.id)

    async def test_another_users_task_is_not_found_and_kept(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        owner = new_user_id()
        task = await seed(uow, owner)
        with pytest.raises(TaskNotFoundError):
            await in_unit(uow, delete_task, user_id=user_id, task_id=task.id)
        assert await in_unit(uow, get_task, user_id=owner, task_id=task.id) == task

    async def test_a_stale_expected_version_is_refused_and_keeps_the_task(
        self, uow: UnitOfWork, user_id: str
    ) -> None:
        task = await seed(uow, user_id)
        with pytest.raises(VersionMismatchError):
            await in_unit(uow, delete_task, user_id=user_id, task_id=task.id, expected_version=2)
        assert await all_ids(uow, user_id) == [task.id]
