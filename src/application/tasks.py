"""Task use cases. Each runs inside the unit of work its caller opened (so a chat turn can
compose several in one transaction) and returns domain objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.listing import (
    Keyset,
    Page,
    TaskFilter,
    TaskQuery,
    TaskSort,
    decode_cursor,
    encode_cursor,
    fingerprint,
)
from application.ports import TaskChange, UnitOfWork
from domain.errors import TaskNotFoundError
from domain.tasks import Task, TaskFields, TaskId, TaskPatch, UserId


@dataclass(frozen=True, slots=True)
class Completion:
    """A task after a change, and the next occurrence that change created, if any."""

    task: Task
    next: Task | None = None


async def create_task(
    uow: UnitOfWork, *, user_id: UserId, fields: TaskFields, at: datetime
) -> Task:
    """Store a new pending task."""
    return await uow.tasks.add(user_id=user_id, fields=fields, at=at)


async def get_task(uow: UnitOfWork, *, user_id: UserId, task_id: TaskId) -> Task:
    """The caller's task. Raises TaskNotFoundError."""
    task = await uow.tasks.get(user_id=user_id, task_id=task_id)
    if task is None:
        raise TaskNotFoundError(task_id)
    return task


async def list_tasks(
    uow: UnitOfWork,
    *,
    user_id: UserId,
    task_filter: TaskFilter,
    sort: TaskSort,
    limit: int,
    cursor: str | None = None,
) -> Page[Task]:
    """One page of the caller's tasks, keyset-paginated. Raises InvalidCursorError."""
    bound_to = fingerprint(user_id, task_filter, sort)
    after = decode_cursor(cursor, bound_to=bound_to, sort=sort) if cursor else None
    query = TaskQuery(filter=task_filter, sort=sort, limit=limit + 1, after=after)
    rows = await uow.tasks.list(user_id=user_id, query=query)
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    items = rows[:limit]
    last = Keyset(sort.value_of(items[-1]), items[-1].id)
    return Page(items=items, next_cursor=encode_cursor(last, bound_to=bound_to))


async def update_task(
    uow: UnitOfWork,
    *,
    user_id: UserId,
    task_id: TaskId,
    patch: TaskPatch,
    at: datetime,
    expected_version: int | None = None,
) -> Completion:
    """Change the fields in `patch` (a PUT sends them all); completing a recurring task
    schedules its next occurrence. Raises TaskNotFoundError, VersionMismatchError,
    InvalidTaskError."""
    change = await uow.tasks.apply_patch(
        user_id=user_id, task_id=task_id, patch=patch, at=at, expected_version=expected_version
    )
    return _completion(task_id, change)


async def set_completion(
    uow: UnitOfWork,
    *,
    user_id: UserId,
    task_id: TaskId,
    completed: bool | None,
    at: datetime,
    expected_version: int | None = None,
) -> Completion:
    """Set `completed` (None toggles it); completing a recurring task schedules its next
    occurrence in the same unit of work. Raises TaskNotFoundError, VersionMismatchError."""
    if completed is not None:
        return await update_task(
            uow,
            user_id=user_id,
            task_id=task_id,
            patch=TaskPatch(completed=completed),
            at=at,
            expected_version=expected_version,
        )
    change = await uow.tasks.toggle_completion(
        user_id=user_id, task_id=task_id, at=at, expected_version=expected_version
    )
    return _completion(task_id, change)


async def delete_task(
    uow: UnitOfWork, *, user_id: UserId, task_id: TaskId, expected_version: int | None = None
) -> None:
    """Delete the caller's task. Raises TaskNotFoundError, VersionMismatchError."""
    deleted = await uow.tasks.delete(
        user_id=user_id, task_id=task_id, expected_version=expected_version
    )
    if not deleted:
        raise TaskNotFoundError(task_id)


def _completion(task_id: TaskId, change: TaskChange | None) -> Completion:
    if change is None:
        raise TaskNotFoundError(task_id)
    return Completion(task=change.task, next=change.next)
