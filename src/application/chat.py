"""The stateless chat turn: store the user's message, let the assistant act through the
tools, store the reply. Nothing lives between requests but the database.

Transactions never span a call to the assistant (it may be a remote provider taking
seconds): the user's message commits first, each tool call commits with the message that
records it, and the reply commits last. So whatever fails, the history and the tasks agree.
What must commit with the turn's end (an idempotency key's recorded response) goes into that
last unit, through `on_stored`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from application.conversations import post_message, start_conversation
from application.errors import AssistantUnavailableError, StorageUnavailableError, ToolError
from application.ports import (
    Assistant,
    Clock,
    TextDelta,
    ToolRequest,
    UnitOfWork,
    UnitOfWorkFactory,
)
from application.tools import TOOLS, run_tool
from application.units import run_in_unit
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
# A turn's longest run (every step at its time limit, and some for the tools and the
# database): an idempotency claim on a chat turn is not taken for dead before that.
TURN_LEASE: Final = timedelta(seconds=MAX_STEPS * STEP_SECONDS + 60)


class ChatObserver(Protocol):
    """Told how each turn and each tool call ended (metrics); must return at once."""

    def turn_ended(self, outcome: str) -> None: ...

    def tool_called(self, tool: str, outcome: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ChatReply:
    """What a turn answers: the conversation, the reply's text and the tools it ran."""

    conversation_id: ConversationId
    response: str
    tool_calls: tuple[ToolCall, ...]


OnStored = Callable[[UnitOfWork, ChatReply], Awaitable[None]]
"""Runs in the unit that stores a turn's reply, with the reply."""


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """The collaborators of a turn; `run` is the use case."""

    new_uow: UnitOfWorkFactory
    assistant: Assistant
    clock: Clock
    observer: ChatObserver | None = None

    async def run(
        self,
        *,
        user_id: UserId,
        conversation_id: ConversationId | None,
        text: str,
        listen: Listener | None = None,
        on_stored: OnStored | None = None,
    ) -> ChatReply:
        """One turn. Raises InvalidMessageError (nothing stored), ConversationNotFoundError,
        AssistantUnavailableError or StorageUnavailableError (the user's message, and every
        tool call made so far, stay stored). Each of its units runs again whole after a
        conflict (`run_in_unit`). `on_stored` runs in the unit that stores the reply, so
        what it writes commits with the reply, or not at all."""
        try:
            reply = await self._turn(user_id, conversation_id, text, listen, on_stored)
        except Exception as error:
            self._observe_turn(_outcome(error))
            raise
        self._observe_turn("ok")
        return reply

    def _observe_turn(self, outcome: str) -> None:
        if self.observer is not None:
            self.observer.turn_ended(outcome)

    async def _turn(
        self,
        user_id: UserId,
        conversation_id: ConversationId | None,
        text: str,
        listen: Listener | None,
        on_stored: OnStored | None,
    ) -> ChatReply:
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
                    if self.observer is not None:
                        self.observer.tool_called(call.tool, _tool_outcome(call))
                    if listen is not None:
                        await listen(call)
        else:
            reply.append(("\n\n" if reply else "") + TOO_MANY_STEPS)
        response = "".join(reply).strip() or FALLBACK_REPLY
        answer = NewMessage(Role.ASSISTANT, response[:CONTENT_MAX], tuple(calls) or None)
        done = ChatReply(conversation_id, answer.content, tuple(calls))
        await run_in_unit(
            self.new_uow, lambda uow: self._store_reply(uow, user_id, answer, done, on_stored)
        )
        return done

    async def _store_reply(
        self,
        uow: UnitOfWork,
        user_id: UserId,
        answer: NewMessage,
        done: ChatReply,
        on_stored: OnStored | None,
    ) -> None:
        await post_message(
            uow,
            user_id=user_id,
            conversation_id=done.conversation_id,
            message=answer,
            at=self.clock.now(),
        )
        if on_stored is not None:
            await on_stored(uow, done)

    async def _open(
        self, user_id: UserId, conversation_id: ConversationId | None, said: NewMessage
    ) -> tuple[ConversationId, list[Message]]:
        """Store the user's message (starting a conversation when none is named) and load
        the bounded history, in one unit."""
        now = self.clock.now()

        async def store(uow: UnitOfWork) -> tuple[ConversationId, list[Message]]:
            opened = conversation_id
            if opened is None:
                title = said.content.strip().splitlines()[0][:TITLE_CHARS]
                started = await start_conversation(uow, user_id=user_id, title=title, at=now)
                opened = started.id
            await post_message(uow, user_id=user_id, conversation_id=opened, message=said, at=now)
            latest = await uow.conversations.latest_messages(
                user_id=user_id, conversation_id=opened, limit=HISTORY_MESSAGES
            )
            return opened, within_budget(latest)

        return await run_in_unit(self.new_uow, store)

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

        async def run_and_record(uow: UnitOfWork) -> Message:
            result = await _tool_result(uow, user_id, request, now)
            call = ToolCall(request.tool, request.arguments, result)
            record = NewMessage(Role.TOOL, _describe(call), (call,))
            return await post_message(
                uow, user_id=user_id, conversation_id=conversation_id, message=record, at=now
            )

        return await run_in_unit(self.new_uow, run_and_record)


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


def _outcome(error: Exception) -> str:
    """A turn's outcome label: a few fixed words, whatever the error."""
    if isinstance(error, AssistantUnavailableError):
        return "assistant_unavailable"
    if isinstance(error, StorageUnavailableError):
        return "storage_unavailable"
    return "rejected" if isinstance(error, DomainError) else "error"


def _tool_outcome(call: ToolCall) -> str:
    failed = isinstance(call.result, dict) and "error" in call.result
    return "error" if failed else "ok"


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
