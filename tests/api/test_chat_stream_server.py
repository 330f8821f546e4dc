"""Streaming chat as a chat UI sees it: a real `todo serve`, the `openai` assistant against the
local fake provider, and a real HTTP client reading Server-Sent Events as they arrive."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from entrypoints.tokens import mint_token
from tests.assistant.fake_openai import (
    FakeOpenAi,
    Pause,
    Reply,
    failure,
    serve_fake,
    tool_call_reply,
)
from tests.factories import new_user_id
from tests.served import serving

SECRET = "stream-test-secret-long-enough-for-hs256-0123456789"
ADD_MILK = tool_call_reply("add_task", '{"title": ', '"Buy milk"}')
PAUSED_REPLY = Reply(
    items=({"role": "assistant", "content": ""}, {"content": "Added "}, Pause(30),
           {"content": "Buy milk."})
)  # fmt: skip


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAi]:
    with serve_fake() as running:
        yield running


@pytest.fixture(scope="module")
def server(fake: FakeOpenAi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`todo serve` with ASSISTANT=openai pointed at the fake provider (one per module; each
    test is its own user)."""
    tmp_path = tmp_path_factory.mktemp("stream")
    with serving(
        tmp_path,
        auth_jwt_secret=SECRET,
        persistence="sql",
        database_url=f"sqlite:///{tmp_path / 'stream.db'}",
        assistant="openai",
        llm_base_url=fake.base_url,
        llm_model="fake-model",
        llm_api_key="test-key",
    ) as base:
        yield base
    fake.release()


@pytest.fixture
def client(fake: FakeOpenAi, server: str) -> Iterator[Client]:
    fake.reset()
    with httpx.Client(base_url=server, timeout=10) as http:
        yield Client(http, new_user_id())
    fake.release()


class Client:
    """An HTTP client for one user of the served API."""

    def __init__(self, http: httpx.Client, user_id: str) -> None:
        self.http = http
        self.user_id = user_id
        token = mint_token(SECRET, user_id, now=datetime.now(UTC))
        self.auth = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> Any:
        return self.http.get(f"/api/{self.user_id}{path}", headers=self.auth).json()

    def chat_stream(self) -> Any:
        return self.http.stream(
            "POST",
            f"/api/{self.user_id}/chat",
            json={"message": "add milk"},
            headers={**self.auth, "Accept": "text/event-stream"},
        )

    def stored_roles(self) -> list[str]:
        conversations = self.get("/conversations")
        messages = self.get(f"/conversations/{conversations[0]['id']}/messages")
        return [message["role"] for message in messages]

    def titles(self) -> list[str]:
        return [task["title"] for task in self.get("/tasks")]


def read_events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    """(event, data) pairs as the stream delivers them."""
    name = ""
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))


def test_events_arrive_as_the_reply_is_produced(fake: FakeOpenAi, client: Client) -> None:
    fake.script(ADD_MILK, PAUSED_REPLY)
    with client.chat_stream() as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = read_events(response.iter_lines())
        first = next(events)
        second = next(events)  # the provider is still paused: nothing is buffered
        fake.release()
        rest = list(events)
    assert [first[0], second] == ["tool_call", ("delta", {"text": "Added "})]
    assert [name for name, _ in rest] == ["delta", "done"]
    done = rest[-1][1]
    assert done["response"] == "Added Buy milk."
    assert done["tool_calls"] == [first[1]]
    assert client.titles() == ["Buy milk"]
    assert client.stored_roles() == ["user", "tool", "assistant"]


def test_a_provider_failure_mid_stream_ends_with_an_error_event(
    fake: FakeOpenAi, client: Client
) -> None:
    fake.script(ADD_MILK, failure(500), failure(500), failure(500))
    with client.chat_stream() as response:
        events = list(read_events(response.iter_lines()))
    assert [name for name, _ in events] == ["tool_call", "error"]
    assert events[-1][1]["status"] == 503
    assert client.titles() == ["Buy milk"]
    assert client.stored_roles() == ["user", "tool"]


def test_a_client_that_leaves_mid_stream_leaves_a_whole_turn(
    fake: FakeOpenAi, client: Client
) -> None:
    fake.script(ADD_MILK, PAUSED_REPLY)
    with client.chat_stream() as response:
        events = read_events(response.iter_lines())
        assert next(events)[0] == "tool_call"
    fake.release()  # the client is gone; the turn still ends and is stored
    for _ in range(100):
        if client.stored_roles() == ["user", "tool", "assistant"]:
            break
        time.sleep(0.05)
    assert client.stored_roles() == ["user", "tool", "assistant"]
    assert client.titles() == ["Buy milk"]
