"""The in-memory store: plain dicts behind one lock, with snapshots for rollback."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from domain.tasks import Task, TaskId


@dataclass(slots=True)
class StoreState:
    """Everything the store holds. Entities are immutable, so a shallow copy is a snapshot."""

    tasks: dict[TaskId, Task] = field(default_factory=dict)
    last_task_id: int = 0

    def snapshot(self) -> StoreState:
        return StoreState(tasks=dict(self.tasks), last_task_id=self.last_task_id)


class InMemoryStore:
    """Shared by every unit of work of one container; one unit of work at a time."""

    def __init__(self) -> None:
        self.state = StoreState()
        self.lock = asyncio.Lock()
