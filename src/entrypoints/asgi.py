"""The app for any ASGI server, from an import string: settings from the environment,
a container built from them. Workers share nothing but the database.

    uvicorn --factory entrypoints.asgi:create_app_from_settings --workers 4
    gunicorn -k uvicorn.workers.UvicornWorker 'entrypoints.asgi:create_app_from_settings()'
"""

from __future__ import annotations

from dependency_injector import providers
from fastapi import FastAPI

from entrypoints.api.app import create_app
from entrypoints.container import Container
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings


def create_app_from_settings() -> FastAPI:
    """A fresh app whose container is built from `Settings()` (environment and `.env`);
    logging as LOG_FORMAT and LOG_LEVEL say, whichever server imported it."""
    settings = Settings()
    configure_logging(settings)
    return create_app(Container(settings=providers.Object(settings)))
