"""The task repository's statements, built once per shape and reused with bound parameters.

Building a SQLAlchemy statement and computing its cache key cost more CPU than running it
(a completion's CTE made ~300 column objects per request). So each statement is built once
for each shape it takes (which fields a patch sets, which filters a list uses) and cached
here; a request only binds its values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Literal

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    Select,
    and_,
    bindparam,
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
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from adapters.sql.engine import SQLITE_LOWER
from adapters.sql.recurrence import next_occurrence_insert
from adapters.sql.tables import TaskRow
from application.listing import SortField, StatusFilter, TaskQuery, TaskSort

tasks = TaskRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table models
c = tasks.c

SORT_COLUMNS: Final = {
    SortField.CREATED_AT: c.created_at,
    SortField.UPDATED_AT: c.updated_at,
    SortField.DUE_DATE: c.due_date,
    SortField.PRIORITY: c.priority,
    SortField.TITLE: c.title_key,
}
_OWNED: Final = (c.id == bindparam("task_id"), c.user_id == bindparam("owner"))
_AT_VERSION: Final = c.version == bindparam("expected_version")
LIKE_ESCAPE: Final = "/"

INSERT: Final = insert(tasks).returning(tasks)
GET: Final = select(tasks).where(*_OWNED)

# Rows of a PostgreSQL write statement, told apart by a `kind` column.
CHANGED: Final = 0  # the row as the write left it
CREATED: Final = 1  # the next occurrence it stored
CURRENT: Final = 2  # the row as it was, when the write matched nothing (stale or unchanged)


@lru_cache(maxsize=4)
def delete_statement(versioned: bool, explained: bool) -> Executable:
    """DELETE ... WHERE owned [AND at version] RETURNING id. `explained` (PostgreSQL): when it
    deletes nothing, the same statement returns the row's version, if the row is the user's,
    so 404 and 412 are told apart in one round trip."""
    statement = delete(tasks).where(*_OWNED, *((_AT_VERSION,) if versioned else ()))
    if not explained:
        return statement.returning(c.id)
    gone = statement.returning(c.id, c.version).cte("gone")
    return union_all(
        select(literal(CHANGED).label("kind"), gone.c.version),
        select(literal(CURRENT).label("kind"), c.version).where(*_OWNED, ~exists(gone.select())),
    )


Completion = Literal["keep", "set", "toggle"]


def _value(name: str) -> Any:
    return bindparam(f"v_{name}", type_=c[name].type)


@lru_cache(maxsize=512)
def update_statement(
    names: tuple[str, ...], completion: Completion, versioned: bool, combined: bool
) -> Executable:
    """UPDATE ... SET `names` WHERE owned [AND at version] AND something changes RETURNING
    the row. `completion` says how `completed` changes: as sent (`set`), flipped (`toggle`)
    or not at all. `combined` (PostgreSQL) makes it one statement of data-modifying CTEs that
    also inserts the next occurrence of a recurring task it completes (`CREATED` rows) and,
    when it updates nothing, returns the row as it is (`CURRENT`): missing, stale and
    unchanged are then told apart without a second round trip."""
    at = bindparam("at", type_=c.updated_at.type)
    sets: dict[str, Any] = {name: _value(name) for name in names}
    changes: ColumnElement[bool] = true()
    if names:
        changes = or_(*(c[n].is_distinct_from(sets[n]) for n in names))
    if completion == "set":
        flips = c.completed.is_distinct_from(sets["completed"])
        completed_at = bindparam("b_completed_at", type_=c.completed_at.type)
        sets["completed_at"] = case((flips, completed_at), else_=c.completed_at)
        sets["completion_version"] = case((flips, c.version + 1), else_=c.completion_version)
    elif completion == "toggle":
        sets["completed"] = not_(c.completed)
        sets["completed_at"] = case((c.completed, None), else_=at)
        sets["completion_version"] = c.version + 1
    statement = (
        update(tasks)
        .where(*_OWNED, *((_AT_VERSION,) if versioned else ()), changes)
        .values(**sets, version=c.version + 1, updated_at=at)
        .returning(tasks)
    )
    if not combined:
        return statement
    changed = statement.cte("changed")
    parts = [select(literal(CHANGED).label("kind"), changed)]
    if completion != "keep":
        created = next_occurrence_insert(tasks, changed).cte("created")
        parts.append(select(literal(CREATED).label("kind"), created))
    # The main query reads the snapshot from before the CTEs ran: the row as it was.
    as_it_was = select(literal(CURRENT).label("kind"), tasks).where(
        *_OWNED, ~exists(changed.select())
    )
    return union_all(*parts, as_it_was)


@dataclass(frozen=True, slots=True)
class ListShape:
    """What decides a list statement's SQL (not its values)."""

    dialect: str
    sort: TaskSort
    status: StatusFilter
    priority: bool
    tags: int
    text: bool
    due_after: bool
    due_before: bool
    after: Literal["none", "null", "value"]


def list_request(
    user_id: str, query: TaskQuery, dialect: str
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement for `query` and the values to bind to it."""
    flt, after = query.filter, query.after
    shape = ListShape(
        dialect=dialect,
        sort=query.sort,
        status=flt.status,
        priority=flt.priority is not None,
        tags=len(flt.tags),
        text=bool(flt.text),
        due_after=flt.due_after is not None,
        due_before=flt.due_before is not None,
        after="none" if after is None else ("null" if after.value is None else "value"),
    )
    values: dict[str, Any] = {"owner": user_id, "limit": query.limit}
    values |= {f"tag_{i}": tag for i, tag in enumerate(flt.tags)}
    if dialect == "postgresql" and flt.tags:
        values["tags"] = list(flt.tags)
    if flt.priority is not None:
        values["priority"] = flt.priority.rank
    if flt.text:
        needle = flt.text.lower() if dialect == "sqlite" else flt.text
        escaped = "".join(LIKE_ESCAPE + ch if ch in "%_/" else ch for ch in needle)
        values["pattern"] = f"%{escaped}%"
    values |= {"due_after": flt.due_after, "due_before": flt.due_before}
    if after is not None:
        values |= {"after_value": after.value, "after_id": after.id}
    return list_statement(shape), values


@lru_cache(maxsize=512)
def list_statement(shape: ListShape) -> Select[Any]:
    statement = (
        select(tasks)
        .where(c.user_id == bindparam("owner"), *_filters(shape))
        .order_by(*_order(shape.sort))
        .limit(bindparam("limit", type_=Integer))
    )
    if shape.after != "none":
        statement = statement.where(_after(shape.sort, value_is_null=shape.after == "null"))
    return statement


def _filters(shape: ListShape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if shape.status is not StatusFilter.ALL:
        conditions.append(c.completed == (shape.status is StatusFilter.COMPLETED))
    if shape.priority:
        conditions.append(c.priority == bindparam("priority"))
    if shape.tags:
        conditions.extend(_has_tags(shape.tags, shape.dialect))
    if shape.text:
        conditions.append(_mentions(shape.dialect))
    if shape.due_after:
        conditions.append(c.due_date >= bindparam("due_after", type_=c.due_date.type))
    if shape.due_before:
        conditions.append(c.due_date < bindparam("due_before", type_=c.due_date.type))
    return conditions


def _mentions(dialect: str) -> ColumnElement[bool]:
    """Case-insensitive substring of title or description: ILIKE on PostgreSQL; on SQLite,
    whose lower() folds ASCII only, a registered Unicode lower() and a lower-cased needle."""
    pattern: Any = bindparam("pattern")
    if dialect == "sqlite":
        lower = getattr(func, SQLITE_LOWER)
        return or_(
            lower(c.title).like(pattern, escape=LIKE_ESCAPE),
            lower(c.description).like(pattern, escape=LIKE_ESCAPE),
        )
    return or_(
        c.title.ilike(pattern, escape=LIKE_ESCAPE),
        c.description.ilike(pattern, escape=LIKE_ESCAPE),
    )


def _has_tags(count: int, dialect: str) -> Sequence[ColumnElement[bool]]:
    """All of the tags: JSONB containment (GIN-indexed) on PostgreSQL, json_each on SQLite."""
    if dialect == "postgresql":
        return [type_coerce(c.tags, JSONB).contains(bindparam("tags", type_=JSONB))]
    conditions: list[ColumnElement[bool]] = []
    for index in range(count):
        each = func.json_each(c.tags).table_valued("value")
        match = each.c.value == bindparam(f"tag_{index}")
        conditions.append(exists(select(literal(1)).select_from(each).where(match)))
    return conditions


def _order(sort: TaskSort) -> list[ColumnElement[Any]]:
    """ORDER BY the key, then id, in one direction; only `due_date` can be NULL, and its
    NULLs go last either way. Other keys get no NULLS clause, so a backward index scan
    serves the descending orders."""
    column = SORT_COLUMNS[sort.field]
    key = column.desc() if sort.descending else column.asc()
    if sort.field is SortField.DUE_DATE:
        key = key.nulls_last()
    return [key, c.id.desc() if sort.descending else c.id.asc()]


def _after(sort: TaskSort, *, value_is_null: bool) -> ColumnElement[bool]:
    """Rows strictly after the keyset (`after_value`, `after_id`) in `sort` order; missing
    due dates come last either way."""
    column = SORT_COLUMNS[sort.field]
    after_id = bindparam("after_id", type_=Integer)
    if value_is_null:
        later_id = c.id < after_id if sort.descending else c.id > after_id
        return and_(column.is_(None), later_id)
    position = tuple_(column, c.id)
    bound = tuple_(bindparam("after_value", type_=column.type), after_id)
    later = position < bound if sort.descending else position > bound
    return or_(column.is_(None), later) if sort.field is SortField.DUE_DATE else later
