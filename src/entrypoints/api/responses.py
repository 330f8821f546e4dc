"""Responses serialized once, by orjson, from what the service built itself (no pydantic
validation of our own output; the response models stay in the OpenAPI schema)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from domain.tasks import Task

_OPTIONS = orjson.OPT_UTC_Z


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=_OPTIONS)


def json_response(
    content: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> JsonResponse:
    return JsonResponse(content, status_code=status, headers=headers)


def task_json(task: Task) -> dict[str, Any]:
    """A task as clients see it (the `TaskOut` schema); times are UTC with `Z`."""
    return {
        "id": task.id,
        "user_id": task.user_id,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "completed_at": task.completed_at,
        "priority": task.priority,  # a StrEnum: orjson writes it as its string
        "tags": list(task.tags),
        "due_date": task.due_date,
        "recurring": task.recurring,
        "recurring_pattern": None
        if task.recurring_pattern is None
        else task.recurring_pattern.value,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "version": task.version,
    }
