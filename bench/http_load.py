"""Benchmark: requests per second and latency of the task API on a running server.

Start the server first (e.g. on PostgreSQL), then point this at it with the same secret:

    AUTH_JWT_SECRET=... DATABASE_URL=postgresql://... DB_AUTO_CREATE=true .venv/bin/todo serve
    AUTH_JWT_SECRET=... .venv/bin/python bench/http_load.py --base http://127.0.0.1:8000

Each virtual user creates tasks, reads them, lists a page, patches and completes one; the
run is bounded by --requests, sends only to --base (keep it on this machine) and prints
figures per operation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime

import httpx

from entrypoints.tokens import mint_token


async def user_session(
    client: httpx.AsyncClient, secret: str, rounds: int, timings: dict[str, list[float]]
) -> int:
    user = f"load-{uuid.uuid4().hex[:8]}"
    headers = {"Authorization": f"Bearer {mint_token(secret, user, now=datetime.now(UTC))}"}
    base = f"/api/{user}/tasks"
    errors = 0

    async def call(name: str, method: str, url: str, **kwargs: object) -> httpx.Response:
        nonlocal errors
        started = time.perf_counter()
        response = await client.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]
        timings[name].append((time.perf_counter() - started) * 1000)
        errors += response.is_error
        return response

    for n in range(rounds):
        created = await call("create", "POST", base, json={"title": f"Task {n}", "tags": ["x"]})
        task_id = created.json()["id"]
        await call("get", "GET", f"{base}/{task_id}")
        await call("list", "GET", f"{base}?tag=x&limit=20")
        await call("patch", "PATCH", f"{base}/{task_id}", json={"priority": "high"})
        await call("complete", "PATCH", f"{base}/{task_id}/complete", json={"completed": True})
    return errors


async def main(base: str, users: int, requests: int, secret: str) -> None:
    rounds = max(1, requests // (users * 5))
    timings: dict[str, list[float]] = defaultdict(list)
    limits = httpx.Limits(max_connections=users)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        errors = await asyncio.gather(
            *(user_session(client, secret, rounds, timings) for _ in range(users))
        )
        elapsed = time.perf_counter() - started
    total = sum(len(samples) for samples in timings.values())
    print(
        f"{total} requests from {users} concurrent users in {elapsed:.1f} s: "
        f"{total / elapsed:.0f} req/s, {sum(errors)} errors"
    )
    print(f"{'operation':<10} {'p50 ms':>8} {'p95 ms':>8}")
    for name, samples in timings.items():
        p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]
        print(f"{name:<10} {statistics.median(samples):>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    secret = os.environ.get("AUTH_JWT_SECRET") or os.environ["BETTER_AUTH_SECRET"]
    asyncio.run(main(args.base, args.users, args.requests, secret))
