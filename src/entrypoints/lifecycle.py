"""What the service does when it starts and stops: schema creation and engine disposal."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.sql.engine import create_schema
from entrypoints.container import Container

log = logging.getLogger(__name__)


@asynccontextmanager
async def running(container: Container) -> AsyncIterator[None]:
    """Create the engine once (and the tables when DB_AUTO_CREATE), dispose it at the end."""
    settings = container.settings()
    if settings.persistence != "sql":
        yield
        return
    engine = container.engine()
    if settings.auto_create_for(is_sqlite=container.connection_plan().is_sqlite):
        await create_schema(engine)
        log.info("tables created where missing (DB_AUTO_CREATE)")
    try:
        yield
    finally:
        await engine.dispose()
