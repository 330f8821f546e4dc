"""Benchmark: does a deep keyset page cost what the first page costs? (prints figures)

Seeds one user with N tasks in a throw-away PostgreSQL database, then times the list
query of the SQL adapter for the first page and for a page deep in the list, per sort key.

    .venv/bin/python bench/list_pages.py [--tasks 100000] [--url postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import asyncpg
from sqlalchemy import text

from adapters.sql.engine import build_engine, build_sessionmaker, create_schema, plan_connection
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.listing import Keyset, TaskQuery, TaskSort

SORTS = ("-created_at", "created_at", "due_date", "-due_date", "-priority", "title", "-updated_at")
SEED = """
INSERT INTO tasks (user_id, title, title_key, description, priority, tags, due_date, recurring,
                   recurring_pattern, completed, completed_at, created_at, updated_at, version,
                   completion_version)
SELECT :user, 'Task ' || n, 'task ' || n, NULL, 1 + n % 3, '["home"]'::jsonb,
       CASE WHEN n % 5 = 0 THEN NULL ELSE now() + (n % 1000) * interval '1 hour' END,
       false, NULL, n % 2 = 0, NULL, now() - n * interval '1 second', now(), 1, 0
FROM generate_series(1, :count) AS n
"""


async def timed(sessions: object, user: str, query: TaskQuery, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        async with SqlUnitOfWork(sessions) as uow:  # type: ignore[arg-type]
            await uow.tasks.list(user_id=user, query=query)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def main(count: int, admin_url: str, rounds: int) -> None:
    name = f"todo_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    engine = build_engine(plan_connection(url))
    try:
        await create_schema(engine)
        user = "bench-user"
        async with engine.begin() as connection:
            await connection.execute(text(SEED), {"user": user, "count": count})
            await connection.execute(text("ANALYZE tasks"))
        sessions = build_sessionmaker(engine)
        print(f"{count} tasks, median of {rounds} runs, page of 50 (ms)")
        print(f"{'sort':<12} {'first page':>10} {'deep page':>10}")
        for text_sort in SORTS:
            sort = TaskSort.parse(text_sort)
            first = TaskQuery(sort=sort, limit=51)
            async with SqlUnitOfWork(sessions) as uow:
                everything = await uow.tasks.list(
                    user_id=user, query=TaskQuery(sort=sort, limit=count)
                )
            deep_row = everything[int(count * 0.9)]
            deep = TaskQuery(
                sort=sort, limit=51, after=Keyset(sort.value_of(deep_row), deep_row.id)
            )
            first_ms = await timed(sessions, user, first, rounds)
            deep_ms = await timed(sessions, user, deep, rounds)
            print(f"{text_sort:<12} {first_ms:>10.2f} {deep_ms:>10.2f}")
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    asyncio.run(main(args.tasks, args.url, args.rounds))
