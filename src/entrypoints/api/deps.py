"""Plain `async def` dependencies over what `create_app` resolved from the container once.

No `Depends(Provide[...])` here: that marker is a sync callable, which FastAPI would run in
its thread pool on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials

from application.chat import ChatTurn
from application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from entrypoints.api.auth import authenticate, bearer_scheme
from entrypoints.tokens import TokenVerifier


@dataclass(frozen=True, slots=True)
class Services:
    """What request handlers need, resolved from the container when the app is built."""

    new_uow: UnitOfWorkFactory
    clock: Clock
    tokens: TokenVerifier
    chat: ChatTurn


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


async def _single_write_unit(request: Request) -> UnitOfWork:
    return services(request).new_uow(single_write=True)


async def _uow_factory(request: Request) -> UnitOfWorkFactory:
    return services(request).new_uow


async def _chat(request: Request) -> ChatTurn:
    return services(request).chat


async def _clock(request: Request) -> Clock:
    return services(request).clock


async def _owner(
    request: Request,
    user_id: Annotated[
        str,
        Path(
            max_length=255,
            pattern=r"^[^\x00-\x1f\x7f]+$",
            description="Must equal the token's `sub` (at most 255 characters, no controls).",
        ),
    ],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> str:
    return authenticate(credentials, services(request).tokens, user_id)


UowDep = Annotated[UnitOfWork, Depends(_single_write_unit)]
"""A fresh, unopened unit for one use case that writes at most once (`async with uow:`)."""
UowFactoryDep = Annotated[UnitOfWorkFactory, Depends(_uow_factory)]
"""Makes units of work, for handlers that compose several steps or units."""
ClockDep = Annotated[Clock, Depends(_clock)]
ChatDep = Annotated[ChatTurn, Depends(_chat)]
OwnerDep = Annotated[str, Depends(_owner)]
"""The caller's user id, verified: 401 without a valid token, 403 for another user's path."""
