"""The `openai` assistant against a local fake endpoint: what it sends, what it yields, and how
provider failures become AssistantUnavailableError. Never the internet."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageFunctionToolCall

from adapters.assistant.openai import NOT_AN_OBJECT, NOT_JSON, OpenAiAssistant
from application.errors import AssistantUnavailableError
from application.ports import AssistantEvent, TextDelta, ToolRequest, ToolSpec
from domain.conversations import Message, Role, ToolCall
from tests.assistant.fake_openai import (
    FakeOpenAi,
    Pause,
    Raw,
    Reply,
    assistant_call,
    call_arguments,
    call_start,
    failure,
    serve_fake,
    text_reply,
    tool_call_reply,
    tool_result,
)

API_KEY = "sk-test-not-a-real-key-0123456789"
MODEL = "gpt-fake-mini"
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # a Friday
TITLE = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
STATUS = {"type": "object", "properties": {"status": {"type": "string"}}}
TOOLS = (
    ToolSpec(name="add_task", description="Add a task for the user.", parameters=TITLE),
    ToolSpec(name="list_tasks", description="List the user's tasks.", parameters=STATUS),
)
ADDED = ToolCall("add_task", {"title": "Buy milk"}, {"id": 42, "title": "Buy milk"})


def message(message_id: int, role: Role, content: str, *calls: ToolCall) -> Message:
    return Message(message_id, 7, role, content, calls or None, created_at=NOW)


USER_ASKS = message(1, Role.USER, "add a task to buy milk")


@dataclass
class Chat:
    """The fake endpoint, and assistants pointed at it that are closed after the test."""

    fake: FakeOpenAi
    made: list[OpenAiAssistant] = field(default_factory=list)

    def assistant(self, **overrides: Any) -> OpenAiAssistant:
        """The test's assistant (two retries, 5 s timeout), or a new one with overrides."""
        if self.made and not overrides:
            return self.made[0]
        options: dict[str, Any] = {"base_url": self.fake.base_url, "api_key": API_KEY}
        options.update(model=MODEL, timeout=5.0)
        self.made.append(OpenAiAssistant(**(options | overrides)))
        return self.made[-1]

    async def run(
        self,
        *replies: Reply,
        history: Sequence[Message] = (USER_ASKS,),
        tools: Sequence[ToolSpec] = TOOLS,
    ) -> list[AssistantEvent]:
        """Script the replies, then run one step and collect what it yields."""
        self.fake.script(*replies)
        events = self.assistant().step(history, tools=tools, now=NOW)
        return [event async for event in events]

    async def failure(self, *replies: Reply, **overrides: Any) -> AssistantUnavailableError:
        """Script the replies; the step must fail with AssistantUnavailableError."""
        self.fake.script(*replies)
        events = self.assistant(**overrides).step([USER_ASKS], tools=TOOLS, now=NOW)
        with pytest.raises(AssistantUnavailableError) as caught:
            [event async for event in events]
        return caught.value

    def sent(self, index: int = 0) -> dict[str, Any]:
        """The body of the `index`th request the fake received."""
        return self.fake.received[index].body


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOpenAi]:
    with serve_fake() as fake:
        yield fake


@pytest.fixture
async def chat(fake_server: FakeOpenAi) -> AsyncIterator[Chat]:
    fake_server.reset()
    chat = Chat(fake_server)
    yield chat
    fake_server.reset()  # also ends any reply still waiting on a pause
    for assistant in chat.made:
        await assistant.aclose()


class TestWhatIsSent:
    async def test_a_system_prompt_with_todays_date_comes_first(self, chat: Chat) -> None:
        await chat.run(text_reply("Hi."))
        first = chat.sent()["messages"][0]
        assert first["role"] == "system"
        assert "2026-11-20" in first["content"]
        assert "Friday" in first["content"]

    async def test_the_model_is_asked_to_stream_with_the_key_as_bearer(self, chat: Chat) -> None:
        await chat.run(text_reply("Hi."))
        assert (chat.sent()["model"], chat.sent()["stream"]) == (MODEL, True)
        assert chat.fake.received[0].headers["authorization"] == f"Bearer {API_KEY}"

    async def test_tool_specs_are_sent_as_function_tools(self, chat: Chat) -> None:
        await chat.run(text_reply("Hi."))
        assert chat.sent()["tools"] == [
            {"type": "function", "function": {"name": t.name, "description": t.description,
                                              "parameters": t.parameters}}
            for t in TOOLS
        ]  # fmt: skip

    async def test_no_tools_means_no_tools_field(self, chat: Chat) -> None:
        await chat.run(text_reply("Hi."), tools=())
        assert "tools" not in chat.sent()

    async def test_history_pairs_each_tool_call_with_its_result(self, chat: Chat) -> None:
        listed = ToolCall("list_tasks", {}, {"tasks": []})
        history = [
            message(3, Role.SYSTEM, "Be brief."),
            USER_ASKS,
            message(4, Role.TOOL, "add_task, list_tasks", ADDED, listed),
            message(5, Role.ASSISTANT, "Added task 42: Buy milk.", ADDED, listed),
            message(6, Role.USER, "thanks"),
        ]
        await chat.run(text_reply("You're welcome."), history=history)
        assert chat.sent()["messages"][1:] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "add a task to buy milk"},
            assistant_call("call_4_0", "add_task", '{"title": "Buy milk"}'),
            tool_result("call_4_0", '{"id": 42, "title": "Buy milk"}'),
            assistant_call("call_4_1", "list_tasks", "{}"),
            tool_result("call_4_1", '{"tasks": []}'),
            {"role": "assistant", "content": "Added task 42: Buy milk."},
            {"role": "user", "content": "thanks"},
        ]


class TestWhatIsYielded:
    async def test_a_text_reply_streams_as_deltas_that_join_to_the_reply(self, chat: Chat) -> None:
        events = await chat.run(text_reply("Added ", "task 42: ", "Buy milk."))
        assert events == [TextDelta("Added "), TextDelta("task 42: "), TextDelta("Buy milk.")]
        text = "".join(e.text for e in events if isinstance(e, TextDelta))
        assert text == "Added task 42: Buy milk."

    async def test_text_is_yielded_before_the_stream_ends(self, chat: Chat) -> None:
        chat.fake.script(Reply(items=({"content": "Hel"}, Pause(10), {"content": "lo"})))
        events = aiter(chat.assistant().step([USER_ASKS], tools=TOOLS, now=NOW))
        first = await asyncio.wait_for(anext(events), timeout=3)
        chat.fake.release()
        assert (first, [event async for event in events]) == (TextDelta("Hel"), [TextDelta("lo")])

    async def test_a_tool_call_streamed_in_fragments_becomes_one_request(self, chat: Chat) -> None:
        events = await chat.run(tool_call_reply("add_task", '{"ti', 'tle": "Buy', ' milk"}'))
        assert events == [ToolRequest(tool="add_task", arguments={"title": "Buy milk"})]

    async def test_two_interleaved_tool_calls_become_two_requests(self, chat: Chat) -> None:
        deltas = (
            call_start(0, "add_task"),
            call_arguments(0, '{"title": '),
            call_start(1, "list_tasks"),
            call_arguments(1, '{"status": "pending"}'),
            call_arguments(0, '"Buy milk"}'),
        )
        events = await chat.run(Reply(items=deltas, finish_reason="tool_calls"))
        assert events == [
            ToolRequest(tool="add_task", arguments={"title": "Buy milk"}),
            ToolRequest(tool="list_tasks", arguments={"status": "pending"}),
        ]

    async def test_calls_sent_whole_without_an_index_stay_apart(self, chat: Chat) -> None:
        call = {"type": "function", "function": {"name": "list_tasks", "arguments": "{}"}}
        events = await chat.run(Reply(items=({"tool_calls": [call]}, {"tool_calls": [call]})))
        assert events == [ToolRequest(tool="list_tasks"), ToolRequest(tool="list_tasks")]

    async def test_text_comes_before_the_tool_requests_of_its_step(self, chat: Chat) -> None:
        deltas = ({"content": "Adding it."}, call_start(0, "add_task"), call_arguments(0, "{}"))
        events = await chat.run(Reply(items=deltas, finish_reason="tool_calls"))
        assert events == [TextDelta("Adding it."), ToolRequest(tool="add_task", arguments={})]

    @pytest.mark.parametrize("arguments", ['{"title": "Buy mi', '{"title": NaN}'])
    async def test_malformed_arguments_give_a_failed_request(
        self, chat: Chat, arguments: str
    ) -> None:
        events = await chat.run(tool_call_reply("add_task", arguments))
        assert events == [ToolRequest(tool="add_task", arguments={}, error=NOT_JSON)]

    async def test_arguments_that_are_not_an_object_give_a_failed_request(self, chat: Chat) -> None:
        events = await chat.run(tool_call_reply("add_task", '["Buy milk"]'))
        assert events == [ToolRequest(tool="add_task", arguments={}, error=NOT_AN_OBJECT)]

    async def test_a_call_with_no_argument_text_gets_no_arguments(self, chat: Chat) -> None:
        events = await chat.run(tool_call_reply("list_tasks"))
        assert events == [ToolRequest(tool="list_tasks", arguments={})]

    async def test_a_tool_call_then_its_result_gives_a_text_reply(self, chat: Chat) -> None:
        first = await chat.run(tool_call_reply("add_task", '{"title": "Buy milk"}'))
        assert first == [ToolRequest(tool="add_task", arguments={"title": "Buy milk"})]
        history = [USER_ASKS, message(2, Role.TOOL, "add_task", ADDED)]
        second = await chat.run(text_reply("Added task 42: ", "Buy milk."), history=history)
        assert second == [TextDelta("Added task 42: "), TextDelta("Buy milk.")]
        assert chat.sent(1)["messages"][2:] == [
            assistant_call("call_2_0", "add_task", '{"title": "Buy milk"}'),
            tool_result("call_2_0", '{"id": 42, "title": "Buy milk"}'),
        ]


class TestProviderFailures:
    async def test_a_server_error_is_retried_then_reported_unavailable(self, chat: Chat) -> None:
        error = await chat.failure(failure(500), failure(500), failure(500), max_retries=2)
        assert len(chat.fake.received) == 3
        assert "500" in error.reason

    async def test_a_rate_limit_is_retried_and_then_the_reply_streams(self, chat: Chat) -> None:
        events = await chat.run(failure(429, "slow down"), text_reply("Done."))
        assert events == [TextDelta("Done.")]
        retries = [request.headers["x-stainless-retry-count"] for request in chat.fake.received]
        assert retries == ["0", "1"]

    async def test_a_refused_request_is_not_retried(self, chat: Chat) -> None:
        error = await chat.failure(failure(400, "bad tool schema"))
        assert len(chat.fake.received) == 1
        assert "400" in error.reason

    async def test_the_reason_shows_no_key_url_or_provider_words(self, chat: Chat) -> None:
        error = await chat.failure(failure(401, f"Incorrect API key provided: {API_KEY}"))
        for text in (error.reason, str(error)):
            assert API_KEY not in text
            assert "127.0.0.1" not in text
            assert "Incorrect" not in text
        assert error.__cause__ is None
        assert error.__suppress_context__

    async def test_a_reply_slower_than_the_timeout_is_unavailable(self, chat: Chat) -> None:
        # One retry only: a timeout has no Retry-After, so the SDK backs off its own ~0.5 s.
        error = await chat.failure(Reply(delay=10), Reply(delay=10), timeout=0.2, max_retries=1)
        assert len(chat.fake.received) == 2
        assert "in time" in error.reason

    async def test_a_stalled_stream_is_unavailable_after_its_text(self, chat: Chat) -> None:
        chat.fake.script(Reply(items=({"content": "Hel"}, Pause(10), {"content": "lo"})))
        assistant = chat.assistant(timeout=0.2, max_retries=0)
        events = aiter(assistant.step([USER_ASKS], tools=TOOLS, now=NOW))
        assert await anext(events) == TextDelta("Hel")
        with pytest.raises(AssistantUnavailableError, match="in time"):
            await anext(events)

    async def test_an_error_event_inside_the_stream_means_unavailable(self, chat: Chat) -> None:
        error_event = Raw('{"error": {"message": "overloaded", "type": "server_error"}}')
        error = await chat.failure(Reply(items=({"content": "Hel"}, error_event)))
        assert error.reason == "the assistant's provider reported an error"

    async def test_a_stream_event_that_is_not_json_means_unavailable(self, chat: Chat) -> None:
        error = await chat.failure(Reply(items=(Raw("<html>bad gateway</html>"),)))
        assert "could not be read" in error.reason

    async def test_an_unreachable_endpoint_is_reported_unavailable(self, chat: Chat) -> None:
        with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        error = await chat.failure(base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
        assert "could not be reached" in error.reason


class TestTheFake:
    async def test_it_answers_a_non_streamed_request_whole(self, chat: Chat) -> None:
        arguments = '{"title": "Buy milk"}'
        deltas = (call_start(0, "add_task"), call_arguments(0, arguments))
        chat.fake.script(Reply(items=({"content": "Adding."}, *deltas)))
        async with AsyncOpenAI(base_url=chat.fake.base_url, api_key=API_KEY) as client:
            completion = await client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "add milk"}]
            )
        reply = completion.choices[0].message
        assert reply.content == "Adding."
        assert reply.tool_calls is not None
        call = reply.tool_calls[0]
        assert isinstance(call, ChatCompletionMessageFunctionToolCall)
        assert (call.function.name, call.function.arguments) == ("add_task", arguments)
