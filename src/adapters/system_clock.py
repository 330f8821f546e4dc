"""The real clock."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """`Clock` port: the system's current time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
