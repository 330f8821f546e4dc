"""The connection gate: connects retried with backoff, a circuit that opens after repeated
outage failures (requests then fail at once), and a probe that closes it again."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.sql.diagnosis import FailureKind
from adapters.sql.errors import DatabaseUnavailableError
from adapters.sql.gate import CONNECT_ATTEMPTS, FAILURES_TO_OPEN, MAX_OPEN_S, ConnectionGate
from application.errors import StorageUnavailableError


class FakeEngine:
    """`connect()` refuses while `down`, else hands out a token connection."""

    def __init__(self) -> None:
        self.down = False
        self.attempts = 0

    async def connect(self) -> str:
        self.attempts += 1
        if self.down:
            raise ConnectionRefusedError(111, "Connect call failed")
        return "connection"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def seen() -> list[FailureKind]:
    return []


@pytest.fixture
def gate(clock: FakeClock, seen: list[FailureKind]) -> ConnectionGate:
    return ConnectionGate(on_failure=seen.append, clock=clock)


async def fail(gate: ConnectionGate, engine: Any) -> DatabaseUnavailableError:
    with pytest.raises(DatabaseUnavailableError) as failed:
        await gate.connect(engine)
    return failed.value


async def test_a_refused_connect_is_retried_before_it_fails(gate: ConnectionGate) -> None:
    engine = FakeEngine()
    engine.down = True
    error = await fail(gate, engine)
    assert engine.attempts == CONNECT_ATTEMPTS
    assert error.kind is FailureKind.REFUSED
    assert isinstance(error, StorageUnavailableError)  # a 503 at the edge


async def test_repeated_failures_open_the_circuit_and_requests_stop_trying(
    gate: ConnectionGate, seen: list[FailureKind]
) -> None:
    engine = FakeEngine()
    engine.down = True
    for _ in range(FAILURES_TO_OPEN):
        await fail(gate, engine)
    assert gate.is_open
    tried = engine.attempts
    error = await fail(gate, engine)
    assert engine.attempts == tried  # no connect attempted
    assert str(error) == "circuit open (connection refused)"
    assert seen[-1] is FailureKind.CIRCUIT_OPEN
    assert gate.retry_after() >= 1


async def test_a_probe_that_connects_closes_the_circuit(
    gate: ConnectionGate, clock: FakeClock
) -> None:
    engine = FakeEngine()
    engine.down = True
    for _ in range(FAILURES_TO_OPEN):
        await fail(gate, engine)
    engine.down = False
    clock.now += MAX_OPEN_S * 2
    assert await gate.connect(engine) == "connection"
    assert not gate.is_open


async def test_a_failed_probe_opens_it_again_for_longer(
    gate: ConnectionGate, clock: FakeClock
) -> None:
    engine = FakeEngine()
    engine.down = True
    for _ in range(FAILURES_TO_OPEN):
        await fail(gate, engine)
    clock.now += MAX_OPEN_S * 2
    tried = engine.attempts
    await fail(gate, engine)
    assert engine.attempts == tried + 1  # one probe, not retried
    assert gate.is_open
    await fail(gate, engine)  # fails fast again
    assert engine.attempts == tried + 1


async def test_slow_statements_do_not_open_the_circuit(gate: ConnectionGate) -> None:
    for _ in range(FAILURES_TO_OPEN * 2):
        gate.failed(FailureKind.STATEMENT_TIMEOUT)
        gate.failed(FailureKind.CONFLICT)
    assert not gate.is_open


class FakeConnection:
    """What `run` hands its work: a connection that is closed when the block ends."""

    def __init__(self, closed: list[str]) -> None:
        self.closed = closed

    def __enter__(self) -> FakeConnection:
        return self

    def __exit__(self, *_: object) -> None:
        self.closed.append("sync")

    async def __aenter__(self) -> FakeConnection:
        return self

    async def __aexit__(self, *_: object) -> None:
        self.closed.append("async")

    async def run_sync(self, work: Any) -> Any:
        return work(self)


class FakeSyncEngine:
    def __init__(self, engine: FakeBothEngine) -> None:
        self.engine = engine

    def connect(self) -> FakeConnection:
        return self.engine.take()


class FakeBothEngine:
    """An AsyncEngine's two ways in: `sync_engine.connect()` (run's one greenlet) and
    `connect()` (its retries). Refuses `refusals` connects, then hands out connections."""

    def __init__(self, refusals: int = 0) -> None:
        self.refusals = refusals
        self.attempts = 0
        self.closed: list[str] = []
        self.sync_engine = FakeSyncEngine(self)

    def take(self) -> FakeConnection:
        self.attempts += 1
        if self.attempts <= self.refusals:
            raise ConnectionRefusedError(111, "Connect call failed")
        return FakeConnection(self.closed)

    async def connect(self) -> FakeConnection:
        return self.take()


def work_on(connection: FakeConnection) -> str:
    return f"worked on {type(connection).__name__}"


async def test_run_does_its_work_in_one_connection_and_gives_it_back(
    gate: ConnectionGate,
) -> None:
    engine = FakeBothEngine()
    assert await gate.run(engine, work_on) == "worked on FakeConnection"  # type: ignore[arg-type]
    assert engine.attempts == 1
    assert engine.closed == ["sync"]


async def test_run_retries_a_refused_connect_then_works(gate: ConnectionGate) -> None:
    engine = FakeBothEngine(refusals=1)
    assert await gate.run(engine, work_on) == "worked on FakeConnection"  # type: ignore[arg-type]
    assert engine.attempts == 2
    assert engine.closed == ["async"]  # the retry's connection, given back too


async def test_run_fails_as_connect_does_and_opens_the_circuit(
    gate: ConnectionGate, seen: list[FailureKind]
) -> None:
    engine = FakeBothEngine(refusals=10**6)
    for _ in range(FAILURES_TO_OPEN):
        with pytest.raises(DatabaseUnavailableError) as failed:
            await gate.run(engine, work_on)  # type: ignore[arg-type]
        assert failed.value.kind is FailureKind.REFUSED
    assert engine.attempts == FAILURES_TO_OPEN * CONNECT_ATTEMPTS
    assert gate.is_open
    with pytest.raises(DatabaseUnavailableError, match="circuit open"):
        await gate.run(engine, work_on)  # type: ignore[arg-type]
    assert engine.attempts == FAILURES_TO_OPEN * CONNECT_ATTEMPTS  # failed fast
    assert seen[-1] is FailureKind.CIRCUIT_OPEN


async def test_a_probe_whose_work_fails_still_closes_the_circuit(
    gate: ConnectionGate, clock: FakeClock
) -> None:
    """The connect is what the circuit is about; the work's own error is the caller's."""
    engine = FakeBothEngine(refusals=FAILURES_TO_OPEN * CONNECT_ATTEMPTS)
    for _ in range(FAILURES_TO_OPEN):
        with pytest.raises(DatabaseUnavailableError):
            await gate.run(engine, work_on)  # type: ignore[arg-type]
    clock.now += MAX_OPEN_S * 2

    def broken(_: FakeConnection) -> str:
        raise LookupError("the work's own error")

    with pytest.raises(LookupError, match="own error"):
        await gate.run(engine, broken)  # type: ignore[arg-type]
    assert not gate.is_open
    assert engine.closed == ["sync"]
