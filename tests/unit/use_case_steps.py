"""Short ways to drive the task use cases in unit tests; every call names its user."""

from __future__ import annotations

from typing import Any

import pytest

from application.listing import Page, TaskFilter, TaskSort
from application.ports import UnitOfWork
from application.tasks import Completion, create_task, list_tasks, set_completion, update_task
from domain.tasks import Recurrence, Task, TaskPatch
from tests.factories import at, in_unit, make_fields

NEWEST_FIRST = TaskSort()
EVERYTHING = TaskFilter()
DAILY: dict[str, Any] = {"recurring": True, "recurring_pattern": Recurrence.DAILY}
MONTHLY: dict[str, Any] = {"recurring": True, "recurring_pattern": Recurrence.MONTHLY}


async def seed(uow: UnitOfWork, user_id: str, minute: int = 0, **fields: Any) -> Task:
    return await in_unit(
        uow, create_task, user_id=user_id, fields=make_fields(**fields), at=at(minute)
    )


async def seed_many(uow: UnitOfWork, user_id: str, count: int) -> list[Task]:
    return [await seed(uow, user_id, minute, title=f"Task {minute}") for minute in range(count)]


async def page(
    uow: UnitOfWork,
    user_id: str,
    *,
    limit: int = 200,
    cursor: str | None = None,
    task_filter: TaskFilter = EVERYTHING,
    sort: TaskSort = NEWEST_FIRST,
) -> Page[Task]:
    return await in_unit(
        uow,
        list_tasks,
        user_id=user_id,
        task_filter=task_filter,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )


async def all_ids(uow: UnitOfWork, user_id: str) -> list[int]:
    return [task.id for task in (await page(uow, user_id)).items]


async def walk(
    uow: UnitOfWork, user_id: str, *, limit: int, sort: TaskSort = NEWEST_FIRST
) -> list[list[int]]:
    """Every page of the user's list, as ids, following next_cursor to the end."""
    pages: list[list[int]] = []
    cursor: str | None = None
    for _ in range(100):
        current = await page(uow, user_id, limit=limit, cursor=cursor, sort=sort)
        pages.append([task.id for task in current.items])
        if current.next_cursor is None:
            return pages
        cursor = current.next_cursor
    pytest.fail("pagination did not end")


def flat(pages: list[list[int]]) -> list[int]:
    return [task_id for ids in pages for task_id in ids]


async def complete(
    uow: UnitOfWork,
    user_id: str,
    task_id: int,
    completed: bool | None = True,
    *,
    minute: int = 1,
    expected_version: int | None = None,
) -> Completion:
    return await in_unit(
        uow,
        set_completion,
        user_id=user_id,
        task_id=task_id,
        completed=completed,
        at=at(minute),
        expected_version=expected_version,
    )


async def edit(
    uow: UnitOfWork,
    user_id: str,
    task_id: int,
    patch: TaskPatch,
    *,
    minute: int = 1,
    expected_version: int | None = None,
) -> Completion:
    return await in_unit(
        uow,
        update_task,
        user_id=user_id,
        task_id=task_id,
        patch=patch,
        at=at(minute),
        expected_version=expected_version,
    )
