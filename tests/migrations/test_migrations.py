"""Migrations build exactly the schema `metadata` describes, and take it all down again.

Alembic's commands run their own event loop (`asyncio.run` in env.py), so these tests are
plain synchronous functions, and they inspect the database from a private loop too.
"""

from __future__ import annotations

import ast
import asyncio
import io
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata, produce_migrations, render_python_code
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.sql import migrate
from adapters.sql.engine import plan_connection
from adapters.sql.tables import metadata
from tests.databases import asyncpg_url, create_postgres_database, drop_postgres_database

T = TypeVar("T")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'todo.db'}"


@pytest.fixture
def empty_postgres_url(postgres_database_name: str) -> Iterator[str]:
    """A throw-away database of its own: the session database gets tables from other tests.

    Asking for `postgres_database_name` applies the suite's policy when PostgreSQL is
    unreachable: skip locally, fail with CI=true.
    """
    name = create_postgres_database()
    try:
        yield asyncpg_url(name)
    finally:
        drop_postgres_database(name)


@pytest.fixture(
    params=[
        pytest.param("sqlite_url", id="sqlite"),
        pytest.param("empty_postgres_url", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(request.param)
    return url


def on_database(url: str, look: Callable[[Connection], T]) -> T:
    """Run `look` on a connection to `url`, in a private event loop."""
    plan = plan_connection(url)

    async def run() -> T:
        engine = create_async_engine(plan.url, connect_args=plan.connect_args, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(look)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def schema_differences(connection: Connection) -> list[Any]:
    options = migrate.context_options(connection.dialect.name)
    context = MigrationContext.configure(connection, opts=options)
    differences: list[Any] = compare_metadata(context, metadata)
    return differences


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def check_constraint_names(connection: Connection) -> dict[str, set[str | None]]:
    inspector = inspect(connection)
    return {
        table: {check["name"] for check in inspector.get_check_constraints(table)}
        for table in metadata.tables
    }


def tags_indexes(connection: Connection) -> dict[str | None, Any]:
    """Indexes on tasks.tags: name to access method (None when the dialect has no choice)."""
    return {
        index["name"]: index.get("dialect_options", {}).get("postgresql_using")
        for index in inspect(connection).get_indexes("tasks")
        if index["column_names"] == ["tags"]
    }


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()


class TestUpgrade:
    def test_upgrading_an_empty_database_builds_exactly_the_metadata_schema(
        self, database_url: str
    ) -> None:
        migrate.upgrade(database_url)

        assert on_database(database_url, schema_differences) == []

    def test_upgrading_creates_the_check_constraints_of_the_metadata(
        self, database_url: str
    ) -> None:
        # Alembic's comparison leaves CHECK constraints out, so they are compared here.
        expected = {
            table.name: {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            for table in metadata.tables.values()
        }

        migrate.upgrade(database_url)

        assert on_database(database_url, check_constraint_names) == expected

    def test_the_database_reports_the_head_revision_after_upgrading(
        self, database_url: str
    ) -> None:
        migrate.upgrade(database_url)

        assert migrate.current(database_url) == head_revision(database_url)

    def test_an_empty_database_has_no_revision(self, database_url: str) -> None:
        assert migrate.current(database_url) is None

    @pytest.mark.postgres
    def test_postgresql_gets_a_gin_index_on_tags(self, empty_postgres_url: str) -> None:
        migrate.upgrade(empty_postgres_url)

        indexes = on_database(empty_postgres_url, tags_indexes)

        assert indexes == {"ix_tasks_tags": "gin"}

    def test_sqlite_gets_no_index_on_tags(self, sqlite_url: str) -> None:
        migrate.upgrade(sqlite_url)

        assert on_database(sqlite_url, tags_indexes) == {}


class TestDowngrade:
    def test_downgrading_to_base_leaves_only_the_version_table(self, database_url: str) -> None:
        migrate.upgrade(database_url)

        migrate.downgrade(database_url, "base")

        assert on_database(database_url, table_names) <= {"alembic_version"}
        assert migrate.current(database_url) is None

    def test_upgrading_again_after_a_full_downgrade_rebuilds_the_schema(
        self, database_url: str
    ) -> None:
        migrate.upgrade(database_url)
        migrate.downgrade(database_url, "base")

        migrate.upgrade(database_url)

        assert on_database(database_url, schema_differences) == []


def autogenerated_upgrade(connection: Connection) -> str:
    """The body of upgrade() in a revision autogenerated against this database."""
    options = migrate.context_options(connection.dialect.name)
    context = MigrationContext.configure(connection, opts=options)
    script = produce_migrations(context, metadata)
    code: str = render_python_code(
        script.upgrade_ops_list[0], render_item=options["render_item"], migration_context=context
    )
    return code


class TestRevision:
    def test_autogenerated_code_uses_only_sqlalchemy_alembic_and_the_postgresql_dialect(
        self, database_url: str
    ) -> None:
        # Revisions must not import the adapter: old ones would change with tables.py.
        code = on_database(database_url, autogenerated_upgrade)

        # Alembic indents every line but the first, for the script template's upgrade().
        module = ast.parse(f"def upgrade():\n    {code}")
        names = {node.id for node in ast.walk(module) if isinstance(node, ast.Name)}
        assert names <= {"sa", "op", "postgresql"}
        assert "sa.DateTime(timezone=True)" in code
        assert "postgresql.JSONB()" in code

    def test_a_new_revision_is_numbered_after_the_head_and_empty_without_changes(
        self, sqlite_url: str, tmp_path: Path
    ) -> None:
        # A copy of the migrations folder: tests never write into the source tree.
        migrations = tmp_path / "migrations"
        shutil.copytree(
            migrate.MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__")
        )
        migrate.upgrade(sqlite_url)

        written = migrate.revision(sqlite_url, "nothing changed", migrations_dir=migrations)

        assert [path.name for path in written] == ["0005_nothing_changed.py"]
        text = written[0].read_text()
        assert "down_revision: str | Sequence[str] | None = '0004'" in text
        assert "op." not in text


class TestOfflineMode:
    """`--sql` mode writes the script without connecting (the hosts here do not exist)."""

    @staticmethod
    def upgrade_script(url: str) -> str:
        config = migrate.alembic_config(url)
        config.output_buffer = io.StringIO()
        command.upgrade(config, "head", sql=True)
        return config.output_buffer.getvalue()

    def test_the_postgresql_script_builds_the_gin_index(self) -> None:
        script = self.upgrade_script("postgresql://todo@db.invalid/todo?sslmode=require")

        assert "CREATE TABLE tasks" in script
        assert "CREATE INDEX ix_tasks_tags ON tasks USING gin (tags)" in script

    def test_the_sqlite_script_has_no_index_on_tags(self, tmp_path: Path) -> None:
        script = self.upgrade_script(f"sqlite:///{tmp_path / 'never-created.db'}")

        assert "CREATE TABLE tasks" in script
        assert "ix_tasks_tags" not in script
        assert not (tmp_path / "never-created.db").exists()


class TestConfig:
    def test_percent_signs_in_the_url_survive_the_config(self) -> None:
        url = "postgresql://todo:p%40ss%25word@db.example/todo?sslmode=require"

        config = migrate.alembic_config(url)

        assert config.get_main_option("sqlalchemy.url") == url

    async def test_commands_refuse_to_run_inside_an_event_loop(self, sqlite_url: str) -> None:
        with pytest.raises(RuntimeError, match="synchronous code"):
            migrate.upgrade(sqlite_url)
