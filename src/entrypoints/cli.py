"""The `todo` console script: serve, mint a development token, run migrations, serve MCP."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from dependency_injector import providers
from pydantic import SecretStr

from entrypoints.container import Container
from entrypoints.failures import one_line
from entrypoints.logs import configure_logging
from entrypoints.settings import ConfigurationError, Settings
from entrypoints.tokens import mint_token, random_secret

DEMO_USER = "demo-user"
USER_ID_MAX = 255  # as a REST path's {user_id}


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _with_dev_secret(settings: Settings) -> Settings:
    """Development mode with no way to verify tokens: make a secret up and show a token."""
    configured = settings.jwt_secret or settings.auth_jwks_url or settings.auth_better_auth_sessions
    if settings.app_env != "development" or configured:
        return settings
    secret = random_secret()
    token = mint_token(secret, DEMO_USER, now=datetime.now(UTC), lifetime=timedelta(days=7))
    base = f"http://{settings.host}:{settings.port}"
    _say("Development mode: no AUTH_JWT_SECRET set, so this run uses a random one.")
    _say(f"Token for user '{DEMO_USER}' (valid 7 days, this run only):\n\n  {token}\n")
    _say(
        f"Try:\n\n  curl -s -X POST {base}/api/{DEMO_USER}/tasks"
        f" -H 'Authorization: Bearer {token}'"
        " -H 'Content-Type: application/json' -d '{\"title\": \"Buy milk\"}'\n"
    )
    _say(f"API docs: {base}/docs\n")
    return settings.model_copy(update={"auth_jwt_secret": SecretStr(secret)})


def serve(settings: Settings, *, workers: int = 1, access_log: bool = False) -> None:
    """uvicorn (uvloop and httptools when installed); no access line unless asked for, as
    it costs every request. The schema is checked (or, under DB_AUTO_CREATE, migrated) once,
    before anything listens. With several workers each process builds its own app from the
    import string; what this run decided (a development secret, the access line, the
    metrics directory) reaches them through the environment."""
    import uvicorn  # noqa: PLC0415  (only `serve` needs the server)

    from entrypoints.serving import (  # noqa: PLC0415
        pass_to_workers,
        preflight,
        shared_metrics,
        uvicorn_options,
    )

    checked = preflight(settings.model_copy(update={"log_access": access_log}))
    served = _with_dev_secret(checked)
    options = uvicorn_options(served)
    if workers == 1:
        from entrypoints.api.app import create_app  # noqa: PLC0415

        container = Container(settings=providers.Object(served))
        uvicorn.run(create_app(container), **options)
        return
    pass_to_workers(served, settings)
    with shared_metrics(served):
        uvicorn.run(
            "entrypoints.asgi:create_app_from_settings", factory=True, workers=workers, **options
        )


def token(settings: Settings, user_id: str, hours: float) -> None:
    secret = settings.jwt_secret
    if secret is None:
        raise ConfigurationError(
            "No AUTH_JWT_SECRET (or BETTER_AUTH_SECRET) is set: `todo serve` would make up a"
            " random one per run. Set one to mint tokens that outlive a run."
        )
    _say(mint_token(secret, user_id, now=datetime.now(UTC), lifetime=timedelta(hours=hours)))


def database(settings: Settings, args: argparse.Namespace) -> None:
    from adapters.sql import migrate  # noqa: PLC0415  (Alembic loads only for `db`)

    url = settings.database_url
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision or "head")
    elif args.action == "downgrade":
        migrate.downgrade(url, args.revision or "-1")
    elif args.action == "current":
        _say(migrate.current(url) or "(no revision: the database is empty)")
    else:
        migrate.revision(url, args.message or "schema change")


def serve_mcp(settings: Settings, user_id: str) -> None:
    """The task tools over MCP on stdin/stdout, for `user_id`, on the same settings and
    database as `serve`. Logs go to stderr: stdout carries the protocol."""
    from entrypoints.mcp import serve_stdio  # noqa: PLC0415  (only `mcp` needs the SDK)

    asyncio.run(serve_stdio(Container(settings=providers.Object(settings)), user_id))


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return value


def _user_id(text: str) -> str:
    if not text.strip() or len(text) > USER_ID_MAX or not text.isprintable():
        raise argparse.ArgumentTypeError(f"must be 1 to {USER_ID_MAX} printable characters")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="todo", description="Todo service.")
    commands = parser.add_subparsers(dest="command", required=True)
    serving = commands.add_parser(
        "serve", help="serve the HTTP API (HOST, PORT, DATABASE_URL, ...)"
    )
    serving.add_argument(
        "--workers", type=_positive, default=1, help="worker processes (default 1)"
    )
    serving.add_argument("--access-log", action="store_true", help="log every request")
    minting = commands.add_parser("token", help="mint a token from the configured secret")
    minting.add_argument("user_id")
    minting.add_argument("--hours", type=float, default=24.0)
    mcp = commands.add_parser("mcp", help="serve the task tools over MCP on stdin/stdout")
    mcp.add_argument(
        "--user", required=True, type=_user_id, metavar="USER_ID", help="whose tasks they are"
    )
    db = commands.add_parser("db", help="schema migrations (Alembic)")
    db.add_argument("action", choices=["upgrade", "downgrade", "current", "revision"])
    db.add_argument("revision", nargs="?", help="target revision (upgrade: head, downgrade: -1)")
    db.add_argument("-m", "--message", help="message of a new revision")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs a command; any failure is one line on stderr, `todo: <what is wrong and what to
    do>`, and exit status 2 (see `entrypoints.failures`)."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
        configure_logging(settings)
        if args.command == "serve":
            serve(settings, workers=args.workers, access_log=args.access_log)
        elif args.command == "token":
            token(settings, args.user_id, args.hours)
        elif args.command == "mcp":
            serve_mcp(settings, args.user)
        else:
            database(settings, args)
    except Exception as error:  # every failure: one line, no traceback
        sys.stderr.write(f"todo: {one_line(error)}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
