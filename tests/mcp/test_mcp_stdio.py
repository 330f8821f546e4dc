"""`todo mcp --user USER_ID` as an agent runs it: a subprocess on stdio, the SDK's own client."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from application.tools import TOOLS
from entrypoints.cli import main
from tests.api.conftest import SECRET, running_api, settings_for
from tests.mcp.conftest import error_of, result_of


def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mcp.db'}"


@asynccontextmanager
async def todo_mcp(tmp_path: Path, user_id: str) -> AsyncIterator[ClientSession]:
    """An initialized session with `todo mcp --user user_id`; its stderr goes to stderr.log."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "entrypoints.cli", "mcp", "--user", user_id],
        env={"APP_ENV": "test", "AUTH_JWT_SECRET": SECRET, "DATABASE_URL": database_url(tmp_path)},
        cwd=tmp_path,
    )
    with (tmp_path / "stderr.log").open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


async def test_lists_the_five_tools_with_the_registry_schemas(tmp_path: Path) -> None:
    async with todo_mcp(tmp_path, "alice") as session:
        listed = await session.list_tools()
    assert [(tool.name, tool.description, tool.input_schema) for tool in listed.tools] == [
        (spec.name, spec.description, spec.parameters) for spec in TOOLS
    ]
    # Logs went to stderr (DB_AUTO_CREATE migrated the new file), never onto the protocol.
    assert "schema brought up to date" in (tmp_path / "stderr.log").read_text()


async def test_a_session_adds_and_completes_a_task_and_outlives_a_tool_error(
    tmp_path: Path,
) -> None:
    async with todo_mcp(tmp_path, "alice") as session:
        added = result_of(await session.call_tool("add_task", {"title": "Buy milk"}))
        task_id = added["task_id"]
        done = await session.call_tool("complete_task", {"task_id": task_id})
        missing = await session.call_tool("complete_task", {"task_id": task_id + 100})
        listed = result_of(await session.call_tool("list_tasks", {"status": "completed"}))
    assert added == {"task_id": task_id, "status": "created", "title": "Buy milk"}
    assert result_of(done) == {"task_id": task_id, "status": "completed", "title": "Buy milk"}
    assert done.structured_content == result_of(done)
    assert error_of(missing) == f"I couldn't find task {task_id + 100}."
    assert [task["id"] for task in listed] == [task_id]
    settings = settings_for(persistence="sql", database_url=database_url(tmp_path))
    async with running_api(settings, "alice") as api:
        response = await api.client.get(f"{api.tasks}/{task_id}", headers=api.auth())
    assert response.status_code == 200
    assert response.json()["completed"] is True


def test_todo_mcp_needs_a_user(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["mcp"])
    assert exited.value.code == 2
    assert "--user" in capsys.readouterr().err
