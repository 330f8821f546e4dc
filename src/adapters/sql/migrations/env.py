"""Alembic environment, async: migrations run on the same driver the service uses.

The caller sets `sqlalchemy.url` (see `adapters.sql.migrate.alembic_config`); nothing is read
from the environment here. The URL goes through `plan_connection`, so a URL pasted as the
service takes it (`postgresql://...?sslmode=require`, a Neon `-pooler` host) works here too.
"""

from __future__ import annotations

import asyncio
from typing import Final

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.sql.engine import ConnectionPlan, plan_connection
from adapters.sql.migrate import context_options
from adapters.sql.tables import metadata

# The service's 30 s statement timeout would cut a long index build short.
STATEMENT_TIMEOUT_S: Final = 15 * 60
# pg_advisory_xact_lock key shared by every migration run of this service ("todo" in ASCII).
MIGRATION_LOCK_ID: Final = 0x746F646F

config = context.config
target_metadata = metadata


def connection_plan() -> ConnectionPlan:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "sqlalchemy.url is not set: build the Alembic config with "
            "adapters.sql.migrate.alembic_config(database_url)"
        )
    return plan_connection(url, statement_timeout=STATEMENT_TIMEOUT_S)


def run_migrations_offline() -> None:
    """Write the SQL instead of running it (`--sql`); no connection is made."""
    plan = connection_plan()
    context.configure(
        url=plan.url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(plan.url.get_backend_name()),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        **context_options(connection.dialect.name),
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas that start together (DB_AUTO_CREATE) or two `todo db upgrade` runs
            # take turns: the lock lasts until this transaction ends, and the second reads
            # the revision only once it holds the lock, so it finds nothing left to do. A
            # transaction-level lock, so it holds behind PgBouncer in transaction mode too.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        context.run_migrations()


async def run_async_migrations(plan: ConnectionPlan) -> None:
    engine = create_async_engine(plan.url, connect_args=plan.connect_args, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    asyncio.run(run_async_migrations(connection_plan()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
