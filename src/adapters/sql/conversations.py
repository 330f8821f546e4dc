"""ConversationRepository in SQL: ownership in every WHERE, nothing read before a write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, literal, select, tuple_, update

from adapters.sql.statements import Statements
from adapters.sql.tables import ConversationRow, MessageRow
from application.listing import Keyset
from domain.conversations import (
    Conversation,
    ConversationId,
    Message,
    NewMessage,
    Role,
    ToolCall,
)
from domain.tasks import UserId

conversation_rows = ConversationRow.__table__  # type: ignore[attr-defined]  # set by SQLModel
message_rows = MessageRow.__table__  # type: ignore[attr-defined]
cc = conversation_rows.c
mc = message_rows.c


class SqlConversationRepository:
    """Statements on `conversations` and `messages` through the unit of work's connection."""

    def __init__(self, statements: Statements) -> None:
        self._statements = statements

    async def add(self, *, user_id: UserId, title: str | None, at: datetime) -> Conversation:
        statement = insert(conversation_rows).values(
            user_id=user_id, title=title, created_at=at, updated_at=at
        )
        result = await self._statements.execute(statement.returning(conversation_rows))
        return _to_conversation(result.one())

    async def get(self, *, user_id: UserId, conversation_id: ConversationId) -> Conversation | None:
        statement = select(conversation_rows).where(*_owned(user_id, conversation_id))
        row = (await self._statements.execute(statement)).one_or_none()
        return None if row is None else _to_conversation(row)

    async def recent(
        self, *, user_id: UserId, limit: int, after: Keyset | None = None
    ) -> list[Conversation]:
        statement = (
            select(conversation_rows)
            .where(cc.user_id == user_id)
            .order_by(cc.updated_at.desc(), cc.id.desc())
            .limit(limit)
        )
        if after is not None:
            bound = tuple_(literal(after.value, cc.updated_at.type), literal(after.id))
            statement = statement.where(tuple_(cc.updated_at, cc.id) < bound)
        return [_to_conversation(row) for row in await self._statements.execute(statement)]

    async def rename(
        self, *, user_id: UserId, conversation_id: ConversationId, title: str | None, at: datetime
    ) -> Conversation | None:
        statement = (
            update(conversation_rows)
            .where(*_owned(user_id, conversation_id))
            .values(title=title, updated_at=at)
            .returning(conversation_rows)
        )
        row = (await self._statements.execute(statement)).one_or_none()
        return None if row is None else _to_conversation(row)

    async def delete(self, *, user_id: UserId, conversation_id: ConversationId) -> bool:
        statement = delete(conversation_rows).where(*_owned(user_id, conversation_id))
        result = await self._statements.execute(statement.returning(cc.id))
        return result.one_or_none() is not None

    async def append(
        self,
        *,
        user_id: UserId,
        conversation_id: ConversationId,
        message: NewMessage,
        at: datetime,
    ) -> Message | None:
        touch = (
            update(conversation_rows)
            .where(*_owned(user_id, conversation_id))
            .values(updated_at=at)
            .returning(cc.id, cc.user_id)
        )
        values = {
            "role": message.role.value,
            "content": message.content,
            "tool_calls": _tool_calls_json(message.tool_calls),
            "created_at": at,
        }
        if self._statements.dialect == "postgresql":
            # One statement: the INSERT reads the touched conversation, so a foreign or
            # missing conversation inserts nothing.
            touched = touch.cte("touched")
            source = select(touched.c.id, touched.c.user_id, *_literals(values))
            statement = insert(message_rows).from_select(
                ["conversation_id", "user_id", *values], source
            )
            row = (await self._statements.execute(statement.returning(message_rows))).one_or_none()
            return None if row is None else _to_message(row)
        if (await self._statements.execute(touch)).one_or_none() is None:
            return None
        statement = insert(message_rows).values(
            conversation_id=conversation_id, user_id=user_id, **values
        )
        return _to_message(
            (await self._statements.execute(statement.returning(message_rows))).one()
        )

    async def messages(
        self,
        *,
        user_id: UserId,
        conversation_id: ConversationId,
        limit: int,
        after: int | None = None,
    ) -> list[Message] | None:
        statement = (
            select(message_rows)
            .where(mc.conversation_id == conversation_id, mc.user_id == user_id)
            .order_by(mc.id)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(mc.id > after)
        rows = [_to_message(row) for row in await self._statements.execute(statement)]
        if rows or await self.get(user_id=user_id, conversation_id=conversation_id):
            return rows
        return None

    async def latest_messages(
        self, *, user_id: UserId, conversation_id: ConversationId, limit: int
    ) -> list[Message]:
        statement = (
            select(message_rows)
            .where(mc.conversation_id == conversation_id, mc.user_id == user_id)
            .order_by(mc.id.desc())
            .limit(limit)
        )
        rows = [_to_message(row) for row in await self._statements.execute(statement)]
        rows.reverse()
        return rows


def _owned(user_id: UserId, conversation_id: ConversationId) -> tuple[Any, ...]:
    return (cc.id == conversation_id, cc.user_id == user_id)


def _literals(values: dict[str, Any]) -> list[Any]:
    return [literal(value, mc[name].type).label(name) for name, value in values.items()]


def _tool_calls_json(calls: tuple[ToolCall, ...] | None) -> list[dict[str, Any]] | None:
    return None if calls is None else [call.as_dict() for call in calls]


def _to_conversation(row: Row[Any]) -> Conversation:
    return Conversation(row.id, row.user_id, row.title, row.created_at, row.updated_at)


def _to_message(row: Row[Any]) -> Message:
    calls = row.tool_calls
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        role=Role(row.role),
        content=row.content,
        tool_calls=None
        if calls is None
        else tuple(ToolCall(c["tool"], c["arguments"], c["result"]) for c in calls),
        created_at=row.created_at,
    )
