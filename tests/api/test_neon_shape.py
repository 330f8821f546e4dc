"""The service on a Neon-shaped endpoint: PgBouncer in transaction mode requiring TLS, a
certificate made for the run, and the URL as Neon's console shows it
(`?sslmode=require&channel_binding=require`). The contract suite runs through it too
(`tests/contract`, adapter `pgbouncer-tls`); here, the HTTP API under concurrent load."""

from __future__ import annotations

import asyncio

import pytest

from tests.api.conftest import running_api, settings_for
from tests.api.test_sql_app import check_a_recurring_task_walk
from tests.pgbouncer_tls import NEON_PASSWORD, TlsPgBouncer

pytestmark = pytest.mark.pgbouncer

CREATES = 200
CONCURRENCY = 25


async def test_the_api_serves_a_concurrent_load_through_the_tls_pooler(
    postgres_schema: str, pgbouncer_tls: TlsPgBouncer
) -> None:
    settings = settings_for(
        persistence="sql", database_url=pgbouncer_tls.neon_url(), db_pgbouncer="true"
    )
    async with running_api(settings) as api:
        await check_a_recurring_task_walk(api)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def create(number: int) -> int:
            async with gate:
                response = await api.client.post(
                    api.tasks, json={"title": f"Load {number}"}, headers=api.auth()
                )
            return response.status_code

        statuses = await asyncio.gather(*(create(number) for number in range(CREATES)))
        titles: set[str] = set()
        url: str | None = f"{api.tasks}?limit=100&sort=created_at"
        while url is not None:
            page = await api.client.get(url, headers=api.auth())
            titles |= {task["title"] for task in page.json()}
            url = page.links.get("next", {}).get("url")
        health = (await api.client.get("/health/db")).json()
    assert statuses == [201] * CREATES
    assert {f"Load {number}" for number in range(CREATES)} <= titles
    assert health["status"] == "healthy"


async def test_verify_full_with_the_run_s_certificate_connects(
    postgres_schema: str, pgbouncer_tls: TlsPgBouncer
) -> None:
    url = pgbouncer_tls.neon_url(sslmode="verify-full", sslrootcert=str(pgbouncer_tls.certificate))
    settings = settings_for(persistence="sql", database_url=url, db_pgbouncer="true")
    async with running_api(settings) as api:
        await api.create(title="Over verified TLS")
        assert (await api.client.get("/health/db")).status_code == 200


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"sslmode": "disable"}, "TLS refused"),  # the pooler requires TLS
        ({"sslmode": "verify-full"}, "TLS refused"),  # a certificate no system CA signed
    ],
)
async def test_a_tls_mismatch_is_named_in_health(
    postgres_schema: str, pgbouncer_tls: TlsPgBouncer, query: dict[str, str], reason: str
) -> None:
    settings = settings_for(
        persistence="sql",
        database_url=pgbouncer_tls.neon_url(**query),
        db_pgbouncer="true",
        db_startup_wait=0,
    )
    async with running_api(settings) as api:
        response = await api.client.get("/health/db")
    assert response.status_code == 503
    assert response.json()["error"] == reason
    assert NEON_PASSWORD not in response.text
