"""GET /api/{user_id}/tasks: filters, sort orders, keyset pagination and its 422s (API.md)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.api.conftest import Api
from tests.factories import new_user_id

_NEXT_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="next"')

Params = dict[str, Any]


async def list_tasks(api: Api, params: Params | None = None) -> httpx.Response:
    return await api.client.get(api.tasks, params=params, headers=api.auth())


async def listed(api: Api, params: Params | None = None) -> list[dict[str, Any]]:
    response = await list_tasks(api, params)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def listed_titles(api: Api, params: Params | None = None) -> list[str]:
    return [task["title"] for task in await listed(api, params)]


def next_link(response: httpx.Response) -> str | None:
    """The target of `Link: <...>; rel="next"`, or None when there is none."""
    match = _NEXT_LINK.search(response.headers.get("link", ""))
    return match.group(1) if match else None


def cursor_of(response: httpx.Response) -> str:
    link = next_link(response)
    assert link is not None, "expected a next link"
    return parse_qs(urlsplit(link).query)["cursor"][0]


async def first_cursor(api: Api, params: Params | None = None, *, tasks: int = 3) -> str:
    """A genuine cursor: `tasks` tasks, listed two to a page."""
    for number in range(tasks):
        await api.create(title=f"task {number}")
    return cursor_of(await list_tasks(api, {**(params or {}), "limit": 2}))


def assert_validation_problem(response: httpx.Response, *locs: tuple[str, str]) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 422
    assert all(set(error) >= {"loc", "msg"} for error in body["errors"])
    listed_locs = {tuple(error["loc"][:2]) for error in body["errors"]}
    assert listed_locs >= set(locs), body["errors"]


async def walk(
    api: Api,
    params: Params,
    between_pages: Callable[[int, list[int]], Awaitable[None]] | None = None,
) -> list[int]:
    """Every id seen following rel="next" from the first page; `between_pages(n, seen)` runs
    after page n is read."""
    seen: list[int] = []
    response = await list_tasks(api, params)
    page = 0
    while True:
        assert response.status_code == 200, response.text
        seen.extend(task["id"] for task in response.json())
        link = next_link(response)
        if link is None:
            return seen
        page += 1
        if between_pages is not None:
            await between_pages(page, seen)
        response = await api.client.get(link, headers=api.auth())


class TestListFilters:
    async def test_the_list_is_a_bare_json_array_of_tasks(self, api: Api) -> None:
        created = await api.create(title="Buy milk")
        assert await listed(api) == [created]

    async def test_an_empty_list_is_an_empty_array(self, api: Api) -> None:
        assert await listed(api) == []

    async def test_the_list_shows_only_the_callers_tasks(self, api: Api) -> None:
        other = new_user_id()
        await api.client.post(
            f"/api/{other}/tasks", json={"title": "Theirs"}, headers=api.auth(other)
        )
        await api.create(title="Mine")
        assert await listed_titles(api) == ["Mine"]

    async def test_status_pending_shows_only_open_tasks(self, api: Api) -> None:
        done = await api.create(title="Done")
        await api.create(title="Open")
        await api.client.patch(f"{api.tasks}/{done['id']}/complete", headers=api.auth())
        assert await listed_titles(api, {"status": "pending"}) == ["Open"]

    async def test_status_completed_shows_only_completed_tasks(self, api: Api) -> None:
        done = await api.create(title="Done")
        await api.create(title="Open")
        await api.client.patch(f"{api.tasks}/{done['id']}/complete", headers=api.auth())
        assert await listed_titles(api, {"status": "completed"}) == ["Done"]

    async def test_status_all_is_the_default(self, api: Api) -> None:
        done = await api.create(title="Done")
        await api.create(title="Open")
        await api.client.patch(f"{api.tasks}/{done['id']}/complete", headers=api.auth())
        everything = await listed_titles(api, {"status": "all"})
        assert sorted(everything) == ["Done", "Open"]
        assert await listed_titles(api) == everything

    async def test_priority_filter_keeps_that_priority_only(self, api: Api) -> None:
        await api.create(title="Low", priority="low")
        await api.create(title="High", priority="high")
        await api.create(title="Medium")
        assert await listed_titles(api, {"priority": "high"}) == ["High"]

    async def test_a_tag_filter_keeps_tasks_with_that_tag(self, api: Api) -> None:
        await api.create(title="Home", tags=["home"])
        await api.create(title="Work", tags=["work"])
        assert await listed_titles(api, {"tag": "home"}) == ["Home"]

    async def test_repeated_tags_must_all_match(self, api: Api) -> None:
        await api.create(title="Both", tags=["home", "errands"])
        await api.create(title="Home only", tags=["home"])
        await api.create(title="Errands only", tags=["errands"])
        assert await listed_titles(api, {"tag": ["home", "errands"]}) == ["Both"]

    async def test_a_tag_filter_is_trimmed_and_lower_cased(self, api: Api) -> None:
        await api.create(title="Home", tags=["home"])
        await api.create(title="Work", tags=["work"])
        assert await listed_titles(api, {"tag": " HOME "}) == ["Home"]

    async def test_q_matches_the_title_case_insensitively(self, api: Api) -> None:
        await api.create(title="Buy MILK")
        await api.create(title="Walk the dog")
        assert await listed_titles(api, {"q": "milk"}) == ["Buy MILK"]

    async def test_q_matches_the_description_case_insensitively(self, api: Api) -> None:
        await api.create(title="Shopping", description="Oat Milk and bread")
        await api.create(title="Walk the dog", description="around the park")
        assert await listed_titles(api, {"q": "oat milk"}) == ["Shopping"]

    async def test_q_is_a_substring_match(self, api: Api) -> None:
        await api.create(title="Repaint the garage")
        await api.create(title="Walk the dog")
        assert await listed_titles(api, {"q": "PAINT"}) == ["Repaint the garage"]

    async def test_due_after_is_inclusive(self, api: Api) -> None:
        await api.create(title="Earlier", due_date="2026-12-01T08:59:59Z")
        await api.create(title="On the bound", due_date="2026-12-01T09:00:00Z")
        await api.create(title="Later", due_date="2026-12-02T09:00:00Z")
        titles = await listed_titles(api, {"due_after": "2026-12-01T09:00:00Z", "sort": "due_date"})
        assert titles == ["On the bound", "Later"]

    async def test_due_before_is_exclusive(self, api: Api) -> None:
        await api.create(title="Earlier", due_date="2026-12-01T08:59:59Z")
        await api.create(title="On the bound", due_date="2026-12-01T09:00:00Z")
        titles = await listed_titles(api, {"due_before": "2026-12-01T09:00:00Z"})
        assert titles == ["Earlier"]

    async def test_due_after_and_due_before_make_a_half_open_range(self, api: Api) -> None:
        for day in range(1, 5):
            await api.create(title=f"Dec {day}", due_date=f"2026-12-0{day}T12:00:00Z")
        params = {
            "due_after": "2026-12-02T12:00:00Z",
            "due_before": "2026-12-04T12:00:00Z",
            "sort": "due_date",
        }
        assert await listed_titles(api, params) == ["Dec 2", "Dec 3"]

    async def test_a_due_bound_with_an_offset_is_compared_in_utc(self, api: Api) -> None:
        await api.create(title="Before", due_date="2026-12-01T07:59:00Z")
        await api.create(title="After", due_date="2026-12-01T08:00:00Z")
        titles = await listed_titles(api, {"due_after": "2026-12-01T09:00:00+01:00"})
        assert titles == ["After"]

    @pytest.mark.parametrize(
        "params",
        [
            {"due_after": "2000-01-01T00:00:00Z"},
            {"due_before": "2100-01-01T00:00:00Z"},
            {"due_after": "2000-01-01T00:00:00Z", "due_before": "2100-01-01T00:00:00Z"},
        ],
        ids=["due_after", "due_before", "both"],
    )
    async def test_tasks_without_a_due_date_never_match_a_due_filter(
        self, api: Api, params: Params
    ) -> None:
        await api.create(title="Dated", due_date="2026-12-01T09:00:00Z")
        await api.create(title="Undated")
        assert await listed_titles(api, params) == ["Dated"]

    async def test_filters_combine(self, api: Api) -> None:
        await api.create(title="Milk", priority="high", tags=["errands"])
        await api.create(title="Milk too", priority="low", tags=["errands"])
        await api.create(title="Bread", priority="high", tags=["errands"])
        await api.create(title="Milk at work", priority="high", tags=["work"])
        params = {"priority": "high", "tag": "errands", "q": "milk"}
        assert await listed_titles(api, params) == ["Milk"]


class TestListSorting:
    async def test_the_default_sort_is_newest_first(self, api: Api) -> None:
        for title in ("first", "second", "third"):
            await api.create(title=title)
            api.clock.advance(minutes=1)
        assert await listed_titles(api) == ["third", "second", "first"]

    async def test_sort_created_at_is_oldest_first(self, api: Api) -> None:
        for title in ("first", "second", "third"):
            await api.create(title=title)
            api.clock.advance(minutes=1)
        assert await listed_titles(api, {"sort": "created_at"}) == ["first", "second", "third"]

    async def test_created_at_ties_break_on_id_in_the_same_direction(self, api: Api) -> None:
        ids = [(await api.create(title=f"t{n}"))["id"] for n in range(3)]
        newest_first = [task["id"] for task in await listed(api, {"sort": "-created_at"})]
        oldest_first = [task["id"] for task in await listed(api, {"sort": "created_at"})]
        assert newest_first == sorted(ids, reverse=True)
        assert oldest_first == sorted(ids)

    async def test_sort_updated_at_follows_the_last_change(self, api: Api) -> None:
        older = await api.create(title="changed later")
        api.clock.advance(minutes=1)
        await api.create(title="untouched")
        api.clock.advance(minutes=1)
        await api.client.patch(
            f"{api.tasks}/{older['id']}", json={"priority": "high"}, headers=api.auth()
        )
        assert await listed_titles(api, {"sort": "updated_at"}) == ["untouched", "changed later"]
        assert await listed_titles(api, {"sort": "-updated_at"}) == [
            "changed later",
            "untouched",
        ]

    async def test_sort_due_date_puts_undated_tasks_last(self, api: Api) -> None:
        await api.create(title="undated")
        await api.create(title="Dec 2", due_date="2026-12-02T09:00:00Z")
        await api.create(title="Dec 1", due_date="2026-12-01T09:00:00Z")
        assert await listed_titles(api, {"sort": "due_date"}) == ["Dec 1", "Dec 2", "undated"]

    async def test_sort_minus_due_date_still_puts_undated_tasks_last(self, api: Api) -> None:
        await api.create(title="undated")
        await api.create(title="Dec 1", due_date="2026-12-01T09:00:00Z")
        await api.create(title="Dec 2", due_date="2026-12-02T09:00:00Z")
        assert await listed_titles(api, {"sort": "-due_date"}) == ["Dec 2", "Dec 1", "undated"]

    async def test_minus_due_date_breaks_ties_on_id_descending(self, api: Api) -> None:
        a = await api.create(title="a", due_date="2026-12-01T09:00:00Z")
        b = await api.create(title="b")
        c = await api.create(title="c", due_date="2026-12-02T09:00:00Z")
        d = await api.create(title="d", due_date="2026-12-01T09:00:00Z")
        e = await api.create(title="e")
        ids = [task["id"] for task in await listed(api, {"sort": "-due_date"})]
        assert ids == [c["id"], d["id"], a["id"], e["id"], b["id"]]

    async def test_due_date_breaks_ties_on_id_ascending(self, api: Api) -> None:
        a = await api.create(title="a", due_date="2026-12-01T09:00:00Z")
        b = await api.create(title="b")
        c = await api.create(title="c", due_date="2026-12-02T09:00:00Z")
        d = await api.create(title="d", due_date="2026-12-01T09:00:00Z")
        e = await api.create(title="e")
        ids = [task["id"] for task in await listed(api, {"sort": "due_date"})]
        assert ids == [a["id"], d["id"], c["id"], b["id"], e["id"]]

    async def test_sort_priority_runs_low_to_high(self, api: Api) -> None:
        await api.create(title="M", priority="medium")
        await api.create(title="H", priority="high")
        await api.create(title="L", priority="low")
        assert await listed_titles(api, {"sort": "priority"}) == ["L", "M", "H"]

    async def test_sort_minus_priority_runs_high_to_low(self, api: Api) -> None:
        await api.create(title="M", priority="medium")
        await api.create(title="L", priority="low")
        await api.create(title="H", priority="high")
        assert await listed_titles(api, {"sort": "-priority"}) == ["H", "M", "L"]

    async def test_priority_ties_break_on_id_in_the_same_direction(self, api: Api) -> None:
        first = await api.create(title="first", priority="high")
        second = await api.create(title="second", priority="high")
        ascending = [task["id"] for task in await listed(api, {"sort": "priority"})]
        descending = [task["id"] for task in await listed(api, {"sort": "-priority"})]
        assert ascending == [first["id"], second["id"]]
        assert descending == [second["id"], first["id"]]

    async def test_sort_title_is_alphabetical_ignoring_case(self, api: Api) -> None:
        for title in ("cherry", "Banana", "apple"):
            await api.create(title=title)
        assert await listed_titles(api, {"sort": "title"}) == ["apple", "Banana", "cherry"]

    async def test_sort_minus_title_is_reverse_alphabetical(self, api: Api) -> None:
        for title in ("cherry", "Banana", "apple"):
            await api.create(title=title)
        assert await listed_titles(api, {"sort": "-title"}) == ["cherry", "Banana", "apple"]

    async def test_title_ties_break_on_id_in_the_same_direction(self, api: Api) -> None:
        first = await api.create(title="Same")
        second = await api.create(title="same")
        ascending = [task["id"] for task in await listed(api, {"sort": "title"})]
        descending = [task["id"] for task in await listed(api, {"sort": "-title"})]
        assert ascending == [first["id"], second["id"]]
        assert descending == [second["id"], first["id"]]


class TestListPagination:
    async def test_limit_defaults_to_50(self, api: Api) -> None:
        for number in range(51):
            await api.create(title=f"task {number}")
        response = await list_tasks(api)
        assert len(response.json()) == 50
        assert next_link(response) is not None

    async def test_limit_caps_the_page(self, api: Api) -> None:
        for number in range(3):
            await api.create(title=f"task {number}")
        assert len(await listed(api, {"limit": 2})) == 2

    @pytest.mark.parametrize("limit", [1, 200])
    async def test_limits_at_the_bounds_are_accepted(self, api: Api, limit: int) -> None:
        await api.create()
        response = await list_tasks(api, {"limit": limit})
        assert response.status_code == 200

    async def test_a_page_with_more_rows_after_it_links_to_the_next(self, api: Api) -> None:
        for number in range(3):
            await api.create(title=f"task {number}")
        response = await list_tasks(api, {"limit": 2})
        assert next_link(response) is not None

    async def test_the_last_page_has_no_next_link(self, api: Api) -> None:
        for number in range(4):
            await api.create(title=f"task {number}")
        first = await list_tasks(api, {"limit": 2})
        second = await api.client.get(str(next_link(first)), headers=api.auth())
        assert len(second.json()) == 2
        assert next_link(second) is None

    async def test_a_list_that_fits_one_page_exactly_has_no_next_link(self, api: Api) -> None:
        for number in range(2):
            await api.create(title=f"task {number}")
        response = await list_tasks(api, {"limit": 2})
        assert len(response.json()) == 2
        assert "link" not in response.headers

    async def test_the_next_link_is_a_relative_url_to_the_same_list(self, api: Api) -> None:
        for number in range(3):
            await api.create(title=f"task {number}")
        link = next_link(await list_tasks(api, {"limit": 2}))
        assert link is not None
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.path) == ("", "", api.tasks)

    async def test_the_next_link_keeps_the_other_query_parameters(self, api: Api) -> None:
        for number in range(3):
            await api.create(title=f"task {number}", tags=["home", "errands"], priority="high")
        params = {
            "status": "pending",
            "priority": "high",
            "tag": ["home", "errands"],
            "q": "task",
            "sort": "title",
            "limit": 2,
        }
        link = next_link(await list_tasks(api, params))
        assert link is not None
        query = parse_qs(urlsplit(link).query)
        assert query.pop("cursor")
        assert query == {
            "status": ["pending"],
            "priority": ["high"],
            "tag": ["home", "errands"],
            "q": ["task"],
            "sort": ["title"],
            "limit": ["2"],
        }

    async def test_following_the_next_link_gives_the_following_rows(self, api: Api) -> None:
        for number in range(5):
            await api.create(title=f"task {number}")
        seen = await walk(api, {"sort": "title", "limit": 2})
        everything = [task["id"] for task in await listed(api, {"sort": "title"})]
        assert seen == everything

    async def test_following_links_keeps_the_filter(self, api: Api) -> None:
        for number in range(5):
            await api.create(title=f"home {number}", tags=["home"])
            await api.create(title=f"work {number}", tags=["work"])
        seen = await walk(api, {"tag": "home", "limit": 2})
        homes = [task["id"] for task in await listed(api, {"tag": "home"})]
        assert seen == homes
        assert len(seen) == 5

    async def test_paging_through_undated_tasks_under_minus_due_date(self, api: Api) -> None:
        for number in range(3):
            await api.create(title=f"dated {number}", due_date=f"2026-12-0{number + 1}T09:00:00Z")
            await api.create(title=f"undated {number}")
        seen = await walk(api, {"sort": "-due_date", "limit": 2})
        assert seen == [task["id"] for task in await listed(api, {"sort": "-due_date"})]

    @pytest.mark.parametrize("sort", ["-created_at", "title"])
    async def test_pages_neither_skip_nor_repeat_while_tasks_come_and_go(
        self, api: Api, sort: str
    ) -> None:
        titles: dict[int, str] = {}
        for number in range(12):
            task = await api.create(title=f"m{number:02d}")
            titles[int(task["id"])] = str(task["title"])
            api.clock.advance(minutes=1)
        originals = set(titles)
        deleted: set[int] = set()
        pages_read: list[int] = []

        async def churn(page: int, seen: list[int]) -> None:
            pages_read.append(page)
            # new rows before, right after the cursor's row, and after everything
            for title in (f"a{page}", f"{titles[seen[-1]]} again", f"z{page}"):
                created = await api.create(title=title)
                titles[int(created["id"])] = title
                api.clock.advance(minutes=1)
            # delete the cursor's own row and an original not read yet
            unread = sorted(originals - set(seen) - deleted)
            targets = {seen[-1], *unread[len(unread) // 2 :][:1]} - deleted
            for task_id in targets:
                response = await api.client.delete(f"{api.tasks}/{task_id}", headers=api.auth())
                assert response.status_code == 204
            deleted.update(targets)

        seen = await walk(api, {"sort": sort, "limit": 3}, churn)

        assert len(pages_read) >= 3, "the walk should span several pages"
        assert len(seen) == len(set(seen)), "a task was listed twice"
        existed_throughout = originals - deleted
        assert existed_throughout - set(seen) == set(), "a task was skipped"


class TestListValidation:
    @pytest.mark.parametrize("limit", [0, 201, -1])
    async def test_a_limit_outside_1_to_200_is_a_422(self, api: Api, limit: int) -> None:
        response = await list_tasks(api, {"limit": limit})
        assert_validation_problem(response, ("query", "limit"))

    async def test_a_non_numeric_limit_is_a_422(self, api: Api) -> None:
        response = await list_tasks(api, {"limit": "ten"})
        assert_validation_problem(response, ("query", "limit"))

    async def test_an_unknown_status_is_a_422(self, api: Api) -> None:
        response = await list_tasks(api, {"status": "archived"})
        assert_validation_problem(response, ("query", "status"))

    async def test_an_unknown_priority_is_a_422(self, api: Api) -> None:
        response = await list_tasks(api, {"priority": "urgent"})
        assert_validation_problem(response, ("query", "priority"))

    @pytest.mark.parametrize("sort", ["id", "--title", "description", "+title"])
    async def test_an_unknown_sort_is_a_422(self, api: Api, sort: str) -> None:
        response = await list_tasks(api, {"sort": sort})
        assert_validation_problem(response, ("query", "sort"))

    async def test_a_malformed_due_before_is_a_422(self, api: Api) -> None:
        response = await list_tasks(api, {"due_before": "next tuesday"})
        assert_validation_problem(response, ("query", "due_before"))

    async def test_a_malformed_due_after_is_a_422(self, api: Api) -> None:
        response = await list_tasks(api, {"due_after": "2026-13-45T99:00:00Z"})
        assert_validation_problem(response, ("query", "due_after"))

    async def test_a_blank_tag_is_a_422(self, api: Api) -> None:
        response = await list_tasks(api, {"tag": "   "})
        assert_validation_problem(response, ("query", "tag"))

    async def test_every_bad_parameter_is_listed(self, api: Api) -> None:
        params = {
            "limit": 0,
            "status": "archived",
            "priority": "urgent",
            "sort": "id",
            "due_before": "soon",
        }
        response = await list_tasks(api, params)
        assert_validation_problem(
            response,
            ("query", "limit"),
            ("query", "status"),
            ("query", "priority"),
            ("query", "sort"),
            ("query", "due_before"),
        )
        assert len(response.json()["errors"]) == 5

    async def test_a_bad_cursor_is_listed_with_other_bad_parameters(self, api: Api) -> None:
        response = await list_tasks(api, {"limit": 0, "cursor": "garbage"})
        assert_validation_problem(response, ("query", "limit"), ("query", "cursor"))

    async def test_a_blank_tag_is_listed_with_other_bad_parameters(self, api: Api) -> None:
        response = await list_tasks(api, {"limit": 0, "tag": "  "})
        assert_validation_problem(response, ("query", "limit"), ("query", "tag"))

    @pytest.mark.parametrize("cursor", ["garbage", "!!!", "e30", "bnVsbA", "W10"])
    async def test_a_garbage_cursor_is_a_422(self, api: Api, cursor: str) -> None:
        response = await list_tasks(api, {"cursor": cursor})
        assert_validation_problem(response, ("query", "cursor"))

    async def test_a_cursor_with_a_flipped_character_is_a_422(self, api: Api) -> None:
        cursor = await first_cursor(api)
        doctored = ("f" if cursor[0] != "f" else "g") + cursor[1:]
        response = await list_tasks(api, {"limit": 2, "cursor": doctored})
        assert_validation_problem(response, ("query", "cursor"))

    async def test_no_single_character_change_to_a_cursor_reveals_other_rows(
        self, api: Api
    ) -> None:
        other = new_user_id()
        await api.client.post(
            f"/api/{other}/tasks", json={"title": "Theirs"}, headers=api.auth(other)
        )
        cursor = await first_cursor(api)
        mine = {task["id"] for task in await listed(api)}
        for position, char in enumerate(cursor):
            doctored = cursor[:position] + ("B" if char == "A" else "A") + cursor[position + 1 :]
            response = await list_tasks(api, {"limit": 2, "cursor": doctored})
            assert response.status_code in (200, 422), (position, response.text)
            if response.status_code == 200:
                assert {task["id"] for task in response.json()} <= mine, position

    @pytest.mark.parametrize(
        "other_query",
        [
            {"status": "pending"},
            {"q": "task"},
            {"tag": "home"},
            {"sort": "created_at"},
            {"sort": "updated_at"},
        ],
        ids=["status", "q", "tag", "reversed-sort", "other-sort"],
    )
    async def test_a_cursor_reused_under_another_query_is_a_422(
        self, api: Api, other_query: Params
    ) -> None:
        cursor = await first_cursor(api)
        response = await list_tasks(api, {**other_query, "limit": 2, "cursor": cursor})
        assert_validation_problem(response, ("query", "cursor"))

    async def test_a_cursor_from_a_filtered_list_is_a_422_without_the_filter(
        self, api: Api
    ) -> None:
        cursor = await first_cursor(api, {"q": "task"})
        response = await list_tasks(api, {"limit": 2, "cursor": cursor})
        assert_validation_problem(response, ("query", "cursor"))

    async def test_another_users_cursor_is_a_422(self, api: Api) -> None:
        other = new_user_id()
        for number in range(3):
            await api.client.post(
                f"/api/{other}/tasks", json={"title": f"theirs {number}"}, headers=api.auth(other)
            )
        theirs = await api.client.get(
            f"/api/{other}/tasks", params={"limit": 2}, headers=api.auth(other)
        )
        await api.create(title="mine")
        response = await list_tasks(api, {"limit": 2, "cursor": cursor_of(theirs)})
        assert_validation_problem(response, ("query", "cursor"))

    async def test_a_cursor_still_works_with_another_limit(self, api: Api) -> None:
        cursor = await first_cursor(api, tasks=5)
        response = await list_tasks(api, {"limit": 3, "cursor": cursor})
        assert response.status_code == 200
        assert len(response.json()) == 3
