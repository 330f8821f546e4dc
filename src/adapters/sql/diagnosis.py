"""Why the database failed, in words an operator acts on: one kind per cause, never a secret.

A driver error names its cause in many ways (an OSError errno, a SQLSTATE, an exception class
of asyncpg, aiosqlite or SQLAlchemy, wrapped two or three deep); `classify` walks the chain and
answers one `FailureKind`. The log, `/health/db`, the metrics and the `todo` command line all
speak these kinds.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator
from enum import StrEnum
from typing import Final

from sqlalchemy import exc as sa_exc


class FailureKind(StrEnum):
    """A cause of failure; the value is what people read, `slug` what metrics label."""

    REFUSED = "connection refused"
    HOST_NOT_FOUND = "host not found"
    TLS = "TLS refused"
    AUTH = "authentication failed"
    DATABASE_MISSING = "database missing"
    TIMEOUT = "timeout"
    SCHEMA_BEHIND = "schema behind"
    CONNECTION_LOST = "connection lost"
    TOO_MANY_CONNECTIONS = "too many connections"
    STARTING_UP = "database starting up"
    STATEMENT_TIMEOUT = "statement timeout"
    POOL_TIMEOUT = "pool timeout"
    BUSY = "database busy"
    CONFLICT = "serialization conflict"
    CIRCUIT_OPEN = "circuit open"
    OTHER = "unavailable"

    @property
    def slug(self) -> str:
        return self.name.lower()

    @property
    def hint(self) -> str:
        """What to do about it, for a one-line `todo: ...` message."""
        return _HINTS.get(self, "check DATABASE_URL and the database server")

    @property
    def transient(self) -> bool:
        """Whether waiting may cure it (a server starting, a network blip), as opposed to a
        setting that is wrong (credentials, database name, TLS)."""
        return self in _TRANSIENT

    @property
    def outage(self) -> bool:
        """Whether it means the database cannot be reached at all (what trips the circuit);
        a slow statement, a full pool or a conflict does not."""
        return self in _OUTAGE


_HINTS: Final = {
    FailureKind.REFUSED: "check DATABASE_URL's host and port, and that the server is running",
    FailureKind.HOST_NOT_FOUND: "check the host name in DATABASE_URL",
    FailureKind.TLS: "check sslmode and sslrootcert in DATABASE_URL",
    FailureKind.AUTH: "check the user and password in DATABASE_URL",
    FailureKind.DATABASE_MISSING: "create the database, or fix its name in DATABASE_URL",
    FailureKind.TIMEOUT: "check the network, or raise DB_CONNECT_TIMEOUT",
    FailureKind.SCHEMA_BEHIND: "run `todo db upgrade`",
    FailureKind.TOO_MANY_CONNECTIONS: "lower DB_POOL_SIZE or use the pooled (-pooler) host",
}
_TRANSIENT: Final = frozenset(
    {
        FailureKind.REFUSED,
        FailureKind.TIMEOUT,
        FailureKind.CONNECTION_LOST,
        FailureKind.TOO_MANY_CONNECTIONS,
        FailureKind.STARTING_UP,
    }
)
_OUTAGE: Final = _TRANSIENT | {
    FailureKind.HOST_NOT_FOUND,
    FailureKind.TLS,
    FailureKind.AUTH,
    FailureKind.DATABASE_MISSING,
}

_SQLSTATES: Final = {
    "28000": FailureKind.AUTH,
    "28P01": FailureKind.AUTH,
    "3D000": FailureKind.DATABASE_MISSING,
    "53300": FailureKind.TOO_MANY_CONNECTIONS,
    "57P03": FailureKind.STARTING_UP,
    "57014": FailureKind.STATEMENT_TIMEOUT,
    "57P01": FailureKind.CONNECTION_LOST,
    "57P02": FailureKind.CONNECTION_LOST,
    "40001": FailureKind.CONFLICT,
    "40P01": FailureKind.CONFLICT,
}
_SQLSTATE_CLASSES: Final = {
    "08": FailureKind.CONNECTION_LOST,
    "53": FailureKind.TOO_MANY_CONNECTIONS,
}
_MESSAGES: Final = (
    ("rejected ssl upgrade", FailureKind.TLS),
    ("ssl", FailureKind.TLS),
    ("certificate", FailureKind.TLS),
    ("connect call failed", FailureKind.REFUSED),
    ("connection refused", FailureKind.REFUSED),
    ("connection is closed", FailureKind.CONNECTION_LOST),
    ("connection was closed", FailureKind.CONNECTION_LOST),
    ("database is locked", FailureKind.BUSY),
    ("unable to open database file", FailureKind.DATABASE_MISSING),
)


def classify(error: BaseException) -> FailureKind:
    """The cause of `error`, looking through wrappers (`.orig`, `__cause__`, `__context__`)."""
    for link in _chain(error):
        kind = _kind_of(link)
        if kind is not FailureKind.OTHER:
            return kind
    return FailureKind.OTHER


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        link = pending.pop(0)
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        orig = getattr(link, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None]
        pending += [link.__cause__, link.__context__]


def _kind_of(error: BaseException) -> FailureKind:  # noqa: PLR0911  (a lookup table, in order)
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return _SQLSTATES.get(sqlstate) or _SQLSTATE_CLASSES.get(sqlstate[:2], FailureKind.OTHER)
    if isinstance(error, sa_exc.TimeoutError):
        return FailureKind.POOL_TIMEOUT
    if isinstance(error, socket.gaierror):
        return FailureKind.HOST_NOT_FOUND
    if isinstance(error, ssl.SSLError):
        return FailureKind.TLS
    if (
        isinstance(error, ConnectionRefusedError)
        or getattr(error, "errno", 0) == errno.ECONNREFUSED
    ):
        return FailureKind.REFUSED
    if isinstance(error, TimeoutError):
        return FailureKind.TIMEOUT
    if isinstance(error, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return FailureKind.CONNECTION_LOST
    return _by_message(error)


def _by_message(error: BaseException) -> FailureKind:
    text = str(error).lower()
    return next((kind for words, kind in _MESSAGES if words in text), FailureKind.OTHER)
