"""What the service does when it starts and stops: schema creation and engine disposal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.sql import migrate
from adapters.sql.engine import create_schema
from entrypoints.container import Container

log = logging.getLogger(__name__)


@asynccontextmanager
async def running(container: Container) -> AsyncIterator[None]:
    """Create the engine once (and migrate to head when DB_AUTO_CREATE), dispose it at the end."""
    settings = container.settings()
    if settings.persistence != "sql":
        yield
        return
    engine = container.engine()
    plan = container.connection_plan()
    if settings.auto_create_for(is_sqlite=plan.is_sqlite):
        if plan.url.database in (None, "", ":memory:"):
            await create_schema(engine)  # a private in-memory database: nothing to migrate
        else:
            # Through Alembic, so the database is stamped and later migrations apply to it.
            await asyncio.to_thread(migrate.upgrade, settings.database_url)
        log.info("schema brought up to date (DB_AUTO_CREATE)")
    try:
        yield
    finally:
        await engine.dispose()
