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


class StorageConflictError(StorageUnavailableError):
    """The database undid the unit to settle a conflict with another one (a serialization
    failure or a deadlock). Running the whole unit again may succeed: see `run_in_unit`."""

    def __init__(self) -> None:
        super().__init__("conflict with a concurrent change")


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


class IdempotencyKeyReusedError(ApplicationError):
    """An `Idempotency-Key` already used by this user on this route, with another request."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__("idempotency key reused with another request")


class IdempotencyInFlightError(ApplicationError):
    """The first request with this `Idempotency-Key` is still running (or lost its claim to
    a retry after its lease ran out); the caller may retry once it has finished."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__("a request with this idempotency key is in flight")
