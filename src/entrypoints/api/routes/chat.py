"""`POST /api/{user_id}/chat`: one stateless turn, answered as JSON or as a live SSE stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Final

import orjson
from fastapi import APIRouter, Request, Response
from starlette.responses import StreamingResponse

from application.chat import TURN_LEASE, ChatEvent, ChatReply, Listener
from application.idempotency import Claim, StoredResponse
from application.ports import TextDelta, UnitOfWork
from domain.conversations import ToolCall
from entrypoints.api import idempotency
from entrypoints.api.deps import Caller, CallerDep
from entrypoints.api.errors import problem_of
from entrypoints.api.openapi import REPLAYED, response_headers
from entrypoints.api.problems import problem_responses
from entrypoints.api.responses import json_response
from entrypoints.api.schemas.conversations import ChatRequest, ChatResponse, tool_calls_json

router = APIRouter(prefix="/api/{user_id}/chat", tags=["chat"])

_END: Final = object()
# Turns whose client went away mid-stream: they run to their end, so the history stays whole.
_DETACHED: set[asyncio.Task[ChatReply]] = set()
_SSE_HEADERS: Final = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

Run = Callable[[Listener | None], Coroutine[Any, Any, ChatReply]]

STREAM_DESCRIPTION: Final = """With `Accept: text/event-stream` the answer is a stream of
Server-Sent Events: `tool_call` (data `{tool, arguments, result}`) as each tool runs, `delta`
(data `{text}`) as the reply is produced (joined, the deltas are `response`), then `done`
(data: the chat response below), sent only once the turn is stored. A failure ends the
stream with `error` (data: a problem document). If the client disconnects, the turn still
runs to its end and is stored whole. With an `Idempotency-Key`, the turn's answer is
recorded with its reply; a repeat gets it again (a stream, as its one `done` event)."""


def chat_json(reply: ChatReply) -> dict[str, Any]:
    return {
        "conversation_id": reply.conversation_id,
        "response": reply.response,
        "tool_calls": tool_calls_json(reply.tool_calls) or [],
    }


@router.post(
    "",
    response_model=ChatResponse,
    summary="Send a message and get the assistant's reply (JSON or SSE)",
    description=STREAM_DESCRIPTION,
    responses={
        **problem_responses(401, 403, 404, 400, 409, 413, 415, 422, 429, 503),
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            **response_headers(optional=REPLAYED),
        },
    },
    openapi_extra=idempotency.OPENAPI,
)
async def chat(body: ChatRequest, caller: CallerDep, request: Request) -> Response:
    streaming = "text/event-stream" in request.headers.get("accept", "")
    key = idempotency.key_of(request, caller, body)
    claim = None
    if key is not None:
        claimed = await caller.services.idempotency.claim(key, lease=TURN_LEASE)
        if not isinstance(claimed, Claim):
            return _replayed(claimed, streaming=streaming)
        claim = claimed
    run = _runner(caller, body, claim)
    if not streaming:
        return json_response(chat_json(await run(None)))
    return StreamingResponse(
        _stream(run, request.url.path), media_type="text/event-stream", headers=_SSE_HEADERS
    )


def _runner(caller: Caller, body: ChatRequest, claimed: Claim | None) -> Run:
    """The turn to run; with a claim, its answer is recorded in the unit that stores the
    reply, and the claim is given up if the turn fails."""

    async def run(listen: Listener | None) -> ChatReply:
        arguments: dict[str, Any] = {
            "user_id": caller.user_id,
            "conversation_id": body.conversation_id,
            "text": body.message,
            "listen": listen,
        }
        if claimed is None:
            return await caller.chat.run(**arguments)
        keys = caller.services.idempotency

        async def record(uow: UnitOfWork, reply: ChatReply) -> None:
            await keys.complete(uow, claimed, idempotency.stored(json_response(chat_json(reply))))

        async with keys.releasing(claimed):
            return await caller.chat.run(**arguments, on_stored=record)

    return run


def _replayed(recorded: StoredResponse, *, streaming: bool) -> Response:
    if not streaming:
        return idempotency.replayed(recorded)
    frame = b"event: done\ndata: " + recorded.body.encode() + b"\n\n"
    headers = {**_SSE_HEADERS, idempotency.REPLAYED_HEADER: "true"}
    return Response(frame, media_type="text/event-stream", headers=headers)


def _event(name: str, data: Any) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def _frame(event: ChatEvent) -> bytes:
    if isinstance(event, TextDelta):
        return _event("delta", {"text": event.text})
    assert isinstance(event, ToolCall)  # noqa: S101  (ChatEvent is one or the other)
    return _event("tool_call", event.as_dict())


async def _stream(run: Run, path: str) -> AsyncIterator[bytes]:
    """Frames as the turn produces them. The turn runs in its own task, so a client that
    disconnects (which cancels this generator) does not cut it short."""
    queue: asyncio.Queue[object] = asyncio.Queue()

    async def listen(event: ChatEvent) -> None:
        await queue.put(event)

    running = asyncio.create_task(run(listen))
    running.add_done_callback(lambda _: queue.put_nowait(_END))
    try:
        while (event := await queue.get()) is not _END:
            yield _frame(event)  # type: ignore[arg-type]  # only ChatEvents besides _END
        error = running.exception()
        if error is None:
            yield _event("done", chat_json(running.result()))
        else:
            yield _event("error", problem_of(error, instance=path))  # type: ignore[arg-type]
    finally:
        if not running.done():
            _DETACHED.add(running)
            running.add_done_callback(_DETACHED.discard)
