"""ConversationRepository behaviour every adapter shares: ownership, ordering, cascade."""

from __future__ import annotations

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
from application.errors import InvalidCursorError
from domain.conversations import NewMessage, Role, ToolCall
from domain.errors import ConversationNotFoundError
from tests.contract.conftest import Harness
from tests.factories import at, in_unit, new_user_id


async def start(
    harness: Harness, user_id: str, title: str | None = "Plans", minute: int = 0
) -> int:
    started = await in_unit(
        harness.new_uow(single_write=True),
        start_conversation,
        user_id=user_id,
        title=title,
        at=at(minute),
    )
    return started.id


async def say(
    harness: Harness, user_id: str, conversation_id: int, text: str, minute: int = 1
) -> None:
    await in_unit(
        harness.new_uow(single_write=True),
        post_message,
        user_id=user_id,
        conversation_id=conversation_id,
        message=NewMessage(Role.USER, text),
        at=at(minute),
    )


async def texts(harness: Harness, user_id: str, conversation_id: int) -> list[str]:
    page = await in_unit(
        harness.new_uow(),
        list_messages,
        user_id=user_id,
        conversation_id=conversation_id,
        limit=200,
    )
    return [message.content for message in page.items]


class TestConversations:
    async def test_a_conversation_is_stored_with_its_title(
        self, harness: Harness, user_id: str
    ) -> None:
        conversation_id = await start(harness, user_id, title="  Groceries ")
        found = await in_unit(
            harness.new_uow(), get_conversation, user_id=user_id, conversation_id=conversation_id
        )
        assert (found.title, found.user_id, found.created_at) == ("Groceries", user_id, at(0))

    async def test_another_users_conversation_is_not_found(
        self, harness: Harness, user_id: str
    ) -> None:
        conversation_id = await start(harness, user_id)
        stranger = new_user_id()
        for use_case, extra in (
            (get_conversation, {}),
            (delete_conversation, {}),
            (rename_conversation, {"title": "Mine", "at": at(1)}),
            (post_message, {"message": NewMessage(Role.USER, "hi"), "at": at(1)}),
            (list_messages, {"limit": 10}),
        ):
            with pytest.raises(ConversationNotFoundError):
                await in_unit(
                    harness.new_uow(),
                    use_case,
                    user_id=stranger,
                    conversation_id=conversation_id,
                    **extra,
                )
        assert await texts(harness, user_id, conversation_id) == []

    async def test_renaming_sets_the_title_and_moves_updated_at(
        self, harness: Harness, user_id: str
    ) -> None:
        conversation_id = await start(harness, user_id)
        renamed = await in_unit(
            harness.new_uow(single_write=True),
            rename_conversation,
            user_id=user_id,
            conversation_id=conversation_id,
            title="Trip",
            at=at(9),
        )
        assert (renamed.title, renamed.updated_at) == ("Trip", at(9))

    async def test_posting_a_message_moves_the_conversation_to_the_top(
        self, harness: Harness, user_id: str
    ) -> None:
        older = await start(harness, user_id, minute=0)
        newer = await start(harness, user_id, minute=1)
        await say(harness, user_id, older, "bump", minute=5)
        page = await in_unit(harness.new_uow(), list_conversations, user_id=user_id, limit=10)
        assert [c.id for c in page.items] == [older, newer]
        assert page.items[0].updated_at == at(5)

    async def test_conversations_page_newest_first_without_gaps(
        self, harness: Harness, user_id: str
    ) -> None:
        ids = [await start(harness, user_id, minute=minute % 3) for minute in range(7)]
        seen: list[int] = []
        cursor: str | None = None
        for _ in range(10):
            page = await in_unit(
                harness.new_uow(), list_conversations, user_id=user_id, limit=3, cursor=cursor
            )
            seen += [c.id for c in page.items]
            if (cursor := page.next_cursor) is None:
                break
        expected = sorted(ids, key=lambda i: (ids.index(i) % 3, i), reverse=True)
        assert seen == expected

    async def test_a_cursor_from_another_user_is_refused(
        self, harness: Harness, user_id: str
    ) -> None:
        for minute in range(3):
            await start(harness, user_id, minute=minute)
        page = await in_unit(harness.new_uow(), list_conversations, user_id=user_id, limit=1)
        assert page.next_cursor is not None
        with pytest.raises(InvalidCursorError):
            await in_unit(
                harness.new_uow(),
                list_conversations,
                user_id=new_user_id(),
                limit=1,
                cursor=page.next_cursor,
            )

    async def test_deleting_a_conversation_deletes_its_messages(
        self, harness: Harness, user_id: str
    ) -> None:
        conversation_id = await start(harness, user_id)
        await say(harness, user_id, conversation_id, "hello")
        await in_unit(
            harness.new_uow(),
            delete_conversation,
            user_id=user_id,
            conversation_id=conversation_id,
        )
        with pytest.raises(ConversationNotFoundError):
            await texts(harness, user_id, conversation_id)
        async with harness.new_uow() as uow:
            left = await uow.conversations.latest_messages(
                user_id=user_id, conversation_id=conversation_id, limit=10
            )
        assert left == []


class TestMessages:
    async def test_messages_page_oldest_first(self, harness: Harness, user_id: str) -> None:
        conversation_id = await start(harness, user_id)
        for n in range(5):
            await say(harness, user_id, conversation_id, f"m{n}", minute=n + 1)
        seen: list[str] = []
        cursor: str | None = None
        for _ in range(10):
            page = await in_unit(
                harness.new_uow(),
                list_messages,
                user_id=user_id,
                conversation_id=conversation_id,
                limit=2,
                cursor=cursor,
            )
            seen += [m.content for m in page.items]
            if (cursor := page.next_cursor) is None:
                break
        assert seen == ["m0", "m1", "m2", "m3", "m4"]

    async def test_tool_calls_round_trip_as_data(self, harness: Harness, user_id: str) -> None:
        conversation_id = await start(harness, user_id)
        call = ToolCall("add_task", {"title": "Buy milk"}, {"task_id": 3, "status": "created"})
        stored = await in_unit(
            harness.new_uow(),
            post_message,
            user_id=user_id,
            conversation_id=conversation_id,
            message=NewMessage(Role.TOOL, "added", (call,)),
            at=at(1),
        )
        async with harness.new_uow() as uow:
            latest = await uow.conversations.latest_messages(
                user_id=user_id, conversation_id=conversation_id, limit=5
            )
        assert latest == [stored]
        assert stored.tool_calls == (call,)

    async def test_latest_messages_are_the_newest_in_order(
        self, harness: Harness, user_id: str
    ) -> None:
        conversation_id = await start(harness, user_id)
        for n in range(6):
            await say(harness, user_id, conversation_id, f"m{n}", minute=n + 1)
        async with harness.new_uow() as uow:
            latest = await uow.conversations.latest_messages(
                user_id=user_id, conversation_id=conversation_id, limit=3
            )
        assert [m.content for m in latest] == ["m3", "m4", "m5"]

    async def test_a_message_to_a_missing_conversation_stores_nothing(
        self, harness: Harness, user_id: str
    ) -> None:
        with pytest.raises(ConversationNotFoundError):
            await say(harness, user_id, 2**31 - 1, "lost")
