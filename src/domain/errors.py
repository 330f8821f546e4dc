"""Errors the business rules raise. They carry data, never transport details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self


class DomainError(Exception):
    """Base of every rule the domain enforces."""


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One field that broke a rule: which field, and why, in plain words."""

    field: str
    reason: str


class InvalidFieldsError(DomainError):
    """One or more fields break a rule; every failing field is listed."""

    def __init__(self, issues: list[FieldIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(f"{i.field}: {i.reason}" for i in issues))

    @classmethod
    def single(cls, field: str, reason: str) -> Self:
        return cls([FieldIssue(field, reason)])


class InvalidTaskError(InvalidFieldsError):
    """One or more task fields break a rule."""


class RecurrenceConflictError(InvalidTaskError):
    """A change valid in itself that would leave the stored task's recurrence inconsistent: a
    pattern for a task that does not recur, or recurring without a pattern."""


class InvalidConversationError(InvalidFieldsError):
    """A conversation field (its title) breaks a rule."""


class InvalidMessageError(InvalidFieldsError):
    """A message field (role, content) breaks a rule."""


class TaskNotFoundError(DomainError):
    """No task with this id belongs to the caller (whether or not it exists for someone else)."""

    def __init__(self, task_id: int) -> None:
        self.task_id = task_id
        super().__init__(f"task {task_id} not found")


class VersionMismatchError(DomainError):
    """The task changed since the version the caller expected."""

    def __init__(self, task_id: int, expected: int, actual: int) -> None:
        self.task_id = task_id
        self.expected = expected
        self.actual = actual
        super().__init__(f"task {task_id} is at version {actual}, not {expected}")


class ConversationNotFoundError(DomainError):
    """No conversation with this id belongs to the caller."""

    def __init__(self, conversation_id: int) -> None:
        self.conversation_id = conversation_id
        super().__init__(f"conversation {conversation_id} not found")
