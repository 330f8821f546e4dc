"""TaskRepository in SQL: one statement per write, ownership in every WHERE."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import Executable, Row

from adapters.sql import task_statements as sql
from adapters.sql.statements import Statements
from application.listing import TaskQuery
from application.ports import TaskChange
from domain.errors import VersionMismatchError
from domain.tasks import (
    Priority,
    Recurrence,
    Task,
    TaskFields,
    TaskId,
    TaskPatch,
    UserId,
    client_fields,
    title_sort_key,
)

_PRIORITIES: Final = {priority.rank: priority for priority in Priority}
# _to_task reads rows by position; a column added to the table must be added there too.
_ROW: Final = ("id", "user_id", "title", "title_key", "description", "priority", "tags",
               "due_date", "recurring", "recurring_pattern", "completed", "completed_at",
               "created_at", "updated_at", "version", "completion_version")  # fmt: skip
if tuple(sql.c.keys()) != _ROW:
    raise RuntimeError("tasks columns changed: update _ROW and _to_task")
_PATTERNS: Final = {pattern.value: pattern for pattern in Recurrence}


class SqlTaskRepository:
    """Statements on the `tasks` table through the unit of work's connection."""

    def __init__(self, statements: Statements) -> None:
        self._statements = statements
        self._dialect = statements.dialect

    async def add(self, *, user_id: UserId, fields: TaskFields, at: datetime) -> Task:
        values = _column_values(client_fields(fields) | {"completed": False})
        values |= {
            "user_id": user_id,
            "completed_at": None,
            "created_at": at,
            "updated_at": at,
            "version": 1,
            "completion_version": 0,
        }
        result = await self._statements.execute(sql.INSERT, values)
        return _to_task(result.one())

    async def get(self, *, user_id: UserId, task_id: TaskId) -> Task | None:
        owned = {"task_id": task_id, "owner": user_id}
        row = (await self._statements.execute(sql.GET, owned)).one_or_none()
        return None if row is None else _to_task(row)

    async def list(self, *, user_id: UserId, query: TaskQuery) -> list[Task]:
        statement, values = sql.list_request(user_id, query, self._dialect)
        return [_to_task(row) for row in await self._statements.execute(statement, values)]

    async def apply_patch(
        self,
        *,
        user_id: UserId,
        task_id: TaskId,
        patch: TaskPatch,
        at: datetime,
        expected_version: int | None = None,
    ) -> TaskChange | None:
        values = _column_values(patch.changes())
        if not values:  # nothing sent: nothing to write, report the task as it is
            current = await self._explain_miss(user_id, task_id, expected_version)
            return None if current is None else TaskChange(current)
        bound = {f"v_{name}": value for name, value in values.items()}
        if "completed" in values:
            bound["b_completed_at"] = at if values["completed"] else None
        completion: sql.Completion = "set" if "completed" in values else "keep"
        names = tuple(sorted(values))
        return await self._write(user_id, task_id, expected_version, names, completion, bound, at)

    async def toggle_completion(
        self, *, user_id: UserId, task_id: TaskId, at: datetime, expected_version: int | None = None
    ) -> TaskChange | None:
        return await self._write(user_id, task_id, expected_version, (), "toggle", {}, at)

    async def delete(
        self, *, user_id: UserId, task_id: TaskId, expected_version: int | None = None
    ) -> bool:
        values = {"task_id": task_id, "owner": user_id, "expected_version": expected_version}
        explained = self._dialect == "postgresql"
        statement = sql.delete_statement(expected_version is not None, explained)
        rows = (await self._statements.execute(statement, values, writes=True)).all()
        if not explained:
            if rows:
                return True
            await self._explain_miss(user_id, task_id, expected_version)  # raises if stale
            return False
        kinds = {row.kind: row.version for row in rows}
        if sql.CURRENT in kinds:
            raise VersionMismatchError(task_id, expected_version or 0, kinds[sql.CURRENT])
        return sql.CHANGED in kinds

    async def _write(
        self,
        user_id: UserId,
        task_id: TaskId,
        expected_version: int | None,
        names: tuple[str, ...],
        completion: sql.Completion,
        bound: dict[str, Any],
        at: datetime,
    ) -> TaskChange | None:
        """UPDATE ... WHERE owned AND at version AND changes something RETURNING the row;
        when no row comes back, one SELECT tells missing, stale and unchanged apart. A write
        that completes a recurring task stores its next occurrence: in the same statement on
        PostgreSQL (a data-modifying CTE), as a second one elsewhere."""
        combined = self._dialect == "postgresql"
        statement = sql.update_statement(names, completion, expected_version is not None, combined)
        bound |= {"task_id": task_id, "owner": user_id, "at": at}
        if expected_version is not None:
            bound["expected_version"] = expected_version
        if combined:
            return await self._write_combined(statement, bound, expected_version)
        row = (await self._statements.execute(statement, bound)).one_or_none()
        if row is None:
            return await self._unchanged(user_id, task_id, expected_version)
        task = _to_task(row)
        completed_now = bool(row.completed and row.completion_version == row.version)
        follow = task.next_occurrence() if completed_now else None
        if follow is None:
            return TaskChange(task)
        return TaskChange(task, next=await self.add(user_id=user_id, fields=follow, at=at))

    async def _write_combined(
        self, statement: Executable, bound: dict[str, Any], expected_version: int | None
    ) -> TaskChange | None:
        """One statement, one round trip, atomic without a transaction: the update, the next
        occurrence's INSERT when it completed a recurring task, and the row as it was when
        it updated nothing."""
        rows = (await self._statements.execute(statement, bound, writes=True)).all()
        by_kind = {row.kind: _to_task(row) for row in rows}
        if sql.CHANGED in by_kind:
            return TaskChange(by_kind[sql.CHANGED], next=by_kind.get(sql.CREATED))
        current = by_kind.get(sql.CURRENT)
        if current is None:
            return None
        if expected_version not in (None, current.version):
            raise VersionMismatchError(current.id, expected_version or 0, current.version)
        return TaskChange(current)

    async def _unchanged(
        self, user_id: UserId, task_id: TaskId, expected_version: int | None
    ) -> TaskChange | None:
        current = await self._explain_miss(user_id, task_id, expected_version)
        return None if current is None else TaskChange(current)

    async def _explain_miss(
        self, user_id: UserId, task_id: TaskId, expected_version: int | None
    ) -> Task | None:
        """After a conditional write matched nothing: None if the task is not the user's,
        VersionMismatchError if stale, else the unchanged task."""
        current = await self.get(user_id=user_id, task_id=task_id)
        if current is not None and expected_version not in (None, current.version):
            raise VersionMismatchError(task_id, expected_version or 0, current.version)
        return current


def _column_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Task fields by name (a patch's changes, or a new task's fields) in storage form."""
    values = dict(fields)
    if "title" in values:
        values["title_key"] = title_sort_key(values["title"])
    if "priority" in values:
        values["priority"] = values["priority"].rank
    if "tags" in values:
        values["tags"] = list(values["tags"])
    if isinstance(values.get("recurring_pattern"), Recurrence):
        values["recurring_pattern"] = values["recurring_pattern"].value
    return values


def _to_task(row: Row[Any]) -> Task:
    """A row as a Task (by position: this runs for every row of every list)."""
    (id_, user_id, title, _key, description, priority, tags, due_date, recurring, pattern,
     completed, completed_at, created_at, updated_at, version) = tuple(row)[-16:-1]  # fmt: skip
    return Task(
        id=id_,
        user_id=user_id,
        title=title,
        description=description,
        priority=_PRIORITIES[priority],
        tags=tuple(tags),
        due_date=due_date,
        recurring=recurring,
        recurring_pattern=None if pattern is None else _PATTERNS[pattern],
        completed=completed,
        completed_at=completed_at,
        created_at=created_at,
        updated_at=updated_at,
        version=version,
    )
