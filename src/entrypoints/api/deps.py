"""Plain `async def` dependencies over what `create_app` resolved from the container once.

No `Depends(Provide[...])` here: that marker is a sync callable, which FastAPI would run in
its thread pool on every request. And one dependency per request rather than several:
FastAPI's bookkeeping costs about as much per dependency as a database round trip's CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request

from application.chat import ChatTurn
from application.idempotency import Idempotency
from application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from entrypoints.api.auth import caller_id
from entrypoints.identity import Authenticator


@dataclass(frozen=True, slots=True)
class Services:
    """What request handlers need, resolved from the container when the app is built."""

    new_uow: UnitOfWorkFactory
    clock: Clock
    tokens: Authenticator
    chat: ChatTurn
    idempotency: Idempotency


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user of a request, with the services a handler uses."""

    user_id: str
    services: Services

    def unit(self, *, single_write: bool = True) -> UnitOfWork:
        """A fresh, unopened unit of work (`async with`); single-write by default, as one
        use case per request is what handlers run."""
        return self.services.new_uow(single_write=single_write)

    def now(self) -> datetime:
        return self.services.clock.now()

    @property
    def chat(self) -> ChatTurn:
        return self.services.chat


async def _caller(
    request: Request,
    user_id: Annotated[
        str,
        Path(
            max_length=255,
            pattern=r"^[^\x00-\x1f\x7f]+$",
            description="Must equal the token's `sub` (at most 255 characters, no controls).",
        ),
    ],
) -> Caller:
    return Caller(caller_id(request.scope, user_id), request.app.state.services)


CallerDep = Annotated[Caller, Depends(_caller)]
"""The caller, verified: 401 without a valid token, 403 for another user's path."""
