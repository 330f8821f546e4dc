"""Each task use case costs one data statement: conditional writes, ownership in the WHERE."""

from __future__ import annotations

import re

import pytest

from application.listing import TaskFilter, TaskSort
from application.tasks import (
    create_task,
    delete_task,
    get_task,
    list_tasks,
    set_completion,
    update_task,
)
from domain.tasks import Recurrence, Task, TaskPatch
from tests.contract.conftest import Harness
from tests.factories import at, in_unit, make_fields

pytestmark = pytest.mark.parametrize(
    "adapter",
    [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("pgbouncer", marks=pytest.mark.pgbouncer),
    ],
    indirect=True,
)

OWNED = re.compile(r"WHERE .*tasks\.id = .* AND tasks\.user_id = ", re.DOTALL)


async def seeded(harness: Harness, user_id: str, **overrides: object) -> Task:
    task = await in_unit(
        harness.new_uow(single_write=True),
        create_task,
        user_id=user_id,
        fields=make_fields(**overrides),
        at=at(0),
    )
    harness.reset_count()
    return task


def only_statement(harness: Harness, verb: str) -> str:
    """The one data statement sent, which must start with `verb` (or be a CTE over it, as
    PostgreSQL's completion is)."""
    statements = harness.data_statements()
    assert len(statements) == 1, harness.statements
    statement = statements[0].lstrip().upper()
    assert statement.startswith(verb) or (statement.startswith("WITH") and verb in statement)
    return statements[0]


class TestStatementBudget:
    async def test_create_sends_one_insert_returning(self, harness: Harness, user_id: str) -> None:
        harness.reset_count()
        await in_unit(
            harness.new_uow(single_write=True),
            create_task,
            user_id=user_id,
            fields=make_fields(),
            at=at(0),
        )
        assert "RETURNING" in only_statement(harness, "INSERT")

    async def test_get_sends_one_owned_select(self, harness: Harness, user_id: str) -> None:
        task = await seeded(harness, user_id)
        await in_unit(
            harness.new_uow(single_write=True), get_task, user_id=user_id, task_id=task.id
        )
        assert OWNED.search(only_statement(harness, "SELECT"))

    async def test_replace_sends_one_owned_update_returning(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await seeded(harness, user_id)
        patch = TaskPatch.replacing(make_fields(title="New", tags=("a",)))
        await in_unit(
            harness.new_uow(single_write=True),
            update_task,
            user_id=user_id,
            task_id=task.id,
            patch=patch,
            at=at(1),
        )
        statement = only_statement(harness, "UPDATE")
        assert OWNED.search(statement)
        assert "RETURNING" in statement

    async def test_patch_with_if_match_sends_one_owned_update(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await seeded(harness, user_id)
        await in_unit(
            harness.new_uow(single_write=True),
            update_task,
            user_id=user_id,
            task_id=task.id,
            patch=TaskPatch(title="New"),
            at=at(1),
            expected_version=1,
        )
        statement = only_statement(harness, "UPDATE")
        assert OWNED.search(statement)
        assert "tasks.version = " in statement

    @pytest.mark.parametrize("completed", [True, None])
    async def test_complete_sends_one_owned_update(
        self, harness: Harness, user_id: str, completed: bool | None
    ) -> None:
        task = await seeded(harness, user_id)
        await in_unit(
            harness.new_uow(single_write=True),
            set_completion,
            user_id=user_id,
            task_id=task.id,
            completed=completed,
            at=at(1),
        )
        assert OWNED.search(only_statement(harness, "UPDATE"))

    async def test_completing_a_recurring_task_adds_one_insert(
        self, harness: Harness, user_id: str
    ) -> None:
        task = await seeded(harness, user_id, recurring=True, recurring_pattern=Recurrence.DAILY)
        await in_unit(
            harness.new_uow(single_write=True),
            set_completion,
            user_id=user_id,
            task_id=task.id,
            completed=True,
            at=at(1),
        )
        verbs = [s.split()[0].upper() for s in harness.data_statements()]
        # PostgreSQL: one UPDATE with the INSERT in a data-modifying CTE; SQLite: two.
        assert verbs == (["WITH"] if harness.name != "sqlite" else ["UPDATE", "INSERT"])

    async def test_delete_sends_one_owned_delete(self, harness: Harness, user_id: str) -> None:
        task = await seeded(harness, user_id)
        await in_unit(
            harness.new_uow(single_write=True), delete_task, user_id=user_id, task_id=task.id
        )
        assert OWNED.search(only_statement(harness, "DELETE"))

    async def test_list_sends_one_select_on_any_page(self, harness: Harness, user_id: str) -> None:
        for _ in range(3):
            await seeded(harness, user_id, tags=("x",))
        first = await in_unit(
            harness.new_uow(single_write=True),
            list_tasks,
            user_id=user_id,
            task_filter=TaskFilter(tags=("x",), text="milk"),
            sort=TaskSort.parse("-due_date"),
            limit=1,
        )
        harness.reset_count()
        await in_unit(
            harness.new_uow(single_write=True),
            list_tasks,
            user_id=user_id,
            task_filter=TaskFilter(tags=("x",), text="milk"),
            sort=TaskSort.parse("-due_date"),
            limit=1,
            cursor=first.next_cursor,
        )
        assert "tasks.user_id = " in only_statement(harness, "SELECT")
