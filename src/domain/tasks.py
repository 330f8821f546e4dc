"""The Task entity and the rules of its fields, completion and recurrence. Standard library only."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from domain.errors import FieldIssue, InvalidTaskError, RecurrenceConflictError

UserId = str
TaskId = int

TITLE_MAX: Final = 200
DESCRIPTION_MAX: Final = 1000
TAGS_MAX: Final = 20
TAG_MAX: Final = 50
ID_MAX: Final = 2**31 - 1  # ids and versions are 32-bit integers in storage


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Order for sorting: low < medium < high."""
        return _PRIORITY_RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> Priority:
        return _RANK_PRIORITY[rank]


_PRIORITY_RANK: Final = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3}
_RANK_PRIORITY: Final = {rank: priority for priority, rank in _PRIORITY_RANK.items()}


class Recurrence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"

    def after(self, moment: datetime) -> datetime:
        """The same moment one interval later; months clamp to their last day (Jan 31 -> Feb 28)."""
        if self is Recurrence.DAILY:
            return moment + timedelta(days=1)
        if self is Recurrence.WEEKLY:
            return moment + timedelta(weeks=1)
        year, month_index = divmod(moment.year * 12 + moment.month, 12)  # next month, 0-based
        day = min(moment.day, calendar.monthrange(year, month_index + 1)[1])
        return moment.replace(year=year, month=month_index + 1, day=day)


_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def check_text(field: str, value: str) -> str:
    """Text that every store can hold: no NUL character, no lone surrogate."""
    if "\x00" in value or _SURROGATE.search(value):
        raise InvalidTaskError.single(field, "must not contain NUL or unpaired surrogates")
    return value


def normalize_title(value: str) -> str:
    """Trimmed, 1..200 characters."""
    title = check_text("title", value).strip()
    if not title:
        raise InvalidTaskError.single("title", "must not be blank")
    if len(title) > TITLE_MAX:
        raise InvalidTaskError.single("title", f"must be at most {TITLE_MAX} characters")
    return title


def normalize_description(value: str | None) -> str | None:
    """At most 1000 characters; kept as sent."""
    if value is not None:
        check_text("description", value)
    if value is not None and len(value) > DESCRIPTION_MAX:
        raise InvalidTaskError.single(
            "description", f"must be at most {DESCRIPTION_MAX} characters"
        )
    return value


def normalize_tag(value: str) -> str:
    """Trimmed and lower-cased, 1..50 characters."""
    tag = check_text("tags", value).strip().lower()
    if not tag or len(tag) > TAG_MAX:
        raise InvalidTaskError.single("tags", f"each tag must be 1 to {TAG_MAX} characters")
    return tag


def normalize_tags(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Each tag normalised, duplicates removed (first one kept, order kept), at most 20."""
    tags = tuple(dict.fromkeys(normalize_tag(value) for value in values))
    if len(tags) > TAGS_MAX:
        raise InvalidTaskError.single("tags", f"at most {TAGS_MAX} tags")
    return tags


def to_utc(moment: datetime) -> datetime:
    """A moment without an offset is taken as UTC; every moment is returned in UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidTaskError.single("due_date", "is outside the supported range") from None


def title_sort_key(title: str) -> str:
    """How titles compare when sorting: case-insensitively, the same in every adapter."""
    return title.casefold()


def check_recurrence(recurring: bool, pattern: Recurrence | None) -> None:
    """`recurring: true` needs a pattern, and a pattern belongs only to a recurring task."""
    if recurring and pattern is None:
        raise InvalidTaskError.single("recurring_pattern", "is required when recurring is true")
    if not recurring and pattern is not None:
        raise InvalidTaskError.single("recurring_pattern", "must be null unless recurring is true")


_FIELD_RULES: Final[dict[str, Callable[[Any], Any]]] = {
    "title": normalize_title,
    "description": normalize_description,
    "tags": normalize_tags,
}


def _normalized(
    values: dict[str, Any], recurrence: tuple[Any, Any] | None = None
) -> dict[str, Any]:
    """Apply every field rule and, given `(recurring, pattern)`, the recurrence rule;
    all failures are collected into one InvalidTaskError."""
    issues: list[FieldIssue] = []
    result = dict(values)
    for name, rule in _FIELD_RULES.items():
        if name in values:
            try:
                result[name] = rule(values[name])
            except InvalidTaskError as error:
                issues.extend(error.issues)
    if result.get("due_date") is not None:
        result["due_date"] = to_utc(result["due_date"])
    if recurrence is not None:
        try:
            check_recurrence(*recurrence)
        except InvalidTaskError as error:
            issues.extend(error.issues)
    if issues:
        raise InvalidTaskError(issues)
    return result


@dataclass(frozen=True, slots=True)
class TaskFields:
    """The client-owned fields of a task, validated and normalised on construction."""

    title: str
    description: str | None = None
    priority: Priority = Priority.MEDIUM
    tags: tuple[str, ...] = ()
    due_date: datetime | None = None
    recurring: bool = False
    recurring_pattern: Recurrence | None = None

    def __post_init__(self) -> None:
        values = {name: getattr(self, name) for name in _FIELD_RULES}
        values["due_date"] = self.due_date
        recurrence = (self.recurring, self.recurring_pattern)
        for name, value in _normalized(values, recurrence).items():
            object.__setattr__(self, name, value)


class _Unset:
    """Marks a field a patch leaves alone (distinct from an explicit null)."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()


@dataclass(frozen=True, slots=True)
class TaskPatch:
    """Changes to some fields of a task; `UNSET` fields stay as they are.

    `recurring: false` also clears the pattern. Whether a pattern change fits the stored
    `recurring` flag is checked on the resulting task (in SQL, by a CHECK constraint).
    """

    title: str | _Unset = UNSET
    description: str | _Unset | None = UNSET
    priority: Priority | _Unset = UNSET
    tags: tuple[str, ...] | _Unset = UNSET
    due_date: datetime | _Unset | None = UNSET
    recurring: bool | _Unset = UNSET
    recurring_pattern: Recurrence | _Unset | None = UNSET
    completed: bool | _Unset = UNSET

    def __post_init__(self) -> None:
        if self.recurring is False and self.recurring_pattern is UNSET:
            object.__setattr__(self, "recurring_pattern", None)
        both = not isinstance(self.recurring, _Unset) and self.recurring_pattern is not UNSET
        recurrence = (self.recurring, self.recurring_pattern) if both else None
        for name, value in _normalized(self.changes(), recurrence).items():
            object.__setattr__(self, name, value)

    def changes(self) -> dict[str, Any]:
        """The fields this patch sets, by name."""
        return {
            name: getattr(self, name)
            for name in TaskPatch.__dataclass_fields__
            if getattr(self, name) is not UNSET
        }

    @classmethod
    def replacing(cls, fields: TaskFields, *, completed: bool | None = None) -> TaskPatch:
        """A full replacement of the client-owned fields; `completed` only when sent."""
        return cls(**client_fields(fields), completed=UNSET if completed is None else completed)


@dataclass(frozen=True, slots=True)
class Task:
    """A user's task as stored. Values are trusted: they passed TaskFields/TaskPatch rules."""

    id: TaskId
    user_id: UserId
    title: str
    description: str | None
    priority: Priority
    tags: tuple[str, ...]
    due_date: datetime | None
    recurring: bool
    recurring_pattern: Recurrence | None
    completed: bool
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = field(default=1)

    @classmethod
    def new(cls, *, task_id: TaskId, user_id: UserId, fields: TaskFields, at: datetime) -> Task:
        """A fresh, pending task at version 1."""
        return cls(
            id=task_id,
            user_id=user_id,
            **client_fields(fields),
            completed=False,
            completed_at=None,
            created_at=at,
            updated_at=at,
        )

    def patched(self, patch: TaskPatch, *, at: datetime) -> Task:
        """The task after `patch`; the same object when the patch changes nothing."""
        changes = {k: v for k, v in patch.changes().items() if getattr(self, k) != v}
        if not changes:
            return self
        if "completed" in changes:
            changes["completed_at"] = at if changes["completed"] else None
        result = replace(self, **changes, updated_at=at, version=self.version + 1)
        try:
            check_recurrence(result.recurring, result.recurring_pattern)
        except InvalidTaskError as error:
            raise RecurrenceConflictError(list(error.issues)) from None
        return result

    def next_occurrence(self) -> TaskFields | None:
        """For a completed recurring task, the pending copy due one interval later.

        The interval counts from the due date, or from the completion time when there is none.
        """
        if not (self.completed and self.recurring and self.recurring_pattern):
            return None
        start = self.due_date or self.completed_at or self.updated_at
        try:
            due = self.recurring_pattern.after(start)
        except (OverflowError, ValueError):
            return None  # the calendar ends before the next occurrence would be due
        return TaskFields(**client_fields(self) | {"due_date": due})


def client_fields(source: TaskFields | Task) -> dict[str, Any]:
    """The client-owned fields of `source`, by name (what TaskFields takes)."""
    return {name: getattr(source, name) for name in TaskFields.__dataclass_fields__}
