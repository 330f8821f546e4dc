"""The tool registry: the five task tools an assistant or agent calls, run on the in-memory
adapter inside a unit of work the test opens, as a chat turn or the MCP server does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.errors import ToolError
from application.ports import ToolRequest
from application.tools import TOOLS, run_tool
from domain.tasks import Priority, Recurrence, Task
from tests.factories import new_user_id

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SPECS = {spec.name: spec for spec in TOOLS}


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


async def call(store: InMemoryStore, caller: str, tool: str, /, **arguments: Any) -> Any:
    """Run one tool call in its own unit of work (which rolls back if the call fails)."""
    request = ToolRequest(tool, arguments)
    async with InMemoryUnitOfWork(store) as uow:
        return await run_tool(uow, user_id=caller, request=request, now=NOW)


async def refusal(store: InMemoryStore, caller: str, tool: str, /, **arguments: Any) -> str:
    """The plain message of a call that must fail."""
    with pytest.raises(ToolError) as raised:
        await call(store, caller, tool, **arguments)
    return raised.value.message


async def stored(store: InMemoryStore, user_id: str, task_id: int) -> Task | None:
    async with InMemoryUnitOfWork(store) as uow:
        return await uow.tasks.get(user_id=user_id, task_id=task_id)


async def added(store: InMemoryStore, user_id: str, title: str = "Buy milk", **more: Any) -> int:
    result = await call(store, user_id, "add_task", title=title, **more)
    task_id: int = result["task_id"]
    return task_id


class TestToolSpecs:
    def test_the_five_task_tools_are_offered(self) -> None:
        assert list(SPECS) == [
            "add_task",
            "list_tasks",
            "complete_task",
            "delete_task",
            "update_task",
        ]

    @pytest.mark.parametrize("name", sorted(SPECS))
    def test_each_schema_is_an_object_whose_required_properties_exist(self, name: str) -> None:
        schema = SPECS[name].parameters
        assert schema["type"] == "object"
        assert set(schema["required"]) <= set(schema["properties"])
        assert "additionalProperties" not in schema

    @pytest.mark.parametrize("name", sorted(SPECS))
    def test_each_tool_accepts_an_optional_user_id(self, name: str) -> None:
        schema = SPECS[name].parameters
        assert schema["properties"]["user_id"]["type"] == "string"
        assert "user_id" not in schema["required"]

    @pytest.mark.parametrize("name", sorted(SPECS))
    def test_each_tool_is_described(self, name: str) -> None:
        assert SPECS[name].description

    def test_the_arguments_follow_the_agent_shapes(self) -> None:
        def shape(name: str) -> tuple[list[str], set[str]]:
            schema = SPECS[name].parameters
            return schema["required"], set(schema["properties"]) - {"user_id"}

        assert shape("add_task") == (
            ["title"],
            {"title", "description", "priority", "tags", "due_date", "recurring"}
            | {"recurring_pattern"},
        )
        assert shape("complete_task") == (["task_id"], {"task_id"})
        assert shape("delete_task") == (["task_id"], {"task_id"})
        assert shape("update_task") == (
            ["task_id"],
            {
                "task_id",
                "title",
                "description",
                "priority",
                "tags",
                "due_date",
                "recurring",
                "recurring_pattern",
            },
        )
        assert shape("list_tasks")[0] == []
        assert {"status", "priority", "tag", "q", "limit"} <= shape("list_tasks")[1]

    def test_the_due_date_schema_says_a_date_alone_is_midnight_utc(self) -> None:
        description = SPECS["add_task"].parameters["properties"]["due_date"]["description"]
        assert "00:00 UTC" in description

    def test_the_list_status_is_an_enum(self) -> None:
        status = SPECS["list_tasks"].parameters["properties"]["status"]
        assert status["enum"] == ["all", "pending", "completed"]


class TestAddTask:
    async def test_answers_the_new_id_status_and_title(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        result = await call(store, user_id, "add_task", title="  Buy milk ")
        assert result == {"task_id": 1, "status": "created", "title": "Buy milk"}

    async def test_stores_every_field_sent(self, store: InMemoryStore, user_id: str) -> None:
        task_id = await added(
            store,
            user_id,
            description="two litres",
            priority="high",
            tags=["Home", "errands"],
            due_date="2026-12-04T17:00:00Z",
            recurring=True,
            recurring_pattern="weekly",
        )
        task = await stored(store, user_id, task_id)
        assert task is not None
        assert (task.description, task.priority, task.tags) == (
            "two litres",
            Priority.HIGH,
            ("home", "errands"),
        )
        assert task.due_date == datetime(2026, 12, 4, 17, tzinfo=UTC)
        assert (task.recurring, task.recurring_pattern) == (True, Recurrence.WEEKLY)
        assert task.created_at == NOW

    async def test_tags_may_be_one_comma_separated_string(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task = await stored(store, user_id, await added(store, user_id, tags="home, Errands,"))
        assert task is not None
        assert task.tags == ("home", "errands")

    async def test_a_date_alone_is_due_at_midnight_utc(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task = await stored(store, user_id, await added(store, user_id, due_date="2026-12-24"))
        assert task is not None
        assert task.due_date == datetime(2026, 12, 24, tzinfo=UTC)

    async def test_a_date_time_with_an_offset_is_stored_in_utc(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id, due_date="2026-12-24T18:00:00+02:00")
        task = await stored(store, user_id, task_id)
        assert task is not None
        assert task.due_date == datetime(2026, 12, 24, 16, tzinfo=UTC)

    async def test_a_recurring_pattern_alone_makes_the_task_recurring(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id, recurring_pattern="daily")
        task = await stored(store, user_id, task_id)
        assert task is not None
        assert (task.recurring, task.recurring_pattern) == (True, Recurrence.DAILY)

    async def test_null_optional_arguments_take_their_defaults(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id, priority=None, tags=None, due_date=None)
        task = await stored(store, user_id, task_id)
        assert task is not None
        assert (task.priority, task.tags, task.due_date) == (Priority.MEDIUM, (), None)

    async def test_a_missing_title_is_refused(self, store: InMemoryStore, user_id: str) -> None:
        assert await refusal(store, user_id, "add_task", priority="high") == "title is required"

    async def test_a_blank_title_is_refused_naming_the_field(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        assert await refusal(store, user_id, "add_task", title="   ") == "title: must not be blank"

    async def test_every_broken_rule_is_named(self, store: InMemoryStore, user_id: str) -> None:
        message = await refusal(store, user_id, "add_task", title="x" * 201, tags=["a" * 51])
        assert message == (
            "title: must be at most 200 characters; tags: each tag must be 1 to 50 characters"
        )

    @pytest.mark.parametrize(
        ("argument", "value", "message"),
        [
            ("title", 5, "title must be a string"),
            ("description", ["notes"], "description must be a string"),
            ("priority", "urgent", "priority must be one of low, medium, high"),
            ("priority", 3, "priority must be a string"),
            ("tags", [1, 2], "tags must be a list of strings or one comma-separated string"),
            (
                "tags",
                {"home": True},
                "tags must be a list of strings or one comma-separated string",
            ),
            ("recurring", "yes", "recurring must be true or false"),
            ("recurring", 1, "recurring must be true or false"),
            (
                "recurring_pattern",
                "yearly",
                "recurring_pattern must be one of daily, weekly, monthly",
            ),
        ],
    )
    async def test_a_wrongly_typed_argument_is_refused(
        self, store: InMemoryStore, user_id: str, argument: str, value: Any, message: str
    ) -> None:
        arguments = {"title": "Buy milk", argument: value}
        assert await refusal(store, user_id, "add_task", **arguments) == message

    @pytest.mark.parametrize("due_date", ["tomorrow", "2026-13-01", "24/12/2026", 20261224, ""])
    async def test_a_due_date_that_is_not_iso_8601_is_refused(
        self, store: InMemoryStore, user_id: str, due_date: Any
    ) -> None:
        message = await refusal(store, user_id, "add_task", title="Buy milk", due_date=due_date)
        assert message.startswith("due_date must be")

    async def test_a_due_date_beyond_the_calendar_is_refused(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        due_date = "9999-12-31T23:00:00-05:00"
        message = await refusal(store, user_id, "add_task", title="Buy milk", due_date=due_date)
        assert message == "due_date: is outside the supported range"

    async def test_recurring_without_a_pattern_is_refused(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        message = await refusal(store, user_id, "add_task", title="Buy milk", recurring=True)
        assert message == "recurring_pattern: is required when recurring is true"

    async def test_a_refused_call_creates_nothing(self, store: InMemoryStore, user_id: str) -> None:
        await refusal(store, user_id, "add_task", title="Buy milk", priority="urgent")
        assert await call(store, user_id, "list_tasks") == []


class TestListTasks:
    async def test_answers_the_agent_shape_oldest_first(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        first = await added(store, user_id, "Buy milk", tags="home", due_date="2026-12-04")
        second = await added(store, user_id, "Call mom", priority="high")
        assert await call(store, user_id, "list_tasks") == [
            {
                "id": first,
                "title": "Buy milk",
                "completed": False,
                "priority": "medium",
                "tags": ["home"],
                "due_date": "2026-12-04T00:00:00Z",
            },
            {
                "id": second,
                "title": "Call mom",
                "completed": False,
                "priority": "high",
                "tags": [],
                "due_date": None,
            },
        ]

    async def test_filters_by_status(self, store: InMemoryStore, user_id: str) -> None:
        done = await added(store, user_id, "Buy milk")
        pending = await added(store, user_id, "Call mom")
        await call(store, user_id, "complete_task", task_id=done)

        async def ids(status: str) -> list[int]:
            return [row["id"] for row in await call(store, user_id, "list_tasks", status=status)]

        assert await ids("pending") == [pending]
        assert await ids("completed") == [done]
        assert await ids("all") == [done, pending]

    async def test_filters_by_priority_tag_and_text(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        wanted = await added(store, user_id, "Buy MILK", priority="high", tags=["home"])
        await added(store, user_id, "Buy milk powder", priority="high")
        await added(store, user_id, "Buy milk later", tags=["home"])
        rows = await call(store, user_id, "list_tasks", priority="high", tag=" Home", q="milk")
        assert [row["id"] for row in rows] == [wanted]

    async def test_due_bounds_select_a_half_open_range(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        await added(store, user_id, "Yesterday", due_date="2026-11-30T23:59:59Z")
        today = await added(store, user_id, "Today", due_date="2026-12-01T08:00:00Z")
        await added(store, user_id, "Tomorrow", due_date="2026-12-02")
        await added(store, user_id, "Someday")
        bounds = {"due_after": "2026-12-01", "due_before": "2026-12-02"}
        rows = await call(store, user_id, "list_tasks", **bounds)
        assert [row["id"] for row in rows] == [today]

    async def test_limit_caps_the_rows(self, store: InMemoryStore, user_id: str) -> None:
        for _ in range(3):
            await added(store, user_id)
        assert len(await call(store, user_id, "list_tasks", limit=2)) == 2

    @pytest.mark.parametrize("limit", [0, 201, True, "10", 2.5])
    async def test_a_limit_outside_1_to_200_is_refused(
        self, store: InMemoryStore, user_id: str, limit: Any
    ) -> None:
        message = await refusal(store, user_id, "list_tasks", limit=limit)
        assert message == "limit must be a whole number from 1 to 200"

    async def test_an_unknown_status_is_refused(self, store: InMemoryStore, user_id: str) -> None:
        message = await refusal(store, user_id, "list_tasks", status="open")
        assert message == "status must be one of all, pending, completed"

    async def test_another_users_tasks_are_not_listed(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        await added(store, new_user_id())
        assert await call(store, user_id, "list_tasks") == []


class TestCompleteTask:
    async def test_answers_the_id_status_and_title(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id)
        result = await call(store, user_id, "complete_task", task_id=task_id)
        assert result == {"task_id": task_id, "status": "completed", "title": "Buy milk"}

    async def test_the_task_is_completed(self, store: InMemoryStore, user_id: str) -> None:
        task_id = await added(store, user_id)
        await call(store, user_id, "complete_task", task_id=task_id)
        task = await stored(store, user_id, task_id)
        assert task is not None
        assert (task.completed, task.completed_at) == (True, NOW)

    async def test_completing_twice_leaves_it_completed(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id)
        await call(store, user_id, "complete_task", task_id=task_id)
        await call(store, user_id, "complete_task", task_id=task_id)
        task = await stored(store, user_id, task_id)
        assert task is not None
        assert (task.completed, task.version) == (True, 2)

    async def test_a_recurring_task_gets_its_next_occurrence(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id, due_date="2026-12-01", recurring_pattern="weekly")
        await call(store, user_id, "complete_task", task_id=task_id)
        rows = await call(store, user_id, "list_tasks", status="pending")
        assert [row["due_date"] for row in rows] == ["2026-12-08T00:00:00Z"]

    async def test_a_task_id_written_as_digits_is_accepted(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id)
        result = await call(store, user_id, "complete_task", task_id=str(task_id))
        assert result["task_id"] == task_id

    async def test_an_unknown_task_is_not_found(self, store: InMemoryStore, user_id: str) -> None:
        message = await refusal(store, user_id, "complete_task", task_id=999)
        assert message == "I couldn't find task 999."

    async def test_another_users_task_is_not_found_and_stays_pending(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        owner = new_user_id()
        task_id = await added(store, owner)
        message = await refusal(store, user_id, "complete_task", task_id=task_id)
        assert message == f"I couldn't find task {task_id}."
        task = await stored(store, owner, task_id)
        assert task is not None
        assert not task.completed

    @pytest.mark.parametrize(
        ("task_id", "message"),
        [
            (None, "task_id is required"),
            (True, "task_id must be a whole number"),
            (1.0, "task_id must be a whole number"),
            ("5a", "task_id must be a whole number"),
            ("-3", "task_id must be a whole number"),
            ("\u0665", "task_id must be a whole number"),  # an Arabic-Indic digit five
            (0, "task_id must be between 1 and 2147483647"),
            (2**31, "task_id must be between 1 and 2147483647"),
        ],
    )
    async def test_a_bad_task_id_is_refused(
        self, store: InMemoryStore, user_id: str, task_id: Any, message: str
    ) -> None:
        assert await refusal(store, user_id, "complete_task", task_id=task_id) == message


class TestDeleteTask:
    async def test_answers_the_id_status_and_title_of_the_deleted_task(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id, "Call mom")
        result = await call(store, user_id, "delete_task", task_id=task_id)
        assert result == {"task_id": task_id, "status": "deleted", "title": "Call mom"}

    async def test_the_task_is_gone(self, store: InMemoryStore, user_id: str) -> None:
        task_id = await added(store, user_id)
        await call(store, user_id, "delete_task", task_id=task_id)
        assert await stored(store, user_id, task_id) is None

    async def test_another_users_task_is_not_found_and_stays(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        owner = new_user_id()
        task_id = await added(store, owner)
        message = await refusal(store, user_id, "delete_task", task_id=task_id)
        assert message == f"I couldn't find task {task_id}."
        assert await stored(store, owner, task_id) is not None


class TestUpdateTask:
    async def test_answers_the_id_status_and_new_title(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id)
        result = await call(store, user_id, "update_task", task_id=task_id, title="Buy bread")
        assert result == {"task_id": task_id, "status": "updated", "title": "Buy bread"}

    async def test_only_the_fields_sent_change(self, store: InMemoryStore, user_id: str) -> None:
        task_id = await added(store, user_id, tags=["home"], due_date="2026-12-04")
        await call(store, user_id, "update_task", task_id=task_id, priority="low", title=None)
        task = await stored(store, user_id, task_id)
        assert task is not None
        assert (task.title, task.priority, task.tags) == ("Buy milk", Priority.LOW, ("home",))
        assert task.due_date == datetime(2026, 12, 4, tzinfo=UTC)

    async def test_tags_and_due_date_may_change(self, store: InMemoryStore, user_id: str) -> None:
        task_id = await added(store, user_id)
        changes = {"tags": "work, urgent", "due_date": "2026-12-24T09:00:00", "description": "x"}
        await call(store, user_id, "update_task", task_id=task_id, **changes)
        task = await stored(store, user_id, task_id)
        assert task is not None
        assert task.tags == ("work", "urgent")
        assert task.due_date == datetime(2026, 12, 24, 9, tzinfo=UTC)
        assert task.description == "x"

    async def test_a_call_that_changes_nothing_is_refused(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id)
        message = await refusal(store, user_id, "update_task", task_id=task_id)
        assert message.startswith("give at least one field to change")

    async def test_a_blank_title_is_refused_and_nothing_changes(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        task_id = await added(store, user_id)
        message = await refusal(store, user_id, "update_task", task_id=task_id, title=" ")
        assert message == "title: must not be blank"
        task = await stored(store, user_id, task_id)
        assert task is not None
        assert (task.title, task.version) == ("Buy milk", 1)

    async def test_an_unknown_task_is_not_found(self, store: InMemoryStore, user_id: str) -> None:
        message = await refusal(store, user_id, "update_task", task_id=9, title="Buy bread")
        assert message == "I couldn't find task 9."


class TestRefusals:
    async def test_an_unknown_tool_is_refused(self, store: InMemoryStore, user_id: str) -> None:
        message = await refusal(store, user_id, "drop_tables")
        assert message.startswith("there is no tool called 'drop_tables'")

    async def test_a_request_that_could_not_be_read_is_refused(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        request = ToolRequest("add_task", error="the arguments were not valid JSON")
        with pytest.raises(ToolError, match="the arguments were not valid JSON"):
            async with InMemoryUnitOfWork(store) as uow:
                await run_tool(uow, user_id=user_id, request=request, now=NOW)

    async def test_arguments_that_are_not_an_object_are_refused(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        request = ToolRequest("list_tasks", arguments=["pending"])  # type: ignore[arg-type]
        with pytest.raises(ToolError, match="must be a JSON object"):
            async with InMemoryUnitOfWork(store) as uow:
                await run_tool(uow, user_id=user_id, request=request, now=NOW)

    async def test_another_user_id_is_refused_and_nothing_is_created(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        other = new_user_id()
        message = await refusal(store, user_id, "add_task", title="Buy milk", user_id=other)
        assert message == "user_id must be the signed-in user"
        assert await call(store, user_id, "list_tasks") == []
        assert await call(store, other, "list_tasks") == []

    async def test_the_callers_own_user_id_is_accepted(
        self, store: InMemoryStore, user_id: str
    ) -> None:
        result = await call(store, user_id, "add_task", title="Buy milk", user_id=user_id)
        assert result["status"] == "created"

    async def test_unknown_arguments_are_ignored(self, store: InMemoryStore, user_id: str) -> None:
        result = await call(store, user_id, "add_task", title="Buy milk", colour="red")
        assert result["status"] == "created"

    @pytest.mark.parametrize("tool", sorted(SPECS))
    @pytest.mark.parametrize(
        "value", [None, True, -1, 2.5, "", "x" * 300, "\x00", "\ud800", [], [None], {}]
    )
    async def test_any_bad_argument_is_a_tool_error_never_a_crash(
        self, store: InMemoryStore, user_id: str, tool: str, value: Any
    ) -> None:
        task_id = await added(store, user_id)
        messages: list[str] = []
        for name in SPECS[tool].parameters["properties"]:
            arguments = {"task_id": task_id, "title": "Buy milk", name: value}
            try:
                await call(store, user_id, tool, **arguments)
            except ToolError as error:
                messages.append(error.message)
        assert all(messages)
