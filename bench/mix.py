"""Benchmark: the team's task workload against `todo serve` on a throw-away PostgreSQL database.

Run from the project root (PostgreSQL on 127.0.0.1:5432, user postgres, trust auth):

    PYTHONPATH=src .venv/bin/python bench/mix.py --delay-ms 2

Creates the database todo_bench_<random>, migrates it (`todo db upgrade`), puts an in-process
proxy in front of it (adds --delay-ms each way, 0 by default, and counts the chunks the server
sends towards the database: its round trips), serves the API (`todo serve`, APP_ENV=production,
a random secret, a free port) and runs: K users each creating N tasks, a mix of M operations
drawn with a fixed seed on C keep-alive connections, then each kind alone for a few sequential
operations. Prints per kind count, errors, ops/s, p50/p95/p99; the mix throughput; server CPU
(the server and its child processes) per request; database round trips per request and per
kind. The last line is everything as JSON. The server and proxy stop and the database is
dropped at the end, also on error or Ctrl-C; traffic stays on 127.0.0.1. Prints figures, asserts
nothing, is not part of the test suite. Exit status 1 when any operation failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import secrets
import signal
import sys
import time
from collections import Counter
from typing import Any

import jwt
from http1 import HttpConn
from proxy import DelayProxy
from server import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    ServerProcess,
    SetupError,
    serve_supports_workers,
    throwaway_database,
)
from workload import (
    DEFAULT_MIX,
    KINDS,
    OP_TIMEOUT_S,
    Api,
    Op,
    PhaseResult,
    is_ok,
    make_plan,
    parse_mix,
    pct,
    print_table,
    run_phase,
    summarize,
)

SETTLE_S = 0.3  # after a phase: let work that follows the last response (a late COMMIT) land


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--users", type=int, default=20, help="K users (20)")
    p.add_argument("--tasks-per-user", type=int, default=100, help="N tasks per user (100)")
    p.add_argument("--ops", type=int, default=6000, help="M operations in the mix (6000)")
    p.add_argument("--concurrency", type=int, default=16, help="C connections (16)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mix", default=DEFAULT_MIX)
    p.add_argument("--delay-ms", type=float, default=0.0, help="added each way to the database")
    p.add_argument("--workers", type=int, help="`todo serve --workers N`, when it has the option")
    p.add_argument("--probe", type=int, default=20, help="sequential ops per kind (0: none)")
    p.add_argument("--max-seconds", type=float, default=120, help="cap for the whole run")
    p.add_argument("--keep-going", action="store_true", help="do not stop at the first error")
    args = p.parse_args(argv)
    if min(args.users, args.concurrency) < 1 or min(args.tasks_per_user, args.ops) < 0:
        p.error("--users and --concurrency must be >= 1, --tasks-per-user and --ops >= 0")
    return args


def mint_tokens(secret: str, users: list[str]) -> dict[str, str]:
    now = int(time.time())
    claims = {"iat": now, "exp": now + 4 * 3600}
    return {u: jwt.encode({"sub": u, **claims}, secret, algorithm="HS256") for u in users}


async def probe(
    api: Api, proxy: DelayProxy, n: int, deadline: float, settle: float
) -> dict[str, Any]:
    """Each kind alone, sequentially, on one connection: unloaded latency and round trips per
    op (the proxy counter read as each op starts; anything an op sends after its response
    lands before the next starts, or, for the last, within `settle`)."""
    out: dict[str, Any] = {}
    conn = HttpConn("127.0.0.1", api.port)
    notes: Counter[str] = Counter()
    payloads = {
        "create": lambda j: {"title": f"Probe {j}"},
        "patch": lambda j: {"title": f"Probe renamed {j}"},
        "complete": lambda j: {"completed": j % 2 == 0},
    }
    try:
        for i, kind in enumerate(KINDS):
            lat, marks, statuses = [], [], Counter[int | str]()
            for j in range(n):
                if (left := deadline - time.monotonic()) <= 0:
                    break
                body = payloads[kind](j) if kind in payloads else None
                op = Op(
                    (i + j) % len(api.users), kind, j * 7919, body and json.dumps(body).encode()
                )
                marks.append(proxy.stats.round_trips)
                ran, status, elapsed = await api.run(conn, op, notes, min(OP_TIMEOUT_S, left))
                lat.append(elapsed)
                statuses[status] += 1
                notes["converted_to_create"] += ran != kind
            await asyncio.sleep(settle)  # traffic after the last response (a late COMMIT) lands
            marks.append(proxy.stats.round_trips)
            trips = [b - a for a, b in itertools.pairwise(marks)]
            lat.sort()
            out[kind] = {
                "count": len(lat),
                "errors": sum(v for k, v in statuses.items() if not is_ok(k)),
                "error_statuses": {str(k): v for k, v in statuses.items() if not is_ok(k)},
                "p50_ms": round(pct(lat, 50) * 1e3, 2),
                "round_trips_per_op": round(sum(trips) / len(trips), 2) if trips else None,
                "round_trips_min_max": [min(trips), max(trips)] if trips else None,
            }
            if notes["converted_to_create"]:
                out[kind]["converted_to_create"] = notes.pop("converted_to_create")
    finally:
        conn.close()
    return out


async def run_workload(args: argparse.Namespace, api: Api, ctx: dict[str, Any]) -> dict[str, Any]:
    """Warm-up, create phase, mix phase (CPU and round trips measured around it), probe."""
    proxy: DelayProxy = ctx["proxy"]
    server: ServerProcess = ctx["server"]
    deadline: float = ctx["deadline"]
    creates, mix_ops = make_plan(
        args.seed, args.users, args.tasks_per_user, args.ops, parse_mix(args.mix)
    )

    def phase(name: str, ops: list[Op]) -> Any:
        connect = lambda: HttpConn("127.0.0.1", api.port)  # noqa: E731
        return run_phase(name, ops, api, connect, args.concurrency, deadline, args.keep_going)

    warm = [Op(i % args.users, "list", 0) for i in range(max(2 * args.concurrency, args.users))]
    warmed: PhaseResult = await phase("warmup", warm)
    if not any(is_ok(s) for c in warmed.statuses.values() for s in c):
        raise SetupError(f"warm-up got no 2xx: {dict(warmed.statuses)}")

    out: dict[str, Any] = {}
    trips0 = proxy.stats.round_trips
    created: PhaseResult = await phase("create", creates)
    await asyncio.sleep(SETTLE_S)
    out["create"] = summarize(created)
    out["create"]["round_trips_per_op"] = per_op(proxy.stats.round_trips - trips0, created.count)

    cpu0, srv0, trips0 = time.process_time(), server.cpu_seconds(), proxy.stats.round_trips
    mixed: PhaseResult = await phase("mix", mix_ops)
    await asyncio.sleep(SETTLE_S + 2 * args.delay_ms / 1000)
    srv_cpu, cpu = server.cpu_seconds() - srv0, time.process_time() - cpu0
    out["mix"] = summarize(mixed)
    n = mixed.count or 1
    out["mix"].update(
        round_trips_per_op=per_op(proxy.stats.round_trips - trips0, mixed.count),
        server_cpu_us_per_op=round(srv_cpu / n * 1e6, 1),
        driver_cpu_us_per_op=round(cpu / n * 1e6, 1),
    )
    if args.probe > 0 and (args.keep_going or not (created.errors or mixed.errors)):
        settle = SETTLE_S + 2 * args.delay_ms / 1000
        out["probe"] = await probe(api, proxy, args.probe, deadline, settle)
    elif args.probe > 0:
        out["probe_skipped"] = "errors before it (--keep-going runs it anyway)"
    return out


def per_op(total: int, ops: int) -> float | None:
    return round(total / ops, 2) if ops else None


def report(out: dict[str, Any]) -> None:
    print()
    print_table("create", out["create"])
    print()
    print_table("mix", out["mix"])
    mix = out["mix"]
    print(
        f"\nmix throughput {mix['total']['ops_s']:.1f} ops/s over {mix['elapsed_s']:.2f} s;"
        f" server CPU {mix['server_cpu_us_per_op']:.0f} us/request (pid {out['server_pid']}"
        f" and children); driver+proxy CPU {mix['driver_cpu_us_per_op']:.0f} us/request"
    )
    if stopped := [
        k for k in ("stopped_at_first_error", "stopped_at_deadline") if mix["notes"].get(k)
    ]:
        print(f"WARNING: the mix ended early ({', '.join(stopped)}): {mix['total']['count']} ops")
    print(
        f"database round trips per request: mix {mix['round_trips_per_op']},"
        f" create phase {out['create']['round_trips_per_op']}"
        f" (proxy +{out['delay_ms']} ms each way, measured {out['proxy']['mean_added_delay_ms']}"
        f" ms, {out['proxy']['connections']} connections)"
    )
    if "probe_skipped" in out:
        print(f"\nper-kind probe skipped: {out['probe_skipped']}")
    if "probe" in out:
        print("\nper kind, alone and sequential (round trips per op: mean [min, max])")
        for kind, r in out["probe"].items():
            print(
                f"  {kind:<10} {r['count']:>3} ops  errors {r['errors']:<3} p50 {r['p50_ms']:>7.2f}"
                f" ms  round trips {r['round_trips_per_op']} {r['round_trips_min_max']}"
            )


async def main(args: argparse.Namespace) -> int:
    main_task = asyncio.current_task()
    if main_task is not None:  # SIGTERM cleans up like Ctrl-C
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    started = time.monotonic()
    deadline = started + args.max_seconds
    secret = secrets.token_urlsafe(36)  # 48 characters
    prefix = f"bench-{secrets.token_hex(3)}"
    tokens = mint_tokens(secret, [f"{prefix}-u{i:03d}" for i in range(args.users)])
    workers = args.workers if args.workers and await serve_supports_workers() else None
    if args.workers and workers is None:
        print(f"# --workers {args.workers} ignored: `todo serve` has no --workers (one process)")
    out: dict[str, Any] = {
        "config": {k: v for k, v in vars(args).items() if k != "max_seconds"},
        "workers": workers,
        "delay_ms": args.delay_ms,
        "loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
    }
    async with contextlib.AsyncExitStack() as stack:
        db = await stack.enter_async_context(throwaway_database())
        print(f"# database {db} on {PG_HOST}:{PG_PORT}; migrating")
        server = ServerProcess(workers)
        stack.push_async_callback(server.stop)
        await server.migrate(f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{db}", deadline)
        proxy = DelayProxy(PG_HOST, PG_PORT, args.delay_ms)
        stack.push_async_callback(proxy.stop)
        await proxy.start()
        await server.start(f"postgresql://{PG_USER}@127.0.0.1:{proxy.port}/{db}", secret, deadline)
        print(
            f"# todo serve pid {server.pid} on 127.0.0.1:{server.port}, database via proxy"
            f" :{proxy.port} (+{args.delay_ms} ms each way); users={args.users}"
            f" tasks/user={args.tasks_per_user} ops={args.ops} concurrency={args.concurrency}"
            f" seed={args.seed}"
        )
        api = Api(tokens, server.port)
        out |= await run_workload(
            args, api, {"proxy": proxy, "server": server, "deadline": deadline}
        )
        out |= {"server_pid": server.pid, "proxy": proxy.stats.as_dict(), "database": db}
        out["server_log_problems"] = server.log_problems()
        if out["server_log_problems"]:
            print(f"# server log, last lines:\n{server.tail()}")
    errors = out["create"]["total"]["errors"] + out["mix"]["total"]["errors"]
    out["errors"] = errors + sum(r["errors"] for r in out.get("probe", {}).values())
    out["elapsed_s"] = round(time.monotonic() - started, 1)
    report(out)
    print(json.dumps(out, separators=(",", ":")))
    return 1 if out["errors"] else 0


def run(args: argparse.Namespace) -> int:
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        loop_factory = None
    else:
        loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        try:
            return runner.run(main(args))
        except SetupError as exc:
            print(f"mix.py: {exc}", file=sys.stderr)
            return 2
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("mix.py: interrupted; stopped and cleaned up", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(run(parse_args()))
