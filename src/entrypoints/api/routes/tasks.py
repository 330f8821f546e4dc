"""Task routes: translate HTTP to use-case calls and domain results to HTTP."""

from __future__ import annotations

import re
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BeforeValidator

from application.listing import TaskFilter, TaskSort
from application.ports import UnitOfWork
from application.tasks import (
    Completion,
    create_task,
    delete_task,
    get_task,
    list_tasks,
    set_completion,
    update_task,
)
from domain.tasks import ID_MAX, Task, TaskPatch
from entrypoints.api import idempotency
from entrypoints.api.deps import Caller, CallerDep
from entrypoints.api.openapi import REPLAYED, response_headers
from entrypoints.api.problems import AUTHENTICATED_PROBLEMS, WRITING_PROBLEMS, problem_responses
from entrypoints.api.responses import JsonResponse, json_response, task_json
from entrypoints.api.schemas.listing import TaskListParams
from entrypoints.api.schemas.strict import whole_only
from entrypoints.api.schemas.tasks import (
    CompletionRequest,
    TaskCreate,
    TaskOut,
    TaskReplace,
    TaskUpdate,
)

router = APIRouter(prefix="/api/{user_id}/tasks", tags=["tasks"])

_AUTH: Final = AUTHENTICATED_PROBLEMS
_WRITE: Final = WRITING_PROBLEMS
_ONE: Final = (*_WRITE, 404, 412)

IfMatch = Annotated[
    str | None,
    Header(
        description='`"<version>"` from the ETag; on a mismatch the answer is 412 and nothing '
        "changes. Without it the last write wins."
    ),
]


# Path first: FastAPI then documents the bounds as minimum and maximum.
TaskIdPath = Annotated[
    int, Path(ge=1, le=ID_MAX, description="The task's id."), BeforeValidator(whole_only)
]
_ONE_TASK: Final = response_headers("ETag")
_CHANGED_TASK: Final = response_headers("ETag", optional=("Link",))
_ETAG: Final = re.compile(r'"([0-9]{1,10})"')


def _expected_version(if_match: str | None) -> int | None:
    """The version `If-Match` asks for; None for `*` or no header. Only the first tag of a
    list is read. A tag that is no version of ours (weak, malformed, out of range) can
    match nothing, so it yields -1 (412)."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _ETAG.fullmatch(if_match.split(",")[0].strip())
    version = int(found.group(1)) if found else -1
    return version if version <= ID_MAX else -1


def _task_path(user_id: str, task_id: int) -> str:
    """The task's path, the user id percent-encoded so it is safe in a header."""
    return f"/api/{quote(user_id, safe='')}/tasks/{task_id}"


def _one(task: Task, *, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    return json_response(
        task_json(task), status=status, headers={**(headers or {}), "ETag": f'"{task.version}"'}
    )


def _changed(done: Completion) -> JsonResponse:
    if done.next is None:
        return _one(done.task)
    location = _task_path(done.next.user_id, done.next.id)
    return _one(done.task, headers={"Link": f'<{location}>; rel="next-occurrence"'})


async def _update(
    caller: Caller, task_id: int, patch: TaskPatch, if_match: str | None
) -> JsonResponse:
    async with caller.unit() as uow:
        done = await update_task(
            uow,
            user_id=caller.user_id,
            task_id=task_id,
            patch=patch,
            at=caller.now(),
            expected_version=_expected_version(if_match),
        )
    return _changed(done)


@router.post(
    "",
    status_code=201,
    response_model=TaskOut,
    summary="Create a task",
    response_description="The task; `Location` and `ETag` headers point at it.",
    responses={
        **problem_responses(*_WRITE, 409),
        201: response_headers("Location", "ETag", optional=REPLAYED),
    },
    openapi_extra=idempotency.OPENAPI,
)
async def create(body: TaskCreate, caller: CallerDep, request: Request) -> Response:
    async def write(uow: UnitOfWork) -> Response:
        task = await create_task(
            uow, user_id=caller.user_id, fields=body.to_fields(), at=caller.now()
        )
        location = _task_path(caller.user_id, task.id)
        return _one(task, status=201, headers={"Location": location})

    return await idempotency.respond_once(caller, request, body, write)


@router.get(
    "",
    response_model=list[TaskOut],
    summary="List tasks: filtered, sorted, keyset-paginated",
    response_description='A bare array; `Link: <...>; rel="next"` when more rows follow.',
    responses={**problem_responses(*_AUTH, 422), 200: response_headers(optional=("Link",))},
)
async def list_(
    params: Annotated[TaskListParams, Query()], caller: CallerDep, request: Request
) -> Response:
    task_filter = TaskFilter(
        status=params.status_filter,
        priority=params.priority,
        tags=tuple(params.tag),
        text=params.q or None,
        due_after=params.due_after,
        due_before=params.due_before,
    )
    async with caller.unit() as uow:
        page = await list_tasks(
            uow,
            user_id=caller.user_id,
            task_filter=task_filter,
            sort=TaskSort.parse(params.sort),
            limit=params.limit,
            cursor=params.cursor,
        )
    response = json_response([task_json(task) for task in page.items])
    if page.next_cursor is not None:
        url = request.url.include_query_params(cursor=page.next_cursor)
        path = f"/api/{quote(caller.user_id, safe='')}/tasks"
        response.headers["Link"] = f'<{path}?{url.query}>; rel="next"'
    return response


@router.get(
    "/{task_id}",
    response_model=TaskOut,
    summary="Get a task",
    responses={**problem_responses(*_AUTH, 404, 422), 200: _ONE_TASK},
)
async def get(task_id: TaskIdPath, caller: CallerDep) -> Response:
    async with caller.unit() as uow:
        task = await get_task(uow, user_id=caller.user_id, task_id=task_id)
    return _one(task)


@router.put(
    "/{task_id}",
    response_model=TaskOut,
    summary="Replace a task's client-owned fields",
    responses={**problem_responses(*_ONE), 200: _CHANGED_TASK},
)
async def replace(
    task_id: TaskIdPath,
    body: TaskReplace,
    caller: CallerDep,
    if_match: IfMatch = None,
) -> Response:
    return await _update(caller, task_id, body.to_patch(), if_match)


@router.patch(
    "/{task_id}",
    response_model=TaskOut,
    summary="Change some fields of a task",
    description="A change that would leave the stored task's recurrence inconsistent (a "
    "pattern for a task that does not recur, `recurring: true` for one without a pattern) "
    "is a 409 conflict.",
    responses={**problem_responses(*_ONE, 409), 200: _CHANGED_TASK},
)
async def patch(
    task_id: TaskIdPath,
    body: TaskUpdate,
    caller: CallerDep,
    if_match: IfMatch = None,
) -> Response:
    return await _update(caller, task_id, body.to_patch(), if_match)


@router.patch(
    "/{task_id}/complete",
    response_model=TaskOut,
    summary="Complete, reopen or (empty body) toggle a task",
    response_description="The task; a recurring one that got completed also has `Link: "
    '</api/{user_id}/tasks/{id}>; rel="next-occurrence"`.',
    responses={**problem_responses(*_ONE), 200: _CHANGED_TASK},
)
async def complete(
    task_id: TaskIdPath,
    caller: CallerDep,
    body: CompletionRequest | None = None,
    if_match: IfMatch = None,
) -> Response:
    async with caller.unit() as uow:
        done = await set_completion(
            uow,
            user_id=caller.user_id,
            task_id=task_id,
            completed=None if body is None else body.completed,
            at=caller.now(),
            expected_version=_expected_version(if_match),
        )
    return _changed(done)


@router.delete(
    "/{task_id}",
    status_code=204,
    summary="Delete a task",
    responses=problem_responses(*_AUTH, 404, 412, 422),
)
async def delete(task_id: TaskIdPath, caller: CallerDep, if_match: IfMatch = None) -> Response:
    async with caller.unit() as uow:
        await delete_task(
            uow,
            user_id=caller.user_id,
            task_id=task_id,
            expected_version=_expected_version(if_match),
        )
    return Response(status_code=204)
