"""`Task.next_occurrence` in PostgreSQL terms, for the data-modifying CTE that completes a
recurring task and stores its next occurrence in one statement.

The rule is the domain's (one day, one week or one calendar month on, month ends clamped,
from the due date or else the completion time; nothing past year 9999), mirrored here so the
database can apply it to a row it has not sent us yet. A contract test holds the two equal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Table,
    and_,
    case,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
)

from domain.tasks import Recurrence

_INTERVALS: dict[Recurrence, ColumnElement[Any]] = {
    Recurrence.DAILY: literal_column("interval '1 day'"),
    Recurrence.WEEKLY: literal_column("interval '7 days'"),
    Recurrence.MONTHLY: literal_column("interval '1 month'"),
}
_CALENDAR_END: ColumnElement[Any] = literal_column("timestamp '10000-01-01 00:00:00'")


def next_occurrence_insert(tasks: Table, changed: Any) -> Insert:
    """INSERT the next occurrence of each row of `changed` (an UPDATE ... RETURNING CTE)
    that this very update completed and that recurs."""
    row = changed.c
    start = func.coalesce(row.due_date, row.completed_at, row.updated_at)
    step = case(
        *((row.recurring_pattern == pattern.value, gap) for pattern, gap in _INTERVALS.items())
    )
    # Calendar arithmetic on the UTC wall clock, whatever the session's time zone.
    next_utc: ColumnElement[Any] = func.timezone("UTC", start) + step
    completed_now = and_(row.completed, row.completion_version == row.version)
    source = select(
        row.user_id,
        row.title,
        row.title_key,
        row.description,
        row.priority,
        row.tags,
        func.timezone("UTC", next_utc),
        row.recurring,
        row.recurring_pattern,
        false(),
        null(),
        row.updated_at,
        row.updated_at,
        literal(1),
        literal(0),
    ).where(completed_now, row.recurring, next_utc < _CALENDAR_END)
    columns = [
        "user_id",
        "title",
        "title_key",
        "description",
        "priority",
        "tags",
        "due_date",
        "recurring",
        "recurring_pattern",
        "completed",
        "completed_at",
        "created_at",
        "updated_at",
        "version",
        "completion_version",
    ]
    return insert(tasks).from_select(columns, source).returning(tasks)
