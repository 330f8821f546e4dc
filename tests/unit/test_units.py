"""`run_in_unit`: a unit the database undid to settle a conflict runs again whole, a bounded
number of times; its work's other errors pass through at once."""

from __future__ import annotations

import functools

import pytest

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.errors import StorageConflictError
from application.ports import UnitOfWork
from application.units import run_in_unit
from domain.errors import TaskNotFoundError


def factory() -> functools.partial[InMemoryUnitOfWork]:
    return functools.partial(InMemoryUnitOfWork, InMemoryStore())


async def test_a_conflicting_unit_runs_again_whole() -> None:
    runs = 0

    async def work(_: UnitOfWork) -> str:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise StorageConflictError
        return "done"

    assert await run_in_unit(factory(), work) == "done"
    assert runs == 3


async def test_it_gives_up_after_its_attempts() -> None:
    runs = 0

    async def work(_: UnitOfWork) -> None:
        nonlocal runs
        runs += 1
        raise StorageConflictError

    with pytest.raises(StorageConflictError):
        await run_in_unit(factory(), work, attempts=2)
    assert runs == 2


async def test_other_errors_are_not_retried() -> None:
    runs = 0

    async def work(_: UnitOfWork) -> None:
        nonlocal runs
        runs += 1
        raise TaskNotFoundError(7)

    with pytest.raises(TaskNotFoundError):
        await run_in_unit(factory(), work)
    assert runs == 1
