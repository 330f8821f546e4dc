"""`Idempotency-Key` on the creating POSTs: the HTTP side of `application.idempotency`.

Without the header a request takes the plain path (one single-write unit, one round trip on
PostgreSQL). With it, the key is claimed first, the write and its recorded response commit
together in one transaction, and a repeat gets the first status, body and headers back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from application.idempotency import Claim, RequestKey, StoredResponse
from application.ports import UnitOfWork
from entrypoints.api.deps import Caller

HEADER: Final = "idempotency-key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"
_SANE_KEY: Final = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,254}$")
_KEPT_HEADERS: Final = ("location", "etag", "link")
_DESCRIPTION: Final = (
    "Makes a retry safe: the same key from the same user on the same path within 24 hours "
    "answers the first response again (status, body, `Location`) and creates nothing new. "
    "The same key with another body gives 422; while the first request with the key is "
    "still running, 409. At most 255 printable ASCII characters (a UUID, say)."
)
OPENAPI: Final[dict[str, Any]] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": _DESCRIPTION,
            "schema": {"type": "string", "pattern": _SANE_KEY.pattern},
        }
    ]
}
"""`openapi_extra=` for a route that honours the header (read by hand, not as a FastAPI
`Header` parameter: requests without it should pay nothing for it)."""

Write = Callable[[UnitOfWork], Awaitable[Response]]


def key_of(request: Request, caller: Caller, payload: Any) -> RequestKey | None:
    """The request's key, scoped to the caller and the path below `/api/{user_id}/`, with a
    fingerprint of the validated body; None without the header. Raises RequestValidationError
    (422) for a key that is empty, too long or not printable ASCII."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _SANE_KEY.match(key):
        issue = {
            "type": "value_error",
            "loc": ("header", "Idempotency-Key"),
            "msg": "must be 1..255 printable ASCII characters",
            "input": key[:300],
        }
        raise RequestValidationError([issue])
    route = request.scope["path"].split("/", 3)[3]  # /api/{user_id}/<route>
    return RequestKey(caller.user_id, route, key, fingerprint(payload))


def fingerprint(payload: Any) -> str:
    """SHA-256 of the validated body as canonical JSON (so key order and whitespace, and
    fields the API ignores, do not make two requests differ)."""
    dumped = payload.model_dump(mode="json") if hasattr(payload, "model_dump") else payload
    return hashlib.sha256(orjson.dumps(dumped, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def respond_once(caller: Caller, request: Request, payload: Any, write: Write) -> Response:
    """`write`'s response, made once per idempotency key (or each time, without one)."""
    key = key_of(request, caller, payload)
    if key is None:
        async with caller.unit() as uow:
            return await write(uow)
    idempotency = caller.services.idempotency
    claimed = await idempotency.claim(key)
    if not isinstance(claimed, Claim):
        return replayed(claimed)
    async with idempotency.releasing(claimed), caller.unit(single_write=False) as uow:
        response = await write(uow)
        await idempotency.complete(uow, claimed, stored(response))
    return response


def stored(response: Response) -> StoredResponse:
    """What to replay of `response`: status, body and the headers that point at things."""
    headers = tuple(
        (name, value) for name, value in response.headers.items() if name in _KEPT_HEADERS
    )
    return StoredResponse(response.status_code, bytes(response.body).decode(), headers)


def replayed(recorded: StoredResponse) -> Response:
    """The first response again, marked as a replay."""
    headers = {**dict(recorded.headers), REPLAYED_HEADER: "true"}
    return Response(recorded.body, recorded.status, headers=headers, media_type="application/json")
