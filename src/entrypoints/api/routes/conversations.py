"""Conversation and message routes: HTTP to use-case calls and back."""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BeforeValidator

from application.conversations import (
    delete_conversation,
    get_conversation,
    list_conversations,
    list_messages,
    post_message,
    rename_conversation,
    start_conversation,
)
from application.ports import UnitOfWork
from domain.conversations import NewMessage
from entrypoints.api import idempotency
from entrypoints.api.deps import CallerDep
from entrypoints.api.openapi import REPLAYED, response_headers
from entrypoints.api.problems import AUTHENTICATED_PROBLEMS, WRITING_PROBLEMS, problem_responses
from entrypoints.api.responses import json_response
from entrypoints.api.schemas.conversations import (
    ConversationCreate,
    ConversationOut,
    ConversationPatch,
    MessageCreate,
    MessageOut,
    PageParams,
    conversation_json,
    message_json,
)
from entrypoints.api.schemas.strict import whole_only

router = APIRouter(prefix="/api/{user_id}/conversations", tags=["conversations"])

_AUTH: Final = AUTHENTICATED_PROBLEMS
_WRITE: Final = WRITING_PROBLEMS
_PAGED: Final = response_headers(optional=("Link",))
# Path first: FastAPI then documents the bounds as minimum and maximum.
ConversationIdPath = Annotated[
    int,
    Path(ge=1, le=2**31 - 1, description="The conversation's id."),
    BeforeValidator(whole_only),
]


def _path(owner: str, *rest: object) -> str:
    return "/".join([f"/api/{quote(owner, safe='')}/conversations", *map(str, rest)])


def _paged(items: list[object], next_cursor: str | None, request: Request, path: str) -> Response:
    response = json_response(items)
    if next_cursor is not None:
        url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{path}?{url.query}>; rel="next"'
    return response


@router.post(
    "",
    status_code=201,
    response_model=ConversationOut,
    summary="Start a conversation",
    response_description="The conversation; `Location` points at it.",
    responses={
        **problem_responses(*_WRITE, 409),
        201: response_headers("Location", optional=REPLAYED),
    },
    openapi_extra=idempotency.OPENAPI,
)
async def create(
    caller: CallerDep, request: Request, body: ConversationCreate | None = None
) -> Response:
    async def write(uow: UnitOfWork) -> Response:
        title = None if body is None else body.title
        now = caller.now()
        started = await start_conversation(uow, user_id=caller.user_id, title=title, at=now)
        location = _path(caller.user_id, started.id)
        return json_response(conversation_json(started), status=201, headers={"Location": location})

    return await idempotency.respond_once(caller, request, body, write)


@router.get(
    "",
    response_model=list[ConversationOut],
    summary="List conversations, most recently updated first",
    response_description='A bare array; `Link: <...>; rel="next"` when more follow.',
    responses={**problem_responses(*_AUTH, 422), 200: _PAGED},
)
async def list_(
    params: Annotated[PageParams, Query()], caller: CallerDep, request: Request
) -> Response:
    async with caller.unit() as uow:
        page = await list_conversations(
            uow, user_id=caller.user_id, limit=params.limit, cursor=params.cursor
        )
    items: list[object] = [conversation_json(row) for row in page.items]
    return _paged(items, page.next_cursor, request, _path(caller.user_id))


@router.get(
    "/{conversation_id}",
    response_model=ConversationOut,
    summary="Get a conversation",
    responses=problem_responses(*_AUTH, 404, 422),
)
async def get(conversation_id: ConversationIdPath, caller: CallerDep) -> Response:
    async with caller.unit() as uow:
        found = await get_conversation(uow, user_id=caller.user_id, conversation_id=conversation_id)
    return json_response(conversation_json(found))


@router.patch(
    "/{conversation_id}",
    response_model=ConversationOut,
    summary="Rename a conversation",
    responses=problem_responses(*_WRITE, 404),
)
async def rename(
    conversation_id: ConversationIdPath,
    body: ConversationPatch,
    caller: CallerDep,
) -> Response:
    async with caller.unit() as uow:
        renamed = await rename_conversation(
            uow,
            user_id=caller.user_id,
            conversation_id=conversation_id,
            title=body.title,
            at=caller.now(),
        )
    return json_response(conversation_json(renamed))


@router.delete(
    "/{conversation_id}",
    status_code=204,
    summary="Delete a conversation and its messages",
    responses=problem_responses(*_AUTH, 404, 422),
)
async def delete(conversation_id: ConversationIdPath, caller: CallerDep) -> Response:
    async with caller.unit() as uow:
        await delete_conversation(uow, user_id=caller.user_id, conversation_id=conversation_id)
    return Response(status_code=204)


@router.get(
    "/{conversation_id}/messages",
    response_model=list[MessageOut],
    summary="List a conversation's messages, oldest first",
    response_description='A bare array; `Link: <...>; rel="next"` when more follow.',
    responses={**problem_responses(*_AUTH, 404, 422), 200: _PAGED},
)
async def messages(
    conversation_id: ConversationIdPath,
    params: Annotated[PageParams, Query()],
    caller: CallerDep,
    request: Request,
) -> Response:
    async with caller.unit() as uow:
        page = await list_messages(
            uow,
            user_id=caller.user_id,
            conversation_id=conversation_id,
            limit=params.limit,
            cursor=params.cursor,
        )
    items: list[object] = [message_json(row) for row in page.items]
    return _paged(
        items, page.next_cursor, request, _path(caller.user_id, conversation_id, "messages")
    )


@router.post(
    "/{conversation_id}/messages",
    status_code=201,
    response_model=MessageOut,
    summary="Add a message (the conversation's `updated_at` moves with it)",
    responses={
        **problem_responses(*_WRITE, 404, 409),
        201: response_headers("Location", optional=REPLAYED),
    },
    openapi_extra=idempotency.OPENAPI,
)
async def add_message(
    conversation_id: ConversationIdPath,
    body: MessageCreate,
    caller: CallerDep,
    request: Request,
) -> Response:
    message = NewMessage(body.role, body.content)

    async def write(uow: UnitOfWork) -> Response:
        stored = await post_message(
            uow,
            user_id=caller.user_id,
            conversation_id=conversation_id,
            message=message,
            at=caller.now(),
        )
        location = _path(caller.user_id, conversation_id, "messages")
        return json_response(message_json(stored), status=201, headers={"Location": location})

    return await idempotency.respond_once(caller, request, body, write)
