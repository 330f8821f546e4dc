"""A small keep-alive HTTP/1.1 client on asyncio streams, for bench/mix.py.

httpx costs about 1 ms of client CPU per request, more than the server under test spends on
a 2-core machine; this costs tens of microseconds. One request in flight per connection.
Bodies delimited by Content-Length or chunked encoding (minimal: extensions and trailers are
skipped); a response delimited by closing the connection is read to EOF.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

NO_BODY = frozenset({204, 304})
INFORMATIONAL = 200  # statuses below this carry no body
MAX_HEAD = 64 * 1024

LINK_RE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)")
REL_RE = re.compile(r'rel\s*=\s*"?([^";,]+)"?')

Response = tuple[int, dict[str, str], bytes]


class HttpError(Exception):
    """A response this client cannot read."""


class HttpConn:
    """One keep-alive HTTP/1.1 connection to host:port; reconnects after a close."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.host_line = f"Host: {host}:{port}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def _streams(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if (
            self.reader is None
            or self.writer is None
            or self.reader.at_eof()
            or self.writer.is_closing()
        ):
            self.close()
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, limit=MAX_HEAD
            )
        return self.reader, self.writer

    async def request(
        self, method: str, target: str, headers: str, body: bytes | None = None
    ) -> Response:
        """`headers` is a pre-rendered block of `Name: value\\r\\n` lines."""
        reader, writer = await self._streams()
        body = body or b""
        head = (
            f"{method} {target} HTTP/1.1\r\n{self.host_line}{headers}"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            writer.write(head.encode("latin-1") + body)
            lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            fields: dict[str, str] = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    name, value = name.strip().lower(), value.strip()
                    fields[name] = f"{fields[name]}, {value}" if name in fields else value
            data = await self._body(reader, status, fields)
        except BaseException:
            self.close()
            raise
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, fields, data

    async def _body(
        self, reader: asyncio.StreamReader, status: int, fields: dict[str, str]
    ) -> bytes:
        if status in NO_BODY or status < INFORMATIONAL:
            return b""
        coding = fields.get("transfer-encoding", "").lower()
        if coding == "chunked":
            return await _read_chunked(reader)
        if coding:
            raise HttpError(f"unsupported Transfer-Encoding: {coding}")
        if "content-length" in fields:
            return await reader.readexactly(int(fields["content-length"]))
        data = await reader.read()  # delimited by the end of the connection
        self.close()
        return data


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append((await reader.readexactly(size + 2))[:-2])


def next_link(value: str | None, default_path: str) -> str | None:
    """The target of the Link rel="next" in a Link header value, as path?query."""
    for match in LINK_RE.finditer(value or ""):
        rel = REL_RE.search(match.group(2))
        if rel and "next" in rel.group(1).split():
            url = urlsplit(match.group(1))
            return (url.path or default_path) + (f"?{url.query}" if url.query else "")
    return None
