"""Task request and response bodies. Field rules are the domain's, reused here so a 422 can
list every failing field at once. Types are strict (see `strict`); the schema states every
rule a request must meet, so a client generated from it sends nothing the service refuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.config import JsonDict

from domain.errors import InvalidTaskError
from domain.tasks import (
    DESCRIPTION_MAX,
    TITLE_MAX,
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
from entrypoints.api.schemas.strict import NO_NUL, NOT_BLANK, Flag, IsoDateTime, documented
from entrypoints.api.schemas.tag_list import TagList

_NOT_NULL = ("title", "priority", "tags", "recurring", "completed")

Title = Annotated[str, StringConstraints(max_length=TITLE_MAX), documented(NOT_BLANK)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX), documented(NO_NUL)]
DueDate = Annotated[IsoDateTime, WithJsonSchema({"type": "string", "format": "date-time"})]

_TITLE_DOC: Final = "Trimmed; 1..200 characters, not blank."
_DESCRIPTION_DOC: Final = "At most 1000 characters."
_DUE_DOC: Final = "ISO 8601 string; without an offset it is taken as UTC. Returned in UTC."


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _absent(description: str | None = None) -> Any:
    """The default of a field that refuses null: left out means "unchanged" (the handler
    reads only the fields sent); the schema declares neither null nor a default for it."""
    return Field(None, description=description, json_schema_extra=_no_default)


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
        return None if value is None else _domain_rule(to_utc, value)


_PATTERNS: Final[JsonDict] = {"type": "string", "enum": [pattern.value for pattern in Recurrence]}
_RECURS: Final[JsonDict] = {"properties": {"recurring": {"const": True}}, "required": ["recurring"]}
# The recurrence rule, told in the schema: `recurring: true` needs a pattern, and a pattern
# belongs only to a recurring task.
_RECURRENCE_RULE: Final[JsonDict] = {
    "if": _RECURS,
    "then": {"properties": {"recurring_pattern": _PATTERNS}, "required": ["recurring_pattern"]},
    "else": {"properties": {"recurring_pattern": {"type": "null"}}},
}
# In a PATCH the rule binds the body only when it sends both; otherwise the stored task
# decides (409 on a conflict).
_PATCH_RECURRENCE_RULE: Final[JsonDict] = {
    "if": {"required": ["recurring", "recurring_pattern"]},
    "then": _RECURRENCE_RULE,
}


class TaskCreate(_TaskBody):
    """A new task (POST); it starts pending."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_RECURRENCE_RULE)

    title: Title = Field(description=_TITLE_DOC, examples=["Buy milk"])
    description: Description | None = Field(None, description=_DESCRIPTION_DOC)
    priority: Priority = Priority.MEDIUM
    tags: TagList = Field(default_factory=list)
    due_date: DueDate | None = Field(None, description=_DUE_DOC)
    recurring: Flag = False
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

    completed: Flag = _absent(
        "Completes or reopens the task, as `/complete` does; left out, it stays as it is."
    )

    def to_patch(self) -> TaskPatch:
        sent = "completed" in self.model_fields_set
        return TaskPatch.replacing(self.to_fields(), completed=self.completed if sent else None)


class TaskUpdate(_TaskBody):
    """A partial update (PATCH): only the fields sent change. `null` clears `description`,
    `due_date` and `recurring_pattern`; the other fields refuse it. `recurring: false` also
    clears the pattern; `completed` has the same effect as `/complete`."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_PATCH_RECURRENCE_RULE)

    title: Title = _absent(_TITLE_DOC)
    description: Description | None = Field(None, description=f"{_DESCRIPTION_DOC} null clears.")
    priority: Priority = _absent()
    tags: TagList = _absent()
    due_date: DueDate | None = Field(None, description=f"{_DUE_DOC} null clears.")
    recurring: Flag = _absent()
    recurring_pattern: Recurrence | None = Field(None, description="null clears.")
    completed: Flag = _absent()

    def to_patch(self) -> TaskPatch:
        sent = {name: getattr(self, name) for name in self.model_fields_set}
        if "tags" in sent:
            sent["tags"] = tuple(sent["tags"])
        return TaskPatch(**{name: sent.get(name, UNSET) for name in TaskPatch.__dataclass_fields__})


class CompletionRequest(BaseModel):
    """Body of `/complete`; an empty body, no `completed` or `null` toggles."""

    model_config = ConfigDict(extra="ignore")

    completed: Flag | None = None


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
