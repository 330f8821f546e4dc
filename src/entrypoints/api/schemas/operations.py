"""Bodies of the operations endpoints (`/health/db`, `/admin/db/pool-stats`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class DatabaseHealthy(BaseModel):
    status: Literal["healthy"]
    database: Literal["connected"]
    latency_ms: float = Field(description="The check's round trip, in milliseconds.")
    schema_: str | None = Field(
        alias="schema", description="The database's migration revision (null: in memory)."
    )


class DatabaseUnhealthy(BaseModel):
    status: Literal["unhealthy"]
    database: Literal["connected", "disconnected"] = Field(
        description="`connected` when only the schema is behind."
    )
    error: str = Field(
        description="A short reason, no secrets: connection refused, host not found, TLS"
        " refused, authentication failed, database missing, timeout, or a schema behind the"
        " migrations (naming `todo db upgrade`)."
    )


class PoolStatsOut(BaseModel):
    size: int = Field(description="Connections the pool keeps open (DB_POOL_SIZE).")
    checked_in: int = Field(description="Open and idle in the pool.")
    checked_out: int = Field(description="In use by a request right now.")
    overflow: int = Field(description="Open beyond the pool size (up to DB_MAX_OVERFLOW).")
