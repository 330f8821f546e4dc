"""Who is calling: the bearer token's subject, checked before anything else, and that it owns
the path it asks for.

`AuthMiddleware` runs outside the body guard and the router, so a request to `/api/...` or
`/mcp` without valid credentials gets 401 whatever else is wrong with it (path, query, body,
size, content type). It leaves the subject in the request's state, where the `Caller`
dependency and the MCP endpoint read it: the token is verified once per request.
"""

from __future__ import annotations

import logging
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from application.errors import StorageUnavailableError
from entrypoints.api.problems import problem_response
from entrypoints.identity import Authenticator
from entrypoints.jwks import IdentityUnavailableError
from entrypoints.tokens import InvalidTokenError

log = logging.getLogger(__name__)

USER_STATE: Final = "user_id"  # where the verified subject waits, in the request's state
REQUIRED: Final = "A bearer token is required."
INVALID: Final = "The bearer token is not valid."
_CHALLENGE: Final = {"WWW-Authenticate": "Bearer"}
_GUARDED: Final = ("/api/", "/mcp/")

# Declared in the OpenAPI schema (entrypoints.api.openapi) for every guarded operation;
# checked here, once per request, not by a FastAPI dependency.
BEARER_SCHEME: Final = {
    "type": "http",
    "scheme": "bearer",
    "description": "A JWT whose `sub` is the user (HS256 with the shared secret, or EdDSA, ES256 "
    "or RS256 with the identity provider's JWKS), or a Better Auth session token when enabled.",
}


class NotAuthenticatedError(Exception):
    """No usable bearer token: 401."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ForeignPathError(Exception):
    """The path names another user than the token's subject: 403."""


def guarded(path: str) -> bool:
    """Whether `path` needs credentials: everything under /api/ and /mcp."""
    return path.startswith(_GUARDED) or path in ("/api", "/mcp")


def bearer_of(scope: Scope) -> str | None:
    """The token of an `Authorization: Bearer ...` header, or None."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


async def authenticate(token: str | None, authenticator: Authenticator) -> str:
    """The user `token` names. Raises NotAuthenticatedError, StorageUnavailableError."""
    if token is None:
        raise NotAuthenticatedError(REQUIRED)
    try:
        return await authenticator.subject(token)
    except InvalidTokenError:
        raise NotAuthenticatedError(INVALID) from None
    except IdentityUnavailableError:
        raise StorageUnavailableError("identity provider unavailable") from None


class AuthMiddleware:
    """401 (a problem, with `WWW-Authenticate: Bearer`) for a guarded request without valid
    credentials, 503 when they cannot be checked now; else the subject goes into the state."""

    def __init__(self, app: ASGIApp, *, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not guarded(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            subject = await authenticate(bearer_of(scope), self.authenticator)
        except NotAuthenticatedError as refused:
            response = problem_response(
                401,
                detail=refused.reason,
                instance=scope["path"],
                kind="unauthenticated",
                headers=_CHALLENGE,
            )
            await response(scope, receive, send)
            return
        except StorageUnavailableError:
            log.warning("credentials could not be checked: identity source unavailable")
            response = problem_response(
                503,
                detail="Credentials cannot be checked right now; retry shortly.",
                instance=scope["path"],
                kind="identity-unavailable",
                headers={"Retry-After": "5"},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[USER_STATE] = subject
        await self.app(scope, receive, send)


def caller_id(scope: Scope, path_user: str) -> str:
    """The caller's user id: the subject AuthMiddleware verified (every app has it, outside
    the router). Raises NotAuthenticatedError or ForeignPathError."""
    subject = scope.get("state", {}).get(USER_STATE)
    if not isinstance(subject, str):
        raise NotAuthenticatedError(REQUIRED)
    if subject != path_user:
        raise ForeignPathError
    return subject
