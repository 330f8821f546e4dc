"""Task request and response bodies. Field rules are the domain's, reused here so a 422 can
list every failing field at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from domain.errors import InvalidTaskError
from domain.tasks import (
    UNSET,
    Priority,
    Recurrence,
    Task,
    TaskFields,
    TaskPatch,
    check_recurrence,
    normalize_description,
    normalize_tags,
    normalize_title,
    to_utc,
)

_NOT_NULL = ("title", "priority", "tags", "recurring", "completed")


def _domain_rule(rule: Callable[[Any], Any], value: Any) -> Any:
    """Run a domain rule; its InvalidTaskError becomes the ValueError pydantic reports."""
    try:
        return rule(value)
    except InvalidTaskError as error:
        raise ValueError(error.issues[0].reason) from None


class _TaskBody(BaseModel):
    """Shared rules of bodies that carry task fields. Unknown and server-owned fields
    (`id`, `user_id`, `created_at`, `updated_at`, `completed_at`, `version`) are ignored."""

    model_config = ConfigDict(extra="ignore")

    @field_validator(*_NOT_NULL, mode="before", check_fields=False)
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null")
        return value

    @field_validator("title", check_fields=False)
    @classmethod
    def _title(cls, value: str) -> str:
        return str(_domain_rule(normalize_title, value))

    @field_validator("description", check_fields=False)
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        result: str | None = _domain_rule(normalize_description, value)
        return result

    @field_validator("tags", check_fields=False)
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return list(_domain_rule(normalize_tags, value))

    @field_validator("recurring_pattern", check_fields=False)
    @classmethod
    def _recurrence(cls, value: Recurrence | None, info: ValidationInfo) -> Recurrence | None:
        """Checked here when both flags are in the body, so the 422 lists it with the rest;
        a PATCH that sends only one is checked against the stored task."""
        recurring = info.data.get("recurring")
        if recurring is not None:
            _domain_rule(lambda _: check_recurrence(recurring, value), None)
        return value

    @field_validator("due_date", check_fields=False)
    @classmethod
    def _due_date(cls, value: datetime | None) -> datetime | None:
        return None if value is None else to_utc(value)


class TaskCreate(_TaskBody):
    """A new task (POST); it starts pending."""

    title: str = Field(description="Trimmed, 1..200 characters.", examples=["Buy milk"])
    description: str | None = Field(None, description="At most 1000 characters.")
    priority: Priority = Priority.MEDIUM
    tags: list[str] = Field(
        default_factory=list,
        description="At most 20; each trimmed, lower-cased, 1..50 characters; duplicates dropped.",
    )
    due_date: datetime | None = Field(
        None, description="ISO 8601; without an offset it is taken as UTC."
    )
    recurring: bool = False
    recurring_pattern: Recurrence | None = Field(
        None,
        validate_default=True,
        description="Required when `recurring` is true, null otherwise.",
    )

    def to_fields(self) -> TaskFields:
        return TaskFields(**self.model_dump(include=set(TaskFields.__dataclass_fields__)))


class TaskReplace(TaskCreate):
    """The full replacement of a task's client-owned fields (PUT): a field left out takes its
    default, except `completed`, which stays as it is when left out."""

    completed: bool | None = Field(
        None, description="Completes or reopens the task, as `/complete` does."
    )

    def to_patch(self) -> TaskPatch:
        return TaskPatch.replacing(self.to_fields(), completed=self.completed)


class TaskUpdate(_TaskBody):
    """A partial update (PATCH): only the fields sent change. `recurring: false` also clears
    the pattern; `completed` has the same effect as `/complete`."""

    title: str | None = None
    description: str | None = None
    priority: Priority | None = None
    tags: list[str] | None = None
    due_date: datetime | None = None
    recurring: bool | None = None
    recurring_pattern: Recurrence | None = None
    completed: bool | None = None

    def to_patch(self) -> TaskPatch:
        sent = {name: getattr(self, name) for name in self.model_fields_set}
        if "tags" in sent:
            sent["tags"] = tuple(sent["tags"])
        return TaskPatch(**{name: sent.get(name, UNSET) for name in TaskPatch.__dataclass_fields__})


class CompletionRequest(BaseModel):
    """Body of `/complete`; an empty body (or no `completed`) toggles."""

    model_config = ConfigDict(extra="ignore")

    completed: bool | None = None


class TaskOut(BaseModel):
    """A task as clients see it; times are UTC with `Z`."""

    id: int
    user_id: str
    title: str
    description: str | None
    completed: bool
    completed_at: datetime | None
    priority: Priority
    tags: list[str]
    due_date: datetime | None
    recurring: bool
    recurring_pattern: Recurrence | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, task: Task) -> TaskOut:
        return cls.model_validate(task, from_attributes=True)
