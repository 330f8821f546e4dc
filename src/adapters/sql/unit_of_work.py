"""A unit of work over one AsyncSession: commit on success, rollback on error, always close."""

from __future__ import annotations

from contextlib import suppress
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sql.errors import translate_db_errors
from adapters.sql.tasks import SqlTaskRepository


class SqlUnitOfWork:
    """A fresh session per block; the repositories share it and never commit."""

    tasks: SqlTaskRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self.tasks = SqlTaskRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if exc_type is None:
                with translate_db_errors():
                    await session.commit()
            else:
                with suppress(Exception):  # the error in flight matters more than this one
                    await session.rollback()
        finally:
            with suppress(Exception):  # a dead connection is discarded by the pool anyway
                await session.close()
