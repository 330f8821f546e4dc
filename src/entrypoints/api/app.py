"""The FastAPI app factory: takes a container, wires it, adds routes and error handling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.routing import Route

from application.chat import ChatTurn
from application.idempotency import Idempotency
from entrypoints.api import deps
from entrypoints.api.auth import AuthMiddleware
from entrypoints.api.cors import cors_middleware
from entrypoints.api.errors import install_error_handlers
from entrypoints.api.middleware import (
    BodyGuardMiddleware,
    HeadMiddleware,
    RequestContextMiddleware,
    ServerErrorMiddleware,
)
from entrypoints.api.observe import ObserveMiddleware
from entrypoints.api.openapi import install_exact_schema, operation_id
from entrypoints.api.rate_limit import limiting, rate_limited
from entrypoints.api.routes import (
    chat,
    conversations,
    docs,
    health,
    operations,
    problem_types,
    tasks,
)
from entrypoints.container import Container
from entrypoints.lifecycle import running
from entrypoints.mcp import McpEndpoint
from entrypoints.metrics import Metrics
from entrypoints.operations import Operations
from entrypoints.rate_limit import UserRateLimit
from entrypoints.settings import Settings

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
    services = _services(container)
    metrics = container.metrics()
    limit = container.rate_limit()
    mcp = McpEndpoint(new_uow=services.new_uow, clock=services.clock, tokens=services.tokens)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with running(container), mcp.running(), limiting(limit):
            yield

    app = FastAPI(
        title="Todo service",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,  # no redirect, least of all one built from the Host header
        generate_unique_id_function=operation_id,
        docs_url=None,  # served by routes.docs, with no CDN
        redoc_url=None,
        middleware=_middleware(settings, services, metrics, limit),
        # FastAPI's OpenTelemetry bridge asks the global OTel providers whether they are
        # configured on every request; this service's metrics are Prometheus (/metrics).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.container = container
    app.state.services = services
    app.state.operations = Operations(container.database_health(), metrics, settings.admin_secret)
    metrics.watch_pool(app.state.operations.health.pool_stats)
    install_error_handlers(app)
    # The task routes first: a request is matched against the routes in order.
    for router in (tasks, conversations, chat, health, problem_types, operations, docs):
        app.include_router(router.router)
    install_exact_schema(app)
    # A plain route, not a mount: `/mcp` itself answers, with no redirect to `/mcp/`.
    app.router.routes.append(Route("/mcp", mcp, include_in_schema=False))
    return app


def _services(container: Container) -> deps.Services:
    """What request handlers use, resolved from the container once."""
    clock = container.clock()
    chat_turn = ChatTurn(
        new_uow=container.uow,
        assistant=container.assistant(),
        clock=clock,
        observer=container.metrics(),
    )
    return deps.Services(
        new_uow=container.uow,
        clock=clock,
        tokens=container.tokens(),
        chat=chat_turn,
        idempotency=Idempotency(new_uow=container.uow, clock=clock),
    )


def _middleware(
    settings: Settings, services: deps.Services, metrics: Metrics, limit: UserRateLimit | None
) -> list[Middleware]:
    """Outermost first."""
    return [
        Middleware(RequestContextMiddleware),  # every response gets an id
        cors_middleware(
            settings.cors_origin_list, allow_credentials=settings.cors_allow_credentials
        ),
        Middleware(ServerErrorMiddleware),  # inside CORS: a browser can read a 500
        Middleware(HeadMiddleware),
        Middleware(ObserveMiddleware, metrics=metrics, access_log=settings.log_access),
        # Authentication (then the rate limit) before any other check: 401 comes first.
        Middleware(AuthMiddleware, authenticator=services.tokens),
        *rate_limited(limit),
        Middleware(BodyGuardMiddleware),
    ]
