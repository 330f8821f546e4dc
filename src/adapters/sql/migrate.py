"""Alembic driven from code: what `todo db upgrade|downgrade|current|revision` calls.

Plain typed arguments, no environment reading: the caller passes the database URL, as pasted
(`plan_connection` translates it inside the migration environment).

Every function here runs the async migration environment (`migrations/env.py`), which starts
its own event loop with `asyncio.run`. Call them from synchronous code only, never while an
event loop is running in the thread (an async handler, an async test); from async code, use
`await asyncio.to_thread(upgrade, url)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext, IncludeObjectFn, NameFilterType
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.schema import SchemaItem
from sqlmodel.sql.sqltypes import AutoString

from adapters.sql.engine import DEFAULT_SQLITE_URL
from adapters.sql.tables import UtcDateTime

MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")


def alembic_config(database_url: str | None, *, migrations_dir: Path = MIGRATIONS_DIR) -> Config:
    """An Alembic config for `migrations_dir` and `database_url` (no .ini file needed);
    None means the service's default SQLite file, as for `plan_connection`."""
    config = Config()
    # Config values go through configparser interpolation: a literal % must be doubled
    # (URL-encoded passwords such as p%40ss are common).
    config.set_main_option("script_location", _escaped(str(migrations_dir)))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", _escaped(database_url or DEFAULT_SQLITE_URL))
    return config


def upgrade(database_url: str | None, revision: str = "head") -> None:
    """Migrate the database up to `revision` (default: the latest)."""
    _require_no_running_loop()
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None, revision: str = "-1") -> None:
    """Migrate the database down to `revision` (default: one step; `base` undoes them all)."""
    _require_no_running_loop()
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str | None) -> str | None:
    """The revision the database is at; None before the first migration (or for no schema).

    Several heads (branched history) come back comma-separated.
    """
    _require_no_running_loop()
    config = alembic_config(database_url)
    script = ScriptDirectory.from_config(config)
    heads: list[str] = []

    def read_heads(_revision: Any, context: MigrationContext) -> Iterable[Any]:
        heads.extend(context.get_current_heads())
        return ()

    with EnvironmentContext(config, script, fn=read_heads, dont_mutate=True):
        script.run_env()
    return ",".join(sorted(heads)) or None


def revision(
    database_url: str | None,
    message: str,
    autogenerate: bool = True,
    *,
    migrations_dir: Path = MIGRATIONS_DIR,
) -> list[Path]:
    """Write a new revision file into `migrations_dir` (compared against the database at
    `database_url` when `autogenerate`), numbered after the head (0001, 0002, ...).
    Returns the paths written.

    Autogenerate output is a draft: review it (dialect-only DDL, data moves), then run
    `ruff check --fix` and `ruff format` on it, before committing.
    """
    _require_no_running_loop()
    config = alembic_config(database_url, migrations_dir=migrations_dir)
    written = command.revision(
        config,
        message=message,
        autogenerate=autogenerate,
        rev_id=_next_revision_id(ScriptDirectory.from_config(config)),
    )
    scripts = written if isinstance(written, list) else [written]
    return [Path(script.path) for script in scripts if script is not None]


def context_options(dialect_name: str) -> dict[str, Any]:
    """Options for `MigrationContext.configure` on `dialect_name`, shared by env.py and the
    schema checks in tests so both compare the metadata the same way."""
    return {
        "compare_type": True,
        "render_as_batch": dialect_name == "sqlite",
        "include_object": _exists_on(dialect_name),
        "render_item": _render_item,
    }


def _exists_on(dialect_name: str) -> IncludeObjectFn:
    """Leave out schema items the metadata creates only on other dialects (`.ddl_if(dialect=)`,
    such as the PostgreSQL-only GIN index on tags): Alembic knows nothing of `ddl_if`, and would
    otherwise report them missing on SQLite and autogenerate them there."""

    def include(
        item: SchemaItem,
        _name: str | None,
        _kind: NameFilterType,
        _reflected: bool,
        _compare_to: SchemaItem | None,
    ) -> bool:
        # SQLAlchemy keeps the ddl_if() arguments on `_ddl_if`; it has no public accessor.
        wanted = getattr(getattr(item, "_ddl_if", None), "dialect", None)
        if wanted is None:
            return True
        if isinstance(wanted, str):
            return wanted == dialect_name
        return dialect_name in wanted

    return include


def _render_item(kind: str, item: Any, context: AutogenContext) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy, so revisions import nothing from this
    package (an old revision must keep creating what it created, whatever tables.py becomes)."""
    if kind != "type":
        return False
    if isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(item, AutoString):
        return f"sa.String(length={item.length})" if item.length else "sa.String()"
    if isinstance(item, JSONB):
        # Alembic renders JSONB as `JSONB(astext_type=Text())`, a NameError, when the
        # comparison runs on SQLite (it sits in the tags column's PostgreSQL variant).
        context.imports.add("from sqlalchemy.dialects import postgresql")
        return "postgresql.JSONB()"
    return False


def _next_revision_id(script: ScriptDirectory) -> str | None:
    """Zero-padded numbers after the highest head; None (Alembic picks) off that scheme."""
    heads = script.get_heads()
    if not all(head.isdigit() for head in heads):
        return None
    return f"{max((int(head) for head in heads), default=0) + 1:04d}"


def _escaped(value: str) -> str:
    return value.replace("%", "%%")


def _require_no_running_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "adapters.sql.migrate runs its own event loop; call it from synchronous code "
        "(from async code: await asyncio.to_thread(...))"
    )
