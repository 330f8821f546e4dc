"""The rules of a task's fields, completion and recurrence: pure domain, no adapters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.errors import InvalidTaskError
from domain.tasks import Priority, Recurrence, Task, TaskFields, TaskPatch
from tests.factories import T0, at, make_fields, new_user_id


def make_task(**overrides: Any) -> Task:
    """A fresh pending task at version 1, created at T0, with `overrides` as its fields."""
    return Task.new(task_id=1, user_id=new_user_id(), fields=make_fields(**overrides), at=T0)


def completed(task: Task, *, when: datetime) -> Task:
    return task.patched(TaskPatch(completed=True), at=when)


def failing_fields(error: pytest.ExceptionInfo[InvalidTaskError]) -> set[str]:
    return {issue.field for issue in error.value.issues}


class TestTitle:
    def test_surrounding_whitespace_is_trimmed(self) -> None:
        assert make_fields(title="  Buy milk \n").title == "Buy milk"

    @pytest.mark.parametrize("title", ["", "   ", "\t\n"])
    def test_a_blank_title_is_refused(self, title: str) -> None:
        with pytest.raises(InvalidTaskError) as error:
            make_fields(title=title)
        assert failing_fields(error) == {"title"}

    def test_exactly_200_characters_is_accepted(self) -> None:
        assert len(make_fields(title="x" * 200).title) == 200

    def test_201_characters_are_refused(self) -> None:
        with pytest.raises(InvalidTaskError) as error:
            make_fields(title="x" * 201)
        assert failing_fields(error) == {"title"}

    def test_the_length_is_counted_after_trimming(self) -> None:
        assert make_fields(title="  " + "x" * 200 + "  ").title == "x" * 200


class TestDescription:
    def test_1000_characters_are_accepted(self) -> None:
        assert make_fields(description="d" * 1000).description == "d" * 1000

    def test_1001_characters_are_refused(self) -> None:
        with pytest.raises(InvalidTaskError) as error:
            make_fields(description="d" * 1001)
        assert failing_fields(error) == {"description"}

    def test_it_is_optional(self) -> None:
        assert make_fields().description is None


class TestTags:
    def test_tags_are_trimmed_and_lower_cased(self) -> None:
        assert make_fields(tags=[" Home ", "ERRANDS"]).tags == ("home", "errands")

    def test_duplicates_are_removed_keeping_the_first_in_order(self) -> None:
        fields = make_fields(tags=["b", "A", "home", "a", " B"])
        assert fields.tags == ("b", "a", "home")

    def test_20_tags_are_accepted(self) -> None:
        assert len(make_fields(tags=[f"t{i}" for i in range(20)]).tags) == 20

    def test_21_tags_are_refused(self) -> None:
        with pytest.raises(InvalidTaskError) as error:
            make_fields(tags=[f"t{i}" for i in range(21)])
        assert failing_fields(error) == {"tags"}

    def test_duplicates_do_not_count_towards_the_limit(self) -> None:
        tags = [f"t{i}" for i in range(20)] + ["T0"]
        assert len(make_fields(tags=tags).tags) == 20

    @pytest.mark.parametrize("tag", ["", "   ", "x" * 51])
    def test_a_blank_or_51_character_tag_is_refused(self, tag: str) -> None:
        with pytest.raises(InvalidTaskError) as error:
            make_fields(tags=["home", tag])
        assert failing_fields(error) == {"tags"}

    def test_a_50_character_tag_is_accepted(self) -> None:
        assert make_fields(tags=[" " + "x" * 50 + " "]).tags == ("x" * 50,)


class TestSeveralBadFields:
    def test_every_failing_field_is_listed(self) -> None:
        with pytest.raises(InvalidTaskError) as error:
            TaskFields(title=" ", description="d" * 1001, tags=("x" * 51,))
        assert failing_fields(error) == {"title", "description", "tags"}

    def test_a_recurrence_issue_is_listed_with_the_field_issues(self) -> None:
        with pytest.raises(InvalidTaskError) as error:
            TaskFields(title="", recurring=True)
        assert failing_fields(error) == {"title", "recurring_pattern"}


class TestDueDate:
    def test_a_naive_due_date_is_taken_as_utc(self) -> None:
        fields = make_fields(due_date=T0.replace(tzinfo=None))
        assert fields.due_date == T0
        assert fields.due_date is not None
        assert fields.due_date.tzinfo is UTC

    def test_an_offset_is_converted_to_utc(self) -> None:
        paris = timezone(timedelta(hours=1))
        fields = make_fields(due_date=datetime(2026, 11, 22, 11, 0, tzinfo=paris))
        assert fields.due_date is not None
        assert fields.due_date.tzinfo is UTC
        assert fields.due_date.hour == 10

    def test_a_patch_converts_its_due_date_to_utc(self) -> None:
        patch = TaskPatch(due_date=T0.replace(tzinfo=None))
        assert patch.due_date == T0
        assert isinstance(patch.due_date, datetime)
        assert patch.due_date.tzinfo is UTC


class TestRecurringFlag:
    def test_recurring_without_a_pattern_is_refused(self) -> None:
        with pytest.raises(InvalidTaskError) as error:
            make_fields(recurring=True)
        assert failing_fields(error) == {"recurring_pattern"}

    def test_a_pattern_without_recurring_is_refused(self) -> None:
        with pytest.raises(InvalidTaskError) as error:
            make_fields(recurring_pattern=Recurrence.DAILY)
        assert failing_fields(error) == {"recurring_pattern"}

    def test_recurring_with_a_pattern_is_accepted(self) -> None:
        fields = make_fields(recurring=True, recurring_pattern=Recurrence.WEEKLY)
        assert fields.recurring_pattern is Recurrence.WEEKLY


class TestRecurrence:
    def test_daily_is_one_day_later_at_the_same_time(self) -> None:
        assert Recurrence.DAILY.after(T0) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def test_weekly_is_seven_days_later(self) -> None:
        assert Recurrence.WEEKLY.after(T0) == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)

    def test_monthly_keeps_the_day_of_month(self) -> None:
        assert Recurrence.MONTHLY.after(T0) == datetime(2026, 12, 22, 10, 0, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("year", "expected_day"), [(2027, 28), (2028, 29)], ids=["common", "leap"]
    )
    def test_monthly_from_january_31_clamps_to_the_end_of_february(
        self, year: int, expected_day: int
    ) -> None:
        moment = datetime(year, 1, 31, 9, 30, tzinfo=UTC)
        assert Recurrence.MONTHLY.after(moment) == datetime(
            year, 2, expected_day, 9, 30, tzinfo=UTC
        )

    def test_monthly_from_december_is_january_of_next_year(self) -> None:
        moment = datetime(2026, 12, 31, 8, 0, tzinfo=UTC)
        assert Recurrence.MONTHLY.after(moment) == datetime(2027, 1, 31, 8, 0, tzinfo=UTC)


class TestNextOccurrence:
    def test_it_is_due_one_interval_after_the_due_date(self) -> None:
        task = make_task(
            due_date=T0, recurring=True, recurring_pattern=Recurrence.DAILY, tags=["home"]
        )
        following = completed(task, when=at(90)).next_occurrence()
        assert following == make_fields(
            due_date=T0 + timedelta(days=1),
            recurring=True,
            recurring_pattern=Recurrence.DAILY,
            tags=["home"],
        )

    def test_without_a_due_date_it_counts_from_the_completion_time(self) -> None:
        task = make_task(recurring=True, recurring_pattern=Recurrence.WEEKLY)
        following = completed(task, when=at(90)).next_occurrence()
        assert following is not None
        assert following.due_date == at(90) + timedelta(weeks=1)

    def test_a_non_recurring_task_has_none(self) -> None:
        assert completed(make_task(due_date=T0), when=at(1)).next_occurrence() is None

    def test_a_pending_recurring_task_has_none(self) -> None:
        task = make_task(due_date=T0, recurring=True, recurring_pattern=Recurrence.DAILY)
        assert task.next_occurrence() is None


class TestPatched:
    def test_a_change_bumps_the_version_once_and_moves_updated_at(self) -> None:
        task = make_task()
        changed = task.patched(TaskPatch(title="Buy bread", priority=Priority.HIGH), at=at(5))
        assert (changed.title, changed.priority) == ("Buy bread", Priority.HIGH)
        assert changed.version == task.version + 1
        assert changed.updated_at == at(5)
        assert changed.created_at == T0

    def test_a_patch_that_changes_nothing_returns_the_same_object(self) -> None:
        task = make_task(tags=["home"])
        patch = TaskPatch(title="  Buy milk ", tags=("HOME",), priority=Priority.MEDIUM)
        assert task.patched(patch, at=at(5)) is task

    def test_an_empty_patch_returns_the_same_object(self) -> None:
        task = make_task()
        assert task.patched(TaskPatch(), at=at(5)) is task

    def test_completing_sets_completed_at(self) -> None:
        done = completed(make_task(), when=at(7))
        assert (done.completed, done.completed_at) == (True, at(7))

    def test_reopening_clears_completed_at(self) -> None:
        done = completed(make_task(), when=at(7))
        reopened = done.patched(TaskPatch(completed=False), at=at(8))
        assert (reopened.completed, reopened.completed_at) == (False, None)
        assert reopened.version == 3

    def test_recurring_false_clears_the_pattern(self) -> None:
        task = make_task(recurring=True, recurring_pattern=Recurrence.MONTHLY)
        changed = task.patched(TaskPatch(recurring=False), at=at(1))
        assert (changed.recurring, changed.recurring_pattern) == (False, None)

    def test_recurring_true_on_a_task_without_a_pattern_is_refused(self) -> None:
        with pytest.raises(InvalidTaskError):
            make_task().patched(TaskPatch(recurring=True), at=at(1))

    def test_an_explicit_null_clears_a_field(self) -> None:
        task = make_task(description="two litres", due_date=T0)
        changed = task.patched(TaskPatch(description=None, due_date=None), at=at(1))
        assert (changed.description, changed.due_date) == (None, None)

    def test_replacing_leaves_completion_alone_unless_sent(self) -> None:
        patch = TaskPatch.replacing(make_fields(title="New"))
        assert "completed" not in patch.changes()
        assert TaskPatch.replacing(make_fields(), completed=True).completed is True


class TestPriority:
    def test_rank_orders_low_below_medium_below_high(self) -> None:
        assert Priority.LOW.rank < Priority.MEDIUM.rank < Priority.HIGH.rank

    @pytest.mark.parametrize("priority", list(Priority))
    def test_from_rank_inverts_rank(self, priority: Priority) -> None:
        assert Priority.from_rank(priority.rank) is priority

    def test_the_default_is_medium(self) -> None:
        assert make_fields().priority is Priority.MEDIUM
