"""What the service does when it starts and stops: the schema check (or migration), engine
disposal, and a worker's metrics leaving the sums."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from entrypoints.container import Container
from entrypoints.startup import prepare_database

log = logging.getLogger(__name__)


@asynccontextmanager
async def running(container: Container) -> AsyncIterator[None]:
    """Create the engine once, check the schema (or migrate to head when DB_AUTO_CREATE: see
    `entrypoints.startup`), dispose the engine at the end."""
    settings = container.settings()
    metrics = container.metrics()
    if settings.persistence != "sql":
        try:
            yield
        finally:
            metrics.close()
        return
    engine = container.engine()
    try:
        await prepare_database(settings, container.connection_plan(), engine)
        yield
    finally:
        metrics.close()
        await engine.dispose()
