"""`GET /problems/{kind}`: every problem `type` URI the service answers with resolves to what
it means and what a client can do about it."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Final

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel

from entrypoints.api.problems import problem_response, problem_responses
from entrypoints.api.responses import json_response

router = APIRouter(prefix="/problems", tags=["problems"])

# kind -> (status, what it means and what to do)
PROBLEM_TYPES: Final[dict[str, tuple[int, str]]] = {
    "bad-json": (400, "The request body is not valid JSON. Fix the body and send it again."),
    "unauthenticated": (
        401,
        "No valid bearer token: it is missing, malformed, expired, not yet valid, signed with "
        "another key or algorithm, or has no subject. Get a fresh token and retry.",
    ),
    "forbidden": (
        403,
        "The token is valid, but the path names another user: `{user_id}` must equal the "
        "token's subject.",
    ),
    "cors-refused": (
        403,
        "A browser's CORS preflight was refused: the page's origin (or the method or headers "
        "it asked for) is not allowed. Add the origin to CORS_ORIGINS.",
    ),
    "not-found": (
        404,
        "No such resource for this user: it does not exist, was deleted, or belongs to "
        "someone else (the answer is the same either way).",
    ),
    "recurrence-conflict": (
        409,
        "The change is valid in itself but conflicts with the stored task: a pattern for a "
        "task that does not recur, or `recurring: true` for one without a pattern. Send "
        "`recurring` and `recurring_pattern` together.",
    ),
    "version-mismatch": (
        412,
        "The task changed since the version sent in `If-Match`. Fetch it again (its `ETag` is "
        "the current version), reapply the change and retry.",
    ),
    "validation": (
        422,
        "One or more fields or parameters break a rule. `errors` lists each one (`loc`, "
        "`msg`) and `detail` names them all; fix them and send the request again.",
    ),
    "database-unavailable": (
        503,
        "The database cannot be reached right now; nothing was changed. Retry after the "
        "seconds in `Retry-After`.",
    ),
    "assistant-unavailable": (
        503,
        "The assistant's provider failed; your message was stored. Retry after the seconds "
        "in `Retry-After`.",
    ),
    "idempotency-in-flight": (
        409,
        "A request with the same `Idempotency-Key` is still being processed; nothing was "
        "done for this one. Retry shortly: once the first has finished, its answer is replayed.",
    ),
    "idempotency-key-reused": (
        422,
        "This `Idempotency-Key` was already used, in the last 24 hours, with another request "
        "body. Use a new key for a new request.",
    ),
    "rate-limited": (
        429,
        "Too many requests from this user in the last minute. Retry after the seconds in "
        "`Retry-After`.",
    ),
    "identity-unavailable": (
        503,
        "The credentials could not be checked right now (the identity provider's keys or the "
        "session store cannot be reached). Retry after the seconds in `Retry-After`.",
    ),
}


class ProblemType(BaseModel):
    """What a problem `type` means."""

    type: str
    title: str
    status: int
    description: str


@router.get(
    "/{kind}",
    response_model=ProblemType,
    summary="What a problem type means",
    responses=problem_responses(404),
)
async def describe(
    kind: Annotated[str, Path(description="The last segment of a problem's `type`.")],
    request: Request,
) -> Response:
    found = PROBLEM_TYPES.get(kind)
    if found is None:
        return problem_response(404, detail=f"No problem type {kind!r}.", instance=request.url.path)
    status, description = found
    return json_response(
        {
            "type": f"/problems/{kind}",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "description": description,
        }
    )
