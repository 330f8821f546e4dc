"""What a task list asks for, and the opaque cursors that carry a keyset position between pages."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final, Generic, TypeVar

from application.errors import InvalidCursorError
from domain.errors import InvalidTaskError
from domain.tasks import ID_MAX, Priority, Task, UserId, check_text, title_sort_key, to_utc

LIMIT_MAX: Final = 200
LIMIT_DEFAULT: Final = 50

SortValue = datetime | int | str | None
T = TypeVar("T")


class StatusFilter(StrEnum):
    ALL = "all"
    PENDING = "pending"
    COMPLETED = "completed"


class SortField(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    DUE_DATE = "due_date"
    PRIORITY = "priority"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class TaskSort:
    """A sort key and direction; ties always break on id in the same direction."""

    field: SortField = SortField.CREATED_AT
    descending: bool = True

    @classmethod
    def parse(cls, text: str) -> TaskSort:
        """`title` ascending, `-title` descending. Raises ValueError for an unknown key."""
        descending = text.startswith("-")
        return cls(SortField(text.removeprefix("-")), descending)

    def __str__(self) -> str:
        return f"{'-' if self.descending else ''}{self.field.value}"

    def value_of(self, task: Task) -> SortValue:
        """The value of `task` under this key, as the repositories compare it."""
        if self.field is SortField.PRIORITY:
            return task.priority.rank
        if self.field is SortField.TITLE:
            return title_sort_key(task.title)
        value: datetime | None = getattr(task, self.field.value)
        return value


@dataclass(frozen=True, slots=True)
class Keyset:
    """Where the previous page ended: the last row's sort value and id."""

    value: SortValue
    id: int


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """Which of a user's tasks a list shows. Due bounds are half-open: after <= due < before."""

    status: StatusFilter = StatusFilter.ALL
    priority: Priority | None = None
    tags: tuple[str, ...] = ()
    text: str | None = None
    due_after: datetime | None = None
    due_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class TaskQuery:
    """One page of a filtered, sorted list: what the repository runs."""

    filter: TaskFilter = field(default_factory=TaskFilter)
    sort: TaskSort = field(default_factory=TaskSort)
    limit: int = LIMIT_DEFAULT
    after: Keyset | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Rows of one page and the cursor to the next one (None on the last page)."""

    items: list[T]
    next_cursor: str | None


def fingerprint(user_id: UserId, task_filter: TaskFilter, sort: TaskSort) -> str:
    """A digest binding a task list's cursor to its user, filters and sort."""
    return bind(user_id, task_filter, str(sort))


def encode_cursor(keyset: Keyset, *, bound_to: str) -> str:
    """An opaque, URL-safe token for `keyset`, valid only for the same query (`bound_to`)."""
    value = keyset.value
    typed = ["t", value.isoformat()] if isinstance(value, datetime) else ["v", value]
    raw = json.dumps({"k": typed, "i": keyset.id, "q": bound_to}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(token: str) -> tuple[Keyset, str]:
    """The keyset inside `token` and the query it is bound to, before any check against the
    current query. Raises InvalidCursorError if `token` is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        kind, value = data["k"]
        keyset = Keyset(datetime.fromisoformat(value) if kind == "t" else value, data["i"])
        bound_to: object = data["q"]
        row_id: object = data["i"]
        well_formed = isinstance(data["k"], list) and kind in ("t", "v")
        if isinstance(keyset.value, datetime):
            keyset = Keyset(to_utc(keyset.value), keyset.id)
    except (binascii.Error, ValueError, TypeError, KeyError, RecursionError, InvalidTaskError) as e:
        raise InvalidCursorError from e
    if not well_formed or not isinstance(bound_to, str) or not _storable(keyset.value):
        raise InvalidCursorError
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id <= ID_MAX:
        raise InvalidCursorError
    return keyset, bound_to


def _storable(value: object) -> bool:
    """Values a doctored cursor could carry that no column can hold are refused here."""
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) <= ID_MAX
    if isinstance(value, str):
        try:
            check_text("cursor", value)
        except InvalidTaskError:
            return False
    return True


def decode_cursor(token: str, *, bound_to: str, sort: TaskSort) -> Keyset:
    """The keyset inside a task list's `token`. Raises InvalidCursorError if it is malformed
    or was issued for another user or query."""
    return decode_position(token, bound_to=bound_to, value_type=_VALUE_TYPES[sort.field])


def decode_position(token: str, *, bound_to: str, value_type: type | tuple[type, ...]) -> Keyset:
    """The keyset inside any list's `token` (tasks, conversations, messages), whose sort
    value must be a `value_type`. Raises InvalidCursorError if it is malformed or was issued
    for another user or query."""
    keyset, issued_for = read_cursor(token)
    if issued_for != bound_to:
        raise InvalidCursorError
    if not isinstance(keyset.value, value_type) or isinstance(keyset.value, bool):
        raise InvalidCursorError
    return keyset


def bind(*parts: object) -> str:
    """A digest binding a cursor to what it pages through (a user, a list, its filters)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


_VALUE_TYPES: Final[dict[SortField, type | tuple[type, ...]]] = {
    SortField.CREATED_AT: datetime,
    SortField.UPDATED_AT: datetime,
    SortField.DUE_DATE: (datetime, type(None)),
    SortField.PRIORITY: int,
    SortField.TITLE: str,
}
