"""Driver errors turned into core errors, free of SQL text, URLs and secrets."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from sqlalchemy import exc as sa_exc

from adapters.sql.diagnosis import FailureKind, classify
from adapters.sql.tables import RECURRENCE_CHECK
from application.errors import StorageConflictError, StorageUnavailableError
from domain.errors import RecurrenceConflictError

log = logging.getLogger(__name__)

# SQLSTATE classes that mean "the database cannot serve now": 08 connection exception,
# 28 invalid authorization, 3D no such database, 53 insufficient resources (too many
# connections), 57 operator intervention (statement timeout 57014, shutdown, starting up).
_UNAVAILABLE_SQLSTATE_CLASSES: Final = ("08", "28", "3D", "53", "57")
# SQLite says so in words: a lock held past the busy timeout, or a file it cannot open.
_UNAVAILABLE_SQLITE: Final = ("database is locked", "unable to open database file")
_CONFLICT_SQLSTATES: Final = frozenset({"40001", "40P01"})


class DatabaseUnavailableError(StorageUnavailableError):
    """StorageUnavailableError with its classified cause (`kind`), for the circuit breaker,
    the metrics and `/health/db`; its message is the kind's words, nothing from the driver."""

    def __init__(self, kind: FailureKind, *, cause: FailureKind | None = None) -> None:
        self.kind = kind
        super().__init__(kind.value if cause is None else f"{kind.value} ({cause.value})")


class DatabaseConflictError(StorageConflictError):
    """A serialization failure or deadlock (SQLSTATE 40001, 40P01): the unit was rolled back."""

    kind = FailureKind.CONFLICT


@contextmanager
def translate_db_errors() -> Iterator[None]:
    """Around every statement and commit: outages and timeouts become
    DatabaseUnavailableError (a StorageUnavailableError), a serialization failure or deadlock
    StorageConflictError, a broken recurrence rule RecurrenceConflictError; anything else (a bug)
    propagates unchanged."""
    try:
        yield
    except sa_exc.IntegrityError as error:
        if RECURRENCE_CHECK in str(error.orig):
            raise RecurrenceConflictError.single(
                "recurring_pattern", "must be set exactly when recurring is true"
            ) from None
        raise
    except sa_exc.DBAPIError as error:
        if is_conflict(error):
            raise DatabaseConflictError from None
        if not _unavailable(error):
            raise
        kind = classify(error)
        log.warning("database unavailable: %s [%s]", kind, _describe(error))
        raise DatabaseUnavailableError(kind) from None
    except (OSError, sa_exc.TimeoutError) as error:  # refused, timed out, pool exhausted
        kind = classify(error)
        log.warning("database unavailable: %s [%s]", kind, type(error).__name__)
        raise DatabaseUnavailableError(kind) from None


def is_conflict(error: sa_exc.DBAPIError) -> bool:
    """A serialization failure or a deadlock: running the whole unit again may succeed."""
    return getattr(error.orig, "sqlstate", None) in _CONFLICT_SQLSTATES


def _unavailable(error: sa_exc.DBAPIError) -> bool:
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES
    message = str(error.orig)
    if any(text in message for text in _UNAVAILABLE_SQLITE):
        return True
    # No SQLSTATE: the driver's own refusal to connect (a TLS setting it cannot meet, ...).
    return classify(error) is not FailureKind.OTHER


def _describe(error: sa_exc.DBAPIError) -> str:
    """The error's class and SQLSTATE: enough to act on, never the statement or the URL."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    return f"{type(error.orig).__name__}" + (f" (SQLSTATE {sqlstate})" if sqlstate else "")


def never_sent(error: sa_exc.DBAPIError) -> bool:
    """Whether the driver refused to send a statement because its connection was already
    closed: the only failure after which a statement may be retried blindly."""
    return "connection is closed" in str(error.orig) and "InterfaceError" in type(
        error.orig
    ).__name__ + str(error.orig)
