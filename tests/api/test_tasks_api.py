"""Task routes as API.md writes them: status codes, headers, representations."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

ISO_T0 = "2026-11-22T10:00:00Z"


async def fetch(api: Api, task_id: object) -> dict[str, Any]:
    response = await api.client.get(f"{api.tasks}/{task_id}", headers=api.auth())
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


class TestCreateTask:
    async def test_answers_201_with_location_etag_and_defaults(self, api: Api) -> None:
        response = await api.client.post(api.tasks, json={"title": "Buy milk"}, headers=api.auth())
        assert response.status_code == 201
        task = response.json()
        assert response.headers["Location"] == f"{api.tasks}/{task['id']}"
        assert response.headers["ETag"] == '"1"'
        assert task == {
            "id": task["id"],
            "user_id": api.user_id,
            "title": "Buy milk",
            "description": None,
            "completed": False,
            "completed_at": None,
            "priority": "medium",
            "tags": [],
            "due_date": None,
            "recurring": False,
            "recurring_pattern": None,
            "created_at": ISO_T0,
            "updated_at": ISO_T0,
            "version": 1,
        }

    async def test_normalises_title_tags_and_due_date(self, api: Api) -> None:
        task = await api.create(
            title="  Buy milk  ",
            tags=[" Home", "errands", "home ", "ERRANDS"],
            due_date="2026-11-30T17:00:00",
        )
        assert task["title"] == "Buy milk"
        assert task["tags"] == ["home", "errands"]
        assert task["due_date"] == "2026-11-30T17:00:00Z"

    async def test_converts_an_offset_due_date_to_utc(self, api: Api) -> None:
        task = await api.create(due_date="2026-11-30T18:00:00+01:00")
        assert task["due_date"] == "2026-11-30T17:00:00Z"

    async def test_ignores_server_owned_and_unknown_fields(self, api: Api) -> None:
        task = await api.create(
            id=999,
            user_id="someone-else",
            version=7,
            completed_at="2020-01-01T00:00:00Z",
            created_at="2020-01-01T00:00:00Z",
            colour="blue",
        )
        assert task["id"] != 999
        assert (task["user_id"], task["version"]) == (api.user_id, 1)
        assert (task["created_at"], task["completed_at"]) == (ISO_T0, None)

    async def test_lists_every_failing_field_in_one_422(self, api: Api) -> None:
        body = {"title": " ", "description": "x" * 1001, "priority": "urgent", "tags": ["a"] * 0}
        body["tags"] = [f"t{n}" for n in range(21)]
        response = await api.client.post(api.tasks, json=body, headers=api.auth())
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        fields = {tuple(error["loc"]) for error in response.json()["errors"]}
        assert fields == {
            ("body", "title"),
            ("body", "description"),
            ("body", "priority"),
            ("body", "tags"),
        }

    async def test_refuses_a_title_over_200_characters(self, api: Api) -> None:
        response = await api.client.post(api.tasks, json={"title": "x" * 201}, headers=api.auth())
        assert response.status_code == 422

    async def test_accepts_a_title_of_exactly_200_characters(self, api: Api) -> None:
        assert (await api.create(title="x" * 200))["title"] == "x" * 200

    async def test_refuses_recurring_without_a_pattern(self, api: Api) -> None:
        response = await api.client.post(
            api.tasks, json={"title": "Gym", "recurring": True}, headers=api.auth()
        )
        assert response.status_code == 422
        assert ["body", "recurring_pattern"] in [e["loc"] for e in response.json()["errors"]]

    async def test_refuses_a_null_title(self, api: Api) -> None:
        response = await api.client.post(api.tasks, json={"title": None}, headers=api.auth())
        assert response.status_code == 422


class TestGetTask:
    async def test_carries_the_version_as_etag(self, api: Api) -> None:
        task = await api.create()
        response = await api.client.get(f"{api.tasks}/{task['id']}", headers=api.auth())
        assert response.headers["ETag"] == '"1"'

    async def test_a_non_numeric_id_is_a_validation_error(self, api: Api) -> None:
        response = await api.client.get(f"{api.tasks}/abc", headers=api.auth())
        assert response.status_code == 422


class TestReplaceTask:
    async def test_replaces_client_fields_and_defaults_the_rest(self, api: Api) -> None:
        task = await api.create(description="old", priority="high", tags=["a"])
        api.clock.advance(minutes=5)
        response = await api.client.put(
            f"{api.tasks}/{task['id']}", json={"title": "New"}, headers=api.auth()
        )
        assert response.status_code == 200
        replaced = response.json()
        assert (replaced["title"], replaced["description"]) == ("New", None)
        assert (replaced["priority"], replaced["tags"]) == ("medium", [])
        assert (replaced["version"], replaced["updated_at"]) == (2, "2026-11-22T10:05:00Z")
        assert response.headers["ETag"] == '"2"'

    async def test_keeps_completion_when_left_out(self, api: Api) -> None:
        task = await api.create()
        url = f"{api.tasks}/{task['id']}"
        await api.client.patch(f"{url}/complete", json={"completed": True}, headers=api.auth())
        response = await api.client.put(url, json={"title": "Renamed"}, headers=api.auth())
        assert response.json()["completed"] is True

    async def test_a_stale_if_match_gives_412_and_changes_nothing(self, api: Api) -> None:
        task = await api.create()
        url = f"{api.tasks}/{task['id']}"
        response = await api.client.put(
            url, json={"title": "Lost update"}, headers={**api.auth(), "If-Match": '"7"'}
        )
        assert response.status_code == 412
        assert response.headers["content-type"] == "application/problem+json"
        assert await fetch(api, task["id"]) == task

    async def test_a_matching_if_match_lets_the_write_through(self, api: Api) -> None:
        task = await api.create()
        response = await api.client.put(
            f"{api.tasks}/{task['id']}",
            json={"title": "Safe update"},
            headers={**api.auth(), "If-Match": '"1"'},
        )
        assert (response.status_code, response.json()["version"]) == (200, 2)


class TestPatchTask:
    async def test_changes_only_the_fields_sent(self, api: Api) -> None:
        task = await api.create(description="keep me", tags=["a"])
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}", json={"priority": "high"}, headers=api.auth()
        )
        patched = response.json()
        assert patched["priority"] == "high"
        assert (patched["description"], patched["tags"], patched["version"]) == (
            "keep me",
            ["a"],
            2,
        )

    async def test_null_clears_a_nullable_field(self, api: Api) -> None:
        task = await api.create(description="x", due_date="2026-12-01T00:00:00Z")
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}",
            json={"description": None, "due_date": None},
            headers=api.auth(),
        )
        assert (response.json()["description"], response.json()["due_date"]) == (None, None)

    async def test_a_patch_that_changes_nothing_keeps_the_version(self, api: Api) -> None:
        task = await api.create(title="Same")
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}", json={"title": " Same "}, headers=api.auth()
        )
        assert response.json() == task

    async def test_setting_a_pattern_on_a_task_that_does_not_recur_is_a_409_conflict(
        self, api: Api
    ) -> None:
        """Valid in itself, the change conflicts with the stored task (it does not recur)."""
        task = await api.create()
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}", json={"recurring_pattern": "daily"}, headers=api.auth()
        )
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/recurrence-conflict"
        assert await fetch(api, task["id"]) == task

    async def test_completing_by_patch_schedules_the_next_occurrence(self, api: Api) -> None:
        task = await api.create(
            recurring=True, recurring_pattern="daily", due_date="2026-11-22T09:00:00Z"
        )
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}", json={"completed": True}, headers=api.auth()
        )
        assert 'rel="next-occurrence"' in response.headers["Link"]


class TestCompleteTask:
    async def test_completes_with_an_explicit_body(self, api: Api) -> None:
        task = await api.create()
        api.clock.advance(minutes=1)
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}/complete", json={"completed": True}, headers=api.auth()
        )
        done = response.json()
        assert (response.status_code, done["completed"]) == (200, True)
        assert done["completed_at"] == "2026-11-22T10:01:00Z"
        assert response.headers["ETag"] == '"2"'
        assert "Link" not in response.headers

    async def test_an_empty_body_toggles(self, api: Api) -> None:
        task = await api.create()
        url = f"{api.tasks}/{task['id']}/complete"
        first = await api.client.patch(url, headers=api.auth())
        second = await api.client.patch(url, headers=api.auth())
        assert (first.json()["completed"], second.json()["completed"]) == (True, False)
        assert second.json()["completed_at"] is None

    async def test_completing_a_completed_task_leaves_it_alone(self, api: Api) -> None:
        task = await api.create()
        url = f"{api.tasks}/{task['id']}/complete"
        first = await api.client.patch(url, json={"completed": True}, headers=api.auth())
        api.clock.advance(minutes=3)
        again = await api.client.patch(url, json={"completed": True}, headers=api.auth())
        assert again.json() == first.json()

    async def test_a_monthly_task_due_jan_31_recurs_on_feb_28(self, api: Api) -> None:
        task = await api.create(
            recurring=True, recurring_pattern="monthly", due_date="2027-01-31T17:00:00Z"
        )
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}/complete", json={"completed": True}, headers=api.auth()
        )
        link = response.headers["Link"]
        assert link.endswith('>; rel="next-occurrence"')
        next_path = link[1 : link.index(">")]
        next_id = next_path.rsplit("/", 1)[1]
        assert next_path == f"{api.tasks}/{next_id}"
        follow_up = await fetch(api, next_id)
        assert follow_up["due_date"] == "2027-02-28T17:00:00Z"
        assert (follow_up["completed"], follow_up["recurring_pattern"]) == (False, "monthly")
        assert (follow_up["title"], follow_up["version"]) == (task["title"], 1)

    async def test_a_leap_year_february_keeps_the_29th(self, api: Api) -> None:
        task = await api.create(
            recurring=True, recurring_pattern="monthly", due_date="2028-01-31T00:00:00Z"
        )
        response = await api.client.patch(f"{api.tasks}/{task['id']}/complete", headers=api.auth())
        next_id = response.headers["Link"].split(">")[0].rsplit("/", 1)[1]
        assert (await fetch(api, next_id))["due_date"] == "2028-02-29T00:00:00Z"

    async def test_without_a_due_date_the_next_is_due_an_interval_after_completion(
        self, api: Api
    ) -> None:
        task = await api.create(recurring=True, recurring_pattern="weekly")
        api.clock.advance(minutes=30)
        response = await api.client.patch(f"{api.tasks}/{task['id']}/complete", headers=api.auth())
        next_id = response.headers["Link"].split(">")[0].rsplit("/", 1)[1]
        assert (await fetch(api, next_id))["due_date"] == "2026-11-29T10:30:00Z"

    async def test_a_non_boolean_completed_is_422(self, api: Api) -> None:
        task = await api.create()
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}/complete", json={"completed": "maybe"}, headers=api.auth()
        )
        assert response.status_code == 422


class TestDeleteTask:
    async def test_answers_204_and_the_task_is_gone(self, api: Api) -> None:
        task = await api.create()
        url = f"{api.tasks}/{task['id']}"
        response = await api.client.delete(url, headers=api.auth())
        assert (response.status_code, response.content) == (204, b"")
        assert (await api.client.get(url, headers=api.auth())).status_code == 404

    async def test_a_stale_if_match_keeps_the_task(self, api: Api) -> None:
        task = await api.create()
        url = f"{api.tasks}/{task['id']}"
        response = await api.client.delete(url, headers={**api.auth(), "If-Match": '"2"'})
        assert response.status_code == 412
        assert await fetch(api, task["id"]) == task

    async def test_a_weak_or_malformed_if_match_never_matches(self, api: Api) -> None:
        task = await api.create()
        url = f"{api.tasks}/{task['id']}"
        for tag in ('W/"1"', "1", '"one"'):
            response = await api.client.delete(url, headers={**api.auth(), "If-Match": tag})
            assert response.status_code == 412, tag


class TestOpenApi:
    async def test_documents_every_task_route_with_its_problems(self, api: Api) -> None:
        schema = (await api.client.get("/openapi.json")).json()
        paths = schema["paths"]
        tasks = paths["/api/{user_id}/tasks"]
        one = paths["/api/{user_id}/tasks/{task_id}"]
        assert set(tasks) >= {"get", "post"}
        assert set(one) >= {"get", "put", "patch", "delete"}
        assert "patch" in paths["/api/{user_id}/tasks/{task_id}/complete"]
        list_params = {p["name"] for p in tasks["get"]["parameters"]}
        assert list_params >= {
            "status", "priority", "tag", "q", "due_before", "due_after", "sort", "limit", "cursor"
        }  # fmt: skip
        problem = one["put"]["responses"]["412"]["content"]["application/problem+json"]
        assert problem["schema"]["$ref"] == "#/components/schemas/Problem"
        assert "Problem" in schema["components"]["schemas"]
