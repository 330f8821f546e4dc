"""Inputs as API.md's "Representations" states them: strict types everywhere except the two
documented leniencies, bounded repeats, a 422 whose `detail` names its fields, no redirects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api, running_api, settings_for


class TestLooseTypesAreRefused:
    @pytest.mark.parametrize("value", ["yes", 1, "on", "true", 0])
    async def test_completed_must_be_a_json_boolean(self, api: Api, value: object) -> None:
        task = await api.create()
        url = f"{api.tasks}/{task['id']}"
        for method, path in (("PATCH", url), ("PATCH", f"{url}/complete"), ("PUT", url)):
            body = {"title": "Buy milk", "completed": value}
            response = await api.client.request(method, path, json=body, headers=api.auth())
            assert response.status_code == 422, (method, path)
        assert (await api.client.get(url, headers=api.auth())).json() == task

    @pytest.mark.parametrize("value", ["yes", 1, "on"])
    async def test_recurring_must_be_a_json_boolean(self, api: Api, value: object) -> None:
        body = {"title": "Gym", "recurring": value, "recurring_pattern": "daily"}
        response = await api.client.post(api.tasks, json=body, headers=api.auth())
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "recurring"]

    @pytest.mark.parametrize("value", [1700000000, 1700000000.5, "1700000000", True])
    async def test_a_due_date_must_be_an_iso_string(self, api: Api, value: object) -> None:
        body = {"title": "Pay rent", "due_date": value}
        response = await api.client.post(api.tasks, json=body, headers=api.auth())
        assert response.status_code == 422
        assert (await api.client.get(api.tasks, headers=api.auth())).json() == []

    @pytest.mark.parametrize(
        "query", ["due_before=0.5", "due_after=1700000000", "limit=1.0", "limit=%2B5", "limit=1_0"]
    )
    async def test_numbers_in_the_wrong_form_are_refused_in_queries(
        self, api: Api, query: str
    ) -> None:
        response = await api.client.get(f"{api.tasks}?{query}", headers=api.auth())
        assert response.status_code == 422

    @pytest.mark.parametrize("task_id", ["1.0", "%2B1", "1_0", "%201"])
    async def test_a_task_id_must_be_digits(self, api: Api, task_id: str) -> None:
        await api.create()
        response = await api.client.get(f"{api.tasks}/{task_id}", headers=api.auth())
        assert response.status_code == 422

    async def test_a_conversation_id_must_be_digits(self, api: Api) -> None:
        created = await api.client.post(api.conversations, json={}, headers=api.auth())
        assert created.status_code == 201
        response = await api.client.get(f"{api.conversations}/1.0", headers=api.auth())
        assert response.status_code == 422

    @pytest.mark.parametrize("value", [True, "1", 1.5])
    async def test_a_chat_conversation_id_must_be_an_integer(self, api: Api, value: object) -> None:
        body = {"conversation_id": value, "message": "show my tasks"}
        response = await api.client.post(api.chat, json=body, headers=api.auth())
        assert response.status_code == 422

    async def test_a_message_role_and_content_are_checked_like_any_body(self, api: Api) -> None:
        created = await api.client.post(api.conversations, json={}, headers=api.auth())
        url = f"{api.conversations}/{created.json()['id']}/messages"
        response = await api.client.post(url, json={"content": 5}, headers=api.auth())
        assert response.status_code == 422


class TestLeniencies:
    async def test_tags_may_be_one_comma_separated_string(self, api: Api) -> None:
        task = await api.create(tags="Home, errands,, home ")
        assert task["tags"] == ["home", "errands"]

    async def test_an_empty_tags_string_means_no_tags(self, api: Api) -> None:
        assert (await api.create(tags=""))["tags"] == []

    async def test_a_patch_may_send_tags_as_a_string_too(self, api: Api) -> None:
        task = await api.create()
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}", json={"tags": "work,urgent"}, headers=api.auth()
        )
        assert response.json()["tags"] == ["work", "urgent"]

    async def test_a_tags_string_over_50_characters_a_tag_is_refused(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks, json={"title": "x", "tags": "ok," + "a" * 51}, headers=api.auth()
        )
        assert response.status_code == 422

    async def test_status_incomplete_means_pending(self, api: Api) -> None:
        open_task = await api.create(title="Open")
        done = await api.create(title="Done")
        await api.client.patch(f"{api.tasks}/{done['id']}/complete", headers=api.auth())
        response = await api.client.get(f"{api.tasks}?status=incomplete", headers=api.auth())
        assert [task["id"] for task in response.json()] == [open_task["id"]]


class TestValidationDetail:
    async def test_the_detail_names_each_failing_field_with_its_message(self, api: Api) -> None:
        body = {"title": " ", "tags": [f"t{n}" for n in range(21)]}
        response = await api.client.post(api.tasks, json=body, headers=api.auth())
        assert response.json()["detail"] == "title: must not be blank; tags: at most 20 tags."

    async def test_a_type_error_is_named_in_the_detail(self, api: Api) -> None:
        task = await api.create()
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}", json={"completed": "yes"}, headers=api.auth()
        )
        assert response.json()["detail"] == "completed: Input should be a valid boolean."

    async def test_a_query_parameter_is_named_in_the_detail(self, api: Api) -> None:
        response = await api.client.get(f"{api.tasks}?limit=0&sort=up", headers=api.auth())
        detail = response.json()["detail"]
        assert detail.startswith("sort: ")
        assert "; limit: Input should be greater than or equal to 1." in detail


class TestBoundedRepeats:
    async def test_twenty_tag_filters_are_accepted(self, api: Api) -> None:
        query = "&".join(f"tag=t{n}" for n in range(20))
        response = await api.client.get(f"{api.tasks}?{query}", headers=api.auth())
        assert response.status_code == 200

    @pytest.mark.parametrize("count", [21, 1000])
    async def test_more_than_twenty_tag_filters_are_a_422(self, api: Api, count: int) -> None:
        query = "&".join(f"tag=t{n}" for n in range(count))
        response = await api.client.get(f"{api.tasks}?{query}", headers=api.auth())
        assert response.status_code == 422
        assert response.json()["detail"] == "tag: at most 20 tag filters."

    async def test_a_thousand_tag_filters_on_sqlite_are_a_422_not_a_500(
        self, tmp_path: Path
    ) -> None:
        settings = settings_for(persistence="sql", database_url=f"sqlite:///{tmp_path / 't.db'}")
        async with running_api(settings) as api:
            query = "&".join(f"tag=t{n}" for n in range(1000))
            response = await api.client.get(f"{api.tasks}?{query}", headers=api.auth())
        assert response.status_code == 422


class TestNoRedirects:
    @pytest.mark.parametrize("method", ["GET", "POST"])
    async def test_a_trailing_slash_is_a_404_problem_not_a_redirect(
        self, api: Api, method: str
    ) -> None:
        headers: dict[str, Any] = {**api.auth(), "Host": "evil.example"}
        response = await api.client.request(
            method, f"{api.tasks}/", json={"title": "x"}, headers=headers
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "location" not in response.headers

    async def test_a_trailing_slash_on_a_task_is_a_404(self, api: Api) -> None:
        task = await api.create()
        response = await api.client.get(f"{api.tasks}/{task['id']}/", headers=api.auth())
        assert (response.status_code, "location" in response.headers) == (404, False)
