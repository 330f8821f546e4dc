"""CORS as front ends need it (ARCHITECTURE.md: CORS_ORIGINS, CORS_ALLOW_CREDENTIALS):
credentials for the listed origins only, refusals as problems, headers on every response."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from dependency_injector import providers

from entrypoints.api.app import create_app
from tests.api.conftest import Api, container_for, running_api, settings_for
from tests.api.test_errors_api import BrokenUnitOfWork
from tests.factories import T0, FixedClock

FRONT_END = "http://localhost:3000"
EXPOSED = {"etag", "location", "link", "x-request-id", "retry-after", "www-authenticate", "allow"}


def preflight(method: str = "PATCH", origin: str = FRONT_END) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, if-match",
    }


@pytest.fixture
async def cors_api() -> AsyncIterator[Api]:
    async with running_api(settings_for(cors_origins=FRONT_END)) as running:
        yield running


class TestCredentials:
    async def test_a_listed_origin_may_send_credentials(self, cors_api: Api) -> None:
        response = await cors_api.client.options(cors_api.tasks, headers=preflight())
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == FRONT_END
        assert response.headers["access-control-allow-credentials"] == "true"
        allowed = response.headers["access-control-allow-headers"].lower()
        assert {"authorization", "if-match"} <= {h.strip() for h in allowed.split(",")}

    async def test_a_credentialed_response_names_the_origin_and_exposes_headers(
        self, cors_api: Api
    ) -> None:
        headers = {**cors_api.auth(), "Origin": FRONT_END}
        response = await cors_api.client.post(cors_api.tasks, json={"title": "x"}, headers=headers)
        assert response.status_code == 201
        assert response.headers["access-control-allow-origin"] == FRONT_END
        assert response.headers["access-control-allow-credentials"] == "true"
        exposed = response.headers["access-control-expose-headers"].lower()
        assert {name.strip() for name in exposed.split(",")} >= EXPOSED

    async def test_credentials_can_be_turned_off(self) -> None:
        settings = settings_for(cors_origins=FRONT_END, cors_allow_credentials=False)
        async with running_api(settings) as api:
            response = await api.client.options(api.tasks, headers=preflight())
        assert response.headers["access-control-allow-origin"] == FRONT_END
        assert "access-control-allow-credentials" not in response.headers

    async def test_a_wildcard_origin_never_allows_credentials(self) -> None:
        async with running_api(settings_for(cors_origins="*")) as api:
            asked = await api.client.options(api.tasks, headers=preflight())
            headers = {**api.auth(), "Origin": "https://anywhere.example"}
            answered = await api.client.get(api.tasks, headers=headers)
        for response in (asked, answered):
            assert response.headers["access-control-allow-origin"] == "*"
            assert "access-control-allow-credentials" not in response.headers


class TestRefusals:
    async def test_a_refused_preflight_is_a_problem(self, cors_api: Api) -> None:
        response = await cors_api.client.options(
            cors_api.tasks, headers=preflight(origin="https://evil.example")
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "/problems/cors-refused"
        assert "origin" in problem["detail"]
        assert "access-control-allow-origin" not in response.headers
        assert response.headers["x-request-id"]

    async def test_an_unlisted_origin_gets_no_allow_origin(self, cors_api: Api) -> None:
        headers = {**cors_api.auth(), "Origin": "https://evil.example"}
        response = await cors_api.client.get(cors_api.tasks, headers=headers)
        assert "access-control-allow-origin" not in response.headers


class TestEveryResponse:
    async def test_a_500_carries_the_cors_headers(self, cors_api: Api) -> None:
        cors_api.container.uow.override(providers.Factory(BrokenUnitOfWork, RuntimeError("boom")))
        headers = {**cors_api.auth(), "Origin": FRONT_END}
        response = await cors_api.client.get(cors_api.tasks, headers=headers)
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["access-control-allow-origin"] == FRONT_END
        assert response.headers["access-control-allow-credentials"] == "true"
        assert response.headers["x-request-id"]

    @pytest.mark.parametrize("path", ["/api/{user}/tasks/999", "/nowhere", "/api/{user}/tasks/"])
    async def test_an_error_carries_the_cors_headers(self, cors_api: Api, path: str) -> None:
        headers = {**cors_api.auth(), "Origin": FRONT_END}
        url = path.format(user=cors_api.user_id)
        response = await cors_api.client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.headers["access-control-allow-origin"] == FRONT_END

    async def test_a_401_carries_the_cors_headers(self, cors_api: Api) -> None:
        response = await cors_api.client.get(cors_api.tasks, headers={"Origin": FRONT_END})
        assert response.status_code == 401
        assert response.headers["access-control-allow-origin"] == FRONT_END


async def test_the_lifespan_passes_through_the_cors_layer() -> None:
    """A server sends `lifespan` scopes through every middleware: they carry no headers."""
    app = create_app(container_for(settings_for(cors_origins=FRONT_END), FixedClock(T0)))
    incoming: list[dict[str, Any]] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
