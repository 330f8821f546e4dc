"""Better Auth's `user` and `session` tables, as its CLI creates them (`npx @better-auth/cli
generate`), in a test database: PostgreSQL's flavour and SQLite's."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.sql.engine import plan_connection

POSTGRES: Final = (
    'create table "user" ("id" text not null primary key, "name" text not null, "email" text'
    ' not null unique, "emailVerified" boolean not null, "image" text, "createdAt" timestamptz'
    ' default CURRENT_TIMESTAMP not null, "updatedAt" timestamptz default CURRENT_TIMESTAMP'
    " not null)",
    'create table "session" ("id" text not null primary key, "expiresAt" timestamptz not null,'
    ' "token" text not null unique, "createdAt" timestamptz default CURRENT_TIMESTAMP not null,'
    ' "updatedAt" timestamptz not null, "ipAddress" text, "userAgent" text, "userId" text not'
    ' null references "user" ("id") on delete cascade)',
)
SQLITE: Final = (
    'create table "user" ("id" text not null primary key, "name" text not null, "email" text'
    ' not null unique, "emailVerified" integer not null, "image" text, "createdAt" date not'
    ' null, "updatedAt" date not null)',
    'create table "session" ("id" text not null primary key, "expiresAt" date not null,'
    ' "token" text not null unique, "createdAt" date not null, "updatedAt" date not null,'
    ' "ipAddress" text, "userAgent" text, "userId" text not null references "user" ("id")'
    " on delete cascade)",
)


def new_session_token() -> str:
    """What Better Auth's generateId(32) gives: 32 letters and digits."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(32))


def _stored(url: str, moment: datetime) -> object:
    """A moment as Better Auth's adapter stores it: timestamptz on PostgreSQL, ISO text with
    milliseconds and `Z` on SQLite (its Kysely adapter writes `Date.toISOString()`)."""
    if url.startswith("sqlite"):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"
    return moment


async def create_tables(url: str) -> None:
    plan = plan_connection(url)
    engine = create_async_engine(plan.url, connect_args=plan.connect_args, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            for statement in SQLITE if plan.is_sqlite else POSTGRES:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def add_session(url: str, user_id: str, token: str, expires_at: datetime) -> None:
    """A user (if new) and a session of theirs, as Better Auth stores them at sign-in."""
    plan = plan_connection(url)
    engine = create_async_engine(plan.url, connect_args=plan.connect_args, poolclass=NullPool)
    now = _stored(url, datetime.now(UTC))
    verified = True if not plan.is_sqlite else 1
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    'insert into "user" ("id", "name", "email", "emailVerified", "createdAt",'
                    ' "updatedAt") values (:id, :name, :email, :verified, :now, :now)'
                    ' on conflict ("id") do nothing'
                ),
                {"id": user_id, "name": "Ada", "email": f"{user_id}@example.com",
                 "verified": verified, "now": now},
            )  # fmt: skip
            await connection.execute(
                text(
                    'insert into "session" ("id", "expiresAt", "token", "createdAt",'
                    ' "updatedAt", "userId") values (:id, :expires, :token, :now, :now, :user)'
                ),
                {"id": new_session_token(), "expires": _stored(url, expires_at), "token": token,
                 "now": now, "user": user_id},
            )  # fmt: skip
    finally:
        await engine.dispose()
