"""The chat turn over HTTP: JSON and SSE, and the history and tasks agreeing whatever fails."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Self

import pytest
from dependency_injector import providers

from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.errors import AssistantUnavailableError, StorageUnavailableError
from application.ports import TextDelta, ToolRequest
from domain.conversations import Role
from entrypoints.container import Container
from tests.api.conftest import Api, running_api, settings_for
from tests.fake_assistant import ScriptedAssistant, Step


def with_assistant(assistant: ScriptedAssistant) -> Any:
    def configure(container: Container) -> None:
        container.assistant.override(providers.Object(assistant))

    return configure


async def scripted_api(*steps: Step) -> AsyncIterator[Api]:
    async with running_api(
        settings_for(), configure=with_assistant(ScriptedAssistant(*steps))
    ) as api:
        yield api


async def history(api: Api, conversation_id: int) -> list[tuple[str, str]]:
    path = f"{api.conversations}/{conversation_id}/messages"
    messages = (await api.client.get(path, headers=api.auth())).json()
    return [(m["role"], m["content"]) for m in messages]


async def titles(api: Api) -> list[str]:
    return [t["title"] for t in (await api.client.get(api.tasks, headers=api.auth())).json()]


async def only_conversation(api: Api) -> int:
    conversations = (await api.client.get(api.conversations, headers=api.auth())).json()
    assert len(conversations) == 1
    conversation_id: int = conversations[0]["id"]
    return conversation_id


ADD_MILK = ToolRequest("add_task", {"title": "Buy milk"})


class TestChatJson:
    async def test_a_turn_runs_a_tool_and_stores_the_whole_exchange(self, api: Api) -> None:
        response = await api.client.post(
            api.chat, json={"message": "add a task to buy milk"}, headers=api.auth()
        )
        body = response.json()
        assert response.status_code == 200, body
        assert [call["tool"] for call in body["tool_calls"]] == ["add_task"]
        assert "Buy milk" in body["response"]
        assert await titles(api) == ["Buy milk"]
        roles = [role for role, _ in await history(api, body["conversation_id"])]
        assert roles == ["user", "tool", "assistant"]

    async def test_a_reply_without_tools_has_an_empty_tool_calls_list(self, api: Api) -> None:
        response = await api.client.post(
            api.chat, json={"message": "hello there"}, headers=api.auth()
        )
        assert response.status_code == 200
        assert response.json()["tool_calls"] == []

    async def test_a_turn_continues_the_named_conversation(self, api: Api) -> None:
        first = await api.client.post(
            api.chat, json={"message": "add a task to buy milk"}, headers=api.auth()
        )
        conversation_id = first.json()["conversation_id"]
        second = await api.client.post(
            api.chat,
            json={"conversation_id": conversation_id, "message": "show my tasks"},
            headers=api.auth(),
        )
        assert second.json()["conversation_id"] == conversation_id
        assert len(await history(api, conversation_id)) == 6

    async def test_another_users_conversation_is_404_and_nothing_is_stored(self, api: Api) -> None:
        mine = await api.client.post(api.chat, json={"message": "hello"}, headers=api.auth())
        conversation_id = mine.json()["conversation_id"]
        stranger = "someone-else"
        response = await api.client.post(
            f"/api/{stranger}/chat",
            json={"conversation_id": conversation_id, "message": "delete task 1"},
            headers=api.auth(stranger),
        )
        assert response.status_code == 404
        assert len(await history(api, conversation_id)) == 2

    @pytest.mark.parametrize("message", ["", "x" * 32_001])
    async def test_a_bad_message_is_422_and_stores_nothing(self, api: Api, message: str) -> None:
        response = await api.client.post(api.chat, json={"message": message}, headers=api.auth())
        assert response.status_code == 422
        assert (await api.client.get(api.conversations, headers=api.auth())).json() == []

    async def test_a_missing_task_is_a_plain_reply_not_an_error(self, api: Api) -> None:
        response = await api.client.post(
            api.chat, json={"message": "complete task 9"}, headers=api.auth()
        )
        body = response.json()
        assert response.status_code == 200
        assert "9" in body["response"]
        assert "error" in body["tool_calls"][0]["result"]


class TestChatFailures:
    async def test_the_assistant_failing_mid_turn_keeps_the_message_and_the_tool_record(
        self,
    ) -> None:
        async for api in scripted_api([ADD_MILK], RuntimeError("secret internals")):
            response = await api.client.post(
                api.chat, json={"message": "add milk"}, headers=api.auth()
            )
            assert response.status_code == 503
            assert "secret internals" not in response.text
            assert response.headers["Retry-After"]
            conversation_id = await only_conversation(api)
            roles = [role for role, _ in await history(api, conversation_id)]
            assert roles == ["user", "tool"]
            assert await titles(api) == ["Buy milk"]

    async def test_a_provider_outage_before_any_tool_keeps_the_users_message(self) -> None:
        async for api in scripted_api(AssistantUnavailableError("provider down")):
            response = await api.client.post(api.chat, json={"message": "hi"}, headers=api.auth())
            assert response.status_code == 503
            assert await history(api, await only_conversation(api)) == [("user", "hi")]

    async def test_the_database_failing_while_the_reply_is_written(self) -> None:
        assistant = ScriptedAssistant([ADD_MILK], [TextDelta("Added it.")])
        failing = FailOnReply()
        async with running_api(
            settings_for(),
            configure=lambda c: (
                c.assistant.override(providers.Object(assistant)),
                failing.install(c),
            ),
        ) as api:
            response = await api.client.post(
                api.chat, json={"message": "add milk"}, headers=api.auth()
            )
            assert response.status_code == 503
            failing.enabled = False
            roles = [role for role, _ in await history(api, await only_conversation(api))]
            assert roles == ["user", "tool"]
            assert await titles(api) == ["Buy milk"]

    async def test_a_tool_that_fails_is_recorded_with_its_error_and_the_turn_goes_on(
        self,
    ) -> None:
        steps: list[Step] = [
            [ToolRequest("complete_task", {"task_id": 77}), ADD_MILK],
            [TextDelta("One of two.")],
        ]
        async for api in scripted_api(*steps):
            response = await api.client.post(api.chat, json={"message": "go"}, headers=api.auth())
            body = response.json()
            assert response.status_code == 200
            assert [("error" in c["result"]) for c in body["tool_calls"]] == [True, False]
            assert await titles(api) == ["Buy milk"]


class FailOnReply:
    """Storing an assistant reply fails like a lost database, while `enabled`."""

    def __init__(self) -> None:
        self.enabled = True

    def install(self, container: Container) -> None:
        fail = self

        class Unit(InMemoryUnitOfWork):
            async def __aenter__(self) -> Self:
                await super().__aenter__()
                append = self.conversations.append

                async def guarded(**arguments: Any) -> Any:
                    if fail.enabled and arguments["message"].role is Role.ASSISTANT:
                        raise StorageUnavailableError
                    return await append(**arguments)

                self.conversations.append = guarded  # type: ignore[method-assign]
                return self

        container.uow.override(providers.Factory(Unit, store=container.store))


def events_of(text: str) -> list[tuple[str, Any]]:
    frames = [frame for frame in text.split("\n\n") if frame.strip()]
    parsed = []
    for frame in frames:
        lines = dict(line.split(": ", 1) for line in frame.splitlines())
        parsed.append((lines["event"], json.loads(lines["data"])))
    return parsed


class TestChatStream:
    async def test_the_stream_sends_tool_calls_deltas_and_done(self) -> None:
        steps: list[Step] = [[ADD_MILK], [TextDelta("Added "), TextDelta("Buy milk.")]]
        async for api in scripted_api(*steps):
            response = await api.client.post(
                api.chat,
                json={"message": "add milk"},
                headers={**api.auth(), "Accept": "text/event-stream"},
            )
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = events_of(response.text)
            assert [name for name, _ in events] == ["tool_call", "delta", "delta", "done"]
            done = events[-1][1]
            assert done["response"] == "".join(d["text"] for n, d in events if n == "delta")
            assert done["tool_calls"] == [events[0][1]]
            assert await titles(api) == ["Buy milk"]

    async def test_a_failure_ends_the_stream_with_a_problem(self) -> None:
        async for api in scripted_api(AssistantUnavailableError("down")):
            response = await api.client.post(
                api.chat,
                json={"message": "hi"},
                headers={**api.auth(), "Accept": "text/event-stream"},
            )
            name, problem = events_of(response.text)[-1]
            assert (name, problem["status"]) == ("error", 503)
            assert await history(api, await only_conversation(api)) == [("user", "hi")]
