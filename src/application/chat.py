"""The stateless chat turn: store the user's message, let the assistant act through the
tools, store the reply. Nothing lives between requests but the database.

Transactions never span a call to the assistant (it may be a remote provider taking
seconds): the user's message commits first, each tool call commits with the message that
records it, and the reply commits last. So whatever fails, the history and the tasks agree.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from application.conversations import post_message, start_conversation
from application.errors import AssistantUnavailableError, ToolError
from application.ports import (
    Assistant,
    Clock,
    TextDelta,
    ToolRequest,
    UnitOfWork,
    UnitOfWorkFactory,
)
from application.tools import TOOLS, run_tool
from domain.conversations import (
    CONTENT_MAX,
    ConversationId,
    Message,
    NewMessage,
    Role,
    ToolCall,
)
from domain.errors import DomainError
from domain.tasks import UserId

log = logging.getLogger(__name__)

HISTORY_MESSAGES: Final = 40  # the latest messages the assistant sees ...
HISTORY_CHARS: Final = 24_000  # ... within this many characters of content
MAX_STEPS: Final = 6  # assistant calls per turn: a tool loop cannot run away
STEP_SECONDS: Final = 60.0  # one assistant call, whatever the provider's own timeouts
TITLE_CHARS: Final = 80
FALLBACK_REPLY: Final = "Done."
TOO_MANY_STEPS: Final = "I stopped there: that took more steps than I'm allowed in one turn."

ChatEvent = TextDelta | ToolCall
Listener = Callable[[ChatEvent], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ChatReply:
    """What a turn answers: the conversation, the reply's text and the tools it ran."""

    conversation_id: ConversationId
    response: str
    tool_calls: tuple[ToolCall, ...]


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """The collaborators of a turn; `run` is the use case."""

    new_uow: UnitOfWorkFactory
    assistant: Assistant
    clock: Clock

    async def run(
        self,
        *,
        user_id: UserId,
        conversation_id: ConversationId | None,
        text: str,
        listen: Listener | None = None,
    ) -> ChatReply:
        """One turn. Raises InvalidMessageError (nothing stored), ConversationNotFoundError,
        AssistantUnavailableError or StorageUnavailableError (the user's message, and every
        tool call made so far, stay stored)."""
        said = NewMessage(Role.USER, text)
        conversation_id, history = await self._open(user_id, conversation_id, said)
        reply: list[str] = []
        calls: list[ToolCall] = []
        for _ in range(MAX_STEPS):
            requests = await self._ask(history, reply, listen)
            if not requests:
                break
            for request in requests:
                recorded = await self._run_tool(user_id, conversation_id, request)
                history.append(recorded)
                for call in recorded.tool_calls or ():
                    calls.append(call)
                    if listen is not None:
                        await listen(call)
        else:
            reply.append(("\n\n" if reply else "") + TOO_MANY_STEPS)
        response = "".join(reply).strip() or FALLBACK_REPLY
        answer = NewMessage(Role.ASSISTANT, response[:CONTENT_MAX], tuple(calls) or None)
        async with self.new_uow() as uow:
            await post_message(
                uow,
                user_id=user_id,
                conversation_id=conversation_id,
                message=answer,
                at=self.clock.now(),
            )
        return ChatReply(conversation_id, answer.content, tuple(calls))

    async def _open(
        self, user_id: UserId, conversation_id: ConversationId | None, said: NewMessage
    ) -> tuple[ConversationId, list[Message]]:
        """Store the user's message (starting a conversation when none is named) and load
        the bounded history, in one unit."""
        now = self.clock.now()
        async with self.new_uow() as uow:
            if conversation_id is None:
                title = said.content.strip().splitlines()[0][:TITLE_CHARS]
                started = await start_conversation(uow, user_id=user_id, title=title, at=now)
                conversation_id = started.id
            await post_message(
                uow, user_id=user_id, conversation_id=conversation_id, message=said, at=now
            )
            latest = await uow.conversations.latest_messages(
                user_id=user_id, conversation_id=conversation_id, limit=HISTORY_MESSAGES
            )
        return conversation_id, within_budget(latest)

    async def _ask(
        self, history: Sequence[Message], reply: list[str], listen: Listener | None
    ) -> list[ToolRequest]:
        """One assistant step: its text goes to `reply` (and `listen`), its tool requests
        come back. Any failure of the assistant is AssistantUnavailableError."""
        requests: list[ToolRequest] = []
        try:
            async with asyncio.timeout(STEP_SECONDS):
                async for event in self.assistant.step(history, tools=TOOLS, now=self.clock.now()):
                    if isinstance(event, ToolRequest):
                        requests.append(event)
                        continue
                    reply.append(event.text)
                    if listen is not None:
                        await listen(event)
        except AssistantUnavailableError:
            raise
        except TimeoutError:
            raise AssistantUnavailableError("the assistant took too long") from None
        except Exception:
            log.exception("the assistant failed")
            raise AssistantUnavailableError("the assistant failed") from None
        return requests

    async def _run_tool(
        self, user_id: UserId, conversation_id: ConversationId, request: ToolRequest
    ) -> Message:
        """Run one tool and store the message that records it, in one unit: the task change
        and its record commit together. A tool that fails is undone alone (a savepoint) and
        its error becomes its result."""
        now = self.clock.now()
        async with self.new_uow() as uow:
            result = await _tool_result(uow, user_id, request, now)
            call = ToolCall(request.tool, request.arguments, result)
            record = NewMessage(Role.TOOL, _describe(call), (call,))
            return await post_message(
                uow, user_id=user_id, conversation_id=conversation_id, message=record, at=now
            )


async def _tool_result(
    uow: UnitOfWork, user_id: UserId, request: ToolRequest, now: datetime
) -> Any:
    if request.error is not None:
        return {"error": request.error}
    try:
        async with uow.savepoint():
            return await run_tool(uow, user_id=user_id, request=request, now=now)
    except ToolError as error:
        return {"error": error.message}
    except DomainError as error:
        return {"error": str(error)}


def _describe(call: ToolCall) -> str:
    """A tool message's content: the call in one line of JSON (what a transcript shows)."""
    text = json.dumps({"tool": call.tool, "result": call.result}, default=str)
    return text[:CONTENT_MAX]


def within_budget(messages: Sequence[Message]) -> list[Message]:
    """The newest messages whose content fits HISTORY_CHARS; the newest always stays."""
    kept: list[Message] = []
    total = 0
    for message in reversed(messages):
        total += len(message.content)
        if kept and total > HISTORY_CHARS:
            break
        kept.append(message)
    kept.reverse()
    return kept
