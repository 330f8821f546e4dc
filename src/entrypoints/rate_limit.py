"""A per-user request limit (`RATE_LIMIT` a minute), on the `limits` library.

A moving window: at most N requests in any 60 seconds, counted per user. Counts live in
`RATE_LIMIT_STORAGE`: `memory://` (one process: each worker counts alone) or `redis://...`
(`rediss://` for TLS), which every worker and every replica share, so the limit holds across
all of them. When the storage cannot be reached the request goes through (and a warning is
logged): an outage of the counter must not become an outage of the service.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Final

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

log = logging.getLogger(__name__)

KEY_PREFIX: Final = "todo-rate"


def storage_for(uri: str) -> Storage:
    """The async storage `uri` names (redis through redis-py's asyncio client)."""
    if uri.startswith(("redis://", "rediss://")):
        storage = storage_from_string(
            f"async+{uri}", implementation="redispy", key_prefix=KEY_PREFIX
        )
    else:
        storage = storage_from_string(uri if uri.startswith("async+") else f"async+{uri}")
    if not isinstance(storage, Storage):
        raise ValueError(f"not an async rate-limit storage: {uri}")
    return storage


class UserRateLimit:
    """`per_minute` requests per user in any minute."""

    def __init__(self, per_minute: int, *, storage: str = "memory://") -> None:
        self.per_minute = per_minute
        self._item = RateLimitItemPerMinute(per_minute)
        self._storage = storage_for(storage)
        self._limiter = MovingWindowRateLimiter(self._storage)

    async def hit(self, user_id: str) -> int | None:
        """Count one request; None when it is within the limit, else the seconds until the
        user may try again (for `Retry-After`)."""
        try:
            if await self._limiter.hit(self._item, user_id):
                return None
            stats = await self._limiter.get_window_stats(self._item, user_id)
        except Exception:  # the storage's errors, whichever client raised them
            log.warning("rate limit storage unavailable: request let through", exc_info=True)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def aclose(self) -> None:
        """Let go of the storage's connections (and the memory storage's expiry timer)."""
        storage = self._storage
        if isinstance(storage, MemoryStorage):
            if storage.timer is not None:
                storage.timer.cancel()
            return
        client = getattr(getattr(storage, "bridge", None), "storage", None)
        close = getattr(client, "aclose", None)
        if close is not None:
            await close()
