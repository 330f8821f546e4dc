"""The one wired module: FastAPI dependencies that reach the container."""

from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import Depends, Path
from fastapi.security import HTTPAuthorizationCredentials

from application.ports import Clock, UnitOfWork
from entrypoints.api.auth import authenticate, bearer_scheme
from entrypoints.container import Container
from entrypoints.tokens import TokenVerifier


@inject
async def _unit_of_work(
    uow: Annotated[UnitOfWork, Depends(Provide[Container.uow])],
) -> UnitOfWork:
    return uow


@inject
async def _clock(clock: Annotated[Clock, Depends(Provide[Container.clock])]) -> Clock:
    return clock


@inject
async def _owner(
    user_id: Annotated[
        str,
        Path(
            max_length=255,
            pattern=r"^[^\x00-\x1f\x7f]+$",
            description="Must equal the token's `sub` (at most 255 characters, no controls).",
        ),
    ],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    verifier: Annotated[TokenVerifier, Depends(Provide[Container.tokens])],
) -> str:
    return authenticate(credentials, verifier, user_id)


UowDep = Annotated[UnitOfWork, Depends(_unit_of_work)]
ClockDep = Annotated[Clock, Depends(_clock)]
OwnerDep = Annotated[str, Depends(_owner)]
"""The caller's user id, verified: 401 without a valid token, 403 for another user's path."""
