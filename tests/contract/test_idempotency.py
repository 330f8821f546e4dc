"""Idempotency keys on every adapter: one run per key, the first response replayed, the
record committed with its write, crashed and expired claims taken over, old keys purged."""

from __future__ import annotations

import asyncio
import json

import pytest

from application.errors import IdempotencyInFlightError, IdempotencyKeyReusedError
from application.idempotency import (
    RETENTION,
    WRITE_LEASE,
    Claim,
    Idempotency,
    RequestKey,
    StoredResponse,
)
from application.listing import TaskFilter, TaskSort
from application.ports import UnitOfWork
from application.tasks import create_task, list_tasks
from tests.contract.conftest import Harness
from tests.factories import T0, FixedClock, in_unit, make_fields, new_user_id


class BoomError(Exception):
    """Stands for any failure of the first request."""


def request_key(user_id: str, key: str = "k-1", fingerprint: str = "f" * 64) -> RequestKey:
    return RequestKey(user_id=user_id, route="tasks", key=key, fingerprint=fingerprint)


async def create(idempotency: Idempotency, request: RequestKey, title: str = "Buy milk") -> object:
    """What an entry point does: the first run creates a task and records its response in
    the same unit; a repeat gets the stored response. Returns the response."""
    claimed = await idempotency.claim(request)
    if isinstance(claimed, StoredResponse):
        return claimed
    async with idempotency.releasing(claimed), idempotency.new_uow() as uow:
        task = await create_task(
            uow, user_id=request.user_id, fields=make_fields(title=title), at=T0
        )
        response = StoredResponse(201, json.dumps({"id": task.id}), (("location", f"/{task.id}"),))
        await idempotency.complete(uow, claimed, response)
    return response


async def titles(harness: Harness, user_id: str) -> list[str]:
    page = await in_unit(
        harness.new_uow(),
        list_tasks,
        user_id=user_id,
        task_filter=TaskFilter(),
        sort=TaskSort.parse("created_at"),
        limit=50,
    )
    return [task.title for task in page.items]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def idempotency(harness: Harness, clock: FixedClock) -> Idempotency:
    return Idempotency(new_uow=harness.new_uow, clock=clock)


class TestReplay:
    async def test_a_retry_replays_the_first_response_and_creates_nothing(
        self, harness: Harness, idempotency: Idempotency, user_id: str
    ) -> None:
        first = await create(idempotency, request_key(user_id))
        again = await create(idempotency, request_key(user_id), title="ignored")

        assert again == first
        assert await titles(harness, user_id) == ["Buy milk"]

    async def test_the_same_key_with_another_request_is_refused(
        self, idempotency: Idempotency, user_id: str
    ) -> None:
        await create(idempotency, request_key(user_id))

        with pytest.raises(IdempotencyKeyReusedError):
            await create(idempotency, request_key(user_id, fingerprint="0" * 64))

    async def test_keys_are_scoped_per_user_and_route(
        self, harness: Harness, idempotency: Idempotency, user_id: str
    ) -> None:
        other = new_user_id()
        await create(idempotency, request_key(user_id))
        await create(idempotency, request_key(other))
        elsewhere = RequestKey(user_id, "conversations", "k-1", "f" * 64)

        assert isinstance(await idempotency.claim(elsewhere), Claim)
        assert await titles(harness, other) == ["Buy milk"]


class TestInFlight:
    async def test_a_duplicate_while_the_first_runs_is_refused(
        self, idempotency: Idempotency, user_id: str
    ) -> None:
        assert isinstance(await idempotency.claim(request_key(user_id)), Claim)

        with pytest.raises(IdempotencyInFlightError):
            await idempotency.claim(request_key(user_id))

    async def test_ten_concurrent_requests_create_one_task(
        self, harness: Harness, idempotency: Idempotency, user_id: str
    ) -> None:
        outcomes = await asyncio.gather(
            *(create(idempotency, request_key(user_id)) for _ in range(10)),
            return_exceptions=True,
        )

        responses = [o for o in outcomes if isinstance(o, StoredResponse)]
        refused = [o for o in outcomes if isinstance(o, IdempotencyInFlightError)]
        assert len(responses) + len(refused) == 10, outcomes
        assert len({r.body for r in responses}) == 1
        assert await titles(harness, user_id) == ["Buy milk"]
        assert await create(idempotency, request_key(user_id)) == responses[0]


class TestFailure:
    async def test_a_failed_first_request_leaves_nothing_and_frees_the_key(
        self, harness: Harness, idempotency: Idempotency, user_id: str
    ) -> None:
        claimed = await idempotency.claim(request_key(user_id))
        assert isinstance(claimed, Claim)

        async def fail() -> None:
            async with idempotency.releasing(claimed), idempotency.new_uow() as uow:
                await create_task(uow, user_id=user_id, fields=make_fields(), at=T0)
                raise BoomError

        with pytest.raises(BoomError):
            await fail()

        assert await titles(harness, user_id) == []
        await create(idempotency, request_key(user_id), title="Second try")
        assert await titles(harness, user_id) == ["Second try"]

    async def test_the_record_commits_with_its_write_or_not_at_all(
        self, harness: Harness, idempotency: Idempotency, user_id: str
    ) -> None:
        claimed = await idempotency.claim(request_key(user_id))
        assert isinstance(claimed, Claim)

        async def fail() -> None:
            async with harness.new_uow() as uow:
                await complete_with_a_task(idempotency, uow, claimed)
                raise BoomError

        with pytest.raises(BoomError):
            await fail()

        assert await titles(harness, user_id) == []
        with pytest.raises(IdempotencyInFlightError):  # not completed, and not released
            await idempotency.claim(request_key(user_id))

    async def test_a_crashed_claim_is_taken_over_once_its_lease_ends(
        self, harness: Harness, idempotency: Idempotency, clock: FixedClock, user_id: str
    ) -> None:
        dead = await idempotency.claim(request_key(user_id))
        assert isinstance(dead, Claim)
        clock.advance(seconds=WRITE_LEASE.total_seconds() + 1)

        retry = await create(idempotency, request_key(user_id), title="Retry")

        # The slow first request, finishing at last, can no longer complete: it rolls back.
        with pytest.raises(IdempotencyInFlightError):
            async with harness.new_uow() as uow:
                await complete_with_a_task(idempotency, uow, dead)
        assert await titles(harness, user_id) == ["Retry"]
        assert await create(idempotency, request_key(user_id)) == retry


async def complete_with_a_task(idempotency: Idempotency, uow: UnitOfWork, claim: Claim) -> None:
    task = await create_task(uow, user_id=claim.request.user_id, fields=make_fields(), at=T0)
    await idempotency.complete(uow, claim, StoredResponse(201, json.dumps({"id": task.id})))


class TestExpiry:
    async def test_a_key_expires_after_a_day(
        self, harness: Harness, idempotency: Idempotency, clock: FixedClock, user_id: str
    ) -> None:
        await create(idempotency, request_key(user_id))
        clock.advance(seconds=RETENTION.total_seconds() + 1)

        await create(idempotency, request_key(user_id, fingerprint="0" * 64), title="Tomorrow")

        assert await titles(harness, user_id) == ["Buy milk", "Tomorrow"]

    async def test_claims_purge_every_expired_key_now_and_then(
        self, harness: Harness, clock: FixedClock, user_id: str
    ) -> None:
        idempotency = Idempotency(new_uow=harness.new_uow, clock=clock)
        old = [request_key(new_user_id()) for _ in range(3)]
        for request in old:
            await create(idempotency, request)
        kept = request_key(user_id, key="fresh")
        clock.advance(hours=23)
        await create(idempotency, kept)
        clock.advance(hours=2)

        await idempotency.claim(request_key(user_id, key="trigger"))  # a purge is due

        async with harness.new_uow() as uow:
            found = [
                await uow.idempotency.find(user_id=r.user_id, route=r.route, key=r.key)
                for r in (*old, kept)
            ]
        assert [record is not None for record in found] == [False, False, False, True]

    async def test_purging_waits_until_it_is_due(
        self, harness: Harness, idempotency: Idempotency, clock: FixedClock
    ) -> None:
        await idempotency.claim(request_key(new_user_id()))  # purges; the next is due later
        clock.advance(hours=-25)
        old = request_key(new_user_id())
        await idempotency.claim(old)
        clock.advance(hours=25, minutes=5)

        await idempotency.claim(request_key(new_user_id()))

        async with harness.new_uow() as uow:
            assert await uow.idempotency.find(user_id=old.user_id, route=old.route, key=old.key)
