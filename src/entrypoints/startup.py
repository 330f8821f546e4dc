"""Start-up against the database: is its schema the one this code needs?

- Reachable and at the migrations' head: serve.
- Reachable and behind: refuse to start (SchemaBehindError, whose message names
  `todo db upgrade`); under DB_AUTO_CREATE, migrate instead.
- Unreachable: wait a bounded time (`DB_STARTUP_WAIT`) with backoff, as a serverless
  database may be waking up; then serve anyway. Requests answer 503 and `/health/db` says why
  until the database is back, with no restart.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_delay,
    wait_exponential_jitter,
)

from adapters.sql import migrate
from adapters.sql.diagnosis import FailureKind, classify
from adapters.sql.engine import ConnectionPlan, create_schema
from adapters.sql.errors import DatabaseUnavailableError
from adapters.sql.schema import SchemaBehindError, stamp_head, wait_for_schema
from entrypoints.settings import Settings

log = logging.getLogger(__name__)


async def prepare_database(settings: Settings, plan: ConnectionPlan, engine: AsyncEngine) -> None:
    """Check (or, under DB_AUTO_CREATE, migrate) the schema before serving. Raises
    SchemaBehindError; an unreachable database is logged, with its cause, and tolerated."""
    if settings.auto_create_for(is_sqlite=plan.is_sqlite):
        await _auto_create(settings, plan, engine)
        return
    try:
        state = await wait_for_schema(engine, wait_s=settings.db_startup_wait)
    except DatabaseUnavailableError as error:
        _serving_without(error.kind)
        return
    if state.behind:
        raise SchemaBehindError(state)
    log.info("database schema at %s", state.current)


async def _auto_create(settings: Settings, plan: ConnectionPlan, engine: AsyncEngine) -> None:
    if plan.url.database in (None, "", ":memory:"):
        await create_schema(engine)  # a private in-memory database: nothing to migrate
        await stamp_head(engine)
        return
    # Through Alembic, so the database is stamped and later migrations apply to it.
    retrying = AsyncRetrying(
        stop=stop_after_delay(settings.db_startup_wait),
        wait=wait_exponential_jitter(multiplier=0.2, max=2.0, jitter=0.2),
        retry=retry_if_exception(lambda error: classify(error).transient),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                await asyncio.to_thread(migrate.upgrade, settings.database_url)
    except Exception as error:
        kind = classify(error)
        if kind is FailureKind.OTHER:
            raise  # a migration that fails on a reachable database is a bug to see
        _serving_without(kind)
        return
    log.info("schema brought up to date (DB_AUTO_CREATE)")


def _serving_without(kind: FailureKind) -> None:
    log.warning(
        "database unreachable at start-up (%s): serving anyway; requests answer 503 and"
        " /health/db says why until it is back (%s)",
        kind,
        kind.hint,
    )
