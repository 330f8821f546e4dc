"""`Idempotency-Key` on every creating POST: ten identical concurrent requests create one
resource (each gets the same answer, or a 409 problem), a later retry replays the answer,
another body gives 422; in memory, on SQLite, PostgreSQL and PgBouncer, across a restart."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoints.settings import Settings
from tests.api.conftest import Api, running_api, settings_for


@dataclass(frozen=True)
class Endpoint:
    """A creating POST: where (made once per check), with what, what it answers, and how
    many things it has made (the path in hand)."""

    name: str
    path: Callable[[Api], Awaitable[str]]
    body: dict[str, Any]
    other_body: dict[str, Any]
    status: int
    count: Callable[[Api, str], Awaitable[int]]


async def listed(api: Api, path: str) -> int:
    response = await api.client.get(f"{path}?limit=200", headers=api.auth())
    assert response.status_code == 200, response.text
    return len(response.json())


async def _new_conversation_messages(api: Api) -> str:
    made = await api.client.post(api.conversations, json={}, headers=api.auth())
    return f"{api.conversations}/{made.json()['id']}/messages"


async def _tasks_made_by_chat(api: Api, _: str) -> int:
    return await listed(api, api.tasks)  # a turn run twice would add its task twice


ENDPOINTS = {
    endpoint.name: endpoint
    for endpoint in (
        Endpoint(
            "tasks",
            lambda api: asyncio.sleep(0, api.tasks),
            {"title": "Buy milk"},
            {"title": "Buy bread"},
            201,
            listed,
        ),
        Endpoint(
            "conversations",
            lambda api: asyncio.sleep(0, api.conversations),
            {"title": "Plans"},
            {"title": "Other plans"},
            201,
            listed,
        ),
        Endpoint(
            "messages",
            _new_conversation_messages,
            {"role": "user", "content": "hello"},
            {"role": "user", "content": "bye"},
            201,
            listed,
        ),
        Endpoint(
            "chat",
            lambda api: asyncio.sleep(0, api.chat),
            {"conversation_id": None, "message": "add a task to buy milk"},
            {"conversation_id": None, "message": "add a task to buy bread"},
            200,
            _tasks_made_by_chat,
        ),
    )
}


def keyed(api: Api, key: str) -> dict[str, str]:
    return {**api.auth(), "Idempotency-Key": key}


async def ten_at_once(api: Api, path: str, body: dict[str, Any], key: str) -> list[httpx.Response]:
    posts = (api.client.post(path, json=body, headers=keyed(api, key)) for _ in range(10))
    return list(await asyncio.gather(*posts))


async def check_endpoint(api: Api, endpoint: Endpoint) -> None:
    """The whole contract on one endpoint."""
    key = str(uuid.uuid4())
    path = await endpoint.path(api)
    before = await endpoint.count(api, path)

    answers = await ten_at_once(api, path, endpoint.body, key)

    made = [answer for answer in answers if answer.status_code == endpoint.status]
    refused = [answer for answer in answers if answer.status_code == 409]
    assert len(made) + len(refused) == 10, [a.text for a in answers]
    assert made, "at least the first request creates"
    assert len({answer.text for answer in made}) == 1
    assert all(a.headers["content-type"] == "application/problem+json" for a in refused)
    assert await endpoint.count(api, path) == before + 1
    retry = await api.client.post(path, json=endpoint.body, headers=keyed(api, key))
    assert retry.status_code == endpoint.status
    assert retry.text == made[0].text
    assert retry.headers.get("Location") == made[0].headers.get("Location")
    assert retry.headers["Idempotent-Replayed"] == "true"
    other = await api.client.post(path, json=endpoint.other_body, headers=keyed(api, key))
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await endpoint.count(api, path) == before + 1


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
async def test_one_key_creates_once_and_replays_in_memory(api: Api, name: str) -> None:
    await check_endpoint(api, ENDPOINTS[name])


class TestKeys:
    async def test_without_a_key_every_post_creates(self, api: Api) -> None:
        for _ in range(2):
            await api.create()

        assert await listed(api, api.tasks) == 2

    async def test_a_replay_keeps_the_etag_of_the_created_task(self, api: Api) -> None:
        first = await api.client.post(api.tasks, json={"title": "x"}, headers=keyed(api, "k"))
        again = await api.client.post(api.tasks, json={"title": "x"}, headers=keyed(api, "k"))

        assert again.headers["ETag"] == first.headers["ETag"] == '"1"'
        assert again.headers["Location"] == first.headers["Location"]

    async def test_keys_are_scoped_per_route(self, api: Api) -> None:
        task = await api.client.post(api.tasks, json={"title": "x"}, headers=keyed(api, "k"))
        chat = await api.client.post(api.conversations, json={}, headers=keyed(api, "k"))

        assert (task.status_code, chat.status_code) == (201, 201)

    async def test_the_same_json_spelled_differently_is_the_same_request(self, api: Api) -> None:
        headers = {**keyed(api, "k"), "Content-Type": "application/json"}
        first = await api.client.post(
            api.tasks, content=b'{"title":"x","tags":[]}', headers=headers
        )
        again = await api.client.post(
            api.tasks, content=b'{ "tags": [], "title": "x" }', headers=headers
        )

        assert again.status_code == 201
        assert again.json() == first.json()

    async def test_a_failed_request_leaves_its_key_free(self, api: Api) -> None:
        path = f"{api.conversations}/999999/messages"
        body = {"role": "user", "content": "hi"}
        answers = [
            (await api.client.post(path, json=body, headers=keyed(api, "k"))).status_code
            for _ in range(2)
        ]

        assert answers == [404, 404]

    @pytest.mark.parametrize("key", ["", " leading space", "x" * 256, "tab\there", b"\xe9"])
    async def test_a_malformed_key_is_a_422(self, api: Api, key: str | bytes) -> None:
        response = await api.client.post(
            api.tasks, json={"title": "x"}, headers={**api.auth(), "Idempotency-Key": key}
        )

        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]

    async def test_a_streamed_chat_replays_as_its_done_event(self, api: Api) -> None:
        body = {"conversation_id": None, "message": "add a task to buy milk"}
        first = await api.client.post(api.chat, json=body, headers=keyed(api, "k"))
        streamed = await api.client.post(
            api.chat, json=body, headers={**keyed(api, "k"), "Accept": "text/event-stream"}
        )

        assert streamed.headers["content-type"].startswith("text/event-stream")
        assert streamed.text == f"event: done\ndata: {first.text}\n\n"

    async def test_a_streamed_chat_records_its_answer(self, api: Api) -> None:
        body = {"conversation_id": None, "message": "add a task to buy milk"}
        stream = {**keyed(api, "k"), "Accept": "text/event-stream"}
        await api.client.post(api.chat, json=body, headers=stream)
        again = await api.client.post(api.chat, json=body, headers=keyed(api, "k"))

        assert again.headers["Idempotent-Replayed"] == "true"
        assert await listed(api, api.tasks) == 1

    async def test_the_header_is_documented_on_every_creating_post(self, api: Api) -> None:
        paths = (await api.client.get("/openapi.json")).json()["paths"]
        creating = [
            paths["/api/{user_id}/tasks"]["post"],
            paths["/api/{user_id}/conversations"]["post"],
            paths["/api/{user_id}/conversations/{conversation_id}/messages"]["post"],
            paths["/api/{user_id}/chat"]["post"],
        ]

        for operation in creating:
            names = [parameter["name"] for parameter in operation["parameters"]]
            assert "Idempotency-Key" in names
            assert "409" in operation["responses"]


def sql_settings(url: str, **more: Any) -> Settings:
    return settings_for(persistence="sql", database_url=url, **more)


async def check_all_and_restart(settings: Settings) -> None:
    """Every endpoint's contract, then a retry after a restart replays the first answer."""
    key = str(uuid.uuid4())
    async with running_api(settings) as api:
        for endpoint in ENDPOINTS.values():
            await check_endpoint(api, endpoint)
        first = await api.client.post(api.tasks, json={"title": "x"}, headers=keyed(api, key))
        user_id = api.user_id
    async with running_api(settings, user_id) as api:
        again = await api.client.post(api.tasks, json={"title": "x"}, headers=keyed(api, key))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()


async def test_on_sqlite(tmp_path: Path) -> None:
    await check_all_and_restart(sql_settings(f"sqlite:///{tmp_path / 'keys.db'}"))


@pytest.mark.postgres
async def test_on_postgresql(postgres_schema: str) -> None:
    await check_all_and_restart(sql_settings(postgres_schema))


@pytest.mark.pgbouncer
async def test_through_pgbouncer(postgres_schema: str, pgbouncer_database: str) -> None:
    await check_all_and_restart(sql_settings(pgbouncer_database, db_pgbouncer="true"))
