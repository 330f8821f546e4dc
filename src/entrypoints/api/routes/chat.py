"""`POST /api/{user_id}/chat`: one stateless turn, answered as JSON or as a live SSE stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Final

import orjson
from fastapi import APIRouter, Request, Response
from starlette.responses import StreamingResponse

from application.chat import ChatEvent, ChatReply, ChatTurn
from application.ports import TextDelta
from domain.conversations import ToolCall
from entrypoints.api.deps import CallerDep
from entrypoints.api.errors import problem_of
from entrypoints.api.problems import problem_responses
from entrypoints.api.responses import json_response
from entrypoints.api.schemas.conversations import ChatRequest, ChatResponse, tool_calls_json

router = APIRouter(prefix="/api/{user_id}/chat", tags=["chat"])

_END: Final = object()
# Turns whose client went away mid-stream: they run to their end, so the history stays whole.
_DETACHED: set[asyncio.Task[ChatReply]] = set()

STREAM_DESCRIPTION: Final = """With `Accept: text/event-stream` the answer is a stream of
Server-Sent Events: `tool_call` (data `{tool, arguments, result}`) as each tool runs, `delta`
(data `{text}`) as the reply is produced (joined, the deltas are `response`), then `done`
(data: the chat response below), sent only once the turn is stored. A failure ends the
stream with `error` (data: a problem document). If the client disconnects, the turn still
runs to its end and is stored whole."""


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
        **problem_responses(401, 403, 404, 400, 413, 415, 422, 503),
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
    },
)
async def chat(body: ChatRequest, caller: CallerDep, request: Request) -> Response:
    arguments: dict[str, Any] = {
        "user_id": caller.user_id,
        "conversation_id": body.conversation_id,
        "text": body.message,
    }
    if "text/event-stream" not in request.headers.get("accept", ""):
        return json_response(chat_json(await caller.chat.run(**arguments)))
    return StreamingResponse(
        _stream(caller.chat, arguments, request.url.path),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _event(name: str, data: Any) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def _frame(event: ChatEvent) -> bytes:
    if isinstance(event, TextDelta):
        return _event("delta", {"text": event.text})
    assert isinstance(event, ToolCall)  # noqa: S101  (ChatEvent is one or the other)
    return _event("tool_call", event.as_dict())


async def _stream(turn: ChatTurn, arguments: dict[str, Any], path: str) -> AsyncIterator[bytes]:
    """Frames as the turn produces them. The turn runs in its own task, so a client that
    disconnects (which cancels this generator) does not cut it short."""
    queue: asyncio.Queue[object] = asyncio.Queue()

    async def listen(event: ChatEvent) -> None:
        await queue.put(event)

    running = asyncio.create_task(turn.run(**arguments, listen=listen))
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
