"""The app on real databases: SQLite by default, PostgreSQL direct and through PgBouncer,
and a database that cannot be reached."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters.sql import migrate
from tests.api.conftest import Api, running_api, settings_for


async def check_a_recurring_task_walk(api: Api) -> None:
    created = await api.create(
        title="Water plants", recurring=True, recurring_pattern="daily", due_date="2027-01-31"
    )
    url = f"{api.tasks}/{created['id']}"
    done = await api.client.patch(f"{url}/complete", json={"completed": True}, headers=api.auth())
    assert done.status_code == 200
    assert 'rel="next-occurrence"' in done.headers["Link"]
    listed = await api.client.get(f"{api.tasks}?status=pending", headers=api.auth())
    assert [task["due_date"] for task in listed.json()] == ["2027-02-01T00:00:00Z"]
    stale = await api.client.patch(
        url, json={"title": "Lost"}, headers={**api.auth(), "If-Match": '"1"'}
    )
    assert stale.status_code == 412


class TestOnSqlite:
    async def test_the_default_sql_adapter_creates_its_tables_and_serves(
        self, tmp_path: Path
    ) -> None:
        settings = settings_for(persistence="sql", database_url=f"sqlite:///{tmp_path / 'a.db'}")
        async with running_api(settings) as api:
            await check_a_recurring_task_walk(api)

    async def test_auto_create_leaves_the_database_at_the_alembic_head(
        self, tmp_path: Path
    ) -> None:
        url = f"sqlite:///{tmp_path / 'c.db'}"
        async with running_api(settings_for(persistence="sql", database_url=url)):
            pass
        assert await asyncio.to_thread(migrate.current, url) == "0004"

    async def test_tasks_outlive_a_restart(self, tmp_path: Path) -> None:
        settings = settings_for(persistence="sql", database_url=f"sqlite:///{tmp_path / 'b.db'}")
        async with running_api(settings) as api:
            created = await api.create(title="Persist me")
            user_id = api.user_id
        async with running_api(settings, user_id) as api:
            response = await api.client.get(f"{api.tasks}/{created['id']}", headers=api.auth())
        assert response.json() == created


@pytest.mark.postgres
async def test_the_app_runs_on_postgresql(postgres_schema: str) -> None:
    async with running_api(settings_for(persistence="sql", database_url=postgres_schema)) as api:
        await check_a_recurring_task_walk(api)


@pytest.mark.pgbouncer
async def test_the_app_runs_through_pgbouncer(
    postgres_schema: str, pgbouncer_database: str
) -> None:
    settings = settings_for(persistence="sql", database_url=pgbouncer_database, db_pgbouncer="true")
    async with running_api(settings) as api:
        await check_a_recurring_task_walk(api)


class TestDatabaseOutage:
    async def test_an_unreachable_database_gives_a_clean_503(self) -> None:
        settings = settings_for(
            persistence="sql",
            database_url="postgresql://todo:s3cret-pw@127.0.0.1:1/todo?sslmode=disable",
            db_connect_timeout=2,
            db_startup_wait=0,  # start at once (the default waits for a waking database)
        )
        async with running_api(settings) as api:
            response = await api.client.get(api.tasks, headers=api.auth())
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["Retry-After"]) > 0
        assert "s3cret" not in response.text
        assert "127.0.0.1" not in response.text
