"""A database outage under steady load, through a TCP proxy that cuts every connection and
refuses new ones for several seconds: requests fail fast with 503 and Retry-After (far under
the pool timeout), `/health/db` says why, the service recovers by itself, and every write
answered 2xx is in the database."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
import pytest

from tests.api.conftest import Api, running_api, settings_for
from tests.databases import postgres_host, postgres_port, postgres_user
from tests.faults import FaultProxy

pytestmark = pytest.mark.postgres
log = logging.getLogger(__name__)

WORKERS = 8
STEADY_S = 1.0
OUTAGE_S = 4.0
AFTER_S = 4.0
FAST_S = 1.5  # an answer during the outage comes within this (the pool timeout is 30 s)


@dataclass
class Answer:
    started: float
    seconds: float
    status: int
    retry_after: str | None
    task_id: int | None


@dataclass
class Load:
    api: Api
    answers: list[Answer] = field(default_factory=list)
    running: bool = True

    async def worker(self, number: int) -> None:
        sent = 0
        while self.running:
            sent += 1
            started = time.monotonic()
            response = await self.api.client.post(
                self.api.tasks, json={"title": f"w{number}-{sent}"}, headers=self.api.auth()
            )
            task_id = response.json()["id"] if response.status_code == 201 else None
            self.answers.append(
                Answer(
                    started,
                    time.monotonic() - started,
                    response.status_code,
                    response.headers.get("Retry-After"),
                    task_id,
                )
            )
            await asyncio.sleep(0.01)


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    fault = FaultProxy(postgres_host(), postgres_port())
    await fault.start()
    yield fault
    await fault.stop()


async def stored_ids(database: str, user_id: str) -> set[int]:
    connection = await asyncpg.connect(
        host=postgres_host(), port=postgres_port(), user=postgres_user(), database=database
    )
    try:
        rows = await connection.fetch("SELECT id FROM tasks WHERE user_id = $1", user_id)
    finally:
        await connection.close()
    return {row["id"] for row in rows}


def report(
    answers: list[Answer], during: list[Answer], recovered_in: float, acknowledged: set[int]
) -> None:
    """The measurements, for the record (`pytest -o log_cli=true` shows them)."""
    latencies = sorted(a.seconds for a in during)
    log.warning(
        "outage measured: %s",
        json.dumps(
            {
                "requests": len(answers),
                "during_outage": len(during),
                "during_max_ms": round(latencies[-1] * 1000, 1),
                "during_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
                "recovered_in_s": round(recovered_in, 2),
                "writes_acknowledged": len(acknowledged),
            }
        ),
    )


async def test_an_outage_is_answered_fast_survived_and_loses_no_acknowledged_write(
    postgres_schema: str, proxy: FaultProxy
) -> None:
    database = postgres_schema.rsplit("/", 1)[1]
    settings = settings_for(
        persistence="sql",
        database_url=proxy.url(database, postgres_user()),
        db_connect_timeout=2,
        db_health_timeout=1,
    )
    async with running_api(settings) as api:
        load = Load(api)
        workers = [asyncio.create_task(load.worker(n)) for n in range(WORKERS)]
        await asyncio.sleep(STEADY_S)
        cut_at = time.monotonic()
        await proxy.cut()
        await asyncio.sleep(OUTAGE_S / 2)
        health = await api.client.get("/health/db")
        await asyncio.sleep(OUTAGE_S / 2)
        restored_at = time.monotonic()
        await proxy.restore()
        await asyncio.sleep(AFTER_S)
        load.running = False
        await asyncio.gather(*workers)
        healthy = await api.client.get("/health/db")

    during = [
        a for a in load.answers if cut_at + 0.1 < a.started and a.started + a.seconds < restored_at
    ]
    after = [a for a in load.answers if a.started >= restored_at]
    first_ok = min(a.started + a.seconds for a in after if a.status == 201)
    recovered_in = first_ok - restored_at
    acknowledged = {a.task_id for a in load.answers if a.task_id is not None}
    report(load.answers, during, recovered_in, acknowledged)
    assert during, "no request ran during the outage"
    assert {a.status for a in during} == {503}
    assert all(a.retry_after is not None and int(a.retry_after) > 0 for a in during)
    assert max(a.seconds for a in during) < FAST_S
    assert health.status_code == 503
    assert health.json()["error"] == "connection refused"
    assert recovered_in < 3.5  # a probe is due within MAX_OPEN_S (2 s, plus jitter)
    settled = [a for a in after if a.started > first_ok + 0.5]
    assert settled
    assert {a.status for a in settled} == {201}
    assert healthy.status_code == 200
    assert acknowledged <= await stored_ids(database, api.user_id)


async def test_a_partition_opens_the_circuit_so_requests_stop_waiting_on_the_connect_timeout(
    postgres_schema: str, proxy: FaultProxy
) -> None:
    """New connections hang (no refusal to notice): without the circuit breaker every
    request would wait the 1 s connect timeout; with it only the few that trip it, and a
    probe now and then, do. Recovery takes up to a probe's timeout plus the open interval."""
    database = postgres_schema.rsplit("/", 1)[1]
    settings = settings_for(
        persistence="sql", database_url=proxy.url(database, postgres_user()), db_connect_timeout=1
    )
    async with running_api(settings) as api:
        load = Load(api)
        workers = [asyncio.create_task(load.worker(n)) for n in range(WORKERS)]
        await asyncio.sleep(0.5)
        hung_at = time.monotonic()
        await proxy.hang()
        await asyncio.sleep(5.0)
        restored_at = time.monotonic()
        await proxy.restore()
        await asyncio.sleep(5.0)
        load.running = False
        await asyncio.gather(*workers)

    during = [a for a in load.answers if hung_at + 1.5 < a.started and a.started < restored_at]
    slow = [a for a in during if a.seconds >= 0.8]
    assert during
    assert {a.status for a in during} == {503}
    assert len(slow) <= 3, f"{len(slow)} of {len(during)} requests waited on a connect"
    late = [a for a in load.answers if a.started > restored_at + 4.2]
    assert late
    assert {a.status for a in late} == {201}
