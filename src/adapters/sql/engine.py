"""Engine factory: URLs as users paste them, PgBouncer-safe asyncpg, SQLite in WAL mode."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from uuid import uuid4

import orjson
from sqlalchemy import URL, Connection, event, make_url
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from adapters.sql.libpq import translate
from adapters.sql.tables import metadata

log = logging.getLogger(__name__)

DEFAULT_SQLITE_URL: Final = "sqlite+aiosqlite:///./data/todo.db"
SQLITE_BUSY_TIMEOUT_MS: Final = 5000
TRANSACTIONAL: Final = "READ COMMITTED"  # PostgreSQL's default isolation

_POSTGRES_SCHEMES: Final = {"postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"}
_SQLITE_SCHEMES: Final = {"sqlite", "sqlite+pysqlite"}


@dataclass(frozen=True, slots=True)
class ConnectionPlan:
    """What a pasted URL becomes: the driver URL, driver arguments and the options dropped."""

    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict, repr=False)  # sslpassword
    pgbouncer: bool = False
    dropped: tuple[str, ...] = ()

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def safe_url(self) -> str:
        """The URL with its password masked, fit for logs."""
        return self.url.render_as_string(hide_password=True)


def plan_connection(
    raw_url: str | None,
    *,
    pgbouncer: bool | None = None,
    connect_timeout: float = 10,
    statement_timeout: float = 30,
) -> ConnectionPlan:
    """Translate a SQLAlchemy- or libpq-style URL into asyncpg/aiosqlite terms (libpq's
    query parameters: see `adapters.sql.libpq`).

    `pgbouncer=None` means auto: on for Neon's `-pooler` hosts. Behind PgBouncer in
    transaction mode, asyncpg gets no statement cache and unique prepared-statement names,
    and no `statement_timeout` startup parameter (the pooler would refuse it); the statement
    timeout is then enforced by asyncpg's `command_timeout` alone.
    """
    url = _parsed(raw_url or DEFAULT_SQLITE_URL)
    if url.drivername in _SQLITE_SCHEMES | {"sqlite+aiosqlite"}:
        return _plan_sqlite(url.set(drivername="sqlite+aiosqlite"))
    if url.drivername not in _POSTGRES_SCHEMES | {"postgresql+asyncpg"}:
        raise ValueError(f"unsupported database URL scheme: {url.drivername}")
    libpq = translate(url.set(drivername="postgresql+asyncpg"))
    url = libpq.url
    behind_pooler = "-pooler" in (url.host or "") if pgbouncer is None else pgbouncer
    args: dict[str, Any] = {"timeout": connect_timeout, "command_timeout": statement_timeout}
    args |= libpq.connect_args
    settings = dict(libpq.startup)
    if behind_pooler:
        args["statement_cache_size"] = 0
        args["prepared_statement_name_func"] = _unique_statement_name
        url = url.update_query_dict({"prepared_statement_cache_size": "0"})
    else:
        settings["statement_timeout"] = str(int(statement_timeout * 1000))
    args["server_settings"] = settings
    dropped = libpq.dropped
    if dropped:
        log.info("ignoring URL options asyncpg cannot honour: %s", ", ".join(dropped))
    return ConnectionPlan(url=url, connect_args=args, pgbouncer=behind_pooler, dropped=dropped)


def _parsed(raw_url: str) -> URL:
    try:
        return make_url(raw_url)
    except (sa_exc.ArgumentError, ValueError):
        # SQLAlchemy's message may repeat the URL, password included.
        raise ValueError("DATABASE_URL is not a database URL (scheme://...)") from None


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid4()}__"


def _plan_sqlite(url: URL) -> ConnectionPlan:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    return ConnectionPlan(url=url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})


def build_engine(
    plan: ConnectionPlan,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 30,
    pool_recycle: int = 300,
    pool_pre_ping: bool = False,
    echo: bool = False,
) -> AsyncEngine:
    """An engine for `plan`, with the pool sized and timed as configured.

    No pre-ping by default: it costs a round trip (three behind PgBouncer) on every checkout.
    A connection the server closed while it sat in the pool (Neon suspending an idle compute,
    a PgBouncer restart) is seen as closed by the driver without asking the server, and the
    pool replaces it at checkout.
    """
    pool: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "pool_timeout": pool_timeout,
        "pool_recycle": pool_recycle,
        "pool_pre_ping": pool_pre_ping and not plan.is_sqlite,
    }
    if plan.is_sqlite and plan.url.database in (None, "", ":memory:"):
        pool = {}  # one shared in-memory database: SQLAlchemy's StaticPool, nothing to size
    if not plan.is_sqlite:
        # Connections come out of the pool in autocommit, so a one-statement unit of work
        # sends no BEGIN/COMMIT; units of several statements switch to TRANSACTIONAL.
        pool["isolation_level"] = "AUTOCOMMIT"
    engine = create_async_engine(
        plan.url,
        connect_args=plan.connect_args,
        echo=echo,
        hide_parameters=True,
        json_serializer=_json_text,
        json_deserializer=orjson.loads,
        **pool,
    )
    if plan.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    else:
        event.listen(engine.sync_engine.pool, "checkout", _refuse_closed)
    log.info("database: %s%s", plan.safe_url, " (via PgBouncer)" if plan.pgbouncer else "")
    return engine


def _refuse_closed(
    _dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """A pooled asyncpg connection whose socket the server closed is replaced (the pool
    retries the checkout), at no cost in round trips."""
    is_closed = getattr(record.driver_connection, "is_closed", None)
    if is_closed is not None and is_closed():
        raise sa_exc.DisconnectionError("connection closed while idle in the pool")


def _sqlite_begin(connection: Connection) -> None:
    """SQLAlchemy's recipe for real SQLite transactions (savepoints need them): the driver's
    own implicit BEGIN is off (`isolation_level = None`), so the transaction starts here."""
    connection.exec_driver_sql("BEGIN")


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    """WAL lets readers run beside the writer; the busy timeout waits out short locks."""
    dbapi_connection.isolation_level = None  # see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # SQLite's own lower() folds ASCII only; text search uses this one instead.
    dbapi_connection.create_function(SQLITE_LOWER, 1, _lower, deterministic=True)


SQLITE_LOWER: Final = "unicode_lower"


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


async def create_schema(engine: AsyncEngine) -> None:
    """Create missing tables (DB_AUTO_CREATE); Alembic owns real schema changes."""
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
