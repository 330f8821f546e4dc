"""Query parameters of list routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from application.errors import InvalidCursorError
from application.listing import LIMIT_DEFAULT, LIMIT_MAX, StatusFilter, read_cursor
from domain.errors import InvalidTaskError
from domain.tasks import TAG_MAX, Priority, check_text, normalize_tag, to_utc
from entrypoints.api.schemas.strict import NO_NUL, NOT_BLANK, IsoDateTime, WholeNumber, documented

TAG_FILTERS_MAX: Final = 20  # each is one more condition; ~1000 overflowed SQLite's parser
TagFilter = Annotated[str, StringConstraints(max_length=TAG_MAX), documented(NOT_BLANK)]
StatusParam = Literal["all", "pending", "completed", "incomplete"]

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

    status: StatusParam = Field(
        "all", description="`incomplete` (which some front ends send) means `pending`."
    )
    priority: Priority | None = None
    tag: list[TagFilter] = Field(
        default_factory=list,
        json_schema_extra={"maxItems": TAG_FILTERS_MAX},
        description=f"Repeatable up to {TAG_FILTERS_MAX} times; a task must carry every tag "
        "given. Trimmed and lower-cased like stored tags.",
    )
    q: Annotated[str, documented(NO_NUL)] | None = Field(
        None, description="Case-insensitive substring of title or description."
    )
    due_after: IsoDateTime | None = Field(None, description="Inclusive: due_after <= due_date.")
    due_before: IsoDateTime | None = Field(None, description="Exclusive: due_date < due_before.")
    sort: SortParam = Field(
        "-created_at",
        description="`-` for descending; ties break on id in the same direction; tasks "
        "without a due date come last in either direction. `title` sorts case-insensitively.",
    )
    limit: WholeNumber = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    cursor: str | None = Field(
        None, description="Opaque; take it from the `Link` header. Bound to user and query."
    )

    @property
    def status_filter(self) -> StatusFilter:
        return StatusFilter.PENDING if self.status == "incomplete" else StatusFilter(self.status)

    @field_validator("tag", mode="before")
    @classmethod
    def _few_tags(cls, values: object) -> object:
        if isinstance(values, list) and len(values) > TAG_FILTERS_MAX:
            raise ValueError(f"at most {TAG_FILTERS_MAX} tag filters")
        return values

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
