"""The one place that knows HTTP statuses: core and edge errors become problem+json."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from application.errors import (
    AssistantUnavailableError,
    IdempotencyInFlightError,
    IdempotencyKeyReusedError,
    InvalidCursorError,
    StorageUnavailableError,
)
from domain.errors import (
    ConversationNotFoundError,
    InvalidFieldsError,
    RecurrenceConflictError,
    TaskNotFoundError,
    VersionMismatchError,
)
from entrypoints.api.auth import ForeignPathError, NotAuthenticatedError
from entrypoints.api.problems import GENERIC_500, problem_body, problem_response

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS: Final = "5"

# error class -> (status, problem kind); looked up along the MRO, most specific first.
STATUS_OF: Final[dict[type[Exception], tuple[int, str]]] = {
    NotAuthenticatedError: (401, "unauthenticated"),
    ForeignPathError: (403, "forbidden"),
    TaskNotFoundError: (404, "not-found"),
    ConversationNotFoundError: (404, "not-found"),
    VersionMismatchError: (412, "version-mismatch"),
    IdempotencyInFlightError: (409, "idempotency-in-flight"),
    IdempotencyKeyReusedError: (422, "idempotency-key-reused"),
    InvalidFieldsError: (422, "validation"),
    RecurrenceConflictError: (409, "recurrence-conflict"),
    InvalidCursorError: (422, "validation"),
    StorageUnavailableError: (503, "database-unavailable"),
    AssistantUnavailableError: (503, "assistant-unavailable"),
}


_DETAILS: Final[dict[type[Exception], Callable[[Any], str]]] = {
    TaskNotFoundError: lambda e: f"Task {e.task_id} not found.",
    ConversationNotFoundError: lambda e: f"Conversation {e.conversation_id} not found.",
    VersionMismatchError: lambda e: (
        f"Task {e.task_id} is at version {e.actual}; If-Match did not match."
    ),
    NotAuthenticatedError: lambda e: e.reason,
    ForeignPathError: lambda _: "The path names another user.",
    StorageUnavailableError: lambda _: "The database is unavailable; retry shortly.",
    AssistantUnavailableError: lambda _: (
        "The assistant is unavailable; your message was kept. Retry shortly."
    ),
    InvalidFieldsError: lambda e: f"{e}.",
    IdempotencyInFlightError: lambda _: (
        "A request with this Idempotency-Key is still in flight; retry once it has finished."
    ),
    IdempotencyKeyReusedError: lambda _: (
        "Idempotency-Key: already used with another request body; use a new key."
    ),
}


def _detail(error: Exception) -> str:
    describe = next((_DETAILS[cls] for cls in type(error).__mro__ if cls in _DETAILS), None)
    return "The request has invalid fields." if describe is None else describe(error)


def _field_errors(error: Exception) -> list[dict[str, Any]] | None:
    if isinstance(error, InvalidFieldsError):
        return [{"loc": ["body", issue.field], "msg": issue.reason} for issue in error.issues]
    if isinstance(error, InvalidCursorError):
        return [{"loc": ["query", "cursor"], "msg": str(error)}]
    if isinstance(error, IdempotencyKeyReusedError):
        return [{"loc": ["header", "Idempotency-Key"], "msg": "already used with another body"}]
    return None


_HEADERS: Final = {
    HTTPStatus.UNAUTHORIZED: {"WWW-Authenticate": "Bearer"},
    HTTPStatus.SERVICE_UNAVAILABLE: {"Retry-After": RETRY_AFTER_SECONDS},
}


def _status_of(error: Exception) -> tuple[int, str] | None:
    return next((STATUS_OF[cls] for cls in type(error).__mro__ if cls in STATUS_OF), None)


async def handle_known(request: Request, error: Exception) -> Response:
    """Any mapped error, rendered by the nearest class in its MRO."""
    status, kind = _status_of(error) or (500, "")
    return problem_response(
        status,
        detail=_detail(error),
        instance=request.url.path,
        kind=kind,
        errors=_field_errors(error),
        headers=_HEADERS.get(HTTPStatus(status)),
    )


def problem_of(error: Exception, *, instance: str) -> dict[str, Any]:
    """The problem document for `error` where no response can carry it any more (a
    stream that already started); anything unmapped is a generic 500, logged."""
    found = _status_of(error)
    if found is None:
        log.error("unhandled error in a stream", exc_info=error)
        return problem_body(500, detail=GENERIC_500, instance=instance)
    status, kind = found
    return problem_body(
        status,
        detail=_detail(error),
        instance=instance,
        kind=kind,
        errors=_field_errors(error),
    )


async def handle_validation(request: Request, error: Exception) -> Response:
    """Pydantic's request errors: 400 for malformed JSON, else 422 listing every field."""
    assert isinstance(error, RequestValidationError)  # noqa: S101  (registered for it only)
    issues = error.errors()
    if any(issue.get("type") == "json_invalid" for issue in issues):
        return problem_response(
            400, detail="The body is not valid JSON.", instance=request.url.path, kind="bad-json"
        )
    errors = [
        {"loc": list(issue["loc"]), "msg": str(issue["msg"]).removeprefix("Value error, ")}
        for issue in issues
    ]
    return problem_response(
        422,
        detail=described(errors),
        instance=request.url.path,
        kind="validation",
        errors=errors,
    )


def described(errors: list[dict[str, Any]]) -> str:
    """`title: must not be blank; tags: at most 20 tags`: each failing field with its
    message, because many clients show `detail` alone."""
    parts = []
    for error in errors:
        where = error["loc"][1:] or error["loc"]
        parts.append(f"{'.'.join(map(str, where))}: {error['msg']}")
    return "; ".join(parts) + "."


async def handle_http(request: Request, error: Exception) -> Response:
    """Routing errors (404 unknown path, 405 wrong method) as problems."""
    assert isinstance(error, StarletteHTTPException)  # noqa: S101  (registered for it only)
    headers = dict(error.headers) if error.headers else None
    if error.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers = {"Allow": ", ".join(_allowed_methods(request))}
    return problem_response(
        error.status_code, detail=error.detail, instance=request.url.path, headers=headers
    )


_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's);
    HEAD wherever GET is served (HeadMiddleware)."""
    served = {
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.routes
        )
    }
    if "GET" in served:
        served.add("HEAD")
    return [method for method in _METHODS if method in served]


def install_error_handlers(app: FastAPI) -> None:
    for error_class in STATUS_OF:
        app.add_exception_handler(error_class, handle_known)
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http)
