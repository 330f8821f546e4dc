"""The task tools over MCP (the Model Context Protocol), on the official SDK's low-level server.

The tools are `application.tools.TOOLS`, served as they are (their JSON Schemas are the
`inputSchema`s); a call runs `run_tool` in a fresh unit of work, as any thin entry point does.
Two transports: streamable HTTP at `/mcp` on the REST app (the same bearer tokens; each
request's user is the token's subject), and stdio for one user (`todo mcp --user USER_ID`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import metadata
from typing import Any, Final

from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    ContentBlock,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
    Tool,
)
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from application.errors import StorageUnavailableError, ToolError
from application.ports import Clock, ToolRequest, UnitOfWorkFactory
from application.tools import TOOLS, run_tool
from domain.errors import DomainError
from domain.tasks import UserId
from entrypoints.api.auth import USER_STATE, NotAuthenticatedError, authenticate, bearer_of
from entrypoints.api.problems import problem_response
from entrypoints.container import Container
from entrypoints.identity import Authenticator
from entrypoints.lifecycle import running

log = logging.getLogger(__name__)

SERVER_NAME: Final = "todo"
INSTRUCTIONS: Final = (
    "Tools for the signed-in user's todo list. Every tool acts for that user only; "
    "a user_id argument may be left out (when sent, it must be that user's id)."
)
UNAVAILABLE: Final = "The database is unavailable; retry shortly."
UNEXPECTED: Final = "The tool failed unexpectedly; the error has been logged."
_SCHEMAS: Final = {spec.name: spec.parameters for spec in TOOLS}
_CHALLENGE: Final = {"WWW-Authenticate": "Bearer"}
_POST_ONLY: Final = "MCP messages are POSTed here; this server keeps no stream or session."

UserOf = Callable[[ServerRequestContext[Any]], UserId]
"""Who is calling, from a request's context: the stdio user, or the bearer token's subject."""


def _version() -> str:
    try:
        return metadata.version("todo-service")
    except metadata.PackageNotFoundError:
        return ""


def tool_list() -> ListToolsResult:
    """The five tools, their schemas taken from the registry as they are."""
    tools = [
        Tool(name=spec.name, description=spec.description, input_schema=spec.parameters)
        for spec in TOOLS
    ]
    return ListToolsResult(tools=tools)


def _success(result: Any) -> CallToolResult:
    """The result as JSON text; as structured content too when it is an object (a list
    is structured content only from protocol 2026-07-28 on, so it goes as text alone)."""
    text = json.dumps(result, ensure_ascii=False)
    structured = result if isinstance(result, dict) else None
    content: list[ContentBlock] = [TextContent(text=text)]
    return CallToolResult(content=content, structured_content=structured)


def _failure(message: str) -> CallToolResult:
    """A tool error the agent reads and may act on; the session goes on."""
    return CallToolResult(content=[TextContent(text=message)], is_error=True)


async def call_tool(
    new_uow: UnitOfWorkFactory,
    clock: Clock,
    *,
    user_id: UserId,
    name: str,
    arguments: dict[str, Any] | None,
) -> CallToolResult:
    """Run one tool for `user_id` in its own unit of work (committed when it succeeds)."""
    request = ToolRequest(name, arguments if arguments is not None else {})
    try:
        async with new_uow(single_write=True) as uow:  # every tool writes at most once
            result = await run_tool(uow, user_id=user_id, request=request, now=clock.now())
    except ToolError as error:
        return _failure(error.message)
    except DomainError as error:  # a rule broken at commit, say
        return _failure(f"{error}.")
    except StorageUnavailableError:
        return _failure(UNAVAILABLE)
    except Exception:
        # The SDK would put str(error) on the wire, which may carry SQL or a URL.
        log.exception("MCP tool %r failed", name)
        return _failure(UNEXPECTED)
    return _success(result)


def build_server(*, new_uow: UnitOfWorkFactory, clock: Clock, user_of: UserOf) -> Server[Any]:
    """A low-level MCP server offering TOOLS, each call scoped to `user_of(ctx)`."""

    async def list_tools(
        _ctx: ServerRequestContext[Any], _params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        return tool_list()

    async def on_call_tool(
        ctx: ServerRequestContext[Any], params: CallToolRequestParams
    ) -> CallToolResult:
        user_id = user_of(ctx)
        return await call_tool(
            new_uow, clock, user_id=user_id, name=params.name, arguments=params.arguments
        )

    return Server(
        SERVER_NAME,
        version=_version(),
        instructions=INSTRUCTIONS,
        get_tool_input_schema=_SCHEMAS.get,
        on_list_tools=list_tools,
        on_call_tool=on_call_tool,
    )


def _request_user(ctx: ServerRequestContext[Any]) -> UserId:
    """The subject McpEndpoint verified for this HTTP request."""
    request = ctx.request
    user_id = (
        request.scope.get("state", {}).get(USER_STATE) if isinstance(request, Request) else None
    )
    if not isinstance(user_id, str):
        raise LookupError("an MCP request reached the tools without a verified user")
    return user_id


class McpEndpoint:
    """The ASGI app at `/mcp`: a bearer token checked as the REST API checks it (401 as a
    problem otherwise), then the SDK's streamable HTTP transport, stateless (no session
    is kept between requests, so any worker may answer any request) and answering JSON."""

    def __init__(self, *, new_uow: UnitOfWorkFactory, clock: Clock, tokens: Authenticator) -> None:
        self._server = build_server(new_uow=new_uow, clock=clock, user_of=_request_user)
        self._tokens = tokens
        self._manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve while open (the app's lifespan). The SDK's session manager runs once, in a
        task of its own: its task group must end in the task that began it, and a lifespan
        may be entered and left in different tasks (as pytest-asyncio fixtures do)."""
        manager = StreamableHTTPSessionManager(self._server, stateless=True, json_response=True)
        ready, stop = asyncio.Event(), asyncio.Event()

        async def run() -> None:
            async with manager.run():
                ready.set()
                await stop.wait()

        task = asyncio.create_task(run())
        try:
            await _until_ready(ready, task)
            self._manager = manager
            yield
        finally:
            self._manager = None
            stop.set()
            await task

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user_id, refusal = await self._authenticate(scope)
        if user_id is not None and scope["method"] == "POST":
            await self._serve(user_id, scope, receive, send)
            return
        if user_id is None:
            response = problem_response(
                401,
                detail=refusal,
                instance=scope["path"],
                kind="unauthenticated",
                headers=_CHALLENGE,
            )
        else:  # stateless: no server-sent stream to open (GET), no session to end (DELETE)
            response = problem_response(
                405, detail=_POST_ONLY, instance=scope["path"], headers={"Allow": "POST"}
            )
        await response(scope, receive, send)

    async def _serve(self, user_id: UserId, scope: Scope, receive: Receive, send: Send) -> None:
        if self._manager is None:
            raise RuntimeError("/mcp answers only while the app's lifespan runs")
        state = {**scope.get("state", {}), USER_STATE: user_id}
        await self._manager.handle_request({**scope, "state": state}, receive, send)

    async def _authenticate(self, scope: Scope) -> tuple[UserId | None, str]:
        """The token's subject (as AuthMiddleware left it, or checked here), or None and why
        not."""
        subject = scope.get("state", {}).get(USER_STATE)
        if isinstance(subject, str):
            return subject, ""
        try:
            return await authenticate(bearer_of(scope), self._tokens), ""
        except NotAuthenticatedError as refused:
            return None, refused.reason


async def _until_ready(ready: asyncio.Event, task: asyncio.Task[None]) -> None:
    """Wait for `ready`, or raise what ended `task` before it was."""
    waiting = asyncio.ensure_future(ready.wait())
    try:
        await asyncio.wait((waiting, task), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
    if not ready.is_set():
        await task


async def serve_stdio(container: Container, user_id: UserId) -> None:
    """Serve the tools for `user_id` over stdin and stdout until stdin closes.

    The transport is opened first: while it runs, the process's stdout descriptor points at
    stderr, so stray output (a migration's, say) cannot reach the wire; logs go to stderr."""
    server = build_server(new_uow=container.uow, clock=container.clock(), user_of=lambda _: user_id)
    async with stdio_server() as (read_stream, write_stream), running(container):
        await server.run(read_stream, write_stream, server.create_initialization_options())
