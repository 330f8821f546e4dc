"""TaskRepository in SQL: one statement per write, ownership in every WHERE."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Result,
    Row,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sql.engine import SQLITE_LOWER
from adapters.sql.recurrence import next_occurrence_insert
from adapters.sql.statements import Statements
from adapters.sql.tables import TaskRow
from application.listing import (
    Keyset,
    SortField,
    StatusFilter,
    TaskFilter,
    TaskQuery,
    TaskSort,
)
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

tasks = TaskRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table models
c = tasks.c

_SORT_COLUMNS = {
    SortField.CREATED_AT: c.created_at,
    SortField.UPDATED_AT: c.updated_at,
    SortField.DUE_DATE: c.due_date,
    SortField.PRIORITY: c.priority,
    SortField.TITLE: c.title_key,
}


class SqlTaskRepository:
    """Statements on the `tasks` table through the unit of work's connection."""

    def __init__(self, statements: Statements) -> None:
        self._statements = statements
        self._dialect = statements.dialect

    async def add(self, *, user_id: UserId, fields: TaskFields, at: datetime) -> Task:
        values = _column_values(client_fields(fields) | {"completed": False})
        statement = insert(tasks).values(
            **values,
            user_id=user_id,
            completed_at=None,
            created_at=at,
            updated_at=at,
            version=1,
            completion_version=0,
        )
        result = await self._execute(statement.returning(tasks))
        return _to_task(result.one())

    async def get(self, *, user_id: UserId, task_id: TaskId) -> Task | None:
        result = await self._execute(select(tasks).where(*_owned(user_id, task_id)))
        row = result.one_or_none()
        return None if row is None else _to_task(row)

    async def list(self, *, user_id: UserId, query: TaskQuery) -> list[Task]:
        statement = (
            select(tasks)
            .where(c.user_id == user_id, *_filters(query.filter, self._dialect))
            .order_by(*_order(query.sort))
            .limit(query.limit)
        )
        if query.after is not None:
            statement = statement.where(_after(query.sort, query.after))
        result = await self._execute(statement)
        return [_to_task(row) for row in result]

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
        differs = or_(*(c[name].is_distinct_from(value) for name, value in values.items()))
        if "completed" in values:
            flips = c.completed.is_distinct_from(values["completed"])
            completed_at = at if values["completed"] else None
            values["completed_at"] = case((flips, completed_at), else_=c.completed_at)
            values["completion_version"] = case((flips, c.version + 1), else_=c.completion_version)
        return await self._write(
            user_id, task_id, expected_version, values, condition=differs, at=at
        )

    async def toggle_completion(
        self, *, user_id: UserId, task_id: TaskId, at: datetime, expected_version: int | None = None
    ) -> TaskChange | None:
        values: dict[str, Any] = {
            "completed": not_(c.completed),
            "completed_at": case((c.completed, None), else_=at),
            "completion_version": c.version + 1,
        }
        return await self._write(
            user_id, task_id, expected_version, values, condition=true(), at=at
        )

    async def delete(
        self, *, user_id: UserId, task_id: TaskId, expected_version: int | None = None
    ) -> bool:
        statement = delete(tasks).where(*_owned(user_id, task_id), *_at_version(expected_version))
        result = await self._execute(statement.returning(c.id))
        if result.one_or_none() is not None:
            return True
        await self._explain_miss(user_id, task_id, expected_version)  # raises if stale
        return False

    async def _write(
        self,
        user_id: UserId,
        task_id: TaskId,
        expected_version: int | None,
        values: dict[str, Any],
        *,
        condition: ColumnElement[bool],
        at: datetime,
    ) -> TaskChange | None:
        """UPDATE ... WHERE owned AND at version AND changes something RETURNING the row;
        when no row comes back, one SELECT tells missing, stale and unchanged apart. A write
        that completes a recurring task stores its next occurrence: in the same statement on
        PostgreSQL (a data-modifying CTE), as a second one elsewhere."""
        statement = (
            update(tasks)
            .where(*_owned(user_id, task_id), *_at_version(expected_version), condition)
            .values(**values, version=c.version + 1, updated_at=at)
            .returning(tasks)
        )
        if self._dialect == "postgresql" and "completion_version" in values:
            return await self._write_with_follow_up(statement, user_id, task_id, expected_version)
        row = (await self._execute(statement)).one_or_none()
        if row is None:
            return await self._unchanged(user_id, task_id, expected_version)
        task = _to_task(row)
        completed_now = bool(row.completed and row.completion_version == row.version)
        follow_up = task.next_occurrence() if completed_now else None
        if follow_up is None:
            return TaskChange(task)
        return TaskChange(task, next=await self.add(user_id=user_id, fields=follow_up, at=at))

    async def _write_with_follow_up(
        self, update_: Any, user_id: UserId, task_id: TaskId, expected_version: int | None
    ) -> TaskChange | None:
        """The update and, when it completed a recurring task, the next occurrence's INSERT,
        as one statement: one round trip, atomic without a transaction."""
        changed = update_.cte("changed")
        created = next_occurrence_insert(tasks, changed).cte("created")
        statement = select(literal(0).label("created"), changed).union_all(
            select(literal(1).label("created"), created)
        )
        rows = (await self._statements.execute(statement, writes=True)).all()
        by_kind = {row.created: _to_task(row) for row in rows}
        if 0 not in by_kind:
            return await self._unchanged(user_id, task_id, expected_version)
        return TaskChange(by_kind[0], next=by_kind.get(1))

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

    async def _execute(self, statement: Executable) -> Result[Any]:
        return await self._statements.execute(statement)


def _filters(task_filter: TaskFilter, dialect: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if task_filter.status is not StatusFilter.ALL:
        conditions.append(c.completed == (task_filter.status is StatusFilter.COMPLETED))
    if task_filter.priority is not None:
        conditions.append(c.priority == task_filter.priority.rank)
    if task_filter.tags:
        conditions.extend(_has_tags(task_filter.tags, dialect))
    if task_filter.text:
        conditions.append(_mentions(task_filter.text, dialect))
    if task_filter.due_after is not None:
        conditions.append(c.due_date >= task_filter.due_after)
    if task_filter.due_before is not None:
        conditions.append(c.due_date < task_filter.due_before)
    return conditions


def _mentions(text: str, dialect: str) -> ColumnElement[bool]:
    """Case-insensitive substring of title or description (Unicode-aware on SQLite too)."""
    if dialect == "sqlite":
        lower = getattr(func, SQLITE_LOWER)
        needle = text.lower()
        return or_(
            lower(c.title).contains(needle, autoescape=True),
            lower(c.description).contains(needle, autoescape=True),
        )
    return or_(
        c.title.icontains(text, autoescape=True), c.description.icontains(text, autoescape=True)
    )


def _has_tags(tags: Sequence[str], dialect: str) -> list[ColumnElement[bool]]:
    """All of `tags`: JSONB containment (GIN-indexed) on PostgreSQL, json_each on SQLite."""
    if dialect == "postgresql":
        return [type_coerce(c.tags, JSONB).contains(list(tags))]
    conditions: list[ColumnElement[bool]] = []
    for tag in tags:
        each = func.json_each(c.tags).table_valued("value")
        conditions.append(exists(select(literal(1)).select_from(each).where(each.c.value == tag)))
    return conditions


def _owned(user_id: UserId, task_id: TaskId) -> tuple[ColumnElement[bool], ...]:
    return (c.id == task_id, c.user_id == user_id)


def _at_version(expected_version: int | None) -> tuple[ColumnElement[bool], ...]:
    return () if expected_version is None else (c.version == expected_version,)


def _order(sort: TaskSort) -> list[ColumnElement[Any]]:
    """ORDER BY the key, then id, in one direction; only `due_date` can be NULL, and its
    NULLs go last either way. Other keys get no NULLS clause, so a backward index scan
    serves the descending orders."""
    column = _SORT_COLUMNS[sort.field]
    key = column.desc() if sort.descending else column.asc()
    if sort.field is SortField.DUE_DATE:
        key = key.nulls_last()
    return [key, c.id.desc() if sort.descending else c.id.asc()]


def _after(sort: TaskSort, keyset: Keyset) -> ColumnElement[bool]:
    """Rows strictly after `keyset` in `sort` order; missing due dates come last either way."""
    column = _SORT_COLUMNS[sort.field]
    if keyset.value is None:
        later_id = c.id < keyset.id if sort.descending else c.id > keyset.id
        return and_(column.is_(None), later_id)
    position = tuple_(column, c.id)
    bound = tuple_(literal(keyset.value, column.type), literal(keyset.id))
    later = position < bound if sort.descending else position > bound
    return or_(column.is_(None), later) if sort.field is SortField.DUE_DATE else later


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
    pattern = row.recurring_pattern
    return Task(
        id=row.id,
        user_id=row.user_id,
        title=row.title,
        description=row.description,
        priority=Priority.from_rank(row.priority),
        tags=tuple(row.tags),
        due_date=row.due_date,
        recurring=row.recurring,
        recurring_pattern=None if pattern is None else Recurrence(pattern),
        completed=row.completed,
        completed_at=row.completed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )
