"""429 past `RATE_LIMIT`, per authenticated user: right after authentication, before the
request costs anything else. Added to the app only when a limit is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.api.auth import USER_STATE
from entrypoints.api.problems import problem_response
from entrypoints.rate_limit import UserRateLimit


class RateLimitMiddleware:
    """Counts each request of a user AuthMiddleware identified; over the limit, a 429 problem
    with `Retry-After` (seconds until the oldest counted request leaves the window)."""

    def __init__(self, app: ASGIApp, *, limit: UserRateLimit) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user_id = scope.get("state", {}).get(USER_STATE) if scope["type"] == "http" else None
        if not isinstance(user_id, str):
            await self.app(scope, receive, send)
            return
        retry_after = await self.limit.hit(user_id)
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            429,
            detail=f"More than {self.limit.per_minute} requests a minute; retry later.",
            instance=scope["path"],
            kind="rate-limited",
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)


def rate_limited(limit: UserRateLimit | None) -> list[Middleware]:
    """The middleware for `limit`: none when no limit is configured (nothing to pay)."""
    return [] if limit is None else [Middleware(RateLimitMiddleware, limit=limit)]


@asynccontextmanager
async def limiting(limit: UserRateLimit | None) -> AsyncIterator[None]:
    """For the app's lifespan: the limit's storage connections are let go at the end."""
    try:
        yield
    finally:
        if limit is not None:
            await limit.aclose()
