"""What `/health/db` and `/admin/db/pool-stats` report: reachability, latency, schema, pool."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from adapters.sql.diagnosis import FailureKind
from adapters.sql.errors import DatabaseUnavailableError
from adapters.sql.gate import ConnectionGate
from adapters.sql.schema import schema_state


@dataclass(frozen=True, slots=True)
class HealthReport:
    """One health check: `error` is a short reason (a FailureKind's words), never a secret."""

    healthy: bool
    connected: bool
    latency_ms: float | None = None
    schema: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PoolStats:
    size: int
    checked_in: int
    checked_out: int
    overflow: int


class SqlDatabaseHealth:
    """Checks the database through the pool (one round trip), within `timeout` seconds.

    It bypasses the circuit breaker (health must say how things are, not what the breaker
    guesses) and feeds it: a check that connects closes the circuit, one that fails counts.
    """

    def __init__(self, engine: AsyncEngine, gate: ConnectionGate, *, timeout: float) -> None:
        self._engine = engine
        self._gate = gate
        self._timeout = timeout

    async def check(self) -> HealthReport:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                state = await schema_state(self._engine)
        except TimeoutError:
            return self._failed(FailureKind.TIMEOUT)
        except DatabaseUnavailableError as error:
            return self._failed(error.kind)
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        self._gate.succeeded()
        if state.behind:
            reason = f"{state.describe()}; run `todo db upgrade`"
            return HealthReport(False, True, latency_ms, state.current, reason)
        return HealthReport(True, True, latency_ms, state.current)

    def _failed(self, kind: FailureKind) -> HealthReport:
        self._gate.failed(kind)
        return HealthReport(healthy=False, connected=False, error=kind.value)

    def pool_stats(self) -> PoolStats:
        return pool_stats(self._engine)


def pool_stats(engine: AsyncEngine) -> PoolStats:
    """The pool's counts, from memory (no round trip); zeros for a pool that keeps none."""
    pool = engine.sync_engine.pool
    if not isinstance(pool, QueuePool):
        return PoolStats(0, 0, 0, 0)
    # overflow() counts from -size while the pool fills; callers want connections over size.
    return PoolStats(pool.size(), pool.checkedin(), pool.checkedout(), max(pool.overflow(), 0))
