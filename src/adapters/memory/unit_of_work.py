"""A unit of work over the in-memory store: rollback and savepoints really restore."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from adapters.memory.conversations import InMemoryConversationRepository
from adapters.memory.idempotency import InMemoryIdempotencyRepository
from adapters.memory.store import InMemoryStore, StoreState
from adapters.memory.tasks import InMemoryTaskRepository


class InMemoryUnitOfWork:
    """Holds the store's lock for the whole block, so units of work never interleave."""

    tasks: InMemoryTaskRepository
    conversations: InMemoryConversationRepository

    def __init__(self, store: InMemoryStore, *, single_write: bool = False) -> None:
        self._store = store
        self._saved: StoreState | None = None
        self.single_write = single_write  # a transaction costs nothing here: same semantics

    async def __aenter__(self) -> Self:
        if self._saved is not None:
            raise RuntimeError("this unit of work is already open")
        await self._store.lock.acquire()
        self._saved = self._store.state.snapshot()
        self.tasks = InMemoryTaskRepository(self._store.state)
        self.conversations = InMemoryConversationRepository(self._store.state)
        return self

    @property
    def idempotency(self) -> InMemoryIdempotencyRepository:
        if self._saved is None:
            raise RuntimeError("open the unit of work (`async with uow:`) before using it")
        return InMemoryIdempotencyRepository(self._store.state)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None and self._saved is not None:
                self._store.state.restore(self._saved)
        finally:
            self._saved = None
            self._store.lock.release()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        if self._saved is None:
            raise RuntimeError("a savepoint needs an open unit of work")
        saved = self._store.state.snapshot()
        try:
            yield
        except BaseException:
            self._store.state.restore(saved)
            raise
