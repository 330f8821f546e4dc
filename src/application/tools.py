"""The task tools an assistant (or any AI agent, through MCP) may call: their JSON Schemas,
and one runner that reads the arguments and drives the task use cases for the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Final

from application.errors import ToolError
from application.listing import TaskSort
from application.ports import ToolRequest, ToolSpec, UnitOfWork
from application.tasks import create_task, delete_task, get_task, list_tasks, set_completion
from application.tasks import update_task as patch_task
from application.tool_arguments import DATE_HELP, Arguments, task_fields, task_filter, task_patch
from domain.errors import InvalidFieldsError, TaskNotFoundError
from domain.tasks import Task, UserId


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


_USER_ID: Final = _string("Optional; when sent it must be the signed-in user's id.")
_TASK_ID: Final = {
    "type": "integer",
    "minimum": 1,
    "description": 'The task\'s id (a string of digits, like "5", is accepted too).',
}
_TITLE: Final = _string("The task's title, 1 to 200 characters.")
_DESCRIPTION: Final = _string("Longer notes, at most 1000 characters.")
_PRIORITY: Final = _string("low, medium or high.", enum=["low", "medium", "high"])
_TAGS: Final = {
    "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
    "description": "Up to 20 tags, as a list or one comma-separated string ('home, errands').",
}
_DUE_DATE: Final = _string(
    f"When the task is due: {DATE_HELP}. A date alone means that day at 00:00 UTC; "
    "a date-time without an offset is taken as UTC."
)
_UNSET_NOTE: Final = " Arguments left out (or null) stay as they are."


def _spec(name: str, summary: str, required: list[str], /, **properties: Any) -> ToolSpec:
    """An object schema; `user_id`, which agents often send, is accepted by every tool."""
    schema = {
        "type": "object",
        "properties": {**properties, "user_id": _USER_ID},
        "required": required,
    }
    return ToolSpec(name=name, description=summary, parameters=schema)


TOOLS: Final[tuple[ToolSpec, ...]] = (
    _spec(
        "add_task",
        "Add a pending task for the user. Returns {task_id, status: 'created', title}.",
        ["title"],
        title=_TITLE,
        description=_DESCRIPTION,
        priority={**_PRIORITY, "description": "low, medium or high; medium when left out."},
        tags=_TAGS,
        due_date=_DUE_DATE,
        recurring={"type": "boolean", "description": "Whether the task repeats when completed."},
        recurring_pattern=_string(
            "daily, weekly or monthly; sending it alone implies recurring: true.",
            enum=["daily", "weekly", "monthly"],
        ),
    ),
    _spec(
        "list_tasks",
        "List the user's tasks, oldest first. Returns a list of "
        "{id, title, completed, priority, tags, due_date}.",
        [],
        status=_string(
            "all, pending or completed; all when left out.", enum=["all", "pending", "completed"]
        ),
        priority=_PRIORITY,
        tag=_string("Only tasks with this tag."),
        q=_string("Only tasks whose title or description contains this text (any case)."),
        due_after=_string(f"Only tasks due at or after this moment: {DATE_HELP}."),
        due_before=_string(f"Only tasks due before this moment: {DATE_HELP}."),
        limit={"type": "integer", "minimum": 1, "maximum": 200, "description": "Default 50."},
    ),
    _spec(
        "complete_task",
        "Mark a task as completed (a recurring one gets its next occurrence). "
        "Returns {task_id, status: 'completed', title}.",
        ["task_id"],
        task_id=_TASK_ID,
    ),
    _spec(
        "delete_task",
        "Delete a task for good. Returns {task_id, status: 'deleted', title}.",
        ["task_id"],
        task_id=_TASK_ID,
    ),
    _spec(
        "update_task",
        "Change some fields of a task. Returns {task_id, status: 'updated', title}." + _UNSET_NOTE,
        ["task_id"],
        task_id=_TASK_ID,
        title=_TITLE,
        description=_DESCRIPTION,
        priority=_PRIORITY,
        tags=_TAGS,
        due_date=_DUE_DATE,
        recurring={
            "type": "boolean",
            "description": "Whether the task repeats; false also clears the pattern.",
        },
        recurring_pattern=_string(
            "daily, weekly or monthly (the task must be recurring).",
            enum=["daily", "weekly", "monthly"],
        ),
    ),
)

_Handler = Callable[[UnitOfWork, Arguments, UserId, datetime], Awaitable[Any]]


async def run_tool(uow: UnitOfWork, *, user_id: UserId, request: ToolRequest, now: datetime) -> Any:
    """Run one tool call for `user_id` and return its JSON result. Raises ToolError (plain
    words) for an unknown tool, a bad argument, a broken rule or a missing task.

    Runs inside the caller's open unit of work; a caller that goes on after a failure wraps
    the call in `uow.savepoint()`."""
    if request.error is not None:
        raise ToolError(f"{request.tool or 'the tool'} could not run: {request.error}")
    handler = _HANDLERS.get(request.tool)
    if handler is None:
        names = ", ".join(spec.name for spec in TOOLS)
        raise ToolError(f"there is no tool called {request.tool!r}; the tools are {names}")
    arguments = Arguments(request.arguments)
    arguments.check_user(user_id)
    try:
        return await handler(uow, arguments, user_id, now)
    except InvalidFieldsError as error:
        raise ToolError(str(error)) from None
    except TaskNotFoundError as error:
        raise ToolError(f"I couldn't find task {error.task_id}.") from None


async def _add(uow: UnitOfWork, arguments: Arguments, user_id: UserId, now: datetime) -> Any:
    task = await create_task(uow, user_id=user_id, fields=task_fields(arguments), at=now)
    return _outcome(task, "created")


async def _list(uow: UnitOfWork, arguments: Arguments, user_id: UserId, _now: datetime) -> Any:
    page = await list_tasks(
        uow,
        user_id=user_id,
        task_filter=task_filter(arguments),
        sort=TaskSort(descending=False),
        limit=arguments.limit(),
    )
    return [_summary(task) for task in page.items]


async def _complete(uow: UnitOfWork, arguments: Arguments, user_id: UserId, now: datetime) -> Any:
    change = await set_completion(
        uow, user_id=user_id, task_id=arguments.task_id(), completed=True, at=now
    )
    return _outcome(change.task, "completed")


async def _delete(uow: UnitOfWork, arguments: Arguments, user_id: UserId, _now: datetime) -> Any:
    task = await get_task(uow, user_id=user_id, task_id=arguments.task_id())
    await delete_task(uow, user_id=user_id, task_id=task.id)
    return _outcome(task, "deleted")


async def _update(uow: UnitOfWork, arguments: Arguments, user_id: UserId, now: datetime) -> Any:
    task_id = arguments.task_id()
    change = await patch_task(
        uow, user_id=user_id, task_id=task_id, patch=task_patch(arguments), at=now
    )
    return _outcome(change.task, "updated")


_HANDLERS: Final[dict[str, _Handler]] = {
    "add_task": _add,
    "list_tasks": _list,
    "complete_task": _complete,
    "delete_task": _delete,
    "update_task": _update,
}


def _outcome(task: Task, status: str) -> dict[str, Any]:
    return {"task_id": task.id, "status": status, "title": task.title}


def _summary(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "completed": task.completed,
        "priority": task.priority.value,
        "tags": list(task.tags),
        "due_date": _iso(task.due_date),
    }


def _iso(moment: datetime | None) -> str | None:
    """UTC with a `Z`, as the REST API writes it."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")
