"""Prometheus metrics (prometheus-client): requests, latencies, pool, database errors, chat.

Created once per app, never per request; a request costs a counter and a histogram update
on label children cached here. Under `todo serve --workers N` the CLI sets
`PROMETHEUS_MULTIPROC_DIR` before the workers start: each worker then writes its values to
files there, and `/metrics`, whichever worker answers, adds up every worker's
(prometheus-client's multiprocess mode). Without it, each app has its own registry.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Final, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

POOL_REFRESH_S: Final = 1.0


class PoolCounts(Protocol):
    @property
    def size(self) -> int: ...
    @property
    def checked_in(self) -> int: ...
    @property
    def checked_out(self) -> int: ...
    @property
    def overflow(self) -> int: ...


class Metrics:
    """The service's metrics; `render` answers a scrape."""

    content_type: Final = CONTENT_TYPE_LATEST

    def __init__(self, *, multiproc_dir: str | None = None) -> None:
        self._multiproc_dir = multiproc_dir
        # Multiprocess mode keeps values in files, not in a registry: register nowhere.
        self._registry = None if multiproc_dir else CollectorRegistry()
        self._http_instruments()
        self._database_instruments()
        self._chat_instruments()
        self._workers = Gauge(
            "todo_worker_up",
            "1 for each live worker process (its pid is a label under several workers).",
            registry=self._registry,
            multiprocess_mode="liveall",
        )
        self._workers.set(1)
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._pool_counts: Callable[[], PoolCounts] | None = None
        self._pool_due = 0.0

    def _http_instruments(self) -> None:
        self._requests = Counter(
            "todo_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self._registry,
        )
        self._latency = Histogram(
            "todo_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            registry=self._registry,
        )

    def _database_instruments(self) -> None:
        self._pool = Gauge(
            "todo_db_pool_connections",
            "Database pool connections by state (size, checked_in, checked_out, overflow),"
            " summed over live workers.",
            ["state"],
            registry=self._registry,
            multiprocess_mode="livesum",
        )
        self._db_errors = Counter(
            "todo_db_errors",
            "Database failures by kind (connection refused, timeout, circuit open, ...).",
            ["kind"],
            registry=self._registry,
        )

    def _chat_instruments(self) -> None:
        self._turns = Counter(
            "todo_chat_turns", "Chat turns by outcome.", ["outcome"], registry=self._registry
        )
        self._tool_calls = Counter(
            "todo_chat_tool_calls",
            "Tool calls made in chat turns, by tool and outcome.",
            ["tool", "outcome"],
            registry=self._registry,
        )

    def watch_pool(self, counts: Callable[[], PoolCounts]) -> None:
        self._pool_counts = counts
        self.refresh_pool()

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered request (the metrics middleware calls this)."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self._requests.labels(method, route, str(status)),
                self._latency.labels(method, route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        if self._pool_counts is not None and time.monotonic() >= self._pool_due:
            self.refresh_pool()

    def refresh_pool(self) -> None:
        """Pool gauges from this worker's pool (at most every POOL_REFRESH_S per request)."""
        self._pool_due = time.monotonic() + POOL_REFRESH_S
        if self._pool_counts is None:
            return
        counts = self._pool_counts()
        for state in ("size", "checked_in", "checked_out", "overflow"):
            self._pool.labels(state).set(getattr(counts, state))

    def database_error(self, kind: str) -> None:
        self._db_errors.labels(kind).inc()

    def turn_ended(self, outcome: str) -> None:
        self._turns.labels(outcome).inc()

    def tool_called(self, tool: str, outcome: str) -> None:
        self._tool_calls.labels(tool, outcome).inc()

    def render(self) -> bytes:
        """The text exposition: this app's registry, or every worker's files."""
        self.refresh_pool()
        if self._registry is not None:
            return generate_latest(self._registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=self._multiproc_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry)

    def close(self) -> None:
        """At shutdown: a worker's live gauges leave the sums."""
        if self._multiproc_dir:
            multiprocess.mark_process_dead(os.getpid(), path=self._multiproc_dir)  # type: ignore[no-untyped-call]
