"""Liveness: answers without touching the database."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["operations"])


@router.get("/health", summary="The process is up (no database call)")
async def health() -> dict[str, str]:
    return {"status": "ok"}
