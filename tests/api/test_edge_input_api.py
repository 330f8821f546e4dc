"""Edge input found in review: every one is a clean 4xx (or a correct header), never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.conftest import Api, running_api, settings_for


class TestEdgeInput:
    @pytest.mark.parametrize("task_id", ["2147483648", "99999999999999999999", "0", "-1"])
    async def test_an_id_no_task_can_have_is_422(self, api: Api, task_id: str) -> None:
        response = await api.client.get(f"{api.tasks}/{task_id}", headers=api.auth())
        assert response.status_code == 422

    @pytest.mark.parametrize("tag", ['"99999999999999999999"', '"\u00b2"', '"7", "1"'])
    async def test_an_if_match_that_is_no_version_of_ours_is_412(self, api: Api, tag: str) -> None:
        task = await api.create()
        headers: dict[str, str | bytes] = {**api.auth(), "If-Match": tag.encode()}
        response = await api.client.delete(f"{api.tasks}/{task['id']}", headers=headers)
        assert response.status_code == 412

    @pytest.mark.parametrize(
        "body",
        [
            {"title": "a\u0000b"},
            {"title": "ok", "description": "x\u0000"},
            {"title": "ok", "tags": ["a\u0000"]},
            {"title": "ok", "due_date": "9999-12-31T23:00:00-05:00"},
            {"title": "ok", "due_date": "0001-01-01T00:00:00+01:00"},
        ],
    )
    async def test_unstorable_values_are_422(self, api: Api, body: dict[str, object]) -> None:
        response = await api.client.post(api.tasks, json=body, headers=api.auth())
        assert response.status_code == 422
        listed = await api.client.get(api.tasks, headers=api.auth())
        assert listed.json() == []

    async def test_a_lone_surrogate_in_a_title_is_422(self, api: Api) -> None:
        raw = b'{"title": "\\ud800"}'
        headers = {**api.auth(), "Content-Type": "application/json"}
        response = await api.client.post(api.tasks, content=raw, headers=headers)
        assert response.status_code == 422

    @pytest.mark.parametrize("query", ["q=%00", "due_after=9999-12-31T23:00:00-05:00"])
    async def test_unusable_list_parameters_are_422(self, api: Api, query: str) -> None:
        response = await api.client.get(f"{api.tasks}?{query}", headers=api.auth())
        assert response.status_code == 422

    @pytest.mark.parametrize("row_id", [10**20, 0])
    async def test_a_cursor_with_an_impossible_id_is_422(self, api: Api, row_id: int) -> None:
        await api.create()
        await api.create()
        first = await api.client.get(f"{api.tasks}?limit=1", headers=api.auth())
        token = first.headers["Link"].split("cursor=")[1].split(">")[0]
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        data["i"] = row_id
        doctored = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
        response = await api.client.get(
            f"{api.tasks}?limit=1&cursor={doctored}", headers=api.auth()
        )
        assert response.status_code == 422

    async def test_a_user_id_outside_latin_1_gets_percent_encoded_headers(self) -> None:
        async with running_api(settings_for(), user_id="用户 a;b") as api:
            response = await api.client.post(api.tasks, json={"title": "x"}, headers=api.auth())
            assert response.status_code == 201
            location = response.headers["Location"]
            assert location == f"/api/%E7%94%A8%E6%88%B7%20a%3Bb/tasks/{response.json()['id']}"
            again = await api.client.get(location, headers=api.auth())
            assert again.json() == response.json()

    async def test_a_user_id_over_255_characters_is_422(self) -> None:
        async with running_api(settings_for(), user_id="u" * 256) as api:
            response = await api.client.post(api.tasks, json={"title": "x"}, headers=api.auth())
        assert response.status_code == 422

    async def test_completing_a_task_recurring_past_year_9999_completes_it(self, api: Api) -> None:
        task = await api.create(
            recurring=True, recurring_pattern="daily", due_date="9999-12-31T12:00:00Z"
        )
        response = await api.client.patch(f"{api.tasks}/{task['id']}/complete", headers=api.auth())
        assert (response.status_code, response.json()["completed"]) == (200, True)
        assert "Link" not in response.headers


async def test_a_patch_lists_a_recurrence_conflict_with_other_bad_fields(api: Api) -> None:
    task = await api.create()
    body = {"title": "", "recurring": True, "recurring_pattern": None}
    response = await api.client.patch(f"{api.tasks}/{task['id']}", json=body, headers=api.auth())
    fields = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert fields == {("body", "title"), ("body", "recurring_pattern")}


async def test_head_answers_like_get_without_a_body(api: Api) -> None:
    task = await api.create()
    url = f"{api.tasks}/{task['id']}"
    response = await api.client.head(url, headers=api.auth())
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["ETag"] == '"1"'
    assert (await api.client.head("/health")).status_code == 200
