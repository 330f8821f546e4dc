"""Is the database's schema the one this code needs? Its Alembic revision against the head.

Read in one round trip (`SELECT version_num FROM alembic_version`), so start-up and
`/health/db` can afford it. The head comes from the migration scripts, read once a process.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Final

from alembic.script import ScriptDirectory
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_delay,
    wait_exponential_jitter,
)

from adapters.sql.diagnosis import FailureKind
from adapters.sql.errors import DatabaseUnavailableError, translate_db_errors
from adapters.sql.migrate import alembic_config

log = logging.getLogger(__name__)

_READ_REVISION: Final = text("SELECT version_num FROM alembic_version")
_NO_TABLE: Final = ("42P01", "no such table")


@dataclass(frozen=True, slots=True)
class SchemaState:
    """The database's revision (None: never migrated) and the migrations' head."""

    current: str | None
    head: str
    known: frozenset[str]

    @property
    def behind(self) -> bool:
        """Behind the head. A revision these scripts do not know is newer (a later release
        migrated it), which this code tolerates: migrations only add."""
        return self.current != self.head and (self.current is None or self.current in self.known)

    def describe(self) -> str:
        at = f"at {self.current}" if self.current else "not migrated"
        return f"schema behind: the database is {at}, the code needs {self.head}"


class SchemaBehindError(Exception):
    """The database is reachable but its schema is older than the code: start-up refuses."""

    def __init__(self, state: SchemaState) -> None:
        self.state = state
        super().__init__(f"{state.describe()}; run `todo db upgrade`")


@functools.cache
def _script() -> tuple[str, frozenset[str]]:
    script = ScriptDirectory.from_config(alembic_config(None))
    known = frozenset(revision.revision for revision in script.walk_revisions())
    return ",".join(sorted(script.get_heads())), known


def head_revision() -> str:
    """The migrations' head (several heads come back comma-separated)."""
    return _script()[0]


async def read_revision(connection: AsyncConnection) -> str | None:
    """The revision stamped in the database; None when it has no `alembic_version` table."""
    try:
        with translate_db_errors():
            rows = (await connection.execute(_READ_REVISION)).scalars().all()
    except sa_exc.DBAPIError as error:
        if not _no_table(error):
            raise
        return None
    finally:
        if connection.in_transaction():
            await connection.rollback()
    return ",".join(sorted(rows)) or None


def _no_table(error: sa_exc.DBAPIError) -> bool:
    said = f"{getattr(error.orig, 'sqlstate', '')} {error.orig}"
    return any(sign in said for sign in _NO_TABLE)


async def schema_state(engine: AsyncEngine) -> SchemaState:
    """Where the database's schema stands (one connection, one round trip)."""
    with translate_db_errors():
        connection = await engine.connect()
    try:
        current = await read_revision(connection)
    finally:
        await connection.close()
    head, known = _script()
    return SchemaState(current=current, head=head, known=known)


async def stamp_head(engine: AsyncEngine) -> None:
    """Record the head as the database's revision, as Alembic would: for a private in-memory
    database whose tables `create_schema` made (nothing to migrate, but health reads it)."""
    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)")
        )
        for head in head_revision().split(","):
            await connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head}
            )


async def wait_for_schema(engine: AsyncEngine, *, wait_s: float) -> SchemaState:
    """`schema_state`, retried with backoff and jitter for up to `wait_s` seconds while the
    database cannot be reached for a reason that waiting may cure (a serverless database
    waking up, a server starting); DatabaseUnavailableError after that."""
    retrying = AsyncRetrying(
        stop=stop_after_delay(wait_s),
        wait=wait_exponential_jitter(multiplier=0.2, max=2.0, jitter=0.2),
        retry=retry_if_exception(_worth_waiting),
        before_sleep=_log_wait,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await schema_state(engine)
    raise AssertionError("unreachable: tenacity either returns or re-raises")


def _worth_waiting(error: BaseException) -> bool:
    return isinstance(error, DatabaseUnavailableError) and error.kind.transient


def _log_wait(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    kind = error.kind if isinstance(error, DatabaseUnavailableError) else FailureKind.OTHER
    log.info("waiting for the database (%s), attempt %d", kind, state.attempt_number)
