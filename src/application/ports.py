"""The ports the core owns: what it needs from storage and time, as Protocols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from application.listing import TaskQuery
from domain.tasks import Task, TaskFields, TaskId, TaskPatch, UserId


@dataclass(frozen=True, slots=True)
class TaskChange:
    """A task after a write, and whether that write is what completed it."""

    task: Task
    completed_now: bool = False


class TaskRepository(Protocol):
    """A user's tasks. Every method is scoped by `user_id`; none commits."""

    async def add(self, *, user_id: UserId, fields: TaskFields, at: datetime) -> Task:
        """Store a new pending task at version 1 (one INSERT ... RETURNING)."""
        ...

    async def get(self, *, user_id: UserId, task_id: TaskId) -> Task | None:
        """The task, or None if the user has no task with that id."""
        ...

    async def list(self, *, user_id: UserId, query: TaskQuery) -> list[Task]:
        """Up to `query.limit` tasks matching the filter, after `query.after`, in sort order."""
        ...

    async def apply_patch(
        self,
        *,
        user_id: UserId,
        task_id: TaskId,
        patch: TaskPatch,
        at: datetime,
        expected_version: int | None = None,
    ) -> TaskChange | None:
        """Apply `patch` in one conditional UPDATE; None if not found.

        A patch that changes nothing leaves the row (and its version) alone.
        Raises VersionMismatchError, or InvalidTaskError if the result breaks a rule.
        """
        ...

    async def toggle_completion(
        self, *, user_id: UserId, task_id: TaskId, at: datetime, expected_version: int | None = None
    ) -> TaskChange | None:
        """Flip `completed` in one UPDATE; None if not found. Raises VersionMismatchError."""
        ...

    async def delete(
        self, *, user_id: UserId, task_id: TaskId, expected_version: int | None = None
    ) -> bool:
        """Delete the task; False if not found. Raises VersionMismatchError."""
        ...


class UnitOfWork(Protocol):
    """One transaction: commits when the block ends normally, rolls back on any exception."""

    @property
    def tasks(self) -> TaskRepository:
        """The caller's tasks, inside this transaction."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Clock(Protocol):
    """The current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...
