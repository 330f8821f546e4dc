"""CORS for browser front ends: credentials for the listed origins, refusals as problems."""

from __future__ import annotations

from typing import Final

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from entrypoints.api.problems import problem_response

# Response headers a script on another origin may read (everything the API documents).
EXPOSED_HEADERS: Final = (
    "ETag",
    "Location",
    "Link",
    "X-Request-ID",
    "Retry-After",
    "WWW-Authenticate",
    "Allow",
    "Idempotent-Replayed",
)
_OWN_HEADERS: Final = {"content-type", "content-length"}


class ProblemCorsMiddleware(CORSMiddleware):
    """Starlette's CORS, except that a refused preflight is a problem document (403)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan and websocket scopes carry no headers
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if (
            scope["method"] == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
        ):
            response = self.preflight_response(request_headers=headers)
            if response.status_code >= 400:  # noqa: PLR2004  (any refusal)
                response = _refusal(response, scope["path"])
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _refusal(refused: Response, path: str) -> Response:
    what = bytes(refused.body).decode().removeprefix("Disallowed CORS ")
    kept = {k: v for k, v in refused.headers.items() if k not in _OWN_HEADERS}
    return problem_response(
        403,
        detail=f"CORS preflight refused: this {what} is not allowed.",
        instance=path,
        kind="cors-refused",
        headers=kept,
    )


def cors_middleware(origins: list[str], *, allow_credentials: bool) -> Middleware:
    """The CORS layer for `origins`. Credentials are allowed only for explicit origins: with
    `*` in the list they are off, whatever `allow_credentials` says."""
    return Middleware(
        ProblemCorsMiddleware,
        allow_origins=origins,
        allow_credentials=allow_credentials and "*" not in origins,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=list(EXPOSED_HEADERS),
    )
