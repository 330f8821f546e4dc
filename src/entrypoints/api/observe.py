"""Per request, cheaply: the metrics by route template and, when asked for, an access line.

Pure ASGI. It sits inside HeadMiddleware, so the router's match (`scope["route"]`, which
Starlette writes into the scope it is handed) is visible here once the app returns: labels
are route templates (`/api/{user_id}/tasks`), never raw paths, and anything unmatched is
`unmatched`, so a scan of random URLs cannot grow the label set. A HEAD request is counted
as the GET it is served as.
"""

from __future__ import annotations

import logging
import time
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.logs import ACCESS_LOGGER
from entrypoints.metrics import Metrics

access = logging.getLogger(ACCESS_LOGGER)

UNMATCHED: Final = "unmatched"


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, access_log: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the outer layers answer if the app raises before responding

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            self.metrics.request(scope["method"], route, status, seconds)
            if self.access_log:
                _log_access(scope["method"], route, status, seconds)


def _log_access(method: str, route: str, status: int, seconds: float) -> None:
    duration_ms = round(seconds * 1000, 2)
    access.info(
        "%s %s %d %.2fms",
        method,
        route,
        status,
        duration_ms,
        extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms},
    )
