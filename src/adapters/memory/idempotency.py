"""IdempotencyRepository over the in-memory store, with the same semantics as SQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from adapters.memory.store import StoreState
from application.idempotency import ClaimTerms, IdempotencyRecord, StoredResponse
from domain.tasks import UserId


class InMemoryIdempotencyRepository:
    """Reads and writes `StoreState.idempotency`; the unit of work owns transactions."""

    def __init__(self, state: StoreState) -> None:
        self._state = state

    async def claim(self, *, user_id: UserId, route: str, key: str, terms: ClaimTerms) -> bool:
        scope = (user_id, route, key)
        held = self._state.idempotency.get(scope)
        if held is not None:
            record = held[0]
            stale = record.response is None and record.created_at < terms.stale_before
            if not (record.created_at < terms.expired_before or stale):
                return False
        record = IdempotencyRecord(terms.fingerprint, terms.at, None)
        self._state.idempotency[scope] = (record, terms.token)
        return True

    async def find(self, *, user_id: UserId, route: str, key: str) -> IdempotencyRecord | None:
        held = self._state.idempotency.get((user_id, route, key))
        return None if held is None else held[0]

    async def complete(
        self, *, user_id: UserId, route: str, key: str, token: str, response: StoredResponse
    ) -> bool:
        scope = (user_id, route, key)
        held = self._state.idempotency.get(scope)
        if held is None or held[1] != token or held[0].response is not None:
            return False
        self._state.idempotency[scope] = (replace(held[0], response=response), token)
        return True

    async def release(self, *, user_id: UserId, route: str, key: str, token: str) -> None:
        scope = (user_id, route, key)
        held = self._state.idempotency.get(scope)
        if held is not None and held[1] == token and held[0].response is None:
            del self._state.idempotency[scope]

    async def purge(self, *, before: datetime) -> int:
        expired = [
            scope
            for scope, (record, _) in self._state.idempotency.items()
            if record.created_at < before
        ]
        for scope in expired:
            del self._state.idempotency[scope]
        return len(expired)
