"""RATE_LIMIT: past N requests a minute a user gets 429 with Retry-After; other users are
unaffected; with Redis, two workers (two apps, sharing nothing but Redis) share one limit."""

from __future__ import annotations

from contextlib import AsyncExitStack

from entrypoints.rate_limit import UserRateLimit
from tests.api.conftest import Api, running_api, settings_for
from tests.factories import new_user_id


async def statuses(api: Api, count: int, user_id: str | None = None) -> list[int]:
    path = f"/api/{user_id or api.user_id}/tasks"
    return [
        (await api.client.get(path, headers=api.auth(user_id))).status_code for _ in range(count)
    ]


class TestInMemory:
    async def test_past_the_limit_a_user_gets_429_with_retry_after(self) -> None:
        async with running_api(settings_for(rate_limit=3)) as api:
            seen = await statuses(api, 3)
            refused = await api.client.get(api.tasks, headers=api.auth())

        assert seen == [200, 200, 200]
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60

    async def test_each_user_has_a_limit_of_their_own(self) -> None:
        async with running_api(settings_for(rate_limit=2)) as api:
            first = await statuses(api, 3)
            other = await statuses(api, 2, new_user_id())

        assert first == [200, 200, 429]
        assert other == [200, 200]

    async def test_without_a_limit_nothing_is_counted(self) -> None:
        async with running_api(settings_for()) as api:
            assert set(await statuses(api, 30)) == {200}

    async def test_requests_without_credentials_are_refused_before_counting(self) -> None:
        async with running_api(settings_for(rate_limit=1)) as api:
            anonymous = [(await api.client.get(api.tasks)).status_code for _ in range(3)]
            mine = await statuses(api, 1)

        assert anonymous == [401, 401, 401]
        assert mine == [200]


class TestRedis:
    async def test_two_workers_share_one_limit(self, redis_url: str) -> None:
        settings = settings_for(rate_limit=4, rate_limit_storage=redis_url)
        user_id = new_user_id()
        async with AsyncExitStack() as stack:
            workers = [
                await stack.enter_async_context(running_api(settings, user_id)) for _ in range(2)
            ]
            seen = [
                (await worker.client.get(worker.tasks, headers=worker.auth())).status_code
                for worker in workers * 3
            ]

        assert seen == [200, 200, 200, 200, 429, 429]

    async def test_an_unreachable_redis_lets_requests_through(self) -> None:
        limit = UserRateLimit(1, storage="redis://127.0.0.1:1/0")
        try:
            assert [await limit.hit("u") for _ in range(3)] == [None, None, None]
        finally:
            await limit.aclose()


async def test_the_limit_is_documented_as_a_problem(api: Api) -> None:
    response = await api.client.get("/problems/rate-limited")

    assert response.status_code == 200
    assert response.json()["status"] == 429
