"""RFC 9457 problem documents: the one shape every error response takes."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: e.g. ['body', 'title'] or ['query', 'limit'].")
    msg: str


class Problem(BaseModel):
    """An error. `errors` lists every failing field on a 422."""

    type: str = Field(description="A URI reference naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request that failed.")
    errors: list[FieldError] | None = None


GENERIC_500 = "An unexpected error occurred; it has been logged."


def problem_body(
    status: int,
    *,
    detail: str,
    instance: str,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A problem document; `kind` names the problem type (`about:blank` when None)."""
    body: dict[str, Any] = {
        "type": f"/problems/{kind}" if kind else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(
    status: int,
    *,
    detail: str,
    instance: str,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response; `kind` names the problem type (`about:blank` when None)."""
    body = problem_body(status, detail=detail, instance=instance, kind=kind, errors=errors)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problems a route may answer with."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


# The problems every route of the user API may answer, for `problem_responses(...)`.
AUTHENTICATED_PROBLEMS = (401, 403, 429, 503)
"""Any `/api/{user_id}/...` route: no or bad token, another user's path, rate limit, outage."""
WRITING_PROBLEMS = (*AUTHENTICATED_PROBLEMS, 400, 413, 415, 422)
"""A route with a JSON body: malformed, too large, not JSON, invalid fields."""
