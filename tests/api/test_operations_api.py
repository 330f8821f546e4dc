"""The operations endpoints as API.md writes them: `/health/db`, `/admin/db/pool-stats`,
`/metrics`; the docs served with no network; JSON log lines carrying the request id."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from pathlib import Path

import pytest

from adapters.sql.schema import head_revision
from entrypoints.logs import configure_logging
from tests.api.conftest import running_api, settings_for
from tests.databases import postgres_host, postgres_port, postgres_user
from tests.faults import FaultProxy

UNREACHABLE = "postgresql://todo:s3cret-pw@127.0.0.1:1/todo?sslmode=disable"


class TestDatabaseHealth:
    async def test_a_reachable_database_at_the_head_is_healthy(self, tmp_path: Path) -> None:
        settings = settings_for(persistence="sql", database_url=f"sqlite:///{tmp_path / 'h.db'}")
        async with running_api(settings) as api:
            response = await api.client.get("/health/db")
        assert response.status_code == 200
        body = response.json()
        assert body == {
            "status": "healthy",
            "database": "connected",
            "latency_ms": body["latency_ms"],
            "schema": head_revision(),
        }
        assert body["latency_ms"] >= 0

    @pytest.mark.postgres
    async def test_postgresql_reports_its_revision_and_latency(self, postgres_schema: str) -> None:
        settings = settings_for(persistence="sql", database_url=postgres_schema)
        async with running_api(settings) as api:
            body = (await api.client.get("/health/db")).json()
        assert body["status"] == "healthy"
        assert body["schema"] == head_revision()
        assert body["latency_ms"] > 0

    async def test_an_unreachable_database_is_a_503_with_the_reason(self) -> None:
        settings = settings_for(persistence="sql", database_url=UNREACHABLE, db_startup_wait=0)
        async with running_api(settings) as api:
            response = await api.client.get("/health/db")
        assert response.status_code == 503
        assert response.json() == {
            "status": "unhealthy",
            "database": "disconnected",
            "error": "connection refused",
        }
        assert "s3cret" not in response.text

    @pytest.mark.postgres
    async def test_a_silent_database_is_a_503_within_the_health_timeout(
        self, postgres_schema: str
    ) -> None:
        proxy = FaultProxy(postgres_host(), postgres_port())
        await proxy.start()
        database = postgres_schema.rsplit("/", 1)[1]
        settings = settings_for(
            persistence="sql",
            database_url=proxy.url(database, postgres_user()),
            db_health_timeout=0.5,
        )
        try:
            async with running_api(settings) as api:
                await proxy.hang()  # connections open, nothing answers
                await asyncio.sleep(0.1)  # the pool sees its connection dropped
                started = time.monotonic()
                response = await api.client.get("/health/db")
                took = time.monotonic() - started
        finally:
            await proxy.stop()
        assert response.status_code == 503
        assert response.json()["error"] == "timeout"
        assert took < 1.5

    async def test_memory_persistence_is_always_healthy(self) -> None:
        async with running_api(settings_for()) as api:
            response = await api.client.get("/health/db")
        assert response.status_code == 200
        assert response.json()["status"] == "healthy"


class TestPoolStats:
    async def test_without_an_admin_token_the_route_does_not_exist(self) -> None:
        async with running_api(settings_for()) as api:
            response = await api.client.get(
                "/admin/db/pool-stats", headers={"Authorization": "Bearer anything"}
            )
        assert response.status_code == 404

    @pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic YWRtaW4="])
    async def test_a_missing_or_wrong_token_is_a_401(self, header: str | None) -> None:
        async with running_api(settings_for(admin_token="the-admin-token")) as api:
            headers = {} if header is None else {"Authorization": header}
            response = await api.client.get("/admin/db/pool-stats", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "the-admin-token" not in response.text

    async def test_the_admin_token_shows_the_pool(self, tmp_path: Path) -> None:
        settings = settings_for(
            persistence="sql",
            database_url=f"sqlite:///{tmp_path / 'p.db'}",
            admin_token="the-admin-token",
            db_pool_size=7,
        )
        async with running_api(settings) as api:
            await api.create(title="Uses a connection")
            response = await api.client.get(
                "/admin/db/pool-stats", headers={"Authorization": "Bearer the-admin-token"}
            )
        assert response.status_code == 200
        stats = response.json()
        assert set(stats) == {"size", "checked_in", "checked_out", "overflow"}
        assert stats["size"] == 7
        assert stats["checked_in"] >= 1


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


class TestMetrics:
    async def test_requests_are_counted_by_route_template_and_status(self) -> None:
        async with running_api(settings_for()) as api:
            for _ in range(3):
                await api.create()
            await api.client.get("/no/such/path")
            text = (await api.client.get("/metrics")).text
        route = "/api/{user_id}/tasks"
        labels = {"method": "POST", "route": route, "status": "201"}
        assert sample(text, "todo_http_requests_total", **labels) == 3
        bucket = {"method": "POST", "route": route, "le": "+Inf"}
        assert sample(text, "todo_http_request_duration_seconds_bucket", **bucket) == 3
        assert sample(
            text, "todo_http_requests_total", method="GET", route="unmatched", status="404"
        )
        assert api.user_id not in text  # labels are templates, never paths

    async def test_database_errors_are_counted_by_kind_and_the_pool_is_shown(self) -> None:
        settings = settings_for(persistence="sql", database_url=UNREACHABLE, db_startup_wait=0)
        async with running_api(settings) as api:
            for _ in range(5):
                assert (await api.client.get(api.tasks, headers=api.auth())).status_code == 503
            text = (await api.client.get("/metrics")).text
        assert sample(text, "todo_db_errors_total", kind="refused") >= 3
        assert sample(text, "todo_db_errors_total", kind="circuit_open") >= 1
        assert "todo_db_pool_connections{" in text

    async def test_chat_turns_and_tool_calls_are_counted(self) -> None:
        async with running_api(settings_for()) as api:
            said = {"message": "add a task to buy bread"}
            response = await api.client.post(api.chat, json=said, headers=api.auth())
            assert response.status_code == 200, response.text
            text = (await api.client.get("/metrics")).text
        assert sample(text, "todo_chat_turns_total", outcome="ok") == 1
        assert sample(text, "todo_chat_tool_calls_total", tool="add_task", outcome="ok") == 1


class TestLogs:
    async def test_json_lines_carry_the_request_id(self) -> None:
        stream = io.StringIO()
        settings = settings_for(log_format="json", log_access=True)
        configure_logging(settings, stream=stream)
        try:
            async with running_api(settings) as api:
                await api.client.get("/health", headers={"X-Request-ID": "req-42"})
        finally:
            logging.getLogger().handlers.clear()
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
        access = next(line for line in lines if line["logger"] == "todo.access")
        assert access["request_id"] == "req-42"
        assert access["level"] == "INFO"
        assert access["message"].startswith("GET /health 200 ")
        assert {"time", "route", "status", "duration_ms"} <= set(access)
        assert access["time"].endswith("+00:00")


class TestDocs:
    async def test_the_docs_and_their_assets_come_from_this_server(self) -> None:
        async with running_api(settings_for()) as api:
            page = await api.client.get("/docs")
            assets = re.findall(r"""(?:src|href)=["']?([^"'\s>]+)""", page.text)
            loaded = [await api.client.get(asset) for asset in assets]
            redoc = await api.client.get("/redoc")
        assert page.status_code == 200
        assert not re.search(r"https?://", page.text), "the page names another server"
        assert sorted(assets) == [
            "/docs/assets/favicon.png",
            "/docs/assets/swagger-ui-bundle.js",
            "/docs/assets/swagger-ui.css",
        ]
        assert [response.status_code for response in loaded] == [200, 200, 200]
        assert all(len(response.content) > 1000 for response in loaded)
        assert "/openapi.json" in page.text
        assert redoc.status_code == 200
        assert "/docs/assets/redoc.standalone.js" in redoc.text
        assert "fonts.googleapis" not in redoc.text


async def test_an_in_memory_sqlite_database_is_healthy_at_the_head() -> None:
    settings = settings_for(persistence="sql", database_url="sqlite+aiosqlite:///:memory:")
    async with running_api(settings) as api:
        await api.create(title="In memory")
        response = await api.client.get("/health/db")
    assert response.status_code == 200
    assert response.json()["schema"] == head_revision()


async def test_the_schema_documents_the_health_503_as_api_md_writes_it() -> None:
    async with running_api(settings_for()) as api:
        schema = (await api.client.get("/openapi.json")).json()
    unhealthy = schema["paths"]["/health/db"]["get"]["responses"]["503"]
    assert unhealthy["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/DatabaseUnhealthy"}}
    }
    assert "Retry-After" in unhealthy["headers"]
