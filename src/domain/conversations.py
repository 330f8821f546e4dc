"""Conversations and their messages: the chat half of the domain. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from domain.errors import FieldIssue, InvalidConversationError, InvalidMessageError
from domain.tasks import UserId, check_text

ConversationId = int
MessageId = int
TITLE_MAX: Final = 200
CONTENT_MAX: Final = 32_000


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"
    TOOL = "tool"


def normalize_conversation_title(value: str | None) -> str | None:
    """Trimmed, at most 200 characters; blank means no title."""
    if value is None:
        return None
    title = check_text("title", value).strip()
    if len(title) > TITLE_MAX:
        raise InvalidConversationError(
            [FieldIssue("title", f"must be at most {TITLE_MAX} characters")]
        )
    return title or None


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool the assistant ran: its name, the arguments it got and what it returned (a
    JSON value; `{"error": "..."}` when it failed)."""

    tool: str
    arguments: dict[str, Any]
    result: Any

    def as_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "arguments": self.arguments, "result": self.result}


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message about to be stored: role, 1..32,000 characters of content, tool calls."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] | None = None

    def __post_init__(self) -> None:
        try:
            role = Role(self.role)
        except ValueError:
            raise InvalidMessageError(
                [FieldIssue("role", "must be one of user, assistant, system, tool")]
            ) from None
        object.__setattr__(self, "role", role)
        content = check_text("content", self.content)
        if not content.strip() or len(content) > CONTENT_MAX:
            raise InvalidMessageError(
                [FieldIssue("content", f"must be 1 to {CONTENT_MAX} characters")]
            )


@dataclass(frozen=True, slots=True)
class Conversation:
    id: ConversationId
    user_id: UserId
    title: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Message:
    id: MessageId
    conversation_id: ConversationId
    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] | None
    created_at: datetime
