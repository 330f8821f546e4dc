"""Liveness (`/health`, no database) and the database's health (`/health/db`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from entrypoints.api.responses import JsonResponse, json_response
from entrypoints.api.schemas.operations import DatabaseHealthy, DatabaseUnhealthy
from entrypoints.operations import Operations

router = APIRouter(tags=["operations"])


@router.get("/health", summary="The process is up (no database call)")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/health/db",
    summary="The database is reachable, answers, and has the schema this code needs",
    response_model=DatabaseHealthy,
    responses={
        503: {"model": DatabaseUnhealthy, "description": "Unhealthy, and why", "x-problem": False}
    },
    description="One round trip (the schema revision), bounded by DB_HEALTH_TIMEOUT; "
    "the reason on a 503 names no host, user or password.",
)
async def database_health(request: Request) -> JsonResponse:
    operations: Operations = request.app.state.operations
    report = await operations.health.check()
    body: dict[str, Any]
    if report.healthy:
        body = {
            "status": "healthy",
            "database": "connected",
            "latency_ms": report.latency_ms,
            "schema": report.schema,
        }
        return json_response(body)
    body = {
        "status": "unhealthy",
        "database": "connected" if report.connected else "disconnected",
        "error": report.error,
    }
    return json_response(body, status=503, headers={"Retry-After": "5"})
