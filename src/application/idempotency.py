"""Safe retries: an `Idempotency-Key` runs its request once, and replays the first response.

Claim, then complete. A request with a key first claims it: one statement, in a unit of its
own, stores an in-flight record that holds a fresh claim token (or finds the record already
there). The write and the completed record (the response to replay) then commit together, in
the unit that makes the write; the completion matches the record only while it still holds
that token. So:

- a duplicate sent while the first runs finds the in-flight record: IdempotencyInFlightError;
- a retry once the first has finished finds its response and replays it;
- the same key with another request: IdempotencyKeyReusedError;
- a first request that fails gives its claim up, so that a retry runs afresh;
- a first request that dies (a crash, a kill) leaves its claim in flight: once the claim's
  lease has run out, a retry takes it over with a new token, and the dead request, if it was
  only slow after all, can no longer complete (its write rolls back);
- records expire `RETENTION` after they were claimed: an expired one is taken over like a
  stale claim, and every `PURGE_EVERY` a claim also deletes every expired record (no
  separate cleaning service).

A chat turn spans several units (no transaction is held across an assistant call): its claim
completes in the turn's last unit, the one that stores the reply.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol

from application.errors import IdempotencyInFlightError, IdempotencyKeyReusedError
from application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from domain.tasks import UserId

log = logging.getLogger(__name__)

RETENTION: Final = timedelta(hours=24)
PURGE_EVERY: Final = timedelta(minutes=10)
WRITE_LEASE: Final = timedelta(minutes=1)  # a claim older than this, still in flight, is dead


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What the first request answered, replayed as it was. Opaque to the core: the entry
    point that made it reads it back."""

    status: int
    body: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A key's record: `response` is None while the first request is in flight."""

    fingerprint: str
    created_at: datetime
    response: StoredResponse | None


@dataclass(frozen=True, slots=True)
class RequestKey:
    """A user's key on a route, and the fingerprint of the request it came with."""

    user_id: UserId
    route: str
    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class ClaimTerms:
    """A claim about to be made: its request's fingerprint, its token, when it is made, and
    the record it may take over: one claimed before `expired_before`, or one still in flight
    that was claimed before `stale_before` (its request died)."""

    fingerprint: str
    token: str
    at: datetime
    expired_before: datetime
    stale_before: datetime


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to run a request once and record its response: held by `token`."""

    request: RequestKey
    token: str


class IdempotencyRepository(Protocol):
    """Records of idempotency keys, per user, route and key. None commits."""

    async def claim(self, *, user_id: UserId, route: str, key: str, terms: ClaimTerms) -> bool:
        """Store an in-flight record held by `terms.token`, or take over the record there if
        the terms allow; False if another record stands. One statement."""
        ...

    async def find(self, *, user_id: UserId, route: str, key: str) -> IdempotencyRecord | None:
        """The key's record, or None."""
        ...

    async def complete(
        self, *, user_id: UserId, route: str, key: str, token: str, response: StoredResponse
    ) -> bool:
        """Store the response on the in-flight record `token` holds; False if it holds none."""
        ...

    async def release(self, *, user_id: UserId, route: str, key: str, token: str) -> None:
        """Delete the in-flight record `token` holds, if any."""
        ...

    async def purge(self, *, before: datetime) -> int:
        """Delete every record claimed before `before`, whoever's: housekeeping, the one
        method not scoped by a user; it reads nothing back. Returns how many went."""
        ...


@dataclass(slots=True)
class Idempotency:
    """Claims, completes and releases keys, each in the right unit of work."""

    new_uow: UnitOfWorkFactory
    clock: Clock
    retention: timedelta = RETENTION
    purge_every: timedelta = PURGE_EVERY
    _next_purge: datetime | None = field(default=None, init=False)

    async def claim(
        self, request: RequestKey, *, lease: timedelta = WRITE_LEASE
    ) -> Claim | StoredResponse:
        """A claim to run the request, or the first response to replay. Raises
        IdempotencyKeyReusedError (another request) or IdempotencyInFlightError."""
        now = self.clock.now()
        token = secrets.token_hex(16)
        found: IdempotencyRecord | None = None
        async with self.new_uow(single_write=True) as uow:
            terms = ClaimTerms(request.fingerprint, token, now, now - self.retention, now - lease)
            claimed = await uow.idempotency.claim(
                user_id=request.user_id, route=request.route, key=request.key, terms=terms
            )
            if not claimed:
                found = await uow.idempotency.find(
                    user_id=request.user_id, route=request.route, key=request.key
                )
        await self._purge_if_due(now)
        return Claim(request, token) if claimed else _settled(request, found)

    async def complete(self, uow: UnitOfWork, claim: Claim, response: StoredResponse) -> None:
        """Record the response in `uow`, the unit that makes the write, so that both commit
        together. Raises IdempotencyInFlightError if a retry took the claim over (the unit
        then rolls the write back)."""
        request = claim.request
        completed = await uow.idempotency.complete(
            user_id=request.user_id,
            route=request.route,
            key=request.key,
            token=claim.token,
            response=response,
        )
        if not completed:
            raise IdempotencyInFlightError(request.key)

    @asynccontextmanager
    async def releasing(self, claim: Claim) -> AsyncIterator[None]:
        """Run the first request: if it fails, the claim is given up (and the error goes on)
        so that a retry runs afresh."""
        try:
            yield
        except BaseException:
            await self._release(claim)
            raise

    async def _release(self, claim: Claim) -> None:
        """Never raises: a claim left behind is taken over once its lease has run out."""
        request = claim.request
        try:
            async with self.new_uow(single_write=True) as uow:
                await uow.idempotency.release(
                    user_id=request.user_id, route=request.route, key=request.key, token=claim.token
                )
        except Exception:  # the request's own error matters more
            log.warning("could not release an idempotency claim; its lease will end it")

    async def _purge_if_due(self, now: datetime) -> None:
        if self._next_purge is not None and now < self._next_purge:
            return
        self._next_purge = now + self.purge_every
        try:
            async with self.new_uow(single_write=True) as uow:
                purged = await uow.idempotency.purge(before=now - self.retention)
        except Exception:  # housekeeping: the next one will do
            log.warning("could not purge expired idempotency keys")
            return
        if purged:
            log.info("purged %d expired idempotency keys", purged)


def _settled(request: RequestKey, found: IdempotencyRecord | None) -> StoredResponse:
    """What a request whose key is already claimed gets."""
    if found is None:  # the first request failed and gave the key up just now
        raise IdempotencyInFlightError(request.key)
    if found.fingerprint != request.fingerprint:
        raise IdempotencyKeyReusedError(request.key)
    if found.response is None:
        raise IdempotencyInFlightError(request.key)
    return found.response
