"""Opening a unit of work at the edge, and running it again whole after a conflict.

A serialization failure or a deadlock undoes the whole unit (StorageConflictError); what it
computed from the rows it read is void, so only running the whole unit again is correct, and
only the code that opened the unit can do that. A unit's first statement is retried by the
SQL adapter itself (it is the whole unit at that point), which covers every single-statement
unit; `run_in_unit` is for units of several statements, such as a chat turn's steps.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from application.errors import StorageConflictError
from application.ports import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")

ATTEMPTS: Final = 3
BACKOFF_S: Final = 0.02  # doubled per attempt, times a random factor (jitter)


async def run_in_unit(
    new_uow: UnitOfWorkFactory,
    work: Callable[[UnitOfWork], Awaitable[T]],
    *,
    single_write: bool = False,
    attempts: int = ATTEMPTS,
) -> T:
    """`work` in a fresh unit, committed; the whole unit again (at most `attempts` times in
    all) when the database undid it to settle a conflict. Raises what `work` raises, and
    StorageConflictError when the last attempt conflicts too."""
    for attempt in range(1, attempts + 1):
        try:
            async with new_uow(single_write=single_write) as uow:
                return await work(uow)
        except StorageConflictError:
            if attempt == attempts:
                raise
            await asyncio.sleep(BACKOFF_S * 2**attempt * random.random())  # noqa: S311
    raise AssertionError("unreachable: the loop returns or raises")
