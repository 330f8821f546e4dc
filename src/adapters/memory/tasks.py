"""TaskRepository over the in-memory store, with the same semantics as the SQL adapter."""

from __future__ import annotations

import functools
from datetime import datetime

from adapters.memory.store import StoreState
from application.listing import Keyset, SortValue, StatusFilter, TaskFilter, TaskQuery
from application.ports import TaskChange
from domain.errors import VersionMismatchError
from domain.tasks import Task, TaskFields, TaskId, TaskPatch, UserId


class InMemoryTaskRepository:
    """Reads and writes `StoreState.tasks`; the unit of work owns transactions."""

    def __init__(self, state: StoreState) -> None:
        self._state = state

    async def add(self, *, user_id: UserId, fields: TaskFields, at: datetime) -> Task:
        self._state.last_task_id += 1
        task = Task.new(task_id=self._state.last_task_id, user_id=user_id, fields=fields, at=at)
        self._state.tasks[task.id] = task
        return task

    async def get(self, *, user_id: UserId, task_id: TaskId) -> Task | None:
        task = self._state.tasks.get(task_id)
        return task if task is not None and task.user_id == user_id else None

    async def list(self, *, user_id: UserId, query: TaskQuery) -> list[Task]:
        sort = query.sort

        def position(task: Task) -> Keyset:
            return Keyset(sort.value_of(task), task.id)

        def compare(a: Keyset, b: Keyset) -> int:
            return _compare(a, b, descending=sort.descending)

        rows = [
            task
            for task in self._state.tasks.values()
            if task.user_id == user_id and _matches(task, query.filter)
        ]
        after = query.after
        if after is not None:
            rows = [task for task in rows if compare(position(task), after) > 0]
        rows.sort(key=lambda task: functools.cmp_to_key(compare)(position(task)))
        return rows[: query.limit]

    async def apply_patch(
        self,
        *,
        user_id: UserId,
        task_id: TaskId,
        patch: TaskPatch,
        at: datetime,
        expected_version: int | None = None,
    ) -> TaskChange | None:
        task = await self._checked(user_id, task_id, expected_version)
        if task is None:
            return None
        changed = task.patched(patch, at=at)
        self._state.tasks[task_id] = changed
        follow_up = changed.next_occurrence() if changed.completed and not task.completed else None
        if follow_up is None:
            return TaskChange(changed)
        return TaskChange(changed, next=await self.add(user_id=user_id, fields=follow_up, at=at))

    async def toggle_completion(
        self, *, user_id: UserId, task_id: TaskId, at: datetime, expected_version: int | None = None
    ) -> TaskChange | None:
        task = await self._checked(user_id, task_id, expected_version)
        if task is None:
            return None
        return await self.apply_patch(
            user_id=user_id, task_id=task_id, patch=TaskPatch(completed=not task.completed), at=at
        )

    async def delete(
        self, *, user_id: UserId, task_id: TaskId, expected_version: int | None = None
    ) -> bool:
        task = await self._checked(user_id, task_id, expected_version)
        if task is None:
            return False
        del self._state.tasks[task_id]
        return True

    async def _checked(
        self, user_id: UserId, task_id: TaskId, expected_version: int | None
    ) -> Task | None:
        task = await self.get(user_id=user_id, task_id=task_id)
        if task is not None and expected_version not in (None, task.version):
            raise VersionMismatchError(task_id, expected_version or 0, task.version)
        return task


def _compare(a: Keyset, b: Keyset, *, descending: bool) -> int:
    """Order of two positions: by value (missing values last either way), then id."""
    if (a.value is None) != (b.value is None):
        return 1 if a.value is None else -1
    sign = -1 if descending else 1
    if a.value is not None and b.value is not None and a.value != b.value:
        return sign * (1 if _gt(a.value, b.value) else -1)
    return sign * ((a.id > b.id) - (a.id < b.id))


def _gt(a: SortValue, b: SortValue) -> bool:
    return bool(a > b)  # type: ignore[operator]  # values of one sort key share a type


def _matches(task: Task, task_filter: TaskFilter) -> bool:
    """Whether `task` passes every condition of `task_filter`."""
    status = task_filter.status
    due = task.due_date
    return all(
        (
            status is StatusFilter.ALL or task.completed == (status is StatusFilter.COMPLETED),
            task_filter.priority in (None, task.priority),
            all(tag in task.tags for tag in task_filter.tags),
            _mentions(task, task_filter.text),
            task_filter.due_after is None or (due is not None and due >= task_filter.due_after),
            task_filter.due_before is None or (due is not None and due < task_filter.due_before),
        )
    )


def _mentions(task: Task, text: str | None) -> bool:
    if not text:
        return True
    needle = text.lower()
    return needle in task.title.lower() or needle in (task.description or "").lower()
