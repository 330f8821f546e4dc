"""Every adapter schedules a recurring task's next occurrence by the domain's rule, even
PostgreSQL, which computes it inside the completing statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.tasks import create_task, set_completion
from domain.tasks import Recurrence
from tests.contract.conftest import Harness
from tests.factories import at, in_unit, make_fields

CASES = [
    (Recurrence.DAILY, datetime(2027, 3, 27, 23, 30, tzinfo=UTC)),
    (Recurrence.WEEKLY, datetime(2027, 12, 29, 8, 0, tzinfo=UTC)),
    (Recurrence.MONTHLY, datetime(2027, 1, 31, 17, 0, tzinfo=UTC)),
    (Recurrence.MONTHLY, datetime(2028, 1, 31, 17, 0, tzinfo=UTC)),
    (Recurrence.MONTHLY, datetime(2027, 12, 15, 6, 45, 30, 250000, tzinfo=UTC)),
    (Recurrence.DAILY, None),
    (Recurrence.MONTHLY, None),
]


@pytest.mark.parametrize(("pattern", "due"), CASES)
async def test_the_next_occurrence_follows_the_domain_rule(
    harness: Harness, user_id: str, pattern: Recurrence, due: datetime | None
) -> None:
    fields = make_fields(recurring=True, recurring_pattern=pattern, due_date=due)
    task = await in_unit(harness.new_uow(), create_task, user_id=user_id, fields=fields, at=at(0))
    done = await in_unit(
        harness.new_uow(single_write=True),
        set_completion,
        user_id=user_id,
        task_id=task.id,
        completed=True,
        at=at(5),
    )
    expected = done.task.next_occurrence()
    assert expected is not None
    assert done.next is not None
    assert done.next.due_date == expected.due_date == pattern.after(due or at(5))
    assert (done.next.title, done.next.recurring_pattern, done.next.version) == (
        task.title,
        pattern,
        1,
    )


async def test_no_next_occurrence_past_the_end_of_the_calendar(
    harness: Harness, user_id: str
) -> None:
    last_day = datetime(9999, 12, 31, 12, 0, tzinfo=UTC)
    fields = make_fields(recurring=True, recurring_pattern=Recurrence.DAILY, due_date=last_day)
    task = await in_unit(harness.new_uow(), create_task, user_id=user_id, fields=fields, at=at(0))
    done = await in_unit(
        harness.new_uow(single_write=True),
        set_completion,
        user_id=user_id,
        task_id=task.id,
        completed=True,
        at=at(5),
    )
    assert (done.task.completed, done.next) == (True, None)
