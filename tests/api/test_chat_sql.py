"""A dozen-turn conversation with the default assistant on real databases, the REST task
list agreeing after every turn and the conversation surviving a restart; and a tool that
breaks a rule inside PostgreSQL's transaction, confined by its savepoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from application.ports import TextDelta, ToolRequest
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.api.conftest import Api, running_api, settings_for
from tests.fake_assistant import ScriptedAssistant


async def say(api: Api, message: str, conversation_id: int | None = None) -> dict[str, Any]:
    response = await api.client.post(
        api.chat,
        json={"conversation_id": conversation_id, "message": message},
        headers=api.auth(),
    )
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


async def tasks(api: Api) -> dict[str, dict[str, Any]]:
    listed = (await api.client.get(api.tasks, headers=api.auth())).json()
    return {task["title"]: task for task in listed}


async def dozen_turns(settings: Settings) -> list[str]:
    """Twelve turns across a restart; the roles of the messages stored."""
    chat, user_id = await first_eight_turns(settings)
    async with running_api(settings, user_id) as api:  # a restart: the history is in the DB
        mom = (await tasks(api))["Call mom"]
        await say(api, f"rename task {mom['id']} to Call mom and dad", chat)
        await say(api, f"change task {mom['id']} priority to high", chat)
        renamed = (await tasks(api))["Call mom and dad"]
        assert renamed["priority"] == "high"
        high = await say(api, "show my high priority tasks", chat)
        assert "Call mom and dad" in high["response"]
        gone = await say(api, f"delete task {mom['id']}", chat)
        assert "Call mom and dad" in gone["response"]
        assert set(await tasks(api)) == {"Buy milk", "Pay rent"}
        path = f"{api.conversations}/{chat}/messages?limit=200"
        messages = (await api.client.get(path, headers=api.auth())).json()
    return [m["role"] for m in messages]


async def first_eight_turns(settings: Settings) -> tuple[int, str]:
    async with running_api(settings) as api:
        first = await say(api, "add a task to buy milk tomorrow #home high priority")
        chat = first["conversation_id"]
        milk = (await tasks(api))["Buy milk"]
        assert (milk["priority"], milk["tags"]) == ("high", ["home"])
        assert milk["due_date"] == "2026-11-23T00:00:00Z"
        assert "Buy milk" in first["response"]
        await say(api, "add pay rent", chat)
        await say(api, "remind me to call mom on friday", chat)
        current = await tasks(api)
        assert set(current) == {"Buy milk", "Pay rent", "Call mom"}
        assert current["Call mom"]["due_date"] == "2026-11-27T00:00:00Z"
        listing = await say(api, "show my tasks", chat)
        assert all(title in listing["response"] for title in current)
        await say(api, f"complete task #{milk['id']}", chat)
        assert (await tasks(api))["Buy milk"]["completed"] is True
        done = await say(api, "list my completed tasks", chat)
        assert "Buy milk" in done["response"]
        assert "Pay rent" not in done["response"]
        pending = await say(api, "what's pending?", chat)
        assert "Pay rent" in pending["response"]
        assert "Buy milk" not in pending["response"]
        await say(api, "I finished pay rent", chat)
        assert (await tasks(api))["Pay rent"]["completed"] is True
        return chat, api.user_id


async def test_a_dozen_turns_on_the_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/c.db"
    roles = await dozen_turns(settings_for(persistence="sql", database_url=url))
    assert (roles.count("user"), roles.count("assistant")) == (12, 12)


@pytest.mark.postgres
async def test_a_dozen_turns_on_postgresql(postgres_schema: str) -> None:
    roles = await dozen_turns(settings_for(persistence="sql", database_url=postgres_schema))
    assert (roles.count("user"), roles.count("assistant")) == (12, 12)


@pytest.mark.postgres
async def test_a_tool_refused_by_postgresql_is_undone_alone(postgres_schema: str) -> None:
    """The CHECK constraint refuses a pattern on a task that does not recur: PostgreSQL then
    aborts the transaction, and only the savepoint lets the turn record it and go on."""
    assistant = ScriptedAssistant(
        [ToolRequest("add_task", {"title": "Plain"})],
        [TextDelta("Added.")],
        [
            ToolRequest("update_task", {"task_id": 0, "recurring_pattern": "daily"}),
            ToolRequest("add_task", {"title": "After"}),
        ],
        [TextDelta("Done what I could.")],
    )

    def configure(container: Container) -> None:
        container.assistant.override(providers.Object(assistant))

    settings = settings_for(persistence="sql", database_url=postgres_schema)
    async with running_api(settings, configure=configure) as api:
        first = await say(api, "go")
        plain = first["tool_calls"][0]["result"]["task_id"]
        assistant.steps[0][0].arguments["task_id"] = plain  # type: ignore[index,union-attr]
        second = await say(api, "again", first["conversation_id"])
        refused, after = second["tool_calls"]
        assert "recurring" in refused["result"]["error"]
        assert after["result"]["status"] == "created"
        current = await tasks(api)
        assert set(current) == {"Plain", "After"}
        assert current["Plain"]["recurring_pattern"] is None
        path = f"{api.conversations}/{first['conversation_id']}/messages"
        roles = [m["role"] for m in (await api.client.get(path, headers=api.auth())).json()]
    assert roles == ["user", "tool", "assistant", "user", "tool", "tool", "assistant"]
