"""Sort keys and the opaque cursors that carry a keyset position between pages."""

from __future__ import annotations

import base64
import json
from datetime import timedelta, timezone

import pytest

from application.errors import InvalidCursorError
from application.listing import (
    Keyset,
    SortField,
    SortValue,
    StatusFilter,
    TaskFilter,
    TaskSort,
    decode_cursor,
    encode_cursor,
    fingerprint,
)
from domain.tasks import Priority, Task
from tests.factories import T0, at, make_fields, new_user_id


def token_of(data: object) -> str:
    """A hand-made cursor: `data` as JSON, URL-safe base64 without padding."""
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def bound(sort: TaskSort, user_id: str | None = None) -> str:
    return fingerprint(user_id or new_user_id(), TaskFilter(), sort)


BY_TITLE = TaskSort(SortField.TITLE, descending=False)
NEWEST_FIRST = TaskSort()
BOUND = "<the fingerprint of the query>"


class TestTaskSort:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("title", TaskSort(SortField.TITLE, descending=False)),
            ("-due_date", TaskSort(SortField.DUE_DATE, descending=True)),
            ("priority", TaskSort(SortField.PRIORITY, descending=False)),
            ("-updated_at", TaskSort(SortField.UPDATED_AT, descending=True)),
        ],
    )
    def test_parse_reads_field_and_direction(self, text: str, expected: TaskSort) -> None:
        assert TaskSort.parse(text) == expected

    @pytest.mark.parametrize("text", [f"{sign}{f.value}" for f in SortField for sign in ("", "-")])
    def test_str_is_the_inverse_of_parse(self, text: str) -> None:
        assert str(TaskSort.parse(text)) == text

    @pytest.mark.parametrize("text", ["colour", "", "-", "--title", "Title", "id"])
    def test_parse_of_an_unknown_key_raises_value_error(self, text: str) -> None:
        with pytest.raises(ValueError, match="is not a valid SortField"):
            TaskSort.parse(text)

    def test_the_default_is_newest_first(self) -> None:
        assert str(TaskSort()) == "-created_at"

    def test_value_of_priority_is_its_rank(self) -> None:
        task = Task.new(task_id=1, user_id="u", fields=make_fields(priority=Priority.HIGH), at=T0)
        assert TaskSort.parse("priority").value_of(task) == Priority.HIGH.rank

    def test_value_of_title_ignores_case(self) -> None:
        task = Task.new(task_id=1, user_id="u", fields=make_fields(title="Straße"), at=T0)
        assert TaskSort.parse("title").value_of(task) == "strasse"


class TestCursorRoundTrip:
    @pytest.mark.parametrize(
        ("sort", "value"),
        [
            (TaskSort(SortField.CREATED_AT), at(3)),
            (TaskSort(SortField.UPDATED_AT, descending=False), at(-3)),
            (TaskSort(SortField.DUE_DATE), at(60 * 24 * 400)),
            (TaskSort(SortField.DUE_DATE, descending=False), None),
            (TaskSort(SortField.PRIORITY), 3),
            (TaskSort(SortField.TITLE, descending=False), "buy milk ✓ «quoted»"),
            (TaskSort(SortField.TITLE), ""),
        ],
        ids=["created_at", "updated_at", "due_date", "due_date-none", "priority", "title", "empty"],
    )
    def test_a_cursor_decodes_to_the_keyset_it_was_made_from(
        self, sort: TaskSort, value: SortValue
    ) -> None:
        bound_to = bound(sort)
        keyset = Keyset(value, 42)
        token = encode_cursor(keyset, bound_to=bound_to)
        assert decode_cursor(token, bound_to=bound_to, sort=sort) == keyset

    def test_a_cursor_is_url_safe_and_unpadded(self) -> None:
        token = encode_cursor(Keyset("??>>~~", 7), bound_to=bound(BY_TITLE))
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    def test_a_datetime_with_an_offset_comes_back_in_utc(self) -> None:
        bound_to = bound(NEWEST_FIRST)
        local = T0.astimezone(timezone(timedelta(hours=-5)))
        token = encode_cursor(Keyset(local, 1), bound_to=bound_to)
        decoded = decode_cursor(token, bound_to=bound_to, sort=NEWEST_FIRST)
        assert decoded.value == T0
        assert decoded.value == local
        assert isinstance(decoded.value, type(T0))
        assert decoded.value.utcoffset() == timedelta(0)


class TestForeignCursors:
    def test_a_cursor_for_another_user_is_refused(self) -> None:
        token = encode_cursor(Keyset(at(1), 1), bound_to=bound(NEWEST_FIRST, new_user_id()))
        with pytest.raises(InvalidCursorError):
            decode_cursor(token, bound_to=bound(NEWEST_FIRST, new_user_id()), sort=NEWEST_FIRST)

    def test_a_cursor_for_another_filter_is_refused(self) -> None:
        user_id = new_user_id()
        pending = fingerprint(user_id, TaskFilter(status=StatusFilter.PENDING), NEWEST_FIRST)
        done = fingerprint(user_id, TaskFilter(status=StatusFilter.COMPLETED), NEWEST_FIRST)
        token = encode_cursor(Keyset(at(1), 1), bound_to=pending)
        with pytest.raises(InvalidCursorError):
            decode_cursor(token, bound_to=done, sort=NEWEST_FIRST)

    def test_a_cursor_for_another_sort_is_refused(self) -> None:
        user_id = new_user_id()
        oldest_first = TaskSort(SortField.CREATED_AT, descending=False)
        token = encode_cursor(Keyset(at(1), 1), bound_to=bound(NEWEST_FIRST, user_id))
        with pytest.raises(InvalidCursorError):
            decode_cursor(token, bound_to=bound(oldest_first, user_id), sort=oldest_first)

    def test_the_fingerprint_depends_on_user_filter_and_sort(self) -> None:
        user_id = new_user_id()
        prints = {
            fingerprint(user_id, TaskFilter(), NEWEST_FIRST),
            fingerprint(new_user_id(), TaskFilter(), NEWEST_FIRST),
            fingerprint(user_id, TaskFilter(tags=("home",)), NEWEST_FIRST),
            fingerprint(user_id, TaskFilter(), BY_TITLE),
        }
        assert len(prints) == 4


class TestMalformedCursors:
    @pytest.mark.parametrize(
        "token",
        ["garbage", "!!!!", "a", "", "éé", "eyJr"],
        ids=["word", "non-base64", "one-char", "empty", "non-ascii", "cut-json"],
    )
    def test_garbage_is_refused(self, token: str) -> None:
        with pytest.raises(InvalidCursorError):
            decode_cursor(token, bound_to=bound(NEWEST_FIRST), sort=NEWEST_FIRST)

    def test_a_truncated_cursor_is_refused(self) -> None:
        bound_to = bound(NEWEST_FIRST)
        token = encode_cursor(Keyset(at(1), 12), bound_to=bound_to)
        with pytest.raises(InvalidCursorError):
            decode_cursor(token[: len(token) // 2], bound_to=bound_to, sort=NEWEST_FIRST)

    def test_bytes_that_are_not_utf8_are_refused(self) -> None:
        token = base64.urlsafe_b64encode(b"\xff\xfe{}").decode()
        with pytest.raises(InvalidCursorError):
            decode_cursor(token, bound_to=bound(NEWEST_FIRST), sort=NEWEST_FIRST)

    @pytest.mark.parametrize(
        "shape",
        [
            [1, 2, 3],
            "text",
            None,
            {"i": 1, "q": BOUND},
            {"k": ["v", "a"], "q": BOUND},
            {"k": ["v", "a"], "i": 1},
            {"k": ["v"], "i": 1, "q": BOUND},
            {"k": ["v", "a", "b"], "i": 1, "q": BOUND},
            {"k": None, "i": 1, "q": BOUND},
            {"k": ["t", 5], "i": 1, "q": BOUND},
            {"k": ["t", "not a date"], "i": 1, "q": BOUND},
        ],
        ids=[
            "list",
            "string",
            "null",
            "no-k",
            "no-i",
            "no-q",
            "short-k",
            "long-k",
            "null-k",
            "t-int",
            "t-text",
        ],
    )
    def test_a_wrong_json_shape_is_refused(self, shape: object) -> None:
        bound_to = bound(BY_TITLE)
        if isinstance(shape, dict):
            shape = {key: bound_to if value == BOUND else value for key, value in shape.items()}
        with pytest.raises(InvalidCursorError):
            decode_cursor(token_of(shape), bound_to=bound_to, sort=BY_TITLE)

    def test_a_value_pair_given_as_a_string_is_refused(self) -> None:
        bound_to = bound(BY_TITLE)
        with pytest.raises(InvalidCursorError):
            decode_cursor(
                token_of({"k": "vx", "i": 1, "q": bound_to}), bound_to=bound_to, sort=BY_TITLE
            )

    def test_deeply_nested_json_is_refused(self) -> None:
        token = token_of_raw("[" * 1000)
        with pytest.raises(InvalidCursorError):
            decode_cursor(token, bound_to=bound(NEWEST_FIRST), sort=NEWEST_FIRST)

    @pytest.mark.parametrize("row_id", [True, "7", 7.0, None])
    def test_an_id_that_is_not_an_integer_is_refused(self, row_id: object) -> None:
        bound_to = bound(BY_TITLE)
        token = token_of({"k": ["v", "a"], "i": row_id, "q": bound_to})
        with pytest.raises(InvalidCursorError):
            decode_cursor(token, bound_to=bound_to, sort=BY_TITLE)

    @pytest.mark.parametrize(
        ("sort", "typed_value"),
        [
            (NEWEST_FIRST, ["v", "2026-11-22T10:00:00+00:00"]),
            (NEWEST_FIRST, ["v", None]),
            (TaskSort(SortField.DUE_DATE), ["v", 3]),
            (TaskSort(SortField.PRIORITY), ["v", "high"]),
            (TaskSort(SortField.PRIORITY), ["v", True]),
            (TaskSort(SortField.PRIORITY), ["v", 2.5]),
            (TaskSort(SortField.PRIORITY), ["v", None]),
            (BY_TITLE, ["v", 3]),
            (BY_TITLE, ["t", "2026-11-22T10:00:00+00:00"]),
            (BY_TITLE, ["v", ["a"]]),
        ],
        ids=[
            "created_at-text",
            "created_at-null",
            "due_date-int",
            "priority-text",
            "priority-bool",
            "priority-float",
            "priority-null",
            "title-int",
            "title-datetime",
            "title-list",
        ],
    )
    def test_a_value_of_the_wrong_type_for_the_sort_is_refused(
        self, sort: TaskSort, typed_value: list[object]
    ) -> None:
        bound_to = bound(sort)
        token = token_of({"k": typed_value, "i": 1, "q": bound_to})
        with pytest.raises(InvalidCursorError):
            decode_cursor(token, bound_to=bound_to, sort=sort)


def token_of_raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()
