"""A unit of work over one pooled connection, taken lazily and given back at the end.

Round trips are what a serverless PostgreSQL charges for, so a unit sends nothing it does
not need: no connection is taken until the first statement, no pre-ping, and a
`single_write` unit on PostgreSQL runs in autocommit (one statement, one round trip;
each repository write is one atomic statement there), each statement taking a pooled
connection and giving it back in one call into SQLAlchemy's synchronous core (CPU: one
greenlet switch rather than three). Any other unit is one transaction, committed when the
block ends and rolled back on an exception.

Connections come through the `ConnectionGate` (circuit breaker, connect retry); outages that
statements run into are reported to it. A serialization failure or deadlock (SQLSTATE 40001,
40P01) on the unit's first statement is retried here, as that statement is the whole unit so
far (every single-statement unit: each REST and MCP call); on a later statement or the commit
it is StorageConflictError, and the edge that opened the unit runs it again whole
(`application.units.run_in_unit`, used by the chat turn's units).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from types import TracebackType
from typing import Any, Final, Self

from sqlalchemy import Connection, Executable, Result
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from adapters.sql.conversations import SqlConversationRepository
from adapters.sql.diagnosis import FailureKind
from adapters.sql.engine import TRANSACTIONAL
from adapters.sql.errors import (
    DatabaseConflictError,
    DatabaseUnavailableError,
    is_conflict,
    never_sent,
    translate_db_errors,
)
from adapters.sql.gate import ConnectionGate
from adapters.sql.idempotency import SqlIdempotencyRepository
from adapters.sql.tasks import SqlTaskRepository

CONFLICT_ATTEMPTS: Final = 3  # a first statement undone by a conflict (40001, 40P01) runs again


class SqlUnitOfWork:
    """One per use-case call (or per composed group of calls); repositories share its
    connection and never commit."""

    tasks: SqlTaskRepository
    conversations: SqlConversationRepository

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        single_write: bool = False,
        pgbouncer: bool = False,
        gate: ConnectionGate | None = None,
    ) -> None:
        self._dialect = engine.dialect.name
        # Behind PgBouncer (transaction mode) a prepared statement only survives inside a
        # transaction, so units there are always transactions.
        self._autocommit = single_write and self._dialect == "postgresql" and not pgbouncer
        self._engine = engine
        self._gate = gate
        self._connection: AsyncConnection | None = None
        self._open = False
        self._wrote = False

    @property
    def dialect(self) -> str:
        return self._dialect

    @property
    def idempotency(self) -> SqlIdempotencyRepository:
        return SqlIdempotencyRepository(self)  # made on use: most units never need one

    async def __aenter__(self) -> Self:
        if self._open:
            raise RuntimeError("this unit of work is already open")
        self._open = True
        self._wrote = False
        self.tasks = SqlTaskRepository(self)
        self.conversations = SqlConversationRepository(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        self._open = False
        if connection is None:
            return
        try:
            if exc_type is None and connection.in_transaction():
                with self._translated():
                    await connection.commit()
            elif connection.in_transaction():
                with suppress(Exception):  # the error in flight matters more than this one
                    await connection.rollback()
        finally:
            with suppress(Exception):  # a dead connection is discarded by the pool anyway
                await connection.close()

    async def execute(
        self,
        statement: Executable,
        parameters: dict[str, Any] | None = None,
        *,
        writes: bool | None = None,
    ) -> Result[Any]:
        """Run one statement in this unit (repositories call this). `writes` defaults to
        whether it is an INSERT, UPDATE or DELETE; a SELECT over a data-modifying CTE says so."""
        if not self._open:
            raise RuntimeError("open the unit of work (`async with uow:`) before using it")
        if self._autocommit and (statement.is_dml if writes is None else writes):
            if self._wrote:
                raise RuntimeError("a single_write unit of work was asked for a second write")
            self._wrote = True
        if self._autocommit:
            return await self._execute_alone(statement, parameters)
        first = self._connection is None
        connection = await self._connect()
        with self._translated():
            try:
                return await connection.execute(statement, parameters)
            except sa_exc.DBAPIError as error:
                if not (first and (never_sent(error) or is_conflict(error))):
                    raise
                if is_conflict(error):
                    return await self._rerun_after_conflict(statement, parameters)
            # The pooled connection died while idle and the statement provably never left
            # (the driver refused to send it): once more, on a fresh connection.
            await self._discard()
            connection = await self._connect()
            return await connection.execute(statement, parameters)

    async def _execute_alone(
        self, statement: Executable, parameters: dict[str, Any] | None
    ) -> Result[Any]:
        """In autocommit each statement is a transaction of its own: it takes a pooled
        connection and gives it back at once, in one trip through the gate (the rows are
        buffered by then). Retried as the first statement of a unit is."""
        run = _executing(statement, parameters)
        with self._translated():
            try:
                return await self._run_alone(run)
            except sa_exc.DBAPIError as error:
                if is_conflict(error):
                    return await self._rerun_after_conflict(statement, parameters)
                if not never_sent(error):
                    raise
            return await self._run_alone(run)  # that connection was dead; this one is fresh

    async def _run_alone(self, run: Callable[[Connection], Result[Any]]) -> Result[Any]:
        if self._gate is None:
            async with self._engine.connect() as connection:
                return await connection.run_sync(run)
        return await self._gate.run(self._engine, run)

    async def _rerun_after_conflict(
        self, statement: Executable, parameters: dict[str, Any] | None
    ) -> Result[Any]:
        """The first statement, undone by a conflict, run again (it is the whole unit so
        far) a bounded number of times, after a short jittered wait."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(CONFLICT_ATTEMPTS - 1),
            wait=wait_random_exponential(multiplier=0.01, max=0.1),
            retry=retry_if_exception(
                lambda error: isinstance(error, sa_exc.DBAPIError) and is_conflict(error)
            ),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                if self._autocommit:
                    return await self._run_alone(_executing(statement, parameters))
                connection = await self._connect()
                if connection.in_transaction():
                    await connection.rollback()
                    await connection.begin()
                return await connection.execute(statement, parameters)
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """translate_db_errors, telling the gate what statements run into (an outage trips
        its circuit; a client-side statement timeout is not a connect timeout)."""
        try:
            with translate_db_errors():
                yield
        except DatabaseUnavailableError as error:
            kind = error.kind
            if kind is FailureKind.TIMEOUT:
                kind = FailureKind.STATEMENT_TIMEOUT
            if self._gate is not None:
                self._gate.failed(kind)
            if kind is error.kind:
                raise
            raise DatabaseUnavailableError(kind) from None
        except DatabaseConflictError:
            if self._gate is not None:
                self._gate.failed(FailureKind.CONFLICT)
            raise

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        if not self._open:
            raise RuntimeError("a savepoint needs an open unit of work")
        if self._autocommit:
            raise RuntimeError("a single_write unit has no transaction to take a savepoint in")
        connection = await self._connect()
        with translate_db_errors():
            nested = await connection.begin_nested()
        try:
            yield
        except BaseException:
            if nested.is_active:
                with translate_db_errors():
                    await nested.rollback()
            raise
        if nested.is_active:
            with translate_db_errors():
                await nested.commit()

    async def _connect(self) -> AsyncConnection:
        """The transaction's connection (autocommit units hold none: `_run_alone`)."""
        if self._connection is not None:
            return self._connection
        with translate_db_errors():
            if self._gate is None:
                connection = await self._engine.connect()
            else:
                connection = await self._gate.connect(self._engine)
            if self._dialect == "postgresql":  # the pool hands out autocommit connections
                await connection.execution_options(isolation_level=TRANSACTIONAL)
            await connection.begin()
        self._connection = connection
        return connection

    async def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(Exception):
                await connection.invalidate()
                await connection.close()


def _executing(
    statement: Executable, parameters: dict[str, Any] | None
) -> Callable[[Connection], Result[Any]]:
    """What an autocommit unit hands the gate: the statement, run on whichever connection."""

    def run(connection: Connection) -> Result[Any]:
        return connection.execute(statement, parameters)

    return run
