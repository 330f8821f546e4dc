"""What the operations endpoints need (`/health/db`, `/admin/db/pool-stats`, `/metrics`),
as the HTTP layer sees it: shapes, not adapters (those come from the container)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Protocol

from entrypoints.metrics import Metrics, PoolCounts


class HealthReport(Protocol):
    @property
    def healthy(self) -> bool: ...
    @property
    def connected(self) -> bool: ...
    @property
    def latency_ms(self) -> float | None: ...
    @property
    def schema(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...


class DatabaseHealth(Protocol):
    async def check(self) -> HealthReport:
        """Reachability, latency and schema, within the health timeout."""
        ...

    def pool_stats(self) -> PoolCounts:
        """The connection pool's counts, from memory."""
        ...


@dataclass(frozen=True, slots=True)
class _Report:
    healthy: bool
    connected: bool
    latency_ms: float | None
    schema: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class _NoPool:
    size: int = 0
    checked_in: int = 0
    checked_out: int = 0
    overflow: int = 0


class NoDatabaseHealth:
    """PERSISTENCE=memory: nothing to reach, always healthy, no pool."""

    async def check(self) -> HealthReport:
        return _Report(healthy=True, connected=True, latency_ms=0.0, schema=None, error=None)

    def pool_stats(self) -> PoolCounts:
        return _NoPool()


@dataclass(frozen=True, slots=True)
class Operations:
    """Resolved from the container when the app is built; kept on `app.state`."""

    health: DatabaseHealth
    metrics: Metrics
    admin_token: str | None

    def is_admin(self, token: str) -> bool:
        """Constant-time comparison with ADMIN_TOKEN; False when none is configured."""
        if self.admin_token is None:
            return False
        return hmac.compare_digest(token.encode(), self.admin_token.encode())
