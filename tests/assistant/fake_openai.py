"""A local fake of an OpenAI-compatible chat completions endpoint, for the assistant's tests.

A real HTTP server (Starlette under uvicorn, in a background thread, on 127.0.0.1 and a free
port) that answers `POST /v1/chat/completions`, streamed (SSE) or not, from a script of
replies, one reply per request, in order. It records every request it receives, so a test
asserts on what was sent. Error replies carry `retry-after-ms`, which the SDK honours, so
retries in tests wait milliseconds instead of the SDK's default backoff.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

FAST_RETRY = {"retry-after-ms": "10"}


@dataclass(frozen=True, slots=True)
class Pause:
    """Inside a stream: wait this long (or until the test releases the fake) before going on."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Raw:
    """Inside a stream: one `data:` event sent verbatim, not wrapped in a chunk."""

    data: str


StreamItem = dict[str, Any] | Pause | Raw


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer: a stream of deltas (status 200) or an error status and body."""

    items: tuple[StreamItem, ...] = ()
    finish_reason: str = "stop"
    status: int = 200
    error: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # before the status line: a provider slower than the client timeout


@dataclass(frozen=True, slots=True)
class Received:
    """A request the fake received: its JSON body and its headers (names in lower case)."""

    body: dict[str, Any]
    headers: dict[str, str]


def text_reply(*pieces: str) -> Reply:
    """A reply streamed as one content delta per piece."""
    return Reply(items=({"role": "assistant", "content": ""}, *({"content": p} for p in pieces)))


def call_start(index: int, name: str, call_id: str | None = None) -> dict[str, Any]:
    """The first delta of a tool call: its id and name, no arguments yet."""
    call = {
        "index": index,
        "id": call_id or f"call_fake_{index}",
        "type": "function",
        "function": {"name": name, "arguments": ""},
    }
    return {"tool_calls": [call]}


def call_arguments(index: int, fragment: str) -> dict[str, Any]:
    """A later delta of a tool call: a fragment of its JSON arguments."""
    return {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}


def tool_call_reply(name: str, *fragments: str) -> Reply:
    """One tool call, its arguments split across one delta per fragment."""
    deltas = [call_start(0, name), *(call_arguments(0, f) for f in fragments)]
    return Reply(
        items=({"role": "assistant", "content": None}, *deltas), finish_reason="tool_calls"
    )


def failure(status: int, message: str = "scripted failure", **headers: str) -> Reply:
    """An error status with an OpenAI-style error body; retried after 10 ms if the SDK
    retries that status at all."""
    return Reply(
        status=status,
        error={"message": message, "type": "fake_error", "code": None},
        headers={**FAST_RETRY, **headers},
    )


def assistant_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    """A tool call as the provider expects to receive it in the history."""
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def tool_result(call_id: str, content: str) -> dict[str, Any]:
    """A tool call's result as the provider expects to receive it, after the call."""
    return {"role": "tool", "tool_call_id": call_id, "content": content}


class FakeOpenAi:
    """The fake's state: the script still to play and the requests received so far."""

    def __init__(self) -> None:
        self.base_url = ""
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        self._received: list[Received] = []
        self._released = threading.Event()
        self.app = Starlette(routes=[Route("/v1/chat/completions", self._answer, methods=["POST"])])

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def release(self) -> None:
        """End every pause and delay now, including those of requests already waiting."""
        self._released.set()

    def reset(self) -> None:
        """Forget the script and the requests; let anything still waiting finish."""
        with self._lock:
            self.release()
            self._released = threading.Event()
            self._script.clear()
            self._received.clear()

    async def _answer(self, request: Request) -> Response:
        body = await request.json()
        with self._lock:
            self._received.append(Received(body=body, headers=dict(request.headers)))
            reply = self._script.popleft() if self._script else None
            released = self._released
        if reply is None:
            return JSONResponse(
                {"error": {"message": "the fake has no reply scripted", "type": "fake_error"}},
                status_code=418,
                headers={"x-should-retry": "false"},
            )
        await _wait(reply.delay, released)
        if reply.status != 200:
            return JSONResponse({"error": reply.error}, reply.status, headers=reply.headers)
        if body.get("stream"):
            events = _events(reply, model=body["model"], released=released)
            return StreamingResponse(events, media_type="text/event-stream")
        return JSONResponse(_completion(reply, model=body["model"]))


async def _wait(seconds: float, released: threading.Event) -> None:
    if seconds > 0:
        # A thread-safe event, since the test's thread releases it: wait on it in a worker.
        await asyncio.to_thread(released.wait, seconds)


def _chunk(model: str, delta: dict[str, Any], finish_reason: str | None) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
    chunk = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [choice],
    }
    return json.dumps(chunk)


async def _events(reply: Reply, *, model: str, released: threading.Event) -> AsyncIterator[str]:
    for item in reply.items:
        if isinstance(item, Pause):
            await _wait(item.seconds, released)
        elif isinstance(item, Raw):
            yield f"data: {item.data}\n\n"
        else:
            yield f"data: {_chunk(model, item, None)}\n\n"
    yield f"data: {_chunk(model, {}, reply.finish_reason)}\n\n"
    yield "data: [DONE]\n\n"


def _completion(reply: Reply, *, model: str) -> dict[str, Any]:
    """The whole message the reply's deltas make, as a non-streamed chat completion."""
    content = ""
    calls: dict[int, dict[str, Any]] = {}
    for item in reply.items:
        if not isinstance(item, dict):
            continue
        content += item.get("content") or ""
        for part in item.get("tool_calls") or ():
            empty = {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
            call = calls.setdefault(part["index"], empty)
            call["id"] = part.get("id") or call["id"]
            for key in ("name", "arguments"):
                call["function"][key] += part["function"].get(key) or ""
    message: dict[str, Any] = {"role": "assistant", "content": content or None}
    if calls:
        message["tool_calls"] = [calls[index] for index in sorted(calls)]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
    }


@contextmanager
def serve_fake() -> Iterator[FakeOpenAi]:
    """Run a fake on 127.0.0.1 (a free port) in a background thread, for the block."""
    fake = FakeOpenAi()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        fake.app, log_config=None, access_log=False, lifespan="off", ws="none", http="h11"
    )
    server = uvicorn.Server(config)
    # Not the test's event loop: a server in its own thread keeps answering while a test
    # blocks, and uvicorn installs no signal handlers outside the main thread.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake OpenAI server did not start")
        time.sleep(0.01)
    fake.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        fake.release()
        server.should_exit = True
        thread.join(timeout=5)
        listener.close()
