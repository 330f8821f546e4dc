"""Query parameters of list routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from application.errors import InvalidCursorError
from application.listing import LIMIT_DEFAULT, LIMIT_MAX, StatusFilter, read_cursor
from domain.errors import InvalidTaskError
from domain.tasks import Priority, check_text, normalize_tag, to_utc

SortParam = Literal[
    "created_at",
    "-created_at",
    "due_date",
    "-due_date",
    "priority",
    "-priority",
    "title",
    "-title",
    "updated_at",
    "-updated_at",
]


class TaskListParams(BaseModel):
    """Filters, sort and page of `GET /api/{user_id}/tasks`. Unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore")

    status: StatusFilter = StatusFilter.ALL
    priority: Priority | None = None
    tag: list[str] = Field(
        default_factory=list, description="Repeatable; a task must carry every tag given."
    )
    q: str | None = Field(None, description="Case-insensitive substring of title or description.")
    due_after: datetime | None = Field(None, description="Inclusive: due_after <= due_date.")
    due_before: datetime | None = Field(None, description="Exclusive: due_date < due_before.")
    sort: SortParam = Field(
        "-created_at",
        description="`-` for descending; ties break on id in the same direction; tasks "
        "without a due date come last in either direction. `title` sorts case-insensitively.",
    )
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    cursor: str | None = Field(
        None, description="Opaque; take it from the `Link` header. Bound to user and query."
    )

    @field_validator("tag")
    @classmethod
    def _tags(cls, values: list[str]) -> list[str]:
        """Normalised like stored tags (trimmed, lower-cased)."""
        try:
            return list(dict.fromkeys(normalize_tag(value) for value in values))
        except InvalidTaskError as error:
            raise ValueError(error.issues[0].reason) from None

    @field_validator("q")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        try:
            return None if value is None else check_text("q", value)
        except InvalidTaskError as error:
            raise ValueError(error.issues[0].reason) from None

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        """Only the form here, so it is reported with other bad parameters; whether the
        cursor belongs to this user and query is checked when the list runs."""
        if value is not None:
            try:
                read_cursor(value)
            except InvalidCursorError as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("due_after", "due_before")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        try:
            return None if value is None else to_utc(value)
        except InvalidTaskError as error:
            raise ValueError(error.issues[0].reason) from None
