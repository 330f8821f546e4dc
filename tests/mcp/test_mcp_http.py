"""MCP over streamable HTTP at `/mcp`: the SDK's own client, the REST API's bearer tokens,
every tool scoped to the token's user. In process (the SDK client over an ASGI transport) on
SQLite and PostgreSQL, and once through `todo serve` with two workers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from mcp.client.client import Client
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from adapters.sql import migrate
from application.tools import TOOLS
from entrypoints.tokens import mint_token
from tests.api.conftest import SECRET, Api, running_api, settings_for
from tests.databases import (
    PgBouncer,
    asyncpg_url,
    create_postgres_database,
    drop_postgres_database,
)
from tests.factories import new_user_id
from tests.mcp.conftest import error_of, result_of
from tests.served import serving

BASE = "http://testserver"


def bearer(user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SECRET, user_id, now=datetime.now(UTC))}"}


@asynccontextmanager
async def mcp_as(app: FastAPI, user_id: str) -> AsyncIterator[ClientSession]:
    """An initialized session with the app's `/mcp`, carrying `user_id`'s token."""
    transport = httpx2.ASGITransport(app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url=BASE, headers=bearer(user_id)) as http,
        streamable_http_client(f"{BASE}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
        pytest.param("pgbouncer", id="pgbouncer", marks=pytest.mark.pgbouncer),
    ],
)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, bool]]:
    """A database migrated to head (its URL, and whether it is behind PgBouncer), shared by
    this module's tests (each has its own users).

    PostgreSQL gets a database of its own: the session one has tables made without Alembic.
    Asking for `postgres_database_name` applies the suite's policy when it is unreachable."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('mcp') / 'mcp.db'}"
        migrate.upgrade(url)
        yield url, False
        return
    request.getfixturevalue("postgres_database_name")
    if request.param == "pgbouncer":
        request.getfixturevalue("pgbouncer_database")  # the suite's policy for the binary
    name = create_postgres_database()
    try:
        migrate.upgrade(asyncpg_url(name))
        if request.param == "postgres":
            yield asyncpg_url(name), False
            return
        with PgBouncer(name) as bouncer:  # transaction mode, like Neon's pooler
            yield bouncer.url, True
    finally:
        drop_postgres_database(name)


@pytest.fixture
async def api(database: tuple[str, bool]) -> AsyncIterator[Api]:
    url, pgbouncer = database
    settings = settings_for(
        persistence="sql",
        database_url=url,
        db_auto_create=False,
        db_pgbouncer="true" if pgbouncer else "auto",
    )
    async with running_api(settings) as running:
        yield running


async def rest_titles(api: Api, user_id: str) -> list[str]:
    response = await api.client.get(f"/api/{user_id}/tasks", headers=api.auth(user_id))
    assert response.status_code == 200, response.text
    return [task["title"] for task in response.json()]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic YWxpY2U6cHc="}],
    ids=["no-token", "bad-token", "not-bearer"],
)
async def test_mcp_without_a_valid_token_is_401(headers: dict[str, str]) -> None:
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with running_api(settings_for()) as api:
        response = await api.client.post("/mcp", json=listing, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["instance"] == "/mcp"


async def test_mcp_answers_post_only_as_it_keeps_no_stream_or_session() -> None:
    async with running_api(settings_for()) as api:
        answers = [
            await api.client.request(method, "/mcp", headers=api.auth())
            for method in ("GET", "DELETE")
        ]
    assert [answer.status_code for answer in answers] == [405, 405]
    assert {answer.headers["Allow"] for answer in answers} == {"POST"}


async def test_the_five_tools_are_listed_with_the_registry_schemas(api: Api) -> None:
    async with mcp_as(api.app, api.user_id) as session:
        listed = await session.list_tools()
    assert {tool.name: tool.input_schema for tool in listed.tools} == {
        spec.name: spec.parameters for spec in TOOLS
    }


async def test_alice_adds_a_task_that_the_rest_api_shows(api: Api) -> None:
    alice = api.user_id
    async with mcp_as(api.app, alice) as session:
        added = result_of(await session.call_tool("add_task", {"title": "Buy milk"}))
        listed = result_of(await session.call_tool("list_tasks", {}))
    assert added["status"] == "created"
    assert [task["id"] for task in listed] == [added["task_id"]]
    assert await rest_titles(api, alice) == ["Buy milk"]


async def test_bob_finds_no_task_of_alices_and_changes_nothing(api: Api) -> None:
    alice, bob = api.user_id, new_user_id()
    created = await api.create(title="Alice's")
    task_id = created["id"]
    async with mcp_as(api.app, bob) as session:
        calls = [
            await session.call_tool("complete_task", {"task_id": task_id}),
            await session.call_tool("update_task", {"task_id": task_id, "title": "Bob's"}),
            await session.call_tool("delete_task", {"task_id": task_id}),
        ]
        own = result_of(await session.call_tool("list_tasks", {}))
    assert [error_of(call) for call in calls] == [f"I couldn't find task {task_id}."] * 3
    assert own == []
    response = await api.client.get(f"/api/{alice}/tasks/{task_id}", headers=api.auth())
    assert response.json() == created


async def test_a_user_id_argument_naming_someone_else_is_refused(api: Api) -> None:
    alice, bob = api.user_id, new_user_id()
    async with mcp_as(api.app, bob) as session:
        refused = await session.call_tool("add_task", {"user_id": alice, "title": "Sneaky"})
        accepted = await session.call_tool("add_task", {"user_id": bob, "title": "Mine"})
    assert error_of(refused) == "user_id must be the signed-in user"
    assert result_of(accepted)["status"] == "created"
    assert await rest_titles(api, alice) == []
    assert await rest_titles(api, bob) == ["Mine"]


async def test_a_client_on_the_newest_protocol_is_scoped_to_its_token_too(api: Api) -> None:
    """`mcp.Client` negotiates 2026-07-28 (no handshake; each request stands alone)."""
    alice, bob = api.user_id, new_user_id()
    transport = httpx2.ASGITransport(api.app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url=BASE, headers=bearer(bob)) as http,
        Client(streamable_http_client(f"{BASE}/mcp", http_client=http)) as client,
    ):
        refused = await client.call_tool("add_task", {"user_id": alice, "title": "Sneaky"})
        added = await client.call_tool("add_task", {"title": "Bob's"})
        negotiated = client.session.protocol_version
    assert negotiated == "2026-07-28"
    assert error_of(refused) == "user_id must be the signed-in user"
    assert result_of(added)["status"] == "created"
    assert await rest_titles(api, bob) == ["Bob's"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`todo serve --workers 2` on a SQLite file, until the test ends."""
    database = f"sqlite:///{tmp_path / 'served.db'}"
    with serving(
        tmp_path, "--workers", "2", persistence="sql", database_url=database, auth_jwt_secret=SECRET
    ) as base:
        yield base


async def test_todo_serve_answers_mcp_from_any_worker(served: str) -> None:
    """Stateless: no session lives in a worker, so every request may go to either one."""
    async with (
        httpx2.AsyncClient(headers=bearer("alice"), timeout=10) as http,
        streamable_http_client(f"{served}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        added = [await session.call_tool("add_task", {"title": f"Task {n}"}) for n in range(4)]
        listed = result_of(await session.call_tool("list_tasks", {}))
    assert [result_of(call)["status"] for call in added] == ["created"] * 4
    assert [task["title"] for task in listed] == [f"Task {n}" for n in range(4)]
    async with httpx.AsyncClient() as anonymous:
        refused = await anonymous.post(f"{served}/mcp", json={})
    assert refused.status_code == 401
