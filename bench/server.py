"""The service under test for bench/mix.py: a throw-away PostgreSQL database, `todo db upgrade`,
`todo serve` as a subprocess and its CPU time from /proc. The server runs from an empty
temporary directory (no stray .env) and logs there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from http1 import HttpConn

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
ADMIN_DSN = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"
HEALTH_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
MIGRATE_TIMEOUT_S = 60.0
HTTP_OK = 200
LOG_TAIL = 30


class SetupError(Exception):
    """The database, the migration or the server could not be brought up."""


@contextlib.asynccontextmanager
async def throwaway_database() -> AsyncIterator[str]:
    """CREATE DATABASE todo_bench_<random>; always dropped (WITH FORCE) on the way out."""
    import asyncpg  # noqa: PLC0415  (the project's driver)

    name = f"todo_bench_{secrets.token_hex(4)}"
    try:
        admin = await asyncpg.connect(ADMIN_DSN, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise SetupError(f"cannot connect to {ADMIN_DSN}: {exc}") from exc
    try:
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.PostgresError as exc:
            raise SetupError(f"cannot create database {name}: {exc}") from exc
        try:
            yield name
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(f"# dropped database {name}")
    finally:
        await admin.close()


def todo_command() -> str:
    """The `todo` console script of the interpreter running this (.venv/bin/todo)."""
    beside = Path(sys.executable).parent / "todo"
    if beside.exists():
        return str(beside)
    return str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "todo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_cpu_seconds(pid: int) -> float:
    """utime+stime of pid and all its descendants (worker processes), from /proc."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                parent[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    family, frontier = {pid}, {pid}
    for _ in range(64):  # depth bound
        frontier = {p for p, pp in parent.items() if pp in frontier and p not in family}
        if not frontier:
            break
        family |= frontier
    ticks = 0
    for p in family:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def _run(args: list[str], env: dict[str, str], cwd: str, seconds: float) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), seconds)
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, output.decode(errors="replace")


async def serve_supports_workers() -> bool:
    with tempfile.TemporaryDirectory() as cwd:
        _, text = await _run([todo_command(), "serve", "--help"], dict(os.environ), cwd, 30)
    return "--workers" in text


class ServerProcess:
    """`todo serve` on a free 127.0.0.1 port, in its own session (process group)."""

    def __init__(self, workers: int | None) -> None:
        self.workers = workers
        self.port = free_port()
        self.proc: asyncio.subprocess.Process | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="todo-bench-")
        self.log_path = Path(self._dir.name) / "server.log"

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid) if self.proc else 0.0

    def _env(self, database_url: str, secret: str = "") -> dict[str, str]:
        env = dict(os.environ)
        env.update(DATABASE_URL=database_url, APP_ENV="production", HOST="127.0.0.1")
        env.update(PORT=str(self.port), AUTH_JWT_SECRET=secret or "x" * 48)
        return env

    async def migrate(self, database_url: str, deadline: float) -> None:
        """`todo db upgrade` (to head) on the database."""
        timeout = max(1.0, min(MIGRATE_TIMEOUT_S, deadline - time.monotonic()))
        args = [todo_command(), "db", "upgrade"]
        try:
            code, text = await _run(args, self._env(database_url), self._dir.name, timeout)
        except TimeoutError:
            raise SetupError(f"`todo db upgrade` took longer than {timeout:.0f} s") from None
        if code != 0:
            raise SetupError(f"`todo db upgrade` exited with {code}:\n{text[-3000:]}")

    async def start(self, database_url: str, secret: str, deadline: float) -> None:
        """Start and wait until GET /health answers 200."""
        args = [todo_command(), "serve"]
        if self.workers:
            args += ["--workers", str(self.workers)]
        with self.log_path.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *args,
                env=self._env(database_url, secret),
                cwd=self._dir.name,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches only this script; stop() ends it
            )
        until = min(deadline, time.monotonic() + HEALTH_TIMEOUT_S)
        while time.monotonic() < until:
            if self.proc.returncode is not None:
                raise SetupError(f"`todo serve` exited with {self.proc.returncode}:\n{self.tail()}")
            conn = HttpConn("127.0.0.1", self.port)
            try:
                status, _, _ = await asyncio.wait_for(conn.request("GET", "/health", ""), 2)
                if status == HTTP_OK:
                    return
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                pass
            finally:
                conn.close()
            await asyncio.sleep(0.1)
        raise SetupError(f"`todo serve` did not answer GET /health in time:\n{self.tail()}")

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            lines = self.log_path.read_text(errors="replace").splitlines()
            return "\n".join(lines[-LOG_TAIL:])
        return ""

    def log_problems(self) -> int:
        """Lines of the server log that report an error or a traceback."""
        with contextlib.suppress(OSError):
            text = self.log_path.read_text(errors="replace")
            return sum(1 for x in text.splitlines() if x.startswith(("ERROR", "Traceback")))
        return 0

    async def stop(self) -> None:
        """SIGTERM to the server, SIGKILL to its process group if it lingers; remove the dir."""
        proc = self.proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        self._dir.cleanup()
