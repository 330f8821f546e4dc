"""Each conversation use case costs one data statement (posting a message: one on
PostgreSQL, a CTE; two on SQLite), with ownership in the WHERE, counted as sent."""

from __future__ import annotations

from typing import Any

import pytest

from application.conversations import (
    delete_conversation,
    get_conversation,
    list_conversations,
    list_messages,
    post_message,
    rename_conversation,
    start_conversation,
)
from domain.conversations import NewMessage, Role
from tests.contract.conftest import Harness
from tests.factories import at, in_unit

pytestmark = pytest.mark.parametrize(
    "adapter",
    [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("pgbouncer", marks=pytest.mark.pgbouncer),
    ],
    indirect=True,
)


async def verbs_of(harness: Harness, use_case: Any, **arguments: Any) -> list[str]:
    """The first word of each data statement `use_case` sends, in a single-write unit."""
    harness.reset_count()
    await in_unit(harness.new_uow(single_write=True), use_case, **arguments)
    return [s.split()[0].upper() for s in harness.data_statements()]


async def conversation(harness: Harness, user_id: str) -> int:
    started = await in_unit(
        harness.new_uow(), start_conversation, user_id=user_id, title=None, at=at(0)
    )
    return started.id


class TestConversationBudget:
    async def test_each_use_case_sends_one_statement(self, harness: Harness, user_id: str) -> None:
        owned = {"user_id": user_id, "conversation_id": await conversation(harness, user_id)}
        message = NewMessage(Role.USER, "hello")
        posting = await verbs_of(harness, post_message, **owned, message=message, at=at(1))
        counts = {
            "start": await verbs_of(
                harness, start_conversation, user_id=user_id, title="x", at=at(0)
            ),
            "get": await verbs_of(harness, get_conversation, **owned),
            "list": await verbs_of(harness, list_conversations, user_id=user_id, limit=10),
            "rename": await verbs_of(harness, rename_conversation, **owned, title="y", at=at(2)),
            "messages": await verbs_of(harness, list_messages, **owned, limit=10),
            "delete": await verbs_of(harness, delete_conversation, **owned),
        }
        assert counts == {
            "start": ["INSERT"],
            "get": ["SELECT"],
            "list": ["SELECT"],
            "rename": ["UPDATE"],
            "messages": ["SELECT"],
            "delete": ["DELETE"],
        }
        assert posting == (["UPDATE", "INSERT"] if harness.name == "sqlite" else ["WITH"])

    async def test_every_statement_names_the_owner(self, harness: Harness, user_id: str) -> None:
        owned = {"user_id": user_id, "conversation_id": await conversation(harness, user_id)}
        harness.reset_count()
        await in_unit(
            harness.new_uow(),
            post_message,
            **owned,
            message=NewMessage(Role.USER, "hello"),
            at=at(1),
        )
        await in_unit(harness.new_uow(), list_messages, **owned, limit=10)
        await in_unit(harness.new_uow(), delete_conversation, **owned)
        statements = harness.data_statements()
        assert statements
        assert all("user_id" in statement for statement in statements)
