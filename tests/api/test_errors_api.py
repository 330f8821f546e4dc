"""Errors at the HTTP edge (API.md): authentication, ownership, problem documents, request ids
and storage failures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx
import jwt
import pytest
from dependency_injector import providers

from application.errors import StorageUnavailableError
from tests.api.conftest import SECRET, Api
from tests.factories import new_user_id

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}
MAX_BODY = 64 * 1024
LEAKY_ERROR = "SELECT secret FROM users; postgresql://admin:hunter2@db"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """`response` is an RFC 9457 problem with `status`, about the path that was requested."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_MEMBERS
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    return body


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hand_made_token(header: dict[str, Any], claims: dict[str, Any], key: str = SECRET) -> str:
    """A JWT built without PyJWT's guard rails: `alg` none, HS256 or HS512."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    digests = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}
    if header["alg"] == "none":
        return f"{signing_input}."
    signature = hmac.new(key.encode(), signing_input.encode(), digests[header["alg"]]).digest()
    return f"{signing_input}.{b64url(signature)}"


def claims_for(user_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {"sub": user_id, "iat": now, "nbf": now, "exp": now + 3600}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _hs256(user_id: str, **overrides: Any) -> str:
    return jwt.encode(claims_for(user_id, **overrides), SECRET, algorithm="HS256")


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


def _tampered(user_id: str) -> str:
    """A genuine token for someone else whose payload was swapped for `user_id`'s."""
    header, _, signature = _hs256(new_user_id()).split(".")
    return f"{header}.{b64url(json.dumps(claims_for(user_id)).encode())}.{signature}"


BAD_CREDENTIALS: dict[str, Callable[[str], dict[str, str]]] = {
    "no header": lambda _: {},
    "basic scheme": lambda _: {"Authorization": "Basic dXNlcjpwYXNz"},
    "token without a scheme": lambda user: {"Authorization": _hs256(user)},
    "bearer without a token": lambda _: {"Authorization": "Bearer"},
    "garbage token": lambda _: bearer("not-a-jwt"),
    "three garbage segments": lambda _: bearer("abc.def.ghi"),
    "signed with another secret": lambda user: bearer(
        jwt.encode(claims_for(user), "another-secret-" + "x" * 64, algorithm="HS256")
    ),
    "tampered payload": lambda user: bearer(_tampered(user)),
    "expired": lambda user: bearer(
        _hs256(user, iat=_now() - 7200, nbf=_now() - 7200, exp=_now() - 120)  # past the 30 s leeway
    ),
    "not yet valid": lambda user: bearer(_hs256(user, nbf=_now() + 3600)),
    "no sub": lambda user: bearer(_hs256(user, sub=None)),
    "empty sub": lambda _: bearer(_hs256("", sub="")),
    "alg none via PyJWT": lambda user: bearer(jwt.encode(claims_for(user), None, algorithm="none")),
    "alg none by hand": lambda user: bearer(
        hand_made_token({"alg": "none", "typ": "JWT"}, claims_for(user))
    ),
    "HS512 with the right secret": lambda user: bearer(
        hand_made_token({"alg": "HS512", "typ": "JWT"}, claims_for(user))
    ),
}


class TestAuthentication:
    async def test_a_hand_made_hs256_token_with_the_right_secret_is_accepted(
        self, api: Api
    ) -> None:
        token = hand_made_token({"alg": "HS256", "typ": "JWT"}, claims_for(api.user_id))
        response = await api.client.get(api.tasks, headers=bearer(token))
        assert response.status_code == 200

    @pytest.mark.parametrize("case", list(BAD_CREDENTIALS))
    async def test_bad_credentials_are_a_401_problem(self, api: Api, case: str) -> None:
        headers = BAD_CREDENTIALS[case](api.user_id)
        response = await api.client.get(api.tasks, headers=headers)
        assert_problem(response, 401)

    @pytest.mark.parametrize("case", list(BAD_CREDENTIALS))
    async def test_a_401_challenges_for_a_bearer_token(self, api: Api, case: str) -> None:
        headers = BAD_CREDENTIALS[case](api.user_id)
        response = await api.client.get(api.tasks, headers=headers)
        assert response.headers["www-authenticate"].split()[0] == "Bearer"

    async def test_a_rejected_write_creates_nothing(self, api: Api) -> None:
        headers = BAD_CREDENTIALS["alg none by hand"](api.user_id)
        await api.client.post(api.tasks, json={"title": "Sneaky"}, headers=headers)
        response = await api.client.get(api.tasks, headers=api.auth())
        assert response.json() == []

    async def test_the_scheme_name_is_case_insensitive(self, api: Api) -> None:
        token = _hs256(api.user_id)
        response = await api.client.get(api.tasks, headers={"Authorization": f"bearer {token}"})
        assert response.status_code == 200


class TestOwnership:
    async def test_a_path_naming_another_user_is_a_403_problem(self, api: Api) -> None:
        response = await api.client.get(f"/api/{new_user_id()}/tasks", headers=api.auth())
        assert_problem(response, 403)

    async def test_creating_under_another_users_path_creates_nothing(self, api: Api) -> None:
        other = new_user_id()
        await api.client.post(f"/api/{other}/tasks", json={"title": "x"}, headers=api.auth())
        response = await api.client.get(f"/api/{other}/tasks", headers=api.auth(other))
        assert response.json() == []

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("GET", "", None),
            ("PUT", "", {"title": "Mine now"}),
            ("PATCH", "", {"title": "Mine now"}),
            ("DELETE", "", None),
            ("PATCH", "/complete", {"completed": True}),
            ("PATCH", "/complete", None),
        ],
        ids=["get", "put", "patch", "delete", "complete", "toggle"],
    )
    async def test_another_users_task_is_answered_like_a_missing_one(
        self, api: Api, method: str, suffix: str, body: dict[str, Any] | None
    ) -> None:
        other = new_user_id()
        theirs = await api.client.post(
            f"/api/{other}/tasks", json={"title": "Theirs"}, headers=api.auth(other)
        )
        path = f"{api.tasks}/{theirs.json()['id']}{suffix}"

        foreign = await api.client.request(method, path, json=body, headers=api.auth())
        await api.client.delete(theirs.headers["location"], headers=api.auth(other))
        missing = await api.client.request(method, path, json=body, headers=api.auth())

        assert_problem(foreign, 404)
        assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
        assert foreign.headers["content-type"] == missing.headers["content-type"]

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("PUT", "", {"title": "Mine now"}),
            ("PATCH", "", {"title": "Mine now"}),
            ("DELETE", "", None),
            ("PATCH", "/complete", {"completed": True}),
        ],
        ids=["put", "patch", "delete", "complete"],
    )
    async def test_if_match_on_another_users_task_is_a_404_not_a_412(
        self, api: Api, method: str, suffix: str, body: dict[str, Any] | None
    ) -> None:
        other = new_user_id()
        theirs = await api.client.post(
            f"/api/{other}/tasks", json={"title": "Theirs"}, headers=api.auth(other)
        )
        path = f"{api.tasks}/{theirs.json()['id']}{suffix}"
        headers = {**api.auth(), "If-Match": '"999"'}
        response = await api.client.request(method, path, json=body, headers=headers)
        assert_problem(response, 404)

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("PUT", "", {"title": "Mine now"}),
            ("PATCH", "", {"title": "Mine now"}),
            ("DELETE", "", None),
            ("PATCH", "/complete", None),
        ],
        ids=["put", "patch", "delete", "complete"],
    )
    async def test_another_users_task_is_left_untouched(
        self, api: Api, method: str, suffix: str, body: dict[str, Any] | None
    ) -> None:
        other = new_user_id()
        theirs = await api.client.post(
            f"/api/{other}/tasks", json={"title": "Theirs"}, headers=api.auth(other)
        )
        location = theirs.headers["location"]
        path = f"{api.tasks}/{theirs.json()['id']}{suffix}"
        await api.client.request(method, path, json=body, headers=api.auth())
        after = await api.client.get(location, headers=api.auth(other))
        assert after.json() == theirs.json()


class TestProblemDocuments:
    async def test_malformed_json_is_a_400_problem(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks,
            content=b'{"title": "Buy milk"',
            headers={**api.auth(), "Content-Type": "application/json"},
        )
        assert_problem(response, 400)

    async def test_a_text_plain_body_is_a_415_problem(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks,
            content=b'{"title": "Buy milk"}',
            headers={**api.auth(), "Content-Type": "text/plain"},
        )
        assert_problem(response, 415)

    async def test_a_form_body_is_a_415_problem(self, api: Api) -> None:
        response = await api.client.post(api.tasks, data={"title": "Buy milk"}, headers=api.auth())
        assert_problem(response, 415)

    async def test_a_rejected_media_type_creates_nothing(self, api: Api) -> None:
        await api.client.post(
            api.tasks,
            content=b'{"title": "Buy milk"}',
            headers={**api.auth(), "Content-Type": "text/plain"},
        )
        response = await api.client.get(api.tasks, headers=api.auth())
        assert response.json() == []

    async def test_a_json_media_type_with_a_charset_is_accepted(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks,
            content=b'{"title": "Buy milk"}',
            headers={**api.auth(), "Content-Type": "application/json; charset=utf-8"},
        )
        assert response.status_code == 201

    async def test_a_body_of_exactly_64_kib_is_accepted(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks,
            content=padded_body(MAX_BODY),
            headers={**api.auth(), "Content-Type": "application/json"},
        )
        assert response.status_code == 201

    async def test_a_body_over_64_kib_is_a_413_problem(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks,
            content=padded_body(MAX_BODY + 1),
            headers={**api.auth(), "Content-Type": "application/json"},
        )
        assert "content-length" in response.request.headers
        assert_problem(response, 413)

    async def test_a_body_over_64_kib_creates_nothing(self, api: Api) -> None:
        await api.client.post(
            api.tasks,
            content=padded_body(MAX_BODY + 1),
            headers={**api.auth(), "Content-Type": "application/json"},
        )
        response = await api.client.get(api.tasks, headers=api.auth())
        assert response.json() == []

    async def test_a_streamed_body_over_64_kib_is_a_413_problem(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks,
            content=streamed(padded_body(MAX_BODY + 1)),
            headers={**api.auth(), "Content-Type": "application/json"},
        )
        assert "content-length" not in response.request.headers
        assert_problem(response, 413)

    async def test_a_streamed_body_over_64_kib_creates_nothing(self, api: Api) -> None:
        await api.client.post(
            api.tasks,
            content=streamed(padded_body(MAX_BODY + 1)),
            headers={**api.auth(), "Content-Type": "application/json"},
        )
        response = await api.client.get(api.tasks, headers=api.auth())
        assert response.json() == []

    async def test_a_small_streamed_body_is_accepted(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks,
            content=streamed(padded_body(1000)),
            headers={**api.auth(), "Content-Type": "application/json"},
        )
        assert response.status_code == 201

    async def test_a_method_the_path_does_not_allow_is_a_405_problem(self, api: Api) -> None:
        response = await api.client.delete(api.tasks, headers=api.auth())
        assert_problem(response, 405)

    async def test_a_405_names_the_allowed_methods(self, api: Api) -> None:
        response = await api.client.delete(api.tasks, headers=api.auth())
        allowed = {method.strip() for method in response.headers["allow"].split(",")}
        assert allowed >= {"GET", "POST"}
        assert "DELETE" not in allowed

    async def test_an_unknown_path_is_a_404_problem(self, api: Api) -> None:
        response = await api.client.get("/no/such/path", headers=api.auth())
        assert_problem(response, 404)

    async def test_a_missing_task_is_a_404_problem(self, api: Api) -> None:
        response = await api.client.get(f"{api.tasks}/999999", headers=api.auth())
        assert_problem(response, 404)

    async def test_a_422_lists_every_failing_field(self, api: Api) -> None:
        body = {"title": " ", "priority": "urgent", "tags": 5, "due_date": "soon"}
        response = await api.client.post(api.tasks, json=body, headers=api.auth())
        problem = assert_problem(response, 422)
        assert {tuple(error["loc"][:2]) for error in problem["errors"]} == {
            ("body", "title"),
            ("body", "priority"),
            ("body", "tags"),
            ("body", "due_date"),
        }
        assert all(isinstance(error["msg"], str) and error["msg"] for error in problem["errors"])


def padded_body(size: int) -> bytes:
    """A valid task body of exactly `size` bytes (padding goes in an ignored field)."""
    empty = b'{"title": "Buy milk", "padding": ""}'
    body = empty[:-2] + b"x" * (size - len(empty)) + b'"}'
    assert len(body) == size
    return body


async def streamed(body: bytes, chunk: int = 8192) -> AsyncIterator[bytes]:
    """`body` sent in chunks, without a Content-Length."""
    for start in range(0, len(body), chunk):
        yield body[start : start + chunk]


class TestRequestId:
    async def test_a_sane_request_id_is_echoed(self, api: Api) -> None:
        response = await api.client.get("/health", headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"

    @pytest.mark.parametrize(
        "offered",
        ["a" * 300, "<script>alert(1)</script>", "two words", ""],
        ids=["too-long", "markup", "space", "empty"],
    )
    async def test_an_insane_request_id_is_replaced(self, api: Api, offered: str) -> None:
        response = await api.client.get("/health", headers={"X-Request-ID": offered})
        given = response.headers["x-request-id"]
        assert given != offered
        assert _SANE_ID.match(given)

    async def test_a_request_without_an_id_gets_a_fresh_one(self, api: Api) -> None:
        first = await api.client.get("/health")
        second = await api.client.get("/health")
        assert _SANE_ID.match(first.headers["x-request-id"])
        assert first.headers["x-request-id"] != second.headers["x-request-id"]

    @pytest.mark.parametrize(
        ("status", "path", "authorized"),
        [
            (401, "{tasks}", False),
            (403, "/api/u_someone_else/tasks", True),
            (404, "{tasks}/999999", True),
            (404, "/no/such/path", True),
            (422, "{tasks}?limit=0", True),
        ],
        ids=["401", "403", "404-task", "404-path", "422"],
    )
    async def test_an_error_response_echoes_the_request_id(
        self, api: Api, status: int, path: str, authorized: bool
    ) -> None:
        headers = {"X-Request-ID": "abc-123", **(api.auth() if authorized else {})}
        response = await api.client.get(path.format(tasks=api.tasks), headers=headers)
        assert response.status_code == status
        assert response.headers["x-request-id"] == "abc-123"

    async def test_a_413_echoes_the_request_id(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks,
            content=padded_body(MAX_BODY + 1),
            headers={**api.auth(), "Content-Type": "application/json", "X-Request-ID": "r-413"},
        )
        assert response.status_code == 413
        assert response.headers["x-request-id"] == "r-413"

    async def test_a_500_echoes_the_request_id(self, api: Api) -> None:
        break_storage(api, RuntimeError(LEAKY_ERROR))
        headers = {**api.auth(), "X-Request-ID": "abc-123"}
        response = await api.client.get(api.tasks, headers=headers)
        assert response.status_code == 500
        assert response.headers["x-request-id"] == "abc-123"

    async def test_a_500_gets_a_request_id_when_none_was_sent(self, api: Api) -> None:
        break_storage(api, RuntimeError(LEAKY_ERROR))
        response = await api.client.get(api.tasks, headers=api.auth())
        assert response.status_code == 500
        assert _SANE_ID.match(response.headers["x-request-id"])


class BrokenUnitOfWork:
    """A unit of work whose storage fails as soon as it is entered."""

    def __init__(self, error: Exception, *, single_write: bool = False) -> None:
        self.error = error
        self.single_write = single_write

    async def __aenter__(self) -> BrokenUnitOfWork:
        raise self.error

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


def break_storage(api: Api, error: Exception) -> None:
    api.container.uow.override(providers.Factory(BrokenUnitOfWork, error))


class TestStorageOutage:
    @pytest.mark.parametrize("method", ["GET", "POST"])
    async def test_an_unexpected_error_is_a_500_problem(self, api: Api, method: str) -> None:
        break_storage(api, RuntimeError(LEAKY_ERROR))
        response = await api.client.request(
            method, api.tasks, json={"title": "x"} if method == "POST" else None, headers=api.auth()
        )
        assert_problem(response, 500)

    @pytest.mark.parametrize(
        "secret",
        ["Traceback", "SELECT", "postgresql://", "hunter2", "admin", "RuntimeError", ".py"],
    )
    async def test_a_500_reveals_nothing_of_the_failure(self, api: Api, secret: str) -> None:
        break_storage(api, RuntimeError(LEAKY_ERROR))
        response = await api.client.get(api.tasks, headers=api.auth())
        assert response.status_code == 500
        assert secret not in response.text

    async def test_a_500_shows_no_traceback_in_its_headers(self, api: Api) -> None:
        break_storage(api, RuntimeError(LEAKY_ERROR))
        response = await api.client.get(api.tasks, headers=api.auth())
        headers = " ".join(f"{name}: {value}" for name, value in response.headers.items())
        assert "hunter2" not in headers
        assert "SELECT" not in headers

    async def test_an_unavailable_database_is_a_503_problem(self, api: Api) -> None:
        break_storage(api, StorageUnavailableError())
        response = await api.client.get(api.tasks, headers=api.auth())
        assert_problem(response, 503)

    async def test_a_503_says_when_to_retry(self, api: Api) -> None:
        break_storage(api, StorageUnavailableError())
        response = await api.client.get(api.tasks, headers=api.auth())
        assert response.headers["retry-after"].isdigit()

    async def test_a_503_reveals_nothing_of_the_failure(self, api: Api) -> None:
        break_storage(api, StorageUnavailableError(LEAKY_ERROR))
        response = await api.client.post(api.tasks, json={"title": "x"}, headers=api.auth())
        assert response.status_code == 503
        assert "hunter2" not in response.text
        assert "SELECT" not in response.text

    async def test_a_503_echoes_the_request_id(self, api: Api) -> None:
        break_storage(api, StorageUnavailableError())
        headers = {**api.auth(), "X-Request-ID": "abc-123"}
        response = await api.client.get(api.tasks, headers=headers)
        assert response.headers["x-request-id"] == "abc-123"

    async def test_a_bad_token_is_refused_before_storage_is_touched(self, api: Api) -> None:
        break_storage(api, StorageUnavailableError())
        response = await api.client.get(api.tasks, headers={"Authorization": "Bearer nope"})
        assert_problem(response, 401)
