"""Conversation, message and chat bodies. Field rules are the domain's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from application.errors import InvalidCursorError
from application.listing import LIMIT_DEFAULT, LIMIT_MAX, read_cursor
from domain.conversations import (
    CONTENT_MAX,
    TITLE_MAX,
    Conversation,
    Message,
    Role,
    ToolCall,
)


class ConversationCreate(BaseModel):
    """A new conversation; the title is optional (trimmed, at most 200 characters)."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = Field(None, max_length=TITLE_MAX)


class ConversationPatch(BaseModel):
    """A new title; `null` or blank clears it."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = Field(..., max_length=TITLE_MAX)


class ConversationOut(BaseModel):
    id: int
    user_id: str
    title: str | None
    created_at: datetime
    updated_at: datetime


class ToolCallOut(BaseModel):
    tool: str
    arguments: dict[str, Any]
    result: Any = Field(description="The tool's JSON result; `{error}` when it failed.")


class MessageCreate(BaseModel):
    """A message to store as it is (the chat endpoint is what runs the assistant)."""

    model_config = ConfigDict(extra="ignore")

    role: Role = Role.USER
    content: str = Field(..., min_length=1, max_length=CONTENT_MAX)


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    role: Role
    content: str
    tool_calls: list[ToolCallOut] | None
    created_at: datetime


class ChatRequest(BaseModel):
    """One user turn. Without `conversation_id` a new conversation starts."""

    model_config = ConfigDict(extra="ignore")

    conversation_id: int | None = Field(None, ge=1, le=2**31 - 1)
    message: str = Field(..., min_length=1, max_length=CONTENT_MAX)


class ChatResponse(BaseModel):
    conversation_id: int
    response: str
    tool_calls: list[ToolCallOut] = Field(description="Always a list; `[]` when no tool ran.")


class PageParams(BaseModel):
    """`limit` and the opaque `cursor` of a keyset-paginated list."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    cursor: str | None = Field(
        None, description="Opaque; take it from the `Link` header. Bound to user and list."
    )

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                read_cursor(value)
            except InvalidCursorError as error:
                raise ValueError(str(error)) from None
        return value


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "user_id": conversation.user_id,
        "title": conversation.title,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
    }


def tool_calls_json(calls: tuple[ToolCall, ...] | None) -> list[dict[str, Any]] | None:
    return None if calls is None else [call.as_dict() for call in calls]


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "role": message.role.value,
        "content": message.content,
        "tool_calls": tool_calls_json(message.tool_calls),
        "created_at": message.created_at,
    }
