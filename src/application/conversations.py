"""Conversation and message use cases. Each runs inside the unit of work its caller opened."""

from __future__ import annotations

from datetime import datetime

from application.listing import Keyset, Page, bind, decode_position, encode_cursor
from application.ports import UnitOfWork
from domain.conversations import (
    Conversation,
    ConversationId,
    Message,
    NewMessage,
    normalize_conversation_title,
)
from domain.errors import ConversationNotFoundError
from domain.tasks import UserId


async def start_conversation(
    uow: UnitOfWork, *, user_id: UserId, title: str | None, at: datetime
) -> Conversation:
    """A new conversation. Raises InvalidConversationError for a bad title."""
    title = normalize_conversation_title(title)
    return await uow.conversations.add(user_id=user_id, title=title, at=at)


async def get_conversation(
    uow: UnitOfWork, *, user_id: UserId, conversation_id: ConversationId
) -> Conversation:
    """The caller's conversation. Raises ConversationNotFoundError."""
    found = await uow.conversations.get(user_id=user_id, conversation_id=conversation_id)
    if found is None:
        raise ConversationNotFoundError(conversation_id)
    return found


async def list_conversations(
    uow: UnitOfWork, *, user_id: UserId, limit: int, cursor: str | None = None
) -> Page[Conversation]:
    """One page, most recently updated first. Raises InvalidCursorError."""
    bound_to = bind(user_id, "conversations")
    after = decode_position(cursor, bound_to=bound_to, value_type=datetime) if cursor else None
    rows = await uow.conversations.recent(user_id=user_id, limit=limit + 1, after=after)
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    last = rows[limit - 1]
    token = encode_cursor(Keyset(last.updated_at, last.id), bound_to=bound_to)
    return Page(items=rows[:limit], next_cursor=token)


async def rename_conversation(
    uow: UnitOfWork,
    *,
    user_id: UserId,
    conversation_id: ConversationId,
    title: str | None,
    at: datetime,
) -> Conversation:
    """Set (or clear) the title. Raises ConversationNotFoundError, InvalidConversationError."""
    title = normalize_conversation_title(title)
    renamed = await uow.conversations.rename(
        user_id=user_id, conversation_id=conversation_id, title=title, at=at
    )
    if renamed is None:
        raise ConversationNotFoundError(conversation_id)
    return renamed


async def delete_conversation(
    uow: UnitOfWork, *, user_id: UserId, conversation_id: ConversationId
) -> None:
    """Delete it with its messages. Raises ConversationNotFoundError."""
    if not await uow.conversations.delete(user_id=user_id, conversation_id=conversation_id):
        raise ConversationNotFoundError(conversation_id)


async def post_message(
    uow: UnitOfWork,
    *,
    user_id: UserId,
    conversation_id: ConversationId,
    message: NewMessage,
    at: datetime,
) -> Message:
    """Store a message; the conversation's `updated_at` moves with it.
    Raises ConversationNotFoundError."""
    stored = await uow.conversations.append(
        user_id=user_id, conversation_id=conversation_id, message=message, at=at
    )
    if stored is None:
        raise ConversationNotFoundError(conversation_id)
    return stored


async def list_messages(
    uow: UnitOfWork,
    *,
    user_id: UserId,
    conversation_id: ConversationId,
    limit: int,
    cursor: str | None = None,
) -> Page[Message]:
    """One page of messages, oldest first. Raises ConversationNotFoundError,
    InvalidCursorError."""
    bound_to = bind(user_id, "messages", conversation_id)
    after = None
    if cursor:
        after = decode_position(cursor, bound_to=bound_to, value_type=type(None)).id
    rows = await uow.conversations.messages(
        user_id=user_id, conversation_id=conversation_id, limit=limit + 1, after=after
    )
    if rows is None:
        raise ConversationNotFoundError(conversation_id)
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    token = encode_cursor(Keyset(None, rows[limit - 1].id), bound_to=bound_to)
    return Page(items=rows[:limit], next_cursor=token)
