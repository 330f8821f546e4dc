"""The gate every unit of work passes to get a connection: a circuit breaker and a bounded,
jittered retry of connection establishment. No round trip of its own.

- Closed (normal): a connect that fails for a transient reason (refused, lost, the server
  starting up or full) is retried by tenacity with exponential backoff and jitter, at most
  `CONNECT_ATTEMPTS` times within `RETRY_BUDGET_S`; a timeout is not retried (it already
  waited the connect timeout).
- `FAILURES_TO_OPEN` outage failures in a row (from connects or from statements that lost
  their connection) open the circuit: requests then fail at once with
  `DatabaseUnavailableError` (503) instead of each waiting on a connect or pool timeout.
- Open: after `OPEN_S` (doubling per failed probe up to `MAX_OPEN_S`, with jitter) the next
  request is let through as the probe; the others still fail fast. A probe that connects (or
  a `/health/db` that does) closes the circuit, so the service recovers by itself.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from typing import Final, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from adapters.sql.diagnosis import FailureKind
from adapters.sql.errors import DatabaseUnavailableError, translate_db_errors

log = logging.getLogger(__name__)

FAILURES_TO_OPEN: Final = 3
OPEN_S: Final = 0.5
MAX_OPEN_S: Final = 2.0
CONNECT_ATTEMPTS: Final = 3
RETRY_BUDGET_S: Final = 1.0

FailureListener = Callable[[FailureKind], None]
T = TypeVar("T")


class _NotConnectedError(Exception):
    """Inside `ConnectionGate.run`: the connect failed (as opposed to the work)."""

    def __init__(self, error: DatabaseUnavailableError) -> None:
        self.error = error


def _connected(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Synchronous core of `ConnectionGate.run`: connect, work, give the connection back."""
    try:
        with translate_db_errors():
            connection = engine.connect()
    except DatabaseUnavailableError as error:
        raise _NotConnectedError(error) from None
    with connection:
        return work(connection)


class ConnectionGate:
    """One per engine (the container's singleton); shared by every unit of work on it."""

    def __init__(
        self,
        *,
        on_failure: FailureListener | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_failure = on_failure
        self._clock = clock
        self._failures = 0
        self._opened_for = 0.0
        self._open_until: float | None = None
        self._probing = False
        self.last_failure: FailureKind | None = None

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def retry_after(self) -> int:
        """Whole seconds until the next probe (at least 1), for a `Retry-After` header."""
        if self._open_until is None:
            return 1
        return max(1, math.ceil(self._open_until - self._clock()))

    async def connect(self, engine: AsyncEngine) -> AsyncConnection:
        """A pooled connection, or DatabaseUnavailableError at once while the circuit is open."""
        probe = self._admit()
        try:
            with translate_db_errors():
                connection = await engine.connect()
        except DatabaseUnavailableError as error:
            if probe or not self._retryable(error):
                self.failed(error.kind)
                raise
            connection = await self._retry(engine)
        finally:
            if probe:  # settled (or cancelled): the next request may probe when due
                self._probing = False
        self.succeeded()
        return connection

    async def run(self, engine: AsyncEngine, work: Callable[[Connection], T]) -> T:
        """`work` on a pooled connection taken and given back within one call into
        SQLAlchemy's synchronous core: one greenlet instead of three (connect, execute,
        close), for a statement that is a transaction of its own. Same admission, retry
        and accounting as `connect`; errors from `work` itself propagate untranslated."""
        probe = self._admit()
        try:
            try:
                outcome: T = await greenlet_spawn(_connected, engine.sync_engine, work)
            except _NotConnectedError as failure:
                if probe or not self._retryable(failure.error):
                    self.failed(failure.error.kind)
                    raise failure.error from None
                connection = await self._retry(engine)
                self.succeeded()
                async with connection:
                    return await connection.run_sync(work)
            except Exception:
                self.succeeded()  # connected: what failed was the work
                raise
        finally:
            if probe:
                self._probing = False
        self.succeeded()
        return outcome

    async def _retry(self, engine: AsyncEngine) -> AsyncConnection:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(CONNECT_ATTEMPTS - 1) | stop_after_delay(RETRY_BUDGET_S),
            wait=wait_exponential_jitter(multiplier=0.05, max=0.4, jitter=0.05),
            retry=retry_if_exception(self._retryable),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt, translate_db_errors():
                    return await engine.connect()
        except DatabaseUnavailableError as error:
            self.failed(error.kind)
            raise
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    def _retryable(self, error: BaseException) -> bool:
        return (
            isinstance(error, DatabaseUnavailableError)
            and error.kind.transient
            and error.kind is not FailureKind.TIMEOUT
            and not self.is_open
        )

    def _admit(self) -> bool:
        """Whether this connect is the probe; raises while the circuit is open."""
        if self._open_until is None:
            return False
        if self._probing or self._clock() < self._open_until:
            self.failed(FailureKind.CIRCUIT_OPEN)
            raise DatabaseUnavailableError(FailureKind.CIRCUIT_OPEN, cause=self.last_failure)
        self._probing = True
        return True

    def failed(self, kind: FailureKind) -> None:
        """Count a failure (from a connect or a statement); outages trip the circuit."""
        if self._on_failure is not None:
            self._on_failure(kind)
        if not kind.outage:
            return
        self.last_failure = kind
        self._failures += 1
        if self._probing or self._failures >= FAILURES_TO_OPEN:
            self._open()

    def succeeded(self) -> None:
        if self._failures or self._open_until is not None:
            if self._open_until is not None:
                log.info("database reachable again: circuit closed")
            self._failures = 0
            self._open_until = None
            self._opened_for = 0.0
        self._probing = False

    def _open(self) -> None:
        first = self._open_until is None
        self._opened_for = OPEN_S if first else min(self._opened_for * 2, MAX_OPEN_S)
        jitter = random.uniform(0.8, 1.2)  # noqa: S311  (spreads probes, not security)
        self._open_until = self._clock() + self._opened_for * jitter
        self._probing = False
        if first:
            log.warning(
                "database unavailable (%s): circuit open, requests fail fast until a probe"
                " connects",
                self.last_failure,
            )
