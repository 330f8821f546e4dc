"""The `rules` assistant: which tool request each phrasing gives, how each result is worded,
and whole chat turns run against the in-memory adapter."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.assistant.rules import RulesAssistant
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.errors import ToolError
from application.listing import TaskQuery, TaskSort
from application.ports import AssistantEvent, TextDelta, ToolRequest, ToolSpec
from application.tools import TOOLS, run_tool
from domain.conversations import Message, Role, ToolCall
from domain.tasks import Priority, Task
from tests.factories import new_user_id

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # a Tuesday
_ids = itertools.count(1)


def message(role: Role, content: str, calls: tuple[ToolCall, ...] | None = None) -> Message:
    return Message(
        id=next(_ids),
        conversation_id=1,
        role=role,
        content=content,
        tool_calls=calls,
        created_at=NOW,
    )


def said(text: str) -> Message:
    return message(Role.USER, text)


def ran(tool: str, arguments: dict[str, Any], result: Any) -> Message:
    return message(Role.TOOL, f"{tool} ran", (ToolCall(tool, arguments, result),))


async def step(
    *history: Message, tools: Sequence[ToolSpec] = TOOLS, now: datetime = NOW
) -> list[AssistantEvent]:
    return [event async for event in RulesAssistant().step(history, tools=tools, now=now)]


async def request_for(text: str, now: datetime = NOW) -> ToolRequest:
    """The one tool request the assistant makes for `text`."""
    events = await step(said(text), now=now)
    assert len(events) == 1
    assert isinstance(events[0], ToolRequest), events
    return events[0]


async def reply(*history: Message) -> str:
    """The assistant's text reply (a step that asks for no tool)."""
    events = await step(*history)
    assert events
    assert all(isinstance(event, TextDelta) for event in events), events
    return "".join(event.text for event in events if isinstance(event, TextDelta))


class TestAddPhrasings:
    @pytest.mark.parametrize(
        "text",
        [
            "add a task to buy milk",
            "add buy milk",
            "remind me to buy milk",
            "create a task buy milk",
            "Add a task: buy milk.",
            "ADD A TASK TO buy milk!",
            "please add buy milk",
            "add buy milk to my list",
        ],
    )
    async def test_each_phrasing_adds_a_task(self, text: str) -> None:
        assert await request_for(text) == ToolRequest("add_task", {"title": "Buy milk"})

    async def test_the_title_keeps_its_words_with_a_capital_first_letter(self) -> None:
        request = await request_for("add a task to call the IRS about form 1040")
        assert request.arguments == {"title": "Call the IRS about form 1040"}

    async def test_a_due_date_priority_and_tag_are_read_and_stripped(self) -> None:
        request = await request_for("add a task to buy milk tomorrow #home high priority")
        assert request == ToolRequest(
            "add_task",
            {"title": "Buy milk", "due_date": "2026-12-02", "priority": "high", "tags": ["home"]},
        )

    async def test_a_task_without_a_title_gets_a_question(self) -> None:
        assert (await reply(said("add a task"))).startswith("What should the task be called?")

    async def test_a_word_starting_with_task_is_part_of_the_title(self) -> None:
        request = await request_for("add taskforce meeting")
        assert request.arguments == {"title": "Taskforce meeting"}


class TestDueDates:
    @pytest.mark.parametrize(
        ("text", "due_date"),
        [
            ("add buy milk today", "2026-12-01"),
            ("add buy milk tomorrow", "2026-12-02"),
            ("add buy milk by tomorrow", "2026-12-02"),
            ("add buy milk on friday", "2026-12-04"),
            ("add buy milk friday", "2026-12-04"),
            ("add buy milk by Friday", "2026-12-04"),
            ("add buy milk on monday", "2026-12-07"),
            ("add buy milk next week", "2026-12-08"),
            ("add buy milk 2026-12-24", "2026-12-24"),
            ("add buy milk on 2026-12-24", "2026-12-24"),
        ],
    )
    async def test_a_date_word_sets_the_due_date(self, text: str, due_date: str) -> None:
        request = await request_for(text)
        assert request.arguments == {"title": "Buy milk", "due_date": due_date}

    async def test_a_weekday_named_on_that_weekday_is_a_week_on(self) -> None:
        tuesday = await request_for("add buy milk on tuesday")
        assert tuesday.arguments["due_date"] == "2026-12-08"

    async def test_dates_count_from_now_in_utc(self) -> None:
        late_evening = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
        request = await request_for("add buy milk tomorrow", now=late_evening)
        assert request.arguments["due_date"] == "2027-01-01"

    async def test_an_impossible_date_is_left_in_the_title(self) -> None:
        request = await request_for("add pay rent 2026-02-30")
        assert request.arguments == {"title": "Pay rent 2026-02-30"}


class TestPriorityWords:
    @pytest.mark.parametrize(
        ("text", "priority"),
        [
            ("add buy milk high priority", "high"),
            ("add buy milk with high priority", "high"),
            ("add buy milk urgent", "high"),
            ("add urgent: buy milk", "high"),
            ("add buy milk low priority", "low"),
            ("add buy milk, medium priority", "medium"),
            ("add buy milk priority: low", "low"),
        ],
    )
    async def test_a_priority_word_sets_the_priority(self, text: str, priority: str) -> None:
        request = await request_for(text)
        assert request.arguments == {"title": "Buy milk", "priority": priority}


class TestTags:
    async def test_hash_words_become_tags(self) -> None:
        request = await request_for("add buy milk #Home #errands #home")
        assert request.arguments == {"title": "Buy milk", "tags": ["home", "errands"]}

    async def test_a_tag_may_hold_dashes(self) -> None:
        request = await request_for("add call mom #family-stuff")
        assert request.arguments == {"title": "Call mom", "tags": ["family-stuff"]}


class TestListPhrasings:
    @pytest.mark.parametrize(
        ("text", "arguments"),
        [
            ("show my tasks", {"status": "all"}),
            ("list my tasks", {"status": "all"}),
            ("what are my tasks?", {"status": "all"}),
            ("list my pending tasks", {"status": "pending"}),
            ("what's pending?", {"status": "pending"}),
            ("What\u2019s pending", {"status": "pending"}),
            ("list my completed tasks", {"status": "completed"}),
            ("show my high priority tasks", {"status": "all", "priority": "high"}),
            ("show my low priority tasks", {"status": "all", "priority": "low"}),
            ("show my medium priority tasks", {"status": "all", "priority": "medium"}),
        ],
    )
    async def test_each_phrasing_lists_tasks(self, text: str, arguments: dict[str, Any]) -> None:
        assert await request_for(text) == ToolRequest("list_tasks", arguments)

    async def test_whats_due_today_lists_pending_tasks_due_within_today(self) -> None:
        request = await request_for("what's due today?")
        assert request == ToolRequest(
            "list_tasks",
            {"status": "pending", "due_after": "2026-12-01", "due_before": "2026-12-02"},
        )


class TestTaskIdPhrasings:
    @pytest.mark.parametrize(
        "text",
        [
            "complete task 3",
            "complete task #3",
            "complete #3",
            "mark task 3 as done",
            "mark task #3 done",
            "finish task 3",
            "done with task 3",
            "I finished task 3",
            "Task 3 is done.",
        ],
    )
    async def test_each_phrasing_completes_the_task(self, text: str) -> None:
        assert await request_for(text) == ToolRequest("complete_task", {"task_id": 3})

    @pytest.mark.parametrize("text", ["delete task 5", "remove task 5", "delete #5", "remove 5"])
    async def test_each_phrasing_deletes_the_task(self, text: str) -> None:
        assert await request_for(text) == ToolRequest("delete_task", {"task_id": 5})

    async def test_rename_sets_the_new_title(self) -> None:
        request = await request_for("rename task 2 to buy bread")
        assert request == ToolRequest("update_task", {"task_id": 2, "title": "Buy bread"})

    @pytest.mark.parametrize(
        ("text", "priority"),
        [
            ("change task 2 priority to high", "high"),
            ("set task #2 priority to low", "low"),
            ("change the priority of task 2 to medium", "medium"),
            ("make task 2 urgent", "high"),
            ("task 2 is high priority", "high"),
        ],
    )
    async def test_each_phrasing_changes_the_priority(self, text: str, priority: str) -> None:
        request = await request_for(text)
        assert request == ToolRequest("update_task", {"task_id": 2, "priority": priority})


class TestReplies:
    async def test_an_added_task_is_confirmed_with_its_details(self) -> None:
        arguments = {"title": "Buy milk", "due_date": "2026-12-04", "priority": "high"}
        result = {"task_id": 42, "status": "created", "title": "Buy milk"}
        history = (said("add buy milk"), ran("add_task", arguments | {"tags": ["home"]}, result))
        assert (
            await reply(*history)
            == "Added task 42: Buy milk (due Fri 4 Dec, high priority, #home)."
        )

    async def test_a_plain_added_task_is_confirmed_by_id_and_title(self) -> None:
        result = {"task_id": 7, "status": "created", "title": "Buy milk"}
        history = (said("add buy milk"), ran("add_task", {"title": "Buy milk"}, result))
        assert await reply(*history) == "Added task 7: Buy milk."

    async def test_a_completion_is_confirmed(self) -> None:
        result = {"task_id": 3, "status": "completed", "title": "Buy milk"}
        history = (said("complete task 3"), ran("complete_task", {"task_id": 3}, result))
        assert await reply(*history) == "Completed task 3: Buy milk."

    async def test_a_deletion_is_confirmed(self) -> None:
        result = {"task_id": 5, "status": "deleted", "title": "Call mom"}
        history = (said("delete task 5"), ran("delete_task", {"task_id": 5}, result))
        assert await reply(*history) == "Deleted task 5: Call mom."

    async def test_a_rename_is_confirmed(self) -> None:
        arguments = {"task_id": 2, "title": "Buy bread"}
        result = {"task_id": 2, "status": "updated", "title": "Buy bread"}
        history = (said("rename task 2 to buy bread"), ran("update_task", arguments, result))
        assert await reply(*history) == "Renamed task 2 to Buy bread."

    async def test_a_priority_change_is_confirmed(self) -> None:
        arguments = {"task_id": 2, "priority": "high"}
        result = {"task_id": 2, "status": "updated", "title": "Buy milk"}
        history = (said("make task 2 urgent"), ran("update_task", arguments, result))
        assert await reply(*history) == "Updated task 2: Buy milk (high priority)."

    async def test_a_list_enumerates_the_tasks(self) -> None:
        rows = [
            {"id": 3, "title": "Buy milk", "completed": False, "priority": "high", "tags": ["home"]}
            | {"due_date": "2026-12-04T00:00:00Z"},
            {"id": 5, "title": "Call mom", "completed": False, "priority": "medium", "tags": []}
            | {"due_date": "2027-01-02T17:30:00Z"},
        ]
        history = (said("what's pending"), ran("list_tasks", {"status": "pending"}, rows))
        assert await reply(*history) == (
            "You have 2 pending tasks:\n"
            "- #3 Buy milk (due Fri 4 Dec, high priority, #home)\n"
            "- #5 Call mom (due Sat 2 Jan 2027 17:30)"
        )

    async def test_a_list_of_everything_marks_the_done_tasks(self) -> None:
        rows = [{"id": 1, "title": "Buy milk", "completed": True, "priority": "medium"}]
        history = (said("show my tasks"), ran("list_tasks", {"status": "all"}, rows))
        assert await reply(*history) == "You have 1 task:\n- #1 Buy milk (done)"

    async def test_an_empty_list_says_so(self) -> None:
        history = (said("list my completed tasks"), ran("list_tasks", {"status": "completed"}, []))
        assert await reply(*history) == "You have no completed tasks."

    async def test_an_empty_priority_list_says_so(self) -> None:
        arguments = {"status": "all", "priority": "high"}
        history = (said("show my high priority tasks"), ran("list_tasks", arguments, []))
        assert await reply(*history) == "You have no high priority tasks."

    async def test_the_due_today_list_says_today(self) -> None:
        arguments = {"status": "pending", "due_after": "2026-12-01", "due_before": "2026-12-02"}
        history = (said("what's due today?"), ran("list_tasks", arguments, []))
        assert await reply(*history) == "You have no pending tasks due today."

    @pytest.mark.parametrize(
        ("after", "before", "words"),
        [
            ("2026-12-02", "2026-12-03", "due tomorrow"),
            ("2026-12-04", "2026-12-05", "due on Fri 4 Dec"),
        ],
    )
    async def test_a_one_day_list_names_the_day(self, after: str, before: str, words: str) -> None:
        arguments = {"status": "pending", "due_after": after, "due_before": before}
        history = (said("what's due then"), ran("list_tasks", arguments, []))
        assert await reply(*history) == f"You have no pending tasks {words}."

    async def test_a_list_by_tag_and_text_says_so(self) -> None:
        arguments = {"status": "pending", "tag": "home", "q": "milk"}
        history = (said("show my tasks"), ran("list_tasks", arguments, []))
        assert await reply(*history) == "You have no pending tasks tagged #home matching 'milk'."

    async def test_tags_sent_as_one_string_are_shown_one_by_one(self) -> None:
        arguments = {"title": "Buy milk", "tags": "home, errands", "due_date": "someday"}
        result = {"task_id": 7, "status": "created", "title": "Buy milk"}
        history = (said("add buy milk"), ran("add_task", arguments, result))
        assert await reply(*history) == "Added task 7: Buy milk (#home, #errands)."

    async def test_a_missing_task_is_said_plainly(self) -> None:
        failed = {"error": "I couldn't find task 9."}
        history = (said("complete task 9"), ran("complete_task", {"task_id": 9}, failed))
        assert await reply(*history) == "I couldn't find task 9."

    async def test_any_other_failure_is_said_plainly(self) -> None:
        failed = {"error": "title: must be at most 200 characters"}
        history = (said("add " + "x" * 201), ran("add_task", {"title": "X" * 201}, failed))
        assert await reply(*history) == (
            "Sorry, I couldn't do that: title: must be at most 200 characters."
        )

    async def test_the_reply_answers_this_turn_not_an_earlier_one(self) -> None:
        earlier = ran("delete_task", {"task_id": 1}, {"task_id": 1, "status": "deleted"})
        events = await step(said("delete task 1"), earlier, said("show my tasks"))
        assert events == [ToolRequest("list_tasks", {"status": "all"})]


ROWS = [
    {"id": 3, "title": "Buy milk", "completed": False, "priority": "medium"},
    {"id": 5, "title": "Buy milk powder", "completed": False, "priority": "medium"},
    {"id": 6, "title": "Buy oat milk", "completed": False, "priority": "medium"},
]


class TestTitleMatch:
    @pytest.mark.parametrize(
        "text",
        [
            "I finished buy milk",
            "I've finished buy milk",
            "complete buy milk",
            "finish the buy milk",
            "mark buy milk as done",
            "done with buy milk",
        ],
    )
    async def test_completing_by_title_looks_up_pending_tasks(self, text: str) -> None:
        request = await request_for(text)
        assert request == ToolRequest("list_tasks", {"status": "pending", "q": "buy milk"})

    async def test_delete_by_title_looks_up_every_task(self) -> None:
        request = await request_for("delete the task called Buy milk")
        assert request == ToolRequest("list_tasks", {"status": "all", "q": "Buy milk"})

    async def test_an_exact_title_is_preferred_to_a_longer_one(self) -> None:
        lookup = ran("list_tasks", {"status": "pending", "q": "buy MILK"}, ROWS)
        events = await step(said("I finished buy MILK"), lookup)
        assert events == [ToolRequest("complete_task", {"task_id": 3})]

    async def test_a_unique_partial_title_is_enough(self) -> None:
        lookup = ran("list_tasks", {"status": "all", "q": "powder"}, ROWS[1:2])
        events = await step(said("delete powder"), lookup)
        assert events == [ToolRequest("delete_task", {"task_id": 5})]

    async def test_no_match_is_said_plainly(self) -> None:
        lookup = ran("list_tasks", {"status": "pending", "q": "walk the dog"}, [])
        assert await reply(said("complete walk the dog"), lookup) == (
            "I couldn't find a task called 'walk the dog'."
        )

    async def test_several_matches_get_a_question(self) -> None:
        lookup = ran("list_tasks", {"status": "pending", "q": "milk"}, ROWS[:2])
        assert await reply(said("I finished milk"), lookup) == (
            "Which one do you mean: 3 'Buy milk' or 5 'Buy milk powder'?"
        )

    async def test_the_action_after_a_match_is_confirmed(self) -> None:
        lookup = ran("list_tasks", {"status": "pending", "q": "buy milk"}, ROWS)
        done = ran(
            "complete_task",
            {"task_id": 3},
            {"task_id": 3, "status": "completed", "title": "Buy milk"},
        )
        assert (
            await reply(said("I finished buy milk"), lookup, done) == "Completed task 3: Buy milk."
        )

    async def test_a_failed_lookup_is_said_plainly(self) -> None:
        lookup = ran("list_tasks", {"status": "pending", "q": "x"}, {"error": "q: is not valid"})
        assert await reply(said("I finished x"), lookup) == (
            "Sorry, I couldn't do that: q: is not valid."
        )


class TestWhenItCannotAct:
    @pytest.mark.parametrize("text", ["asdf qwerty", "hello", "what is the meaning of life"])
    async def test_text_it_does_not_understand_gets_the_help_reply(self, text: str) -> None:
        answer = await reply(said(text))
        assert answer.startswith("Sorry, I didn't understand that.")
        assert "add a task to buy milk" in answer

    @pytest.mark.parametrize("text", ["what's due next week", "what's due someday"])
    async def test_a_due_question_without_one_day_gets_the_help_reply(self, text: str) -> None:
        assert (await reply(said(text))).startswith("Sorry, I didn't understand that.")

    async def test_a_history_without_a_user_message_gets_the_help_reply(self) -> None:
        assert (await reply()).startswith("Sorry, I didn't understand that.")

    async def test_a_tool_that_is_not_offered_is_not_requested(self) -> None:
        events = await step(said("add buy milk"), tools=())
        assert events == [
            TextDelta("Sorry, I can't do that here: the add_task tool isn't available.")
        ]


class ChatTurns:
    """Runs turns as the chat use case does: step, run each request in the unit, record it
    as a `tool` message, step again until the assistant replies."""

    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.user_id = new_user_id()
        self.history: list[Message] = []

    async def say(self, text: str) -> str:
        self.history.append(said(text))
        async with InMemoryUnitOfWork(self.store) as uow:
            for _ in range(5):
                events = await step(*self.history)
                requests = [event for event in events if isinstance(event, ToolRequest)]
                if not requests:
                    answer = "".join(e.text for e in events if isinstance(e, TextDelta))
                    self.history.append(message(Role.ASSISTANT, answer))
                    return answer
                for request in requests:
                    result = await self._run(uow, request)
                    self.history.append(ran(request.tool, request.arguments, result))
        raise AssertionError("the turn did not end")

    async def _run(self, uow: InMemoryUnitOfWork, request: ToolRequest) -> Any:
        try:
            async with uow.savepoint():
                return await run_tool(uow, user_id=self.user_id, request=request, now=NOW)
        except ToolError as error:
            return {"error": error.message}

    async def tasks(self) -> list[Task]:
        async with InMemoryUnitOfWork(self.store) as uow:
            query = TaskQuery(sort=TaskSort(descending=False), limit=200)
            return await uow.tasks.list(user_id=self.user_id, query=query)


class TestAChatTurn:
    async def test_what_was_said_is_what_was_stored(self) -> None:
        chat = ChatTurns()
        answer = await chat.say("add a task to buy milk on friday #home urgent")
        assert answer == "Added task 1: Buy milk (due Fri 4 Dec, high priority, #home)."
        [task] = await chat.tasks()
        assert (task.id, task.title, task.priority, task.tags) == (
            1,
            "Buy milk",
            Priority.HIGH,
            ("home",),
        )
        assert task.due_date == datetime(2026, 12, 4, tzinfo=UTC)

    async def test_a_title_match_completes_the_one_task_and_lists_what_is_left(self) -> None:
        chat = ChatTurns()
        await chat.say("add buy milk")
        await chat.say("remind me to buy milk powder")
        assert await chat.say("I finished Buy Milk") == "Completed task 1: Buy milk."
        assert await chat.say("what's pending?") == (
            "You have 1 pending task:\n- #2 Buy milk powder"
        )
        assert [(task.id, task.completed) for task in await chat.tasks()] == [(1, True), (2, False)]

    async def test_an_ambiguous_title_changes_nothing(self) -> None:
        chat = ChatTurns()
        await chat.say("add buy milk powder")
        await chat.say("add buy oat milk")
        answer = await chat.say("delete milk")
        assert answer == "Which one do you mean: 1 'Buy milk powder' or 2 'Buy oat milk'?"
        assert len(await chat.tasks()) == 2

    async def test_a_missing_task_is_said_and_nothing_changes(self) -> None:
        chat = ChatTurns()
        await chat.say("add buy milk")
        assert await chat.say("delete task 9") == "I couldn't find task 9."
        assert await chat.say("rename task 1 to buy bread") == "Renamed task 1 to Buy bread."
        [task] = await chat.tasks()
        assert (task.title, task.version) == ("Buy bread", 2)

    async def test_whats_due_today_lists_only_todays_pending_tasks(self) -> None:
        chat = ChatTurns()
        await chat.say("add pay rent today")
        await chat.say("add buy milk tomorrow")
        await chat.say("add water plants today")
        await chat.say("complete task 3")
        assert await chat.say("what's due today?") == (
            "You have 1 pending task due today:\n- #1 Pay rent (due Tue 1 Dec)"
        )
