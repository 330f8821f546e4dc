"""Throw-away PostgreSQL databases and a PgBouncer (transaction mode) for the test suite.

Plain helpers, no pytest here; ``tests/conftest.py`` wraps them in fixtures.

Server location comes from ``TEST_POSTGRES_HOST`` / ``TEST_POSTGRES_PORT`` /
``TEST_POSTGRES_USER`` (defaults ``127.0.0.1`` / ``5432`` / ``postgres``); trust
authentication (no password) is assumed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Self, TypeVar

import asyncpg

T = TypeVar("T")

MAINTENANCE_DATABASE = "postgres"
DATABASE_PREFIX = "todo_test_"
_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PGBOUNCER_FALLBACK_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin")


def postgres_host() -> str:
    return os.environ.get("TEST_POSTGRES_HOST", "127.0.0.1")


def postgres_port() -> int:
    return int(os.environ.get("TEST_POSTGRES_PORT", "5432"))


def postgres_user() -> str:
    return os.environ.get("TEST_POSTGRES_USER", "postgres")


def asyncpg_url(database: str, *, host: str | None = None, port: int | None = None) -> str:
    """SQLAlchemy URL for *database* (defaults to the real server, not PgBouncer)."""
    host = host or postgres_host()
    port = port or postgres_port()
    return f"postgresql+asyncpg://{postgres_user()}@{host}:{port}/{database}"


def _run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion in a private thread and event loop.

    A separate thread keeps us clear of whatever loop pytest-asyncio has (or is
    running) in the main thread, so these helpers work from sync and async code.
    """

    async def main() -> T:
        return await factory()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def _connect(
    database: str = MAINTENANCE_DATABASE, connect_timeout: float = 10
) -> asyncpg.Connection:
    return await asyncpg.connect(
        host=postgres_host(),
        port=postgres_port(),
        user=postgres_user(),
        database=database,
        timeout=connect_timeout,
    )


def _check_name(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise ValueError(f"refusing unsafe database name {name!r}")
    return name


def postgres_available(timeout: float = 2.0) -> bool:
    """True when the server accepts a connection within *timeout* seconds."""

    async def probe() -> bool:
        try:
            conn = await asyncio.wait_for(_connect(connect_timeout=timeout), timeout + 1)
        except Exception:  # any failure means "not available"
            return False
        await conn.close()
        return True

    return _run_sync(probe)


def create_postgres_database() -> str:
    """Create a fresh, uniquely named, empty database and return its name."""
    name = _check_name(f"{DATABASE_PREFIX}{uuid.uuid4().hex[:16]}")

    async def create() -> None:
        conn = await _connect()
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    _run_sync(create)
    return name


def drop_postgres_database(name: str) -> None:
    """Drop *name*, kicking out any remaining sessions (PostgreSQL 13+)."""
    _check_name(name)

    async def drop() -> None:
        conn = await _connect()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    _run_sync(drop)


def find_pgbouncer() -> str | None:
    """Path of the pgbouncer binary (Debian puts it in /usr/sbin, often off PATH)."""
    found = shutil.which("pgbouncer")
    if found:
        return found
    for directory in _PGBOUNCER_FALLBACK_DIRS:
        candidate = Path(directory) / "pgbouncer"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PgBouncerError(RuntimeError):
    pass


class PgBouncer:
    """A private PgBouncer in ``pool_mode = transaction`` in front of one database.

    Usage::

        with PgBouncer("todo_test_abc") as bouncer:
            url = asyncpg_url("todo_test_abc", host="127.0.0.1", port=bouncer.port)
    """

    host = "127.0.0.1"

    def __init__(
        self,
        database: str,
        *,
        startup_timeout: float = 10.0,
        max_client_conn: int = 200,
        default_pool_size: int = 20,
    ) -> None:
        self.database = _check_name(database)
        self.startup_timeout = startup_timeout
        self.max_client_conn = max_client_conn
        self.default_pool_size = default_pool_size
        self.port = 0
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return asyncpg_url(self.database, host=self.host, port=self.port)

    def _write_config(self, directory: Path) -> Path:
        user = postgres_user()
        (directory / "userlist.txt").write_text(f'"{user}" ""\n')
        ini = directory / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"{self.database} = host={postgres_host()} port={postgres_port()}"
            f" dbname={self.database} user={user}\n"
            "\n"
            "[pgbouncer]\n"
            f"listen_addr = {self.host}\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {directory / 'userlist.txt'}\n"
            f"admin_users = {user}\n"
            "pool_mode = transaction\n"
            f"max_client_conn = {self.max_client_conn}\n"
            f"default_pool_size = {self.default_pool_size}\n"
            "ignore_startup_parameters = extra_float_digits,statement_timeout\n"
        )
        for path in (directory, directory / "userlist.txt", ini):
            # pgbouncer runs as an unprivileged user (see start()); nothing secret here.
            path.chmod(0o755 if path.is_dir() else 0o644)
        return ini

    def _command(self, ini: Path) -> list[str]:
        binary = find_pgbouncer()
        if binary is None:
            raise PgBouncerError("pgbouncer binary not found (apt-get install pgbouncer)")
        command = [binary]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            command += ["-u", os.environ.get("TEST_PGBOUNCER_OS_USER", "postgres")]
        return [*command, str(ini)]

    def _log_text(self) -> str:
        if self._dir is None:
            return ""
        with contextlib.suppress(OSError):
            return (Path(self._dir.name) / "pgbouncer.log").read_text(errors="replace")
        return ""

    def start(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="pgbouncer-")
        directory = Path(self._dir.name)
        self.port = _free_port()
        ini = self._write_config(directory)
        self._log = (directory / "pgbouncer.log").open("wb")
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            self._command(ini),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.startup_timeout
        while not _accepts_connections(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                status = self._process.poll()
                state = "not listening in time" if status is None else f"exited with {status}"
                log = self._log_text()
                self.stop()
                raise PgBouncerError(
                    f"pgbouncer on port {self.port} failed to start ({state}); log:\n{log}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()  # SIGTERM: immediate shutdown
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
