"""Better Auth's `session` table, read where Better Auth keeps it: in the service's database.

Better Auth creates it (`"id"`, `"token"` UNIQUE, `"userId"`, `"expiresAt"`, ...; quoted
camelCase names); this adapter only reads it, one indexed lookup by token. Its `expiresAt` is
a timestamptz on PostgreSQL, and on SQLite whatever Better Auth's adapter wrote there: an
ISO 8601 text or milliseconds since the epoch. All are read as aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.errors import translate_db_errors

FIND: Final = text('SELECT "userId", "expiresAt" FROM "session" WHERE "token" = :token')
_MILLISECONDS: Final = 1000


class SqlBetterAuthSessions:
    """One statement per lookup, on a pooled connection (autocommit on PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def find(self, token: str) -> tuple[str, datetime] | None:
        """The session's user id and expiry, or None. Raises StorageUnavailableError."""
        with translate_db_errors():
            async with self._engine.connect() as connection:
                row = (await connection.execute(FIND, {"token": token})).one_or_none()
        if row is None:
            return None
        expires = moment(row[1])
        return None if expires is None else (str(row[0]), expires)


def moment(value: object) -> datetime | None:
    """An `expiresAt` as aware UTC; None when it is no time at all."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / _MILLISECONDS, UTC)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
