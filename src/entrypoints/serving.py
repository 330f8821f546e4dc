"""What `todo serve` does around uvicorn: the start-up check before anything listens, the
logging every worker applies, and the shared directory of multiprocess metrics."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dependency_injector import providers

from entrypoints.container import Container
from entrypoints.logs import logging_config
from entrypoints.settings import Settings
from entrypoints.startup import prepare_database


def preflight(settings: Settings) -> Settings:
    """The start-up check of `entrypoints.startup`, run once here so that a schema behind
    the migrations stops `todo serve` with one line (in an app's lifespan it would end in
    uvicorn's traceback). Returns the settings for the app, which checks again without
    waiting for the database a second time."""
    if settings.persistence == "sql":
        asyncio.run(_prepare(settings))
    return settings.model_copy(update={"db_startup_wait": 0})


async def _prepare(settings: Settings) -> None:
    container = Container(settings=providers.Object(settings))
    engine = container.engine()
    try:
        await prepare_database(settings, container.connection_plan(), engine)
    finally:
        await engine.dispose()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's own access line stays off: `LOG_ACCESS` (`--access-log`) makes the app log
    one with the route template and request id instead. The lifespan is required ("on"):
    with uvicorn's "auto", a start-up that raises is logged as "unsupported" and the app
    serves without its engine."""
    return {
        "host": settings.host,
        "port": settings.port,
        "lifespan": "on",
        "access_log": False,
        "log_config": logging_config(settings),
        "log_level": settings.log_level.lower(),
    }


@contextmanager
def shared_metrics(settings: Settings) -> Iterator[None]:
    """For several workers: PROMETHEUS_MULTIPROC_DIR, set before they start (they read it
    when they import prometheus-client). A directory of this run's own unless one is set,
    removed when the server stops."""
    if settings.prometheus_multiproc_dir:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="todo-metrics-") as directory:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        try:
            yield
        finally:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def pass_to_workers(settings: Settings, original: Settings) -> None:
    """Workers build their settings from the environment: what this run decided goes there."""
    if settings.jwt_secret is not None and settings.jwt_secret != original.jwt_secret:
        os.environ["AUTH_JWT_SECRET"] = settings.jwt_secret
    os.environ["DB_STARTUP_WAIT"] = str(settings.db_startup_wait)
    if settings.log_access:
        os.environ["LOG_ACCESS"] = "true"
