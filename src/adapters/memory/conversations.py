"""ConversationRepository over the in-memory store, with the same semantics as SQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import cast

from adapters.memory.store import StoreState
from application.listing import Keyset
from domain.conversations import Conversation, ConversationId, Message, NewMessage
from domain.tasks import UserId


class InMemoryConversationRepository:
    """Reads and writes the store's conversations and messages; the unit of work owns
    transactions."""

    def __init__(self, state: StoreState) -> None:
        self._state = state

    async def add(self, *, user_id: UserId, title: str | None, at: datetime) -> Conversation:
        self._state.last_conversation_id += 1
        conversation = Conversation(self._state.last_conversation_id, user_id, title, at, at)
        self._state.conversations[conversation.id] = conversation
        self._state.messages[conversation.id] = []
        return conversation

    async def get(self, *, user_id: UserId, conversation_id: ConversationId) -> Conversation | None:
        found = self._state.conversations.get(conversation_id)
        return found if found is not None and found.user_id == user_id else None

    async def recent(
        self, *, user_id: UserId, limit: int, after: Keyset | None = None
    ) -> list[Conversation]:
        def position(row: Conversation) -> tuple[datetime, int]:
            return (row.updated_at, row.id)

        rows = [row for row in self._state.conversations.values() if row.user_id == user_id]
        if after is not None:
            bound = (cast(datetime, after.value), after.id)
            rows = [row for row in rows if position(row) < bound]
        rows.sort(key=position, reverse=True)
        return rows[:limit]

    async def rename(
        self, *, user_id: UserId, conversation_id: ConversationId, title: str | None, at: datetime
    ) -> Conversation | None:
        found = await self.get(user_id=user_id, conversation_id=conversation_id)
        if found is None:
            return None
        renamed = replace(found, title=title, updated_at=at)
        self._state.conversations[conversation_id] = renamed
        return renamed

    async def delete(self, *, user_id: UserId, conversation_id: ConversationId) -> bool:
        if await self.get(user_id=user_id, conversation_id=conversation_id) is None:
            return False
        del self._state.conversations[conversation_id]
        del self._state.messages[conversation_id]
        return True

    async def append(
        self,
        *,
        user_id: UserId,
        conversation_id: ConversationId,
        message: NewMessage,
        at: datetime,
    ) -> Message | None:
        found = await self.get(user_id=user_id, conversation_id=conversation_id)
        if found is None:
            return None
        self._state.last_message_id += 1
        stored = Message(
            self._state.last_message_id,
            conversation_id,
            message.role,
            message.content,
            message.tool_calls,
            at,
        )
        self._state.messages[conversation_id].append(stored)
        self._state.conversations[conversation_id] = replace(found, updated_at=at)
        return stored

    async def messages(
        self,
        *,
        user_id: UserId,
        conversation_id: ConversationId,
        limit: int,
        after: int | None = None,
    ) -> list[Message] | None:
        if await self.get(user_id=user_id, conversation_id=conversation_id) is None:
            return None
        rows = self._state.messages[conversation_id]
        return [row for row in rows if after is None or row.id > after][:limit]

    async def latest_messages(
        self, *, user_id: UserId, conversation_id: ConversationId, limit: int
    ) -> list[Message]:
        if await self.get(user_id=user_id, conversation_id=conversation_id) is None:
            return []
        return self._state.messages[conversation_id][-limit:] if limit > 0 else []
