"""`/admin/db/pool-stats` (behind ADMIN_TOKEN) and `/metrics` (Prometheus text)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import Response

from entrypoints.api.problems import problem_response, problem_responses
from entrypoints.api.responses import json_response
from entrypoints.api.schemas.operations import PoolStatsOut
from entrypoints.operations import Operations

router = APIRouter(tags=["operations"])

admin_scheme = HTTPBearer(
    auto_error=False, scheme_name="AdminToken", description="`Authorization: Bearer <ADMIN_TOKEN>`"
)


@router.get(
    "/admin/db/pool-stats",
    summary="The database connection pool of the worker that answers",
    response_model=PoolStatsOut,
    responses=problem_responses(401, 404),
    description="Needs `Authorization: Bearer <ADMIN_TOKEN>`; 404 when no ADMIN_TOKEN is set.",
)
async def pool_stats(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(admin_scheme)],
) -> Response:
    operations: Operations = request.app.state.operations
    path = request.url.path
    if operations.admin_token is None:
        return problem_response(404, detail="Not Found", instance=path)  # as if no route
    if credentials is None or not operations.is_admin(credentials.credentials):
        return problem_response(
            401,
            detail="This needs the admin token: Authorization: Bearer <ADMIN_TOKEN>.",
            instance=path,
            kind="unauthenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    stats = operations.health.pool_stats()
    return json_response(
        {
            "size": stats.size,
            "checked_in": stats.checked_in,
            "checked_out": stats.checked_out,
            "overflow": stats.overflow,
        }
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics, every worker's",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(request: Request) -> Response:
    operations: Operations = request.app.state.operations
    body = operations.metrics.render()
    return Response(body, media_type=operations.metrics.content_type)
