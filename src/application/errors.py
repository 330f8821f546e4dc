"""Failures of the application layer that are not business rules. Data only, no statuses."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of the application layer's own failures."""


class InvalidCursorError(ApplicationError):
    """A pagination cursor that is malformed, doctored or issued for another query or user."""

    def __init__(self) -> None:
        super().__init__("cursor is not valid for this query")


class StorageUnavailableError(ApplicationError):
    """The database cannot be reached or did not answer in time; the caller may retry."""

    def __init__(self, reason: str = "database unavailable") -> None:
        self.reason = reason
        super().__init__(reason)


class AssistantUnavailableError(ApplicationError):
    """The assistant's provider failed or timed out; the user's message is already stored."""

    def __init__(self, reason: str = "assistant unavailable") -> None:
        self.reason = reason
        super().__init__(reason)


class ToolError(ApplicationError):
    """A tool call that cannot run: an invalid argument or a missing task. The message is
    plain words, fit to show the assistant (and the user)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
