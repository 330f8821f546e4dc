"""The OpenAPI schema made exact: every response header documented where it is sent, one
media type per error response, operation ids a generated client can name functions after."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from fastapi import FastAPI
from fastapi.routing import APIRoute

from entrypoints.api.auth import BEARER_SCHEME, guarded
from entrypoints.api.problems import PROBLEM_MEDIA_TYPE

_TEXT: Final = {"type": "string"}

HEADERS: Final[dict[str, dict[str, Any]]] = {
    "ETag": {
        "description": 'The task\'s version, `"<version>"`; send it back as `If-Match`.',
        "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
    },
    "Location": {"description": "The path of what was created.", "schema": _TEXT},
    "Link": {
        "description": 'RFC 8288: `rel="next"` (the next page of a list) or '
        '`rel="next-occurrence"` (the task a recurring completion created).',
        "schema": _TEXT,
    },
    "X-Request-ID": {
        "description": "The request's id: the client's own when it sent a sane one.",
        "schema": _TEXT,
    },
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "WWW-Authenticate": {
        "description": "`Bearer`: the scheme to authenticate with.",
        "schema": _TEXT,
    },
    "Allow": {"description": "The methods the path serves.", "schema": _TEXT},
    "Idempotent-Replayed": {
        "description": "`true`: the answer replays the first request with this Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
REPLAYED: Final = ("Idempotent-Replayed",)

# Headers every response with this status carries, wherever it is answered.
_BY_STATUS: Final = {"401": ("WWW-Authenticate",), "429": ("Retry-After",), "503": ("Retry-After",)}
_METHODS: Final = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
_UNUSED: Final = ("HTTPValidationError", "ValidationError")
_BEARER: Final = "HTTPBearer"  # the name FastAPI gave the scheme; clients may know it by it


def response_headers(*required: str, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """The `headers` of a documented response: `required` always sent, `optional` sometimes."""
    documented = {name: {**HEADERS[name], "required": True} for name in required}
    documented.update({name: {**HEADERS[name], "required": False} for name in optional})
    return {"headers": documented}


def operation_id(route: APIRoute) -> str:
    """`tasks_create`, `conversations_list`: tag and handler name."""
    name = route.name.rstrip("_")
    return f"{route.tags[0]}_{name}" if route.tags else name


def install_exact_schema(app: FastAPI) -> None:
    """`app.openapi()` answers the refined schema, built once."""
    build: Callable[[], dict[str, Any]] = app.openapi
    refined: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not refined:
            refined.update(refine(build()))
        return refined

    app.openapi = openapi  # type: ignore[method-assign]


def refine(schema: dict[str, Any]) -> dict[str, Any]:
    """Request ids and status-bound headers on every response, problem+json alone on errors,
    the bearer scheme on every guarded operation; FastAPI's default validation-error schemas
    dropped once nothing refers to them."""
    for url, path in schema.get("paths", {}).items():
        for method, operation in path.items():
            if method in _METHODS:
                if guarded(url):
                    operation.setdefault("security", []).append({_BEARER: []})
                for status, response in operation.get("responses", {}).items():
                    _refine_response(status, response)
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[_BEARER] = BEARER_SCHEME
    schemas = schema.get("components", {}).get("schemas", {})
    for name in _UNUSED:
        if f'"#/components/schemas/{name}"' not in json.dumps(schema.get("paths", {})):
            schemas.pop(name, None)
    return schema


def _refine_response(status: str, response: dict[str, Any]) -> None:
    headers = response.setdefault("headers", {})
    for name in ("X-Request-ID", *_BY_STATUS.get(status, ())):
        headers.setdefault(name, {**HEADERS[name], "required": True})
    # An error response documented with `"x-problem": False` keeps its own body (the 503 of
    # /health/db is the JSON API.md shows, not a problem document).
    is_problem = response.pop("x-problem", True)
    if status.isdigit() and int(status) >= 400 and is_problem:  # noqa: PLR2004  (errors)
        problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
        response["content"] = {PROBLEM_MEDIA_TYPE: problem}
