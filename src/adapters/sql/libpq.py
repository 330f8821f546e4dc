"""libpq URI query parameters, translated into what asyncpg takes.

A URL pasted from a provider's console (`postgresql:///db?host=...&user=...&sslmode=verify-full
&sslrootcert=...&options=-c%20search_path%3Dapp`) must connect exactly as `psql` would:

- `host`, `port`, `user`, `password`, `dbname` fill the URL's own parts (the query wins, as
  in libpq); a `host` that is a directory is a Unix socket, as in libpq.
- `connect_timeout` becomes asyncpg's `timeout`; `application_name` and `options` become
  startup parameters (`server_settings`), where PostgreSQL reads them.
- The TLS and session parameters asyncpg implements itself, with libpq's meaning (`sslmode`
  including `verify-ca`/`verify-full` with `sslrootcert`, client certificates, CRLs, protocol
  bounds, `target_session_attrs`, Kerberos, `passfile`) go to asyncpg's own libpq parser
  through a query-only `dsn`, so their semantics are asyncpg's, not a re-implementation.
- Anything else (`channel_binding`, `gssencmode`, ...) is returned as dropped; the caller logs
  the option names, never their values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

from sqlalchemy import URL

# Parameters asyncpg's DSN parser implements with libpq's meaning (asyncpg.connect_utils).
DSN_PARAMETERS: Final = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "sslnegotiation",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "target_session_attrs",
    "krbsrvname",
    "gsslib",
    "passfile",
)
STARTUP_PARAMETERS: Final = ("application_name", "options")
_URL_PARTS: Final = {
    "host": "host",
    "port": "port",
    "user": "username",
    "password": "password",
    "dbname": "database",
}
DEFAULT_APPLICATION_NAME: Final = "todo-service"


@dataclass(frozen=True, slots=True)
class LibpqQuery:
    """A URL's query, sorted into URL parts, asyncpg arguments, startup parameters, dropped."""

    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)
    startup: dict[str, str] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()


def translate(url: URL) -> LibpqQuery:
    """Sort `url`'s query; the URL comes back without a query."""
    query = {name: _last(value) for name, value in url.query.items()}
    url = _with_parts(url.set(query={}), query)
    args: dict[str, Any] = {}
    timeout = _seconds(query.pop("connect_timeout", "0"))
    if timeout:
        args["timeout"] = timeout
    dsn: dict[str, str] = {name: query.pop(name) for name in DSN_PARAMETERS if name in query}
    if dsn:
        # Only the query: host, user and the rest come from the URL, and asyncpg lets
        # explicit arguments win over the DSN, so nothing is said twice.
        args["dsn"] = "postgresql://?" + urlencode(dsn)
    startup = {"application_name": DEFAULT_APPLICATION_NAME}
    startup |= {name: query.pop(name) for name in STARTUP_PARAMETERS if name in query}
    return LibpqQuery(url, args, startup, tuple(sorted(query)))


def _with_parts(url: URL, query: dict[str, str]) -> URL:
    parts: dict[str, Any] = {
        attribute: query.pop(name) for name, attribute in _URL_PARTS.items() if name in query
    }
    if "port" in parts:
        parts["port"] = _port(parts["port"])
    return url.set(**parts) if parts else url


def _last(value: str | tuple[str, ...]) -> str:
    """libpq takes the last of a repeated parameter."""
    return value if isinstance(value, str) else value[-1]


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:  # noqa: PLR2004
        raise ValueError("the port in DATABASE_URL must be a number from 1 to 65535")
    return int(text)


def _seconds(text: str) -> float | None:
    """libpq's connect_timeout; zero or less (libpq: wait forever) keeps the configured
    bound, as nothing here waits forever."""
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError("connect_timeout in DATABASE_URL must be a number of seconds") from None
    return seconds if seconds > 0 else None
