"""Logging: text or one JSON object a line (`LOG_FORMAT`), `LOG_LEVEL`, and the id of the
request being served on every line (`request_id`, set by the request middleware).

`logging_config` is a `dictConfig` dictionary, so `todo serve` hands the same configuration
to uvicorn, which applies it in every worker process.
"""

from __future__ import annotations

import logging
import logging.config
import sys
from contextvars import ContextVar
from typing import IO, Any, Final

from entrypoints.settings import Settings

request_id: ContextVar[str] = ContextVar("request_id", default="-")
"""The id of the request this task serves (`-` outside a request)."""

ACCESS_LOGGER: Final = "todo.access"
_TEXT: Final = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_JSON_FIELDS: Final = "%(levelname)s %(name)s %(request_id)s %(message)s"


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes (as logging's last resort
    does), not to the stream it was when logging was configured."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (`%(request_id)s`, JSON `request_id`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def logging_config(settings: Settings, *, stream: IO[str] | None = None) -> dict[str, Any]:
    """The whole configuration: one handler on the root logger; uvicorn's loggers and ours
    propagate to it. uvicorn's own access line stays off: `todo.access` replaces it."""
    formatter: dict[str, Any] = {"format": _TEXT}
    if settings.log_as_json:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": _JSON_FIELDS,
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
        }
    handler: dict[str, Any] = {"()": StderrHandler}
    if stream is not None:
        handler = {"class": "logging.StreamHandler", "stream": stream}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {**handler, "formatter": "default", "filters": ["request_id"]},
        },
        "root": {"handlers": ["default"], "level": settings.log_level},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure_logging(settings: Settings, *, stream: IO[str] | None = None) -> None:
    logging.config.dictConfig(logging_config(settings, stream=stream))
