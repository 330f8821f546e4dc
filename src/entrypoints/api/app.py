"""The FastAPI app factory: takes a container, wires it, adds routes and error handling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route

from application.chat import ChatTurn
from entrypoints.api import deps
from entrypoints.api.errors import install_error_handlers
from entrypoints.api.middleware import (
    BodyGuardMiddleware,
    HeadMiddleware,
    RequestContextMiddleware,
)
from entrypoints.api.routes import chat, conversations, health, tasks
from entrypoints.container import Container
from entrypoints.lifecycle import running
from entrypoints.mcp import McpEndpoint

DESCRIPTION = """
Tasks (and, next, conversations and chat) for a todo app with an AI assistant.

Every `/api/{user_id}/...` request needs `Authorization: Bearer <JWT>` whose `sub` equals
`{user_id}`. Errors are `application/problem+json` (RFC 9457). Task responses carry
`ETag: "<version>"`; send it back as `If-Match` to refuse lost updates (412).
"""


def create_app(container: Container) -> FastAPI:
    """An app serving `container`'s adapters; the container lives on `app.state`."""
    settings = container.settings()
    settings.check_auth()
    clock = container.clock()
    services = deps.Services(
        new_uow=container.uow,
        clock=clock,
        tokens=container.tokens(),
        chat=ChatTurn(new_uow=container.uow, assistant=container.assistant(), clock=clock),
    )
    mcp = McpEndpoint(new_uow=services.new_uow, clock=clock, tokens=services.tokens)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with running(container), mcp.running():
            yield

    app = FastAPI(
        title="Todo service",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestContextMiddleware),  # outermost: every response gets an id
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origin_list,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=["ETag", "Location", "Link", "X-Request-ID", "Retry-After"],
            ),
            Middleware(HeadMiddleware),
            Middleware(BodyGuardMiddleware),
        ],
    )
    app.state.container = container
    app.state.services = services
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(tasks.router)
    app.include_router(conversations.router)
    app.include_router(chat.router)
    # A plain route, not a mount: `/mcp` itself answers, with no redirect to `/mcp/`.
    app.router.routes.append(Route("/mcp", mcp, include_in_schema=False))
    return app
