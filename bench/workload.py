"""The seeded task workload of bench/mix.py, over HTTP: plan, runner, statistics.

Same plan as the team harness (../shared/bench/workload.py) for the same seed: K users each
create N tasks (round-robin), then M operations drawn from weighted kinds. A task id is
checked out while an operation uses it, so concurrent operations never collide; a user with
no task left creates one instead.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from http1 import HttpConn, next_link

KINDS = ("create", "list", "list_next", "get", "patch", "complete", "delete")
NEEDS_ID = frozenset({"get", "patch", "complete", "delete"})
DEFAULT_MIX = "list=15,list_next=10,get=25,create=10,patch=20,complete=10,delete=10"
TAGS = ("home", "work", "errands", "urgent", "later", "health", "money", "family")
WORDS = ("milk", "report", "call", "gym", "invoice", "garden", "dentist", "taxes", "email")
OK_LOW, OK_HIGH = 200, 300
OP_TIMEOUT_S = 30.0
GRACE_S = 5.0  # past the deadline, operations in flight get this long to finish
PAGE = 50
CONVERTED_CREATE = b'{"title": "Task"}'  # an op on a user with no task left creates this


def is_ok(status: int | str) -> bool:
    return isinstance(status, int) and OK_LOW <= status < OK_HIGH


def parse_mix(text: str) -> dict[str, int]:
    mix = {}
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        if kind.strip() not in KINDS:
            raise SystemExit(f"unknown operation in mix: {kind!r} (known: {', '.join(KINDS)})")
        mix[kind.strip()] = int(weight)
    return mix


@dataclass(slots=True)
class Op:
    user: int
    kind: str
    pick: int  # chooses a task id from the user's pool
    payload: bytes | None = None


@dataclass
class UserState:
    ids: list[int] = field(default_factory=list)
    next: str | None = None  # rel="next" target of this user's latest first page


def task_payload(rng: random.Random, n: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": f"Task {n} {rng.choice(WORDS)}",
        "priority": rng.choice(("low", "medium", "medium", "high")),
        "tags": rng.sample(TAGS, rng.randint(0, 3)),
    }
    if rng.random() < 0.5:  # noqa: PLR2004
        body["description"] = "Details " * rng.randint(1, 8)
    if rng.random() < 0.5:  # noqa: PLR2004
        body["due_date"] = f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T17:00:00Z"
    return body


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def make_plan(
    seed: int, users: int, tasks_per_user: int, mix_ops: int, mix: dict[str, int]
) -> tuple[list[Op], list[Op]]:
    """(create phase, mix phase); depends only on the arguments (same RNG calls as the team's)."""
    rng = random.Random(seed)  # noqa: S311  (a reproducible plan, not a secret)
    creates = [
        Op(u, "create", 0, _encode(task_payload(rng, n)))
        for n in range(tasks_per_user)
        for u in range(users)
    ]
    kinds, weights = list(mix), list(mix.values())
    ops = []
    for i in range(mix_ops):
        kind = rng.choices(kinds, weights)[0]
        op = Op(rng.randrange(users), kind, rng.getrandbits(31))
        if kind == "create":
            op.payload = _encode(task_payload(rng, tasks_per_user + i))
        elif kind == "patch":
            op.payload = _encode({"title": f"Renamed {i} {rng.choice(WORDS)}"})
        elif kind == "complete":
            op.payload = _encode({"completed": rng.random() < 0.7})  # noqa: PLR2004
        ops.append(op)
    return creates, ops


class Api:
    """The task endpoints for K users, one coroutine call per operation kind."""

    def __init__(self, tokens: dict[str, str], port: int) -> None:
        self.port = port
        self.users = list(tokens)
        self.state = [UserState() for _ in self.users]
        self.headers = [
            f"Authorization: Bearer {tokens[u]}\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
            for u in self.users
        ]

    def path(self, user: int, tail: str = "") -> str:
        return f"/api/{self.users[user]}/tasks{tail}"

    async def call(
        self, conn: HttpConn, op: Op, kind: str, task_id: int | None, notes: Counter[str]
    ) -> int:
        """Run one operation; updates the user's state (new ids, next link); returns the status."""
        st, head = self.state[op.user], self.headers[op.user]
        if kind == "create":
            payload = op.payload if op.kind == "create" else CONVERTED_CREATE
            status, _, body = await conn.request("POST", self.path(op.user), head, payload)
            if is_ok(status):
                st.ids.append(int(json.loads(body)["id"]))
        elif kind == "list":
            path = self.path(op.user)
            status, fields, _ = await conn.request("GET", f"{path}?limit={PAGE}", head)
            if is_ok(status):
                st.next = next_link(fields.get("link"), path)
        elif kind == "list_next":
            notes["list_next_via_" + ("cursor" if st.next else "offset")] += 1
            target = st.next or self.path(op.user, f"?limit={PAGE}&offset={PAGE}")
            status, _, _ = await conn.request("GET", target, head)
        elif kind == "get":
            status, _, _ = await conn.request("GET", self.path(op.user, f"/{task_id}"), head)
        elif kind == "delete":
            status, _, _ = await conn.request("DELETE", self.path(op.user, f"/{task_id}"), head)
        else:  # patch (rename) or complete
            tail = f"/{task_id}" if kind == "patch" else f"/{task_id}/complete"
            status, _, _ = await conn.request("PATCH", self.path(op.user, tail), head, op.payload)
        return status

    async def run(
        self, conn: HttpConn, op: Op, notes: Counter[str], seconds: float
    ) -> tuple[str, int | str, float]:
        """Check out a task id if the kind needs one, call, give it back: (kind, status, s)."""
        st, kind, task_id = self.state[op.user], op.kind, None
        if kind in NEEDS_ID:
            if st.ids:
                task_id = st.ids.pop(op.pick % len(st.ids))
            else:  # the pool is empty: create instead, so the plan stays runnable
                kind = "create"
                notes["converted_to_create"] += 1
        status: int | str
        started = time.perf_counter()
        try:
            async with asyncio.timeout(seconds):
                status = await self.call(conn, op, kind, task_id, notes)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                ValueError, KeyError) as exc:  # fmt: skip
            status = f"exc:{type(exc).__name__}"
        elapsed = time.perf_counter() - started
        if task_id is not None and not (kind == "delete" and is_ok(status)):
            st.ids.append(task_id)
        return kind, status, elapsed


@dataclass
class PhaseResult:
    name: str
    elapsed: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int | str]] = field(default_factory=lambda: defaultdict(Counter))
    notes: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def errors(self) -> int:
        return sum(n for c in self.statuses.values() for s, n in c.items() if not is_ok(s))


async def run_phase(
    name: str,
    ops: list[Op],
    api: Api,
    connect: Callable[[], HttpConn],
    concurrency: int,
    deadline: float,
    keep_going: bool,
) -> PhaseResult:
    """Run `ops` on `concurrency` keep-alive connections until done or `deadline` (monotonic:
    no operation starts after it). Without `keep_going` the first error stops the phase.
    Operations in flight finish either way."""
    result = PhaseResult(name)
    it: Iterator[Op] = iter(ops)

    async def worker() -> None:
        conn = connect()
        try:
            for op in it:
                left = deadline - time.monotonic()
                if left <= 0:
                    result.notes["stopped_at_deadline"] = 1
                    return
                if not keep_going and result.notes["stopped_at_first_error"]:
                    return
                kind, status, elapsed = await api.run(
                    conn, op, result.notes, min(OP_TIMEOUT_S, left + GRACE_S)
                )
                result.latencies[kind].append(elapsed)
                result.statuses[kind][status] += 1
                if not is_ok(status) and not keep_going:
                    result.notes["stopped_at_first_error"] = 1
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


def pct(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return 0.0
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def row(latencies: list[float], statuses: Counter[int | str], elapsed: float) -> dict[str, Any]:
    """count, errors (by status), ops/s over `elapsed`, p50/p95/p99 in ms."""
    s = sorted(latencies)
    errors = {str(k): v for k, v in statuses.items() if not is_ok(k)}
    return {
        "count": len(s),
        "errors": sum(errors.values()),
        "error_statuses": errors,
        "ops_s": round(len(s) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(pct(s, 50) * 1e3, 2),
        "p95_ms": round(pct(s, 95) * 1e3, 2),
        "p99_ms": round(pct(s, 99) * 1e3, 2),
    }


def summarize(ph: PhaseResult) -> dict[str, Any]:
    """Per kind (ops/s = the kind's share of the phase throughput) and TOTAL."""
    every = [x for v in ph.latencies.values() for x in v]
    return {
        "elapsed_s": round(ph.elapsed, 3),
        "ops": {
            k: row(ph.latencies[k], ph.statuses[k], ph.elapsed) for k in KINDS if ph.latencies[k]
        },
        "total": row(every, sum(ph.statuses.values(), Counter()), ph.elapsed),
        "notes": dict(ph.notes),
    }


def print_table(name: str, summary: dict[str, Any]) -> None:
    head = (
        f"{'phase':<7} {'op':<10} {'count':>7} {'errors':>6} {'ops/s':>9} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  errors by status"
    )
    print(head)
    print("-" * len(head))
    for op, r in [*summary["ops"].items(), ("TOTAL", summary["total"])]:
        errs = " ".join(f"{k}:{v}" for k, v in sorted(r["error_statuses"].items()))
        print(
            f"{name:<7} {op:<10} {r['count']:>7} {r['errors']:>6} {r['ops_s']:>9.1f} "
            f"{r['p50_ms']:>8.2f} {r['p95_ms']:>8.2f} {r['p99_ms']:>8.2f}  {errs}"
        )
    if summary["notes"]:
        print(f"{'':<7} notes: {json.dumps(summary['notes'])}")
