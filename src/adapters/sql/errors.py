"""Driver errors turned into core errors, free of SQL text, URLs and secrets."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from adapters.sql.tables import RECURRENCE_CHECK
from application.errors import StorageUnavailableError
from domain.errors import InvalidTaskError

log = logging.getLogger(__name__)

_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,  # waiting for a pooled connection
    ConnectionError,
    TimeoutError,
    OSError,
)


@contextmanager
def translate_db_errors() -> Iterator[None]:
    """Around every statement and commit: outages become StorageUnavailableError, a broken
    recurrence rule becomes InvalidTaskError; anything else propagates unchanged."""
    try:
        yield
    except sa_exc.IntegrityError as error:
        if RECURRENCE_CHECK in str(error.orig):
            raise InvalidTaskError.single(
                "recurring_pattern", "must be set exactly when recurring is true"
            ) from None
        raise
    except sa_exc.DBAPIError as error:
        if error.connection_invalidated or isinstance(error, _UNAVAILABLE):
            log.warning("database unavailable: %s", type(error.orig).__name__)
            raise StorageUnavailableError from None
        raise
    except _UNAVAILABLE as error:
        log.warning("database unavailable: %s", type(error).__name__)
        raise StorageUnavailableError from None
