"""Identity through the app: JWKS tokens as Better Auth makes them, authentication before any
other check, `exp` required, and secrets HS256 can trust, checked at start-up."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from entrypoints import cli
from entrypoints.api.app import create_app
from entrypoints.settings import ConfigurationError
from tests.api.conftest import SECRET, Api, container_for, running_api, settings_for
from tests.factories import FixedClock
from tests.identity_provider import BASE_URL, JwksServer, better_auth_claims, make_key

KEYS = {alg: make_key(alg, f"kid-{alg}") for alg in ("EdDSA", "ES256", "RS256")}


@pytest.fixture(scope="module")
def provider() -> Iterator[JwksServer]:
    with JwksServer(keys=list(KEYS.values())) as server:
        yield server


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with running_api(settings_for()) as running:
        yield running


@pytest.fixture
async def jwks_api(provider: JwksServer) -> AsyncIterator[Api]:
    settings = settings_for(
        auth_jwt_secret=None,
        auth_jwks_url=provider.url,
        auth_issuer=BASE_URL,
        auth_audience=BASE_URL,
    )
    async with running_api(settings) as api:
        yield api


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestJwks:
    @pytest.mark.parametrize("alg", sorted(KEYS))
    async def test_a_better_auth_style_token_works_for_every_algorithm(
        self, jwks_api: Api, alg: str
    ) -> None:
        token = KEYS[alg].token(better_auth_claims(jwks_api.user_id))

        created = await jwks_api.client.post(
            jwks_api.tasks, json={"title": "Buy milk"}, headers=bearer(token)
        )

        assert created.status_code == 201, created.text

    async def test_a_token_without_a_known_key_gets_a_401_challenge(self, jwks_api: Api) -> None:
        token = make_key("EdDSA", "kid-unknown").token(better_auth_claims(jwks_api.user_id))

        response = await jwks_api.client.get(jwks_api.tasks, headers=bearer(token))

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"

    async def test_an_hs256_token_is_refused_when_only_jwks_is_configured(
        self, jwks_api: Api
    ) -> None:
        response = await jwks_api.client.get(jwks_api.tasks, headers=jwks_api.auth())

        assert response.status_code == 401

    async def test_hs256_and_jwks_work_side_by_side(self, provider: JwksServer) -> None:
        settings = settings_for(auth_jwks_url=provider.url, auth_algorithms="EdDSA")
        async with running_api(settings) as api:
            eddsa = KEYS["EdDSA"].token(better_auth_claims(api.user_id, iss=..., aud=...))
            es256 = KEYS["ES256"].token(better_auth_claims(api.user_id, iss=..., aud=...))
            statuses = [
                (await api.client.get(api.tasks, headers=headers)).status_code
                for headers in (api.auth(), bearer(eddsa), bearer(es256))
            ]

        assert statuses == [200, 200, 401]  # ES256 is not in AUTH_ALGORITHMS

    async def test_an_unreachable_provider_gives_a_503(self) -> None:
        settings = settings_for(auth_jwt_secret=None, auth_jwks_url="http://127.0.0.1:1/jwks")
        async with running_api(settings) as api:
            token = KEYS["EdDSA"].token(better_auth_claims(api.user_id))
            response = await api.client.get(api.tasks, headers=bearer(token))

        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0


def _expiring_never(user_id: str) -> str:
    now = int(time.time())
    return jwt.encode({"sub": user_id, "iat": now}, SECRET, algorithm="HS256")


NO_CREDENTIALS: dict[str, dict[str, Any]] = {
    "a bad id in the path": {"method": "GET", "path": "/tasks/abc"},
    "an unknown path": {"method": "GET", "path": "/nothing-here"},
    "a method the path does not serve": {"method": "DELETE", "path": "/tasks"},
    "a bad query": {"method": "GET", "path": "/tasks?limit=0"},
    "a body over 64 KiB": {"method": "POST", "path": "/tasks", "json": {"title": "x" * 70_000}},
    "a body that is not JSON": {
        "method": "POST",
        "path": "/tasks",
        "content": b"title=x",
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    },
    "malformed JSON": {
        "method": "POST",
        "path": "/tasks",
        "content": b"{",
        "headers": {"Content-Type": "application/json"},
    },
    "invalid fields": {"method": "POST", "path": "/tasks", "json": {"title": ""}},
    "a token without exp": {"method": "GET", "path": "/tasks", "token": _expiring_never},
    "a garbage token and a bad body": {
        "method": "POST",
        "path": "/tasks",
        "content": b"{",
        "headers": {"Authorization": "Bearer x.y.z", "Content-Type": "application/json"},
    },
}


class TestAuthenticationFirst:
    @pytest.mark.parametrize("case", sorted(NO_CREDENTIALS))
    async def test_without_valid_credentials_it_is_401_whatever_else_is_wrong(
        self, api: Api, case: str
    ) -> None:
        spec = dict(NO_CREDENTIALS[case])
        token = spec.pop("token", None)
        headers = dict(spec.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token(api.user_id)}"
        path = f"/api/{api.user_id}{spec.pop('path')}"

        response = await api.client.request(spec.pop("method"), path, headers=headers, **spec)

        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"] == "Bearer"

    async def test_mcp_without_credentials_is_401_whatever_the_body(self, api: Api) -> None:
        response = await api.client.post("/mcp", content=b"x" * 70_000)

        assert response.status_code == 401

    async def test_with_valid_credentials_the_other_checks_still_answer(self, api: Api) -> None:
        too_big = await api.client.post(api.tasks, json={"title": "x" * 70_000}, headers=api.auth())
        foreign = await api.client.get("/api/someone-else/tasks", headers=api.auth())

        assert too_big.status_code == 413
        assert foreign.status_code == 403


class TestSecretsAtStartUp:
    def test_outside_development_a_short_hs256_secret_stops_start_up(self) -> None:
        settings = settings_for(app_env="production", auth_jwt_secret="abc")

        with pytest.raises(ConfigurationError, match="at least 32") as refused:
            create_app(container_for(settings, FixedClock()))
        assert "\n" not in str(refused.value)

    def test_the_todo_command_says_so_in_one_line(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("APP_ENV", "production")
        monkeypatch.setenv("PERSISTENCE", "memory")
        monkeypatch.setenv("BETTER_AUTH_SECRET", "too-short")

        assert cli.main(["serve"]) == 2
        error = capsys.readouterr().err
        assert error.startswith("todo: ")
        assert "at least 32" in error
        assert error.count("\n") == 1

    @pytest.mark.parametrize(
        "settings",
        [
            {"app_env": "development", "auth_jwt_secret": "short-but-development"},
            {"app_env": "production", "auth_jwt_secret": "x" * 32},
            {"app_env": "production", "auth_jwt_secret": None, "auth_jwks_url": "http://idp/j"},
        ],
        ids=["development", "32 bytes", "jwks only"],
    )
    def test_these_start(self, settings: dict[str, Any]) -> None:
        app = create_app(container_for(settings_for(**settings), FixedClock()))
        assert app.state.services.tokens is not None

    @pytest.mark.parametrize(
        "settings",
        [
            {"app_env": "production", "auth_jwt_secret": None},
            {"auth_better_auth_sessions": True},
            {"auth_jwks_url": "http://idp/j", "auth_algorithms": "HS256"},
        ],
        ids=["nothing to verify with", "sessions without a database", "HS256 via JWKS"],
    )
    def test_these_do_not(self, settings: dict[str, Any]) -> None:
        with pytest.raises(ConfigurationError):
            create_app(container_for(settings_for(**settings), FixedClock()))
