"""Errors the business rules raise. They carry data, never transport details."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every rule the domain enforces."""


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One field that broke a rule: which field, and why, in plain words."""

    field: str
    reason: str


class InvalidTaskError(DomainError):
    """One or more task fields break a rule; every failing field is listed."""

    def __init__(self, issues: list[FieldIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(f"{i.field}: {i.reason}" for i in issues))

    @classmethod
    def single(cls, field: str, reason: str) -> InvalidTaskError:
        return cls([FieldIssue(field, reason)])


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
