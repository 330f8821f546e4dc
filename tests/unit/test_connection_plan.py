"""Database URLs are taken as users paste them; passwords never reach a log line."""

from __future__ import annotations

import logging

import pytest

from adapters.sql.engine import DEFAULT_SQLITE_URL, plan_connection

NEON = (
    "postgresql://alice:pw@ep-example-123456-pooler.region.aws.neon.tech/app"
    "?sslmode=require&channel_binding=require"
)


class TestConnectionPlan:
    def test_nothing_configured_means_the_sqlite_file(self) -> None:
        plan = plan_connection(None)
        assert plan.url.render_as_string() == DEFAULT_SQLITE_URL
        assert plan.is_sqlite

    def test_a_plain_sqlite_url_gets_the_async_driver(self) -> None:
        assert plan_connection("sqlite:///./data/x.db").url.drivername == "sqlite+aiosqlite"

    @pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg2"])
    def test_postgres_schemes_get_asyncpg(self, scheme: str) -> None:
        plan = plan_connection(f"{scheme}://u@localhost/db")
        assert plan.url.drivername == "postgresql+asyncpg"
        assert plan.pgbouncer is False

    def test_a_neon_pooler_string_works_as_pasted(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.INFO):
            plan = plan_connection(NEON)
        assert plan.url.drivername == "postgresql+asyncpg"
        assert plan.connect_args["dsn"] == "postgresql://?sslmode=require"
        assert plan.dropped == ("channel_binding",)
        assert plan.pgbouncer is True
        assert plan.connect_args["statement_cache_size"] == 0
        assert plan.url.query == {"prepared_statement_cache_size": "0"}
        # PgBouncer takes application_name but would refuse statement_timeout.
        assert plan.connect_args["server_settings"] == {"application_name": "todo-service"}
        assert "channel_binding" in caplog.text
        assert "alice:pw@" not in caplog.text

    def test_pooled_statements_get_unique_names(self) -> None:
        name = plan_connection(NEON).connect_args["prepared_statement_name_func"]
        assert name() != name()

    def test_a_direct_host_gets_a_server_side_statement_timeout(self) -> None:
        plan = plan_connection(
            "postgresql://u:p@ep-x.aws.neon.tech/db?connect_timeout=4", statement_timeout=12
        )
        assert plan.pgbouncer is False
        assert plan.connect_args["timeout"] == 4.0
        assert plan.connect_args["command_timeout"] == 12
        assert plan.connect_args["server_settings"]["statement_timeout"] == "12000"

    def test_pgbouncer_can_be_forced_either_way(self) -> None:
        assert plan_connection("postgresql://u@db/x", pgbouncer=True).pgbouncer is True
        assert plan_connection(NEON, pgbouncer=False).pgbouncer is False

    def test_the_safe_url_hides_the_password(self) -> None:
        assert "alice:pw@" not in plan_connection(NEON).safe_url

    def test_an_unknown_scheme_is_refused_without_echoing_the_url(self) -> None:
        with pytest.raises(ValueError, match="unsupported database URL scheme: mysql") as error:
            plan_connection("mysql://root:hunter2@db/x")
        assert "hunter2" not in str(error.value)
