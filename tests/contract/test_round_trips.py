"""Round trips per use case on PostgreSQL, direct and through PgBouncer: what a serverless
database a few milliseconds away charges for. Counted at the socket, so a pre-ping, a
BEGIN/COMMIT or a read after a write would all show."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from adapters.sql.engine import build_engine, plan_connection
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.conversations import list_messages, post_message, start_conversation
from application.listing import TaskFilter, TaskSort
from application.tasks import (
    create_task,
    delete_task,
    get_task,
    list_tasks,
    set_completion,
    update_task,
)
from domain.conversations import NewMessage, Role
from domain.errors import TaskNotFoundError, VersionMismatchError
from domain.tasks import Recurrence, TaskPatch
from tests.factories import at, in_unit, make_fields, new_user_id
from tests.round_trips import RoundTripCounter, counting_proxy

UseCase = Callable[..., Awaitable[Any]]
# PostgreSQL direct: every single-write use case is one statement without BEGIN/COMMIT.
DIRECT = {"create": 1, "get": 1, "list": 1, "next page": 1, "patch": 1, "complete": 1,
          "complete recurring": 1, "delete": 1, "post message": 1, "list messages": 1,
          "complete, already done": 1, "stale patch (412)": 1, "delete, missing (404)": 1,
          "delete, stale (412)": 1}  # fmt: skip
# Behind PgBouncer 1.18 in transaction mode a prepared statement lives only inside a
# transaction, and asyncpg cannot keep one between transactions: BEGIN, Parse/Describe,
# Bind/Execute, Close of the one-use statement, COMMIT.
PGBOUNCER = dict.fromkeys(DIRECT, 5)


class Measured:
    """Runs each use case in a single-write unit, as the REST edge does, and counts."""

    def __init__(self, counter: RoundTripCounter, engine: Any, pgbouncer: bool) -> None:
        self.counter = counter
        self.engine = engine
        self.pgbouncer = pgbouncer
        self.user_id = new_user_id()

    async def run(self, use_case: UseCase, **arguments: Any) -> Any:
        uow = SqlUnitOfWork(self.engine, single_write=True, pgbouncer=self.pgbouncer)
        return await in_unit(uow, use_case, user_id=self.user_id, **arguments)

    async def trips(self, use_case: UseCase, **arguments: Any) -> int:
        before = self.counter.count
        await self.run(use_case, **arguments)
        return self.counter.count - before

    async def refused_trips(
        self, refusal: type[Exception], use_case: UseCase, **arguments: Any
    ) -> int:
        before = self.counter.count
        with pytest.raises(refusal):
            await self.run(use_case, **arguments)
        return self.counter.count - before


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("pgbouncer", marks=pytest.mark.pgbouncer)])  # fmt: skip
def target(request: pytest.FixtureRequest) -> tuple[str, bool]:
    """The database URL (with the schema) and whether it is behind PgBouncer."""
    url: str = request.getfixturevalue("postgres_schema")
    if request.param == "pgbouncer":
        return request.getfixturevalue("pgbouncer_database"), True
    return url, False


@pytest.fixture
async def measured(target: tuple[str, bool]) -> AsyncIterator[Measured]:
    url, pgbouncer = target
    async with counting_proxy(url) as counter:
        engine = build_engine(plan_connection(counter.url, pgbouncer=pgbouncer), pool_size=1)
        try:
            yield Measured(counter, engine, pgbouncer)
        finally:
            await engine.dispose()


async def trips_per_use_case(m: Measured) -> dict[str, int]:
    """Each use case twice: once to warm the connection and its statement cache, once
    counted."""
    daily = make_fields(recurring=True, recurring_pattern=Recurrence.DAILY, due_date=at(0))
    counts: dict[str, int] = {}
    for _ in range(2):
        ids = [(await m.run(create_task, fields=make_fields(), at=at(0))).id for _ in range(3)]
        recurring = (await m.run(create_task, fields=daily, at=at(0))).id
        listing: dict[str, Any] = {"task_filter": TaskFilter(), "sort": TaskSort(), "limit": 2}
        cursor = (await m.run(list_tasks, **listing)).next_cursor
        chat = (await m.run(start_conversation, title=None, at=at(0))).id
        hello = NewMessage(Role.USER, "hello")
        counts = {
            "create": await m.trips(create_task, fields=make_fields(), at=at(0)),
            "get": await m.trips(get_task, task_id=ids[0]),
            "list": await m.trips(list_tasks, **listing),
            "next page": await m.trips(list_tasks, **listing, cursor=cursor),
            "patch": await m.trips(
                update_task, task_id=ids[0], patch=TaskPatch(title="Renamed"), at=at(1)
            ),
            "complete": await m.trips(set_completion, task_id=ids[1], completed=True, at=at(1)),
            "complete recurring": await m.trips(
                set_completion, task_id=recurring, completed=True, at=at(1)
            ),
            "delete": await m.trips(delete_task, task_id=ids[2]),
            "post message": await m.trips(
                post_message, conversation_id=chat, message=hello, at=at(2)
            ),
            "list messages": await m.trips(list_messages, conversation_id=chat, limit=10),
            "complete, already done": await m.trips(
                set_completion, task_id=ids[1], completed=True, at=at(2)
            ),
            "stale patch (412)": await m.refused_trips(
                VersionMismatchError,
                update_task,
                task_id=ids[0],
                patch=TaskPatch(title="Lost"),
                at=at(3),
                expected_version=1,
            ),
            "delete, missing (404)": await m.refused_trips(
                TaskNotFoundError, delete_task, task_id=ids[2]
            ),
            "delete, stale (412)": await m.refused_trips(
                VersionMismatchError, delete_task, task_id=ids[0], expected_version=1
            ),
        }
    return counts


async def test_round_trips_per_use_case(measured: Measured) -> None:
    expected = PGBOUNCER if measured.pgbouncer else DIRECT
    assert await trips_per_use_case(measured) == expected
