"""The `rules` assistant: a fixed set of English phrasings, read without any model or network.

Each step reads the turn so far. With no tool run yet, it reads the user's message into a
tool request (or a reply). Once a tool has run, it replies from the last result, except when
the user named a task by its title: then the first result is a lookup, and the step picks the
one matching task and asks to complete or delete it. The same history always gives the same
step, so re-reading the user's message each step is how the assistant remembers its plan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.assistant.phrases import ByTitle, Reply, read_intent
from adapters.assistant.replies import HELP, not_found, reply_to, tasks_in, unavailable, which_one
from application.ports import AssistantEvent, TextDelta, ToolRequest, ToolSpec
from domain.conversations import Message, Role, ToolCall


class RulesAssistant:
    """An `Assistant` that understands the phrasings in `phrases`; deterministic, offline."""

    async def step(
        self, history: Sequence[Message], *, tools: Sequence[ToolSpec], now: datetime
    ) -> AsyncIterator[AssistantEvent]:
        """One step of the turn: a tool request, or the reply as one text delta."""
        yield next_event(history, offered={spec.name for spec in tools}, now=now)


def next_event(history: Sequence[Message], *, offered: set[str], now: datetime) -> AssistantEvent:
    """What to do next, given the conversation so far and the tools on offer."""
    said, calls = this_turn(history)
    intent = read_intent(said, now.astimezone(UTC).date()) if said is not None else None
    if calls:
        last = calls[-1]
        if isinstance(intent, ByTitle) and len(calls) == 1 and _succeeded(last, "list_tasks"):
            return _if_offered(pick(intent, last.result), offered)
        return TextDelta(reply_to(last, now))
    if intent is None:
        return TextDelta(HELP)
    if isinstance(intent, Reply):
        return TextDelta(intent.text)
    return _if_offered(intent.lookup() if isinstance(intent, ByTitle) else intent, offered)


def this_turn(history: Sequence[Message]) -> tuple[str | None, list[ToolCall]]:
    """The last user message's text and the tool calls made since it (None: no user message)."""
    for index in range(len(history) - 1, -1, -1):
        if history[index].role == Role.USER:
            later = history[index + 1 :]
            calls = [c for m in later if m.role == Role.TOOL for c in m.tool_calls or ()]
            return history[index].content, calls
    return None, []


def pick(intent: ByTitle, result: Any) -> ToolRequest | TextDelta:
    """The request for the one task whose title matches, or a question or a refusal."""
    matches = title_matches(intent.title, tasks_in(result))
    if not matches:
        return TextDelta(not_found(intent.title))
    if len(matches) > 1:
        return TextDelta(which_one(matches))
    return ToolRequest(intent.tool, {"task_id": matches[0]["id"]})


def title_matches(title: str, tasks: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Tasks whose title is `title` (any case); failing that, those whose title contains it."""
    wanted = title.casefold()
    exact = [task for task in tasks if str(task["title"]).casefold() == wanted]
    return exact or [task for task in tasks if wanted in str(task["title"]).casefold()]


def _succeeded(call: ToolCall, tool: str) -> bool:
    failed = isinstance(call.result, Mapping) and "error" in call.result
    return call.tool == tool and not failed


def _if_offered(event: ToolRequest | TextDelta, offered: set[str]) -> AssistantEvent:
    if isinstance(event, ToolRequest) and event.tool not in offered:
        return TextDelta(unavailable(event.tool))
    return event
