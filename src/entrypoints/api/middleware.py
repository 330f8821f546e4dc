"""Pure ASGI middleware: request ids, a last-resort 500, and body size and type guards."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Final

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.api.problems import GENERIC_500, problem_response
from entrypoints.logs import request_id as current_request_id

log = logging.getLogger(__name__)

REQUEST_ID_HEADER: Final = "x-request-id"
MAX_BODY_BYTES: Final = 64 * 1024
_SANE_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_BODY_METHODS: Final = {"POST", "PUT", "PATCH"}


class RequestContextMiddleware:
    """Outermost: tags every response with X-Request-ID (the client's when it is sane) and
    turns any unhandled exception into a generic 500 that reveals nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = offered if _SANE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        context = current_request_id.set(request_id)  # every log line of this request
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error (request %s)", request_id)
            if started:
                raise
            response = problem_response(
                500,
                detail=GENERIC_500,
                instance=scope["path"],
                headers={REQUEST_ID_HEADER: request_id},
            )
            await response(scope, receive, send)
        finally:
            current_request_id.reset(context)


class HeadMiddleware:
    """HEAD is GET without the body (RFC 9110 9.3.2): same status and headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class BodyGuardMiddleware:
    """413 for a body over 64 KiB (declared or streamed), 415 for a body that is not JSON.

    A body is read in full (at most 64 KiB) before the app runs, so an oversized stream is
    refused before any handler sees it; the app then receives the buffered body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _refuse(413, _TOO_LARGE, scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            await _refuse(413, _TOO_LARGE, scope, receive, send)
            return
        if body and not _is_json(headers.get("content-type", "")):
            await _refuse(415, _NOT_JSON, scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it grows past the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


_TOO_LARGE: Final = "The request body is over 64 KiB."
_NOT_JSON: Final = "The request body must be JSON (Content-Type: application/json)."


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands out `body` once, then defers to the server (disconnects)."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _refuse(status: int, detail: str, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(status, detail=detail, instance=scope["path"])
    await response(scope, receive, send)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


class ServerErrorMiddleware:
    """Just inside CORS: turns an unhandled exception into the generic 500, so the 500 passes
    back through the CORS layer (a browser can read it) and gets its request id on the way
    out. RequestContextMiddleware's own 500 stays as the last resort."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if started:
                raise
            request_id = scope.get("state", {}).get("request_id")
            log.exception("unhandled error (request %s)", request_id)
            response = problem_response(500, detail=GENERIC_500, instance=scope["path"])
            await response(scope, receive, send)
