"""The in-memory store: plain dicts behind one lock, with snapshots for rollback."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, fields

from application.idempotency import IdempotencyRecord
from domain.conversations import Conversation, ConversationId, Message
from domain.tasks import Task, TaskId

IdempotencyScope = tuple[str, str, str]  # user, route, key


@dataclass(slots=True)
class StoreState:
    """Everything the store holds. Entities are immutable, so shallow copies are a snapshot.
    Ids only grow, as in SQL: a deleted row's id is never given out again."""

    tasks: dict[TaskId, Task] = field(default_factory=dict)
    last_task_id: int = 0
    conversations: dict[ConversationId, Conversation] = field(default_factory=dict)
    last_conversation_id: int = 0
    messages: dict[ConversationId, list[Message]] = field(default_factory=dict)
    last_message_id: int = 0
    # each record with the token of the claim that holds it
    idempotency: dict[IdempotencyScope, tuple[IdempotencyRecord, str]] = field(default_factory=dict)

    def snapshot(self) -> StoreState:
        return StoreState(
            tasks=dict(self.tasks),
            last_task_id=self.last_task_id,
            conversations=dict(self.conversations),
            last_conversation_id=self.last_conversation_id,
            messages={key: list(rows) for key, rows in self.messages.items()},
            last_message_id=self.last_message_id,
            idempotency=dict(self.idempotency),
        )

    def restore(self, saved: StoreState) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(saved, name))


class InMemoryStore:
    """Shared by every unit of work of one container; one unit of work at a time."""

    def __init__(self) -> None:
        self.state = StoreState()
        self.lock = asyncio.Lock()
