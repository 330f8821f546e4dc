"""A TCP proxy in front of the database that counts round trips: each chunk the client
sends towards the server. asyncpg writes a whole request (Bind/Execute/Sync, or a Query) at
once and then waits for the answer, so on a sequential client a chunk is a round trip."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy import make_url


@dataclass
class RoundTripCounter:
    """A running proxy: `url` reaches the database through it, `count` is the total so far."""

    url: str = ""
    count: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, counted: bool
    ) -> None:
        try:
            while chunk := await reader.read(65536):
                if counted:
                    self.count += 1
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def counting_proxy(url: str) -> AsyncIterator[RoundTripCounter]:
    """Proxy the database of `url` (a SQLAlchemy URL) on a free local port."""
    target = make_url(url)
    counter = RoundTripCounter()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(target.host, target.port)
        for task in (
            asyncio.create_task(counter._pipe(reader, upstream_writer, counted=True)),
            asyncio.create_task(counter._pipe(upstream_reader, writer, counted=False)),
        ):
            counter._tasks.add(task)
            task.add_done_callback(counter._tasks.discard)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    counter.url = target.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    try:
        yield counter
    finally:
        server.close()
        for task in list(counter._tasks):
            task.cancel()
        await asyncio.gather(*counter._tasks, return_exceptions=True)
