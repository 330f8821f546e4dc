"""A unit of work over the in-memory store: rollback really restores the snapshot."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from adapters.memory.store import InMemoryStore, StoreState
from adapters.memory.tasks import InMemoryTaskRepository


class InMemoryUnitOfWork:
    """Holds the store's lock for the whole block, so units of work never interleave."""

    tasks: InMemoryTaskRepository

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._saved: StoreState | None = None

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._saved = self._store.state.snapshot()
        self.tasks = InMemoryTaskRepository(self._store.state)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None and self._saved is not None:
                self._store.state.tasks = self._saved.tasks
                self._store.state.last_task_id = self._saved.last_task_id
        finally:
            self._saved = None
            self._store.lock.release()
