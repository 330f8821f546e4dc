"""TaskRepository behaviour every adapter must share."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application.listing import (
    Keyset,
    StatusFilter,
    TaskFilter,
    TaskQuery,
    TaskSort,
)
from domain.errors import InvalidTaskError, VersionMismatchError
from domain.tasks import Priority, Recurrence, Task, TaskFields, TaskPatch
from tests.contract.conftest import Harness
from tests.factories import T0, at, make_fields, new_user_id

DAILY_DUE: dict[str, Any] = {
    "recurring": True,
    "recurring_pattern": Recurrence.DAILY,
    "due_date": at(60),
}


async def add(harness: Harness, user_id: str, fields: TaskFields, minute: int = 0) -> Task:
    async with harness.new_uow() as uow:
        return await uow.tasks.add(user_id=user_id, fields=fields, at=at(minute))


async def get(harness: Harness, user_id: str, task_id: int) -> Task | None:
    async with harness.new_uow() as uow:
        return await uow.tasks.get(user_id=user_id, task_id=task_id)


async def listed(harness: Harness, user_id: str, query: TaskQuery) -> list[Task]:
    async with harness.new_uow() as uow:
        return await uow.tasks.list(user_id=user_id, query=query)


class TestAddAndGet:
    async def test_a_new_task_comes_back_with_id_version_and_timestamps(
        self, harness: Harness, user_id: str
    ) -> None:
        fields = make_fields(tags=("home",), priority=Priority.HIGH, due_date=at(60))
        task = await add(harness, user_id, fields)
        assert task.id > 0
        assert (task.version, task.completed, task.completed_at) == (1, False, None)
        assert (task.created_at, task.updated_at) == (T0, T0)
        assert await get(harness, user_id, task.id) == task

    async def test_all_fields_survive_a_round_trip(self, harness: Harness, user_id: str) -> None:
        fields = make_fields(
            title="Pay rent",
            description="Ünïcode ok",
            tags=("money", "home"),
            due_date=at(90),
            recurring=True,
            recurring_pattern=Recurrence.MONTHLY,
        )
        task = await add(harness, user_id, fields)
        stored = await get(harness, user_id, task.id)
        assert stored is not None
        assert stored.tags == ("money", "home")
        assert stored.due_date == at(90)
        assert stored.due_date.tzinfo is not None
        assert (stored.recurring, stored.recurring_pattern) == (True, Recurrence.MONTHLY)
        assert stored.description == "Ünïcode ok"

    async def test_another_users_task_is_not_found(self, harness: Harness, user_id: str) -> None:
        task = await add(harness, user_id, make_fields())
        assert await get(harness, new_user_id(), task.id) is None


class TestApplyPatch:
    async def test_changes_only_the_fields_sent_and_bumps_the_version_once(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields(description="keep"))
        async with harness.new_uow() as uow:
            change = await uow.tasks.apply_patch(
                user_id=user_id, task_id=task.id, patch=TaskPatch(title="Buy oat milk"), at=at(5)
            )
        assert change is not None
        assert change.task.title == "Buy oat milk"
        assert change.task.description == "keep"
        assert (change.task.version, change.task.updated_at) == (2, at(5))
        assert change.next is None

    async def test_a_patch_that_changes_nothing_leaves_the_task_alone(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields(tags=("a",)))
        async with harness.new_uow() as uow:
            change = await uow.tasks.apply_patch(
                user_id=user_id,
                task_id=task.id,
                patch=TaskPatch(title=task.title, tags=("a",), completed=False),
                at=at(5),
            )
        assert change is not None
        assert change.task == task

    async def test_an_empty_patch_writes_nothing(self, harness: Harness, user_id: str) -> None:
        task = await add(harness, user_id, make_fields())
        async with harness.new_uow() as uow:
            change = await uow.tasks.apply_patch(
                user_id=user_id, task_id=task.id, patch=TaskPatch(), at=at(5)
            )
        assert change is not None
        assert change.task == task
        assert await get(harness, user_id, task.id) == task

    async def test_completing_a_recurring_task_stores_its_next_occurrence(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields(**DAILY_DUE))
        async with harness.new_uow() as uow:
            change = await uow.tasks.apply_patch(
                user_id=user_id, task_id=task.id, patch=TaskPatch(completed=True), at=at(3)
            )
        assert change is not None
        assert (change.task.completed, change.task.completed_at) == (True, at(3))
        assert change.next is not None
        assert (change.next.due_date, change.next.completed) == (at(60) + timedelta(days=1), False)
        assert await get(harness, user_id, change.next.id) == change.next

    async def test_a_second_completion_schedules_nothing(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields(**DAILY_DUE))
        async with harness.new_uow() as uow:
            await uow.tasks.apply_patch(
                user_id=user_id, task_id=task.id, patch=TaskPatch(completed=True), at=at(3)
            )
        async with harness.new_uow() as uow:
            change = await uow.tasks.apply_patch(
                user_id=user_id,
                task_id=task.id,
                patch=TaskPatch(completed=True, title="Renamed"),
                at=at(4),
            )
        assert change is not None
        assert change.next is None
        assert (change.task.completed_at, change.task.title, change.task.version) == (
            at(3),
            "Renamed",
            3,
        )

    async def test_reopening_clears_completed_at(self, harness: Harness, user_id: str) -> None:
        task = await add(harness, user_id, make_fields())
        async with harness.new_uow() as uow:
            await uow.tasks.apply_patch(
                user_id=user_id, task_id=task.id, patch=TaskPatch(completed=True), at=at(3)
            )
            change = await uow.tasks.apply_patch(
                user_id=user_id, task_id=task.id, patch=TaskPatch(completed=False), at=at(4)
            )
        assert change is not None
        assert (change.task.completed, change.task.completed_at) == (False, None)

    async def test_a_stale_version_is_refused_and_changes_nothing(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields())
        with pytest.raises(VersionMismatchError):
            async with harness.new_uow() as uow:
                await uow.tasks.apply_patch(
                    user_id=user_id,
                    task_id=task.id,
                    patch=TaskPatch(title="x"),
                    at=at(1),
                    expected_version=7,
                )
        assert await get(harness, user_id, task.id) == task

    async def test_the_current_version_is_accepted(self, harness: Harness, user_id: str) -> None:
        task = await add(harness, user_id, make_fields())
        async with harness.new_uow() as uow:
            change = await uow.tasks.apply_patch(
                user_id=user_id,
                task_id=task.id,
                patch=TaskPatch(title="x"),
                at=at(1),
                expected_version=1,
            )
        assert change is not None
        assert change.task.version == 2

    async def test_another_users_task_cannot_be_patched(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields())
        async with harness.new_uow() as uow:
            change = await uow.tasks.apply_patch(
                user_id=new_user_id(), task_id=task.id, patch=TaskPatch(title="x"), at=at(1)
            )
        assert change is None
        assert await get(harness, user_id, task.id) == task

    async def test_a_pattern_on_a_task_that_does_not_recur_is_refused(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields())
        with pytest.raises(InvalidTaskError):
            async with harness.new_uow() as uow:
                await uow.tasks.apply_patch(
                    user_id=user_id,
                    task_id=task.id,
                    patch=TaskPatch(recurring_pattern=Recurrence.DAILY),
                    at=at(1),
                )
        assert await get(harness, user_id, task.id) == task

    async def test_stopping_recurrence_clears_the_pattern(
        self, harness: Harness, user_id: str
    ) -> None:
        fields = make_fields(recurring=True, recurring_pattern=Recurrence.WEEKLY)
        task = await add(harness, user_id, fields)
        async with harness.new_uow() as uow:
            change = await uow.tasks.apply_patch(
                user_id=user_id, task_id=task.id, patch=TaskPatch(recurring=False), at=at(1)
            )
        assert change is not None
        assert (change.task.recurring, change.task.recurring_pattern) == (False, None)


class TestToggleAndDelete:
    async def test_toggling_flips_completion_both_ways(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields(**DAILY_DUE))
        async with harness.new_uow() as uow:
            first = await uow.tasks.toggle_completion(user_id=user_id, task_id=task.id, at=at(1))
            second = await uow.tasks.toggle_completion(user_id=user_id, task_id=task.id, at=at(2))
        assert first is not None
        assert second is not None
        assert (first.task.completed, first.next is not None, first.task.completed_at) == (
            True,
            True,
            at(1),
        )
        assert (second.task.completed, second.next is not None, second.task.version) == (
            False,
            False,
            3,
        )

    async def test_toggling_another_users_task_finds_nothing(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields())
        async with harness.new_uow() as uow:
            change = await uow.tasks.toggle_completion(
                user_id=new_user_id(), task_id=task.id, at=at(1)
            )
        assert change is None

    async def test_deleting_removes_the_task(self, harness: Harness, user_id: str) -> None:
        task = await add(harness, user_id, make_fields())
        async with harness.new_uow() as uow:
            assert await uow.tasks.delete(user_id=user_id, task_id=task.id) is True
        assert await get(harness, user_id, task.id) is None

    async def test_deleting_another_users_task_does_nothing(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields())
        async with harness.new_uow() as uow:
            assert await uow.tasks.delete(user_id=new_user_id(), task_id=task.id) is False
        assert await get(harness, user_id, task.id) == task

    async def test_deleting_at_a_stale_version_is_refused(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await add(harness, user_id, make_fields())
        with pytest.raises(VersionMismatchError):
            async with harness.new_uow() as uow:
                await uow.tasks.delete(user_id=user_id, task_id=task.id, expected_version=2)
        assert await get(harness, user_id, task.id) == task


class TestListFilters:
    async def test_status_priority_tags_text_and_due_range_filter(
        self, harness: Harness, user_id: str
    ) -> None:
        milk = await add(harness, user_id, make_fields(title="Buy MILK", tags=("home", "shop")))
        rent = await add(
            harness,
            user_id,
            make_fields(title="Rent", description="pay the milkman", due_date=at(60)),
        )
        urgent = await add(
            harness, user_id, make_fields(title="Fix", priority=Priority.HIGH, due_date=at(120))
        )
        await add(harness, new_user_id(), make_fields(title="Buy milk too"))
        async with harness.new_uow() as uow:
            await uow.tasks.apply_patch(
                user_id=user_id, task_id=rent.id, patch=TaskPatch(completed=True), at=at(1)
            )

        async def ids(**conditions: object) -> set[int]:
            query = TaskQuery(filter=TaskFilter(**conditions))  # type: ignore[arg-type]
            return {task.id for task in await listed(harness, user_id, query)}

        assert await ids() == {milk.id, rent.id, urgent.id}
        assert await ids(status=StatusFilter.PENDING) == {milk.id, urgent.id}
        assert await ids(status=StatusFilter.COMPLETED) == {rent.id}
        assert await ids(priority=Priority.HIGH) == {urgent.id}
        assert await ids(tags=("home",)) == {milk.id}
        assert await ids(tags=("home", "work")) == set()
        assert await ids(text="milk") == {milk.id, rent.id}
        assert await ids(text="100%_") == set()
        assert await ids(due_after=at(60)) == {rent.id, urgent.id}
        assert await ids(due_after=at(60), due_before=at(120)) == {rent.id}
        assert await ids(due_before=at(500)) == {rent.id, urgent.id}


SORTS = [
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "due_date",
    "-due_date",
    "priority",
    "-priority",
    "title",
    "-title",
]


async def seed_for_sorting(harness: Harness, user_id: str) -> list[Task]:
    """Nine tasks with ties in every key and some without a due date."""
    titles = ["b", "A", "c", "a", "B", "C", "b", "a", "c"]
    priorities = [Priority.LOW, Priority.HIGH, Priority.MEDIUM]
    created = []
    for n, title in enumerate(titles):
        fields = make_fields(
            title=title,
            priority=priorities[n % 3],
            due_date=None if n % 4 == 0 else at(1000 + 10 * (n % 3)),
        )
        created.append(await add(harness, user_id, fields, minute=n // 2))
    return created


def expected_order(tasks: list[Task], sort: TaskSort) -> list[int]:
    dated = [t for t in tasks if sort.value_of(t) is not None]
    undated = [t for t in tasks if sort.value_of(t) is None]
    dated.sort(key=lambda t: (sort.value_of(t), t.id), reverse=sort.descending)
    undated.sort(key=lambda t: t.id, reverse=sort.descending)
    return [t.id for t in dated + undated]


class TestListOrderAndPages:
    @pytest.mark.parametrize("sort_text", SORTS)
    async def test_every_sort_is_total_with_missing_due_dates_last(
        self, harness: Harness, user_id: str, sort_text: str
    ) -> None:
        tasks = await seed_for_sorting(harness, user_id)
        sort = TaskSort.parse(sort_text)
        rows = await listed(harness, user_id, TaskQuery(sort=sort, limit=100))
        assert [t.id for t in rows] == expected_order(tasks, sort)

    @pytest.mark.parametrize("sort_text", SORTS)
    async def test_keyset_pages_walk_the_whole_list_exactly_once(
        self, harness: Harness, user_id: str, sort_text: str
    ) -> None:
        tasks = await seed_for_sorting(harness, user_id)
        sort = TaskSort.parse(sort_text)
        seen: list[int] = []
        after: Keyset | None = None
        while True:
            page = await listed(harness, user_id, TaskQuery(sort=sort, limit=2, after=after))
            seen.extend(t.id for t in page)
            if len(page) < 2:
                break
            after = Keyset(sort.value_of(page[-1]), page[-1].id)
        assert seen == expected_order(tasks, sort)


class TestTextSearch:
    async def test_matching_ignores_case_beyond_ascii(self, harness: Harness, user_id: str) -> None:
        upper = await add(harness, user_id, make_fields(title="ÄPFEL kaufen"))
        await add(harness, user_id, make_fields(title="Birnen"))
        query = TaskQuery(filter=TaskFilter(text="äpfel"))
        assert [task.id for task in await listed(harness, user_id, query)] == [upper.id]
