"""Conversation, message and chat bodies. Field rules are the domain's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from application.errors import InvalidCursorError
from application.listing import LIMIT_DEFAULT, LIMIT_MAX, read_cursor
from domain.conversations import (
    CONTENT_MAX,
    TITLE_MAX,
    Conversation,
    Message,
    NewMessage,
    Role,
    ToolCall,
)
from domain.errors import InvalidFieldsError
from entrypoints.api.schemas.strict import (
    NO_NUL,
    NOT_BLANK,
    WholeNumber,
    documented,
    json_integer,
)

Title = Annotated[str, StringConstraints(max_length=TITLE_MAX), documented(NO_NUL)]
# Constraints before the validator: the schema then shows them as minimum and maximum.
ConversationRef = Annotated[int, Field(ge=1, le=2**31 - 1), BeforeValidator(json_integer)]
Content = Annotated[str, StringConstraints(max_length=CONTENT_MAX), documented(NOT_BLANK)]


def _content_rule(value: str) -> str:
    """The domain's rule for message text (not blank, no NUL), as the ValueError pydantic
    reports with the other fields."""
    try:
        NewMessage(Role.USER, value)
    except InvalidFieldsError as error:
        raise ValueError(error.issues[0].reason) from None
    return value


class ConversationCreate(BaseModel):
    """A new conversation; the title is optional (trimmed, at most 200 characters)."""

    model_config = ConfigDict(extra="ignore")

    title: Title | None = Field(None, description="Trimmed, at most 200 characters.")


class ConversationPatch(BaseModel):
    """A new title; `null` or blank clears it."""

    model_config = ConfigDict(extra="ignore")

    title: Title | None = Field(..., description="Trimmed, at most 200 characters.")


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
    content: Content = Field(..., description="1..32000 characters, not blank.")

    _content = field_validator("content")(_content_rule)


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

    conversation_id: ConversationRef | None = None
    message: Content = Field(..., description="1..32000 characters, not blank.")

    _message = field_validator("message")(_content_rule)


class ChatResponse(BaseModel):
    conversation_id: int
    response: str
    tool_calls: list[ToolCallOut] = Field(description="Always a list; `[]` when no tool ran.")


class PageParams(BaseModel):
    """`limit` and the opaque `cursor` of a keyset-paginated list."""

    model_config = ConfigDict(extra="ignore")

    limit: WholeNumber = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
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
