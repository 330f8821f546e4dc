"""The OpenAPI schema says what the service does: headers where they are sent, nullability as
enforced, one media type per error, and problem types that resolve."""

from __future__ import annotations

from typing import Any

import pytest

from entrypoints.api.errors import STATUS_OF
from tests.api.conftest import Api

TASK = "/api/{user_id}/tasks/{task_id}"
METHODS = {"get", "put", "post", "patch", "delete"}


async def schema_of(api: Api) -> dict[str, Any]:
    response = await api.client.get("/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


def responses_of(schema: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (path, method, status, response)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in METHODS
        for status, response in operation["responses"].items()
    ]


def headers_of(schema: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    headers: dict[str, Any] = schema["paths"][path][method]["responses"][status]["headers"]
    return headers


class TestDocumentedHeaders:
    async def test_every_response_documents_its_request_id(self, api: Api) -> None:
        for path, method, status, response in responses_of(await schema_of(api)):
            assert response["headers"]["X-Request-ID"]["required"], (path, method, status)

    async def test_status_bound_headers_are_documented_wherever_the_status_is(
        self, api: Api
    ) -> None:
        bound = {"401": "WWW-Authenticate", "503": "Retry-After", "429": "Retry-After"}
        for _, _, status, response in responses_of(await schema_of(api)):
            if status in bound:
                assert response["headers"][bound[status]]["required"]

    async def test_task_responses_document_etag_location_and_link(self, api: Api) -> None:
        schema = await schema_of(api)
        created = headers_of(schema, "/api/{user_id}/tasks", "post", "201")
        assert created["Location"]["required"]
        assert created["ETag"]["required"]
        assert headers_of(schema, TASK, "get", "200")["ETag"]["required"]
        completed = headers_of(schema, f"{TASK}/complete", "patch", "200")
        assert completed["Link"]["required"] is False
        assert "Link" in headers_of(schema, "/api/{user_id}/tasks", "get", "200")

    async def test_the_documented_headers_are_sent(self, api: Api) -> None:
        created = await api.client.post(api.tasks, json={"title": "x"}, headers=api.auth())
        assert {"etag", "location", "x-request-id"} <= set(created.headers)


class TestMediaTypes:
    async def test_an_error_response_has_one_media_type_problem_json(self, api: Api) -> None:
        for path, method, status, response in responses_of(await schema_of(api)):
            if int(status) >= 400 and path != "/health/db":  # API.md: its 503 is plain JSON
                assert list(response["content"]) == ["application/problem+json"], (path, method)

    async def test_pydantics_own_error_schemas_are_gone(self, api: Api) -> None:
        schemas = (await schema_of(api))["components"]["schemas"]
        assert "HTTPValidationError" not in schemas


class TestNullability:
    @pytest.mark.parametrize("field", ["title", "priority", "tags", "recurring", "completed"])
    async def test_patch_fields_that_refuse_null_are_not_nullable(
        self, api: Api, field: str
    ) -> None:
        schema = (await schema_of(api))["components"]["schemas"]["TaskUpdate"]
        declared = schema["properties"][field]
        assert "null" not in str(declared.get("anyOf", declared.get("type")))
        assert "default" not in declared
        task = await api.create()
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}", json={field: None}, headers=api.auth()
        )
        assert response.status_code == 422

    @pytest.mark.parametrize("field", ["description", "due_date", "recurring_pattern"])
    async def test_patch_fields_where_null_clears_are_nullable(self, api: Api, field: str) -> None:
        schema = (await schema_of(api))["components"]["schemas"]["TaskUpdate"]
        assert {"type": "null"} in schema["properties"][field]["anyOf"]
        task = await api.create()
        response = await api.client.patch(
            f"{api.tasks}/{task['id']}", json={field: None}, headers=api.auth()
        )
        assert (response.status_code, response.json()[field]) == (200, None)

    async def test_the_leniencies_are_in_the_schema(self, api: Api) -> None:
        schema = await schema_of(api)
        tags = schema["components"]["schemas"]["TaskCreate"]["properties"]["tags"]
        assert {variant["type"] for variant in tags["anyOf"]} == {"array", "string"}
        parameters = schema["paths"]["/api/{user_id}/tasks"]["get"]["parameters"]
        status = next(p for p in parameters if p["name"] == "status")
        assert "incomplete" in status["schema"]["enum"]


class TestProblemTypes:
    @pytest.mark.parametrize(
        "kind", sorted({kind for _, kind in STATUS_OF.values()} | {"bad-json", "cors-refused"})
    )
    async def test_every_problem_type_resolves(self, api: Api, kind: str) -> None:
        response = await api.client.get(f"/problems/{kind}")
        assert response.status_code == 200
        described = response.json()
        assert described["type"] == f"/problems/{kind}"
        assert described["description"]

    async def test_a_problem_answered_points_at_its_description(self, api: Api) -> None:
        task = await api.create()
        stale = await api.client.delete(
            f"{api.tasks}/{task['id']}", headers={**api.auth(), "If-Match": '"9"'}
        )
        described = await api.client.get(stale.json()["type"])
        assert (described.status_code, described.json()["status"]) == (200, 412)

    async def test_an_unknown_problem_type_is_a_404_problem(self, api: Api) -> None:
        response = await api.client.get("/problems/no-such-kind")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    async def test_every_route_lists_its_errors(self, api: Api) -> None:
        schema = await schema_of(api)
        for path, operations in schema["paths"].items():
            if not path.startswith("/api/"):
                continue
            for method, operation in operations.items():
                listed = set(operation["responses"])
                assert {"401", "403", "422", "429", "503"} <= listed, (path, method)
                if method in {"post", "put", "patch"}:
                    assert {"400", "413", "415"} <= listed, (path, method)
