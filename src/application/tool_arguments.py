"""Reading a tool call's JSON arguments into domain values, with plain-words errors.

Types are strict, as in the REST API: booleans are JSON booleans, numbers are not booleans,
dates are ISO 8601 strings. Two leniencies serve agents: `task_id` may be a string of ASCII
digits ("5" is 5), and `tags` may be one comma-separated string. A `null` argument counts as
not given, since many agents send every optional argument, set or not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, TypeVar

from application.errors import ToolError
from application.listing import LIMIT_DEFAULT, LIMIT_MAX, StatusFilter, TaskFilter
from domain.tasks import (
    ID_MAX,
    Priority,
    Recurrence,
    TaskFields,
    TaskId,
    TaskPatch,
    check_text,
    normalize_tag,
    to_utc,
)

E = TypeVar("E", bound=StrEnum)

PATCHABLE: Final = (
    "title",
    "description",
    "priority",
    "tags",
    "due_date",
    "recurring",
    "recurring_pattern",
)
DATE_HELP: Final = "an ISO 8601 date or date-time string, like 2026-12-24 or 2026-12-24T17:00:00Z"


class Arguments:
    """A tool call's arguments; each accessor checks one argument's type."""

    def __init__(self, values: object) -> None:
        if not isinstance(values, Mapping):
            raise ToolError("the arguments must be a JSON object")
        self._values: Mapping[str, Any] = values

    def given(self, name: str) -> bool:
        return self._values.get(name) is not None

    def check_user(self, user_id: str) -> None:
        """A `user_id` argument, when sent, must name the caller."""
        if self.given("user_id") and self._values["user_id"] != user_id:
            raise ToolError("user_id must be the signed-in user")

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self._values.get(name)
        if value is None:
            if required:
                raise ToolError(f"{name} is required")
            return None
        if not isinstance(value, str):
            raise ToolError(f"{name} must be a string")
        return value

    def task_id(self) -> TaskId:
        """`task_id`: a whole number, or a string of digits."""
        value = self._values.get("task_id")
        if value is None:
            raise ToolError("task_id is required")
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ToolError("task_id must be a whole number")
        if not 0 < value <= ID_MAX:
            raise ToolError(f"task_id must be between 1 and {ID_MAX}")
        return value

    def choice(self, name: str, kind: type[E]) -> E | None:
        """One of an enum's values, case-insensitively."""
        value = self.text(name)
        if value is None:
            return None
        try:
            return kind(value.strip().lower())
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise ToolError(f"{name} must be one of {allowed}") from None

    def flag(self, name: str) -> bool | None:
        value = self._values.get(name)
        if value is not None and not isinstance(value, bool):
            raise ToolError(f"{name} must be true or false")
        return value

    def tags(self) -> tuple[str, ...] | None:
        """A list of strings, or one comma-separated string (blank parts dropped)."""
        value = self._values.get("tags")
        if value is None:
            return None
        if isinstance(value, str):
            return tuple(part for part in value.split(",") if part.strip())
        if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
            raise ToolError("tags must be a list of strings or one comma-separated string")
        return tuple(value)

    def moment(self, name: str) -> datetime | None:
        """An ISO 8601 date-time; a date alone is that day at 00:00, and no offset means UTC."""
        value = self.text(name)
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            raise ToolError(f"{name} must be {DATE_HELP}") from None

    def limit(self) -> int:
        value = self._values.get("limit", LIMIT_DEFAULT)
        if value is None:
            return LIMIT_DEFAULT
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= LIMIT_MAX:
            raise ToolError(f"limit must be a whole number from 1 to {LIMIT_MAX}")
        return value


def task_fields(arguments: Arguments) -> TaskFields:
    """A new task's fields. A `recurring_pattern` alone implies `recurring: true`.
    Raises ToolError, InvalidTaskError."""
    pattern = arguments.choice("recurring_pattern", Recurrence)
    recurring = arguments.flag("recurring")
    return TaskFields(
        title=arguments.text("title", required=True) or "",
        description=arguments.text("description"),
        priority=arguments.choice("priority", Priority) or Priority.MEDIUM,
        tags=arguments.tags() or (),
        due_date=arguments.moment("due_date"),
        recurring=pattern is not None if recurring is None else recurring,
        recurring_pattern=pattern,
    )


def task_patch(arguments: Arguments) -> TaskPatch:
    """The fields an update sets; at least one. Raises ToolError, InvalidTaskError."""
    readers: dict[str, Callable[[], Any]] = {
        "title": lambda: arguments.text("title"),
        "description": lambda: arguments.text("description"),
        "priority": lambda: arguments.choice("priority", Priority),
        "tags": arguments.tags,
        "due_date": lambda: arguments.moment("due_date"),
        "recurring": lambda: arguments.flag("recurring"),
        "recurring_pattern": lambda: arguments.choice("recurring_pattern", Recurrence),
    }
    changes = {name: read() for name, read in readers.items() if arguments.given(name)}
    if not changes:
        raise ToolError(f"give at least one field to change: {', '.join(PATCHABLE)}")
    return TaskPatch(**changes)


def task_filter(arguments: Arguments) -> TaskFilter:
    """Which tasks a list shows. Raises ToolError, InvalidTaskError."""
    tag = arguments.text("tag")
    text = arguments.text("q")
    due_after, due_before = arguments.moment("due_after"), arguments.moment("due_before")
    return TaskFilter(
        status=arguments.choice("status", StatusFilter) or StatusFilter.ALL,
        priority=arguments.choice("priority", Priority),
        tags=(normalize_tag(tag),) if tag is not None else (),
        text=check_text("q", text) if text else None,
        due_after=_utc(due_after),
        due_before=_utc(due_before),
    )


def _utc(moment: datetime | None) -> datetime | None:
    """Filter bounds compare with stored UTC moments; no offset means UTC, as for due dates."""
    return None if moment is None else to_utc(moment)
