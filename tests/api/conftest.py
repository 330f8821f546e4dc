"""HTTP tests: the real app, its container overridden (in-memory store, fixed clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI

from entrypoints.api.app import create_app
from entrypoints.container import Container
from entrypoints.settings import Settings
from entrypoints.tokens import mint_token
from tests.factories import T0, FixedClock, new_user_id

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def settings_for(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_env": "test",
        "persistence": "memory",
        "auth_jwt_secret": SECRET,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class Api:
    """A client for one user, with the app, its container and its clock at hand."""

    client: httpx.AsyncClient
    app: FastAPI
    container: Container
    clock: FixedClock
    user_id: str

    @property
    def tasks(self) -> str:
        return f"/api/{self.user_id}/tasks"

    @property
    def conversations(self) -> str:
        return f"/api/{self.user_id}/conversations"

    @property
    def chat(self) -> str:
        return f"/api/{self.user_id}/chat"

    def auth(self, user_id: str | None = None) -> dict[str, str]:
        token = mint_token(SECRET, user_id or self.user_id, now=datetime.now(UTC))
        return {"Authorization": f"Bearer {token}"}

    async def create(self, **fields: object) -> dict[str, object]:
        body: dict[str, object] = {"title": "Buy milk", **fields}
        response = await self.client.post(self.tasks, json=body, headers=self.auth())
        assert response.status_code == 201, response.text
        created: dict[str, object] = response.json()
        return created


def container_for(settings: Settings, clock: FixedClock) -> Container:
    container = Container(settings=providers.Object(settings))
    container.clock.override(providers.Object(clock))
    return container


@asynccontextmanager
async def running_api(
    settings: Settings,
    user_id: str | None = None,
    configure: Callable[[Container], None] | None = None,
) -> AsyncIterator[Api]:
    """The app for `settings`, started (lifespan) and reachable through an HTTP client;
    `configure` may override providers before the app is built."""
    clock = FixedClock(T0)
    container = container_for(settings, clock)
    if configure is not None:
        configure(container)
    app = create_app(container)
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield Api(client, app, container, clock, user_id or new_user_id())


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with running_api(settings_for()) as running:
        yield running
