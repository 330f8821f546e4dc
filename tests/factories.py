"""Builders for test data: plain functions with overridable defaults."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import uuid4

from application.ports import UnitOfWork
from domain.tasks import TaskFields

R = TypeVar("R")

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def new_user_id() -> str:
    """A user no other test uses: tests need no cleanup and may run in any order."""
    return f"u_{uuid4().hex[:12]}"


def make_fields(**overrides: Any) -> TaskFields:
    values: dict[str, Any] = {"title": "Buy milk"}
    values.update(overrides)
    return TaskFields(**values)


def at(minutes: int) -> datetime:
    """A moment `minutes` after T0."""
    return T0 + timedelta(minutes=minutes)


class FixedClock:
    """A clock that says what it is told; `advance` moves it on."""

    def __init__(self, now: datetime = T0) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


async def in_unit(uow: UnitOfWork, use_case: Callable[..., Awaitable[R]], **arguments: Any) -> R:
    """Run one use case in its own unit of work, as a thin entry point does."""
    async with uow:
        return await use_case(uow, **arguments)
