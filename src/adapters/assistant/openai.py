"""The `openai` assistant: any OpenAI-compatible chat completions endpoint, streamed."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NoReturn

from openai import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncOpenAI,
    omit,
)
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionChunk,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageParam,
    ChatCompletionToolMessageParam,
)
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall

from application.errors import AssistantUnavailableError
from application.ports import AssistantEvent, TextDelta, ToolRequest, ToolSpec
from domain.conversations import Message, Role

log = logging.getLogger(__name__)

# English names, not strftime("%A"): the prompt must not depend on the server's locale.
_WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NOT_JSON: Final = "the arguments were not valid JSON"
NOT_AN_OBJECT: Final = "the arguments were not a JSON object"
NO_TOOL_NAME: Final = "the tool call named no tool"
_REASONS: Final = (
    (APITimeoutError, "the assistant's provider did not answer in time"),
    (APIConnectionError, "the assistant's provider could not be reached"),
    (APIError, "the assistant's provider reported an error"),
)


class OpenAiAssistant:
    """An `Assistant` backed by an OpenAI-compatible chat completions endpoint."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float = 30.0,
        max_retries: int = 2,
    ) -> None:
        self._model = model
        # The SDK retries 408/409/429/5xx, timeouts and connection errors with exponential
        # backoff (honouring Retry-After); `timeout` bounds each attempt's connect and reads.
        self._client = AsyncOpenAI(
            base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries
        )

    async def aclose(self) -> None:
        """Release the HTTP connections (on shutdown)."""
        await self._client.close()

    async def step(
        self, history: Sequence[Message], *, tools: Sequence[ToolSpec], now: datetime
    ) -> AsyncIterator[AssistantEvent]:
        """Stream one model response: text deltas as they come, then the tool requests.
        Raises AssistantUnavailableError when the provider fails, even midway."""
        calls = ToolCallParts()
        messages = [system_message(now), *provider_messages(history)]
        try:
            stream = await self._client.chat.completions.create(
                model=self._model,
                messages=messages,
                # An empty `tools` array is refused by the API: send none at all.
                tools=[function_tool(spec) for spec in tools] if tools else omit,
                stream=True,
            )
            async with stream:
                async for chunk in stream:
                    if text := read_chunk(chunk, calls):
                        yield TextDelta(text)
        # JSONDecodeError: a stream event that is not JSON, which the SDK does not wrap.
        except (APIError, json.JSONDecodeError) as error:
            reason = unavailable_reason(error)
            log.warning("assistant unavailable: %s (%s)", reason, type(error).__name__)
            raise AssistantUnavailableError(reason) from None
        for request in calls.requests():
            yield request


def system_message(now: datetime) -> ChatCompletionMessageParam:
    today = now.date()
    prompt = (
        f"Today is {_WEEKDAYS[today.weekday()]}, {today.isoformat()}. "
        "You manage the user's todo tasks with the tools you are given: add, list, complete, "
        "update and delete them. Use a tool for every change or question about the tasks, "
        "and never claim a change that no tool made. After a tool runs, confirm briefly what "
        "you did, naming the task by its title and id; if it failed, say so plainly. "
        "Work out relative dates such as 'tomorrow' from today's date."
    )
    return {"role": "system", "content": prompt}


def function_tool(spec: ToolSpec) -> ChatCompletionFunctionToolParam:
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.parameters,
        },
    }


def provider_messages(history: Sequence[Message]) -> list[ChatCompletionMessageParam]:
    """The stored history in the provider's shape, oldest first. An assistant message's own
    `tool_calls` are not sent: the `tool` messages after it carry each call and its result."""
    messages: list[ChatCompletionMessageParam] = []
    for message in history:
        match message.role:
            case Role.USER:
                messages.append({"role": "user", "content": message.content})
            case Role.SYSTEM:
                messages.append({"role": "system", "content": message.content})
            case Role.ASSISTANT:
                messages.append({"role": "assistant", "content": message.content})
            case Role.TOOL:
                messages.extend(tool_exchange(message))
    return messages


def tool_exchange(message: Message) -> Iterator[ChatCompletionMessageParam]:
    """Each stored call as the provider expects it: the assistant's request, then its
    result, paired by an id that stays the same every time the history is sent."""
    for index, call in enumerate(message.tool_calls or ()):
        call_id = f"call_{message.id}_{index}"
        request: ChatCompletionAssistantMessageParam = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": call.tool, "arguments": _dumps(call.arguments)},
                }
            ],
        }
        result: ChatCompletionToolMessageParam = {
            "role": "tool",
            "tool_call_id": call_id,
            "content": _dumps(call.result),
        }
        yield request
        yield result


def read_chunk(chunk: ChatCompletionChunk, calls: ToolCallParts) -> str:
    """The chunk's text; its tool-call fragments go to `calls`."""
    text = ""
    for choice in chunk.choices:
        if choice.index != 0:  # one completion was asked for; any other is not ours
            continue
        # A refusal is the model's answer to the user too, so it is shown as text.
        text += (choice.delta.content or "") + (choice.delta.refusal or "")
        for part in choice.delta.tool_calls or ():
            calls.add(part)
    return text


@dataclass(slots=True)
class _PartialCall:
    name: str = ""
    arguments: str = ""


class ToolCallParts:
    """Streamed tool-call fragments, joined by their index."""

    def __init__(self) -> None:
        self._calls: dict[int, _PartialCall] = {}

    def add(self, part: ChoiceDeltaToolCall) -> None:
        # Some compatible servers omit `index` and send each call whole: a new call then.
        index = getattr(part, "index", None)
        if not isinstance(index, int):
            index = len(self._calls)
        call = self._calls.setdefault(index, _PartialCall())
        if part.function is not None:
            call.name += part.function.name or ""
            call.arguments += part.function.arguments or ""

    def requests(self) -> list[ToolRequest]:
        return [tool_request(call.name, call.arguments) for _, call in sorted(self._calls.items())]


def tool_request(name: str, arguments: str) -> ToolRequest:
    """A request for `name`; arguments that are not a JSON object make it a failed one."""
    if not name:
        return ToolRequest(tool=name, error=NO_TOOL_NAME)
    if not arguments.strip():  # a call without parameters may come with no text at all
        return ToolRequest(tool=name)
    try:
        value = json.loads(arguments, parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # malformed, NaN/Infinity, or nested absurdly deep
        return ToolRequest(tool=name, error=NOT_JSON)
    if not isinstance(value, dict):
        return ToolRequest(tool=name, error=NOT_AN_OBJECT)
    return ToolRequest(tool=name, arguments=value)


def unavailable_reason(error: Exception) -> str:
    """Plain words for the failure: never the key, the URL or the provider's own message."""
    if isinstance(error, APIStatusError):
        return f"the assistant's provider answered with status {error.status_code}"
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return "the assistant's provider sent a response that could not be read"


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(name)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
