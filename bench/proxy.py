"""An in-process TCP proxy for bench/mix.py: delays each direction and counts round trips.

Every chunk read from one side is written to the other `delay_ms` later, in order, without
throttling bandwidth (a database a few milliseconds away). Chunks read from the client side
(the server under test) are its database round trips: the service does not pipeline queries.
Built on protocols and timers rather than streams so it costs the driver process little CPU;
back-pressure pauses the reading side. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import cast


@dataclass
class ProxyStats:
    connections: int = 0
    active: int = 0
    chunks: dict[str, int] = field(default_factory=lambda: {"up": 0, "down": 0})
    bytes: dict[str, int] = field(default_factory=lambda: {"up": 0, "down": 0})
    added_delay_s: float = 0.0  # measured time from arrival to forwarding, summed (delay > 0)
    delayed_chunks: int = 0

    @property
    def round_trips(self) -> int:
        """Chunks sent from the server under test towards the database."""
        return self.chunks["up"]

    def mean_added_delay_ms(self) -> float:
        return self.added_delay_s / self.delayed_chunks * 1e3 if self.delayed_chunks else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "connections": self.connections,
            "chunks_up": self.chunks["up"],
            "chunks_down": self.chunks["down"],
            "bytes_up": self.bytes["up"],
            "bytes_down": self.bytes["down"],
            "mean_added_delay_ms": round(self.mean_added_delay_ms(), 3),
        }


class _Side(asyncio.Protocol):
    """One socket of a proxied connection; forwards what it receives to its peer's socket.
    `direction` names the data it receives: "up" on the client side, "down" on the database's."""

    def __init__(self, proxy: DelayProxy, direction: str) -> None:
        self.proxy, self.direction = proxy, direction
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self.early: list[bytes] = []  # received before the peer was connected
        self.delayed: deque[tuple[float, bytes | None]] = deque()  # (arrival, data; None: close)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.proxy.sides.add(self)
        if self.direction == "up":
            self.proxy.on_client(self)

    def link(self, peer: _Side) -> None:
        self.peer = peer
        for data in self.early:
            self._forward(data)
        self.early.clear()

    def data_received(self, data: bytes) -> None:
        stats = self.proxy.stats
        stats.chunks[self.direction] += 1
        stats.bytes[self.direction] += len(data)
        if self.peer is None:
            self.early.append(data)
        else:
            self._forward(data)

    def _forward(self, data: bytes | None) -> None:
        if self.proxy.delay > 0:
            self.delayed.append((self.proxy.loop.time(), data))
            self.proxy.loop.call_later(self.proxy.delay, self._deliver)
        else:
            self._write(data)

    def _deliver(self) -> None:
        # Timers may fire out of order on a tie; each delivers the oldest chunk, all are due.
        arrived, data = self.delayed.popleft()
        if data is not None:
            self.proxy.stats.added_delay_s += self.proxy.loop.time() - arrived
            self.proxy.stats.delayed_chunks += 1
        self._write(data)

    def _write(self, data: bytes | None) -> None:
        out = self.peer.transport if self.peer else None
        if out is None or out.is_closing():
            return
        if data is None:
            out.close()  # after what is already buffered
        else:
            out.write(data)

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002
        # EOF (eof_received returns None) or an error: the peer closes once what is still
        # delayed has gone out. PostgreSQL's protocol has no use for half-closed connections.
        self.proxy.sides.discard(self)
        self.transport = None
        if self.direction == "up":
            self.proxy.stats.active -= 1
        if self.peer is not None:
            self._forward(None)
        else:
            self.early.clear()

    def pause_writing(self) -> None:  # our socket's buffer is full: stop reading the peer
        if self.peer and self.peer.transport:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer and self.peer.transport:
            self.peer.transport.resume_reading()


class DelayProxy:
    """127.0.0.1:<port> -> target, `delay_ms` added each way; `stats` counts the traffic."""

    def __init__(self, target_host: str, target_port: int, delay_ms: float, max_conns: int = 1000):
        self.target = (target_host, target_port)
        self.delay = delay_ms / 1000
        self.max_conns = max_conns
        self.stats = ProxyStats()
        self.port = 0
        self.loop = asyncio.get_running_loop()
        self.sides: set[_Side] = set()
        self._server: asyncio.Server | None = None
        self._connecting: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await self.loop.create_server(lambda: _Side(self, "up"), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def on_client(self, client: _Side) -> None:
        self.stats.active += 1
        if self.stats.active > self.max_conns and client.transport:
            client.transport.close()
            return
        task = self.loop.create_task(self._connect(client))
        self._connecting.add(task)
        task.add_done_callback(self._connecting.discard)

    async def _connect(self, client: _Side) -> None:
        try:
            _, database = await self.loop.create_connection(
                lambda: _Side(self, "down"), *self.target
            )
        except OSError:
            if client.transport:
                client.transport.close()
            return
        if client.transport is None or client.transport.is_closing():
            if database.transport:
                database.transport.close()
            return
        self.stats.connections += 1
        database.link(client)
        client.link(database)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connecting):
            task.cancel()
        await asyncio.gather(*self._connecting, return_exceptions=True)
        for side in list(self.sides):
            if side.transport:
                side.transport.abort()
        self.sides.clear()
        self._server = None
