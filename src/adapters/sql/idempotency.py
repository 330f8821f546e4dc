"""IdempotencyRepository in SQL: a claim is one upsert, a completion one conditional UPDATE.

The claim is `INSERT ... ON CONFLICT (user_id, route, key) DO UPDATE ... WHERE <expired or
stale> RETURNING token` (PostgreSQL and SQLite alike): it stores a fresh in-flight record,
or takes over one that expired or whose request died, or returns nothing when another record
stands. On PostgreSQL a claim racing another for the same key waits on the unique index for
that one statement only (claims commit on their own), never for the first request's write.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Final

from sqlalchemy import Executable, and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from adapters.sql.statements import Statements
from adapters.sql.tables import IdempotencyKeyRow
from application.idempotency import ClaimTerms, IdempotencyRecord, StoredResponse
from domain.tasks import UserId

keys = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]  # set by SQLModel
c = keys.c


def _moment(name: str) -> Any:
    return bindparam(name, type_=c.created_at.type)


_OWNED: Final = (
    c.user_id == bindparam("b_user"),
    c.route == bindparam("b_route"),
    c.key == bindparam("b_key"),
)
_HELD: Final = (*_OWNED, c.token == bindparam("b_token"), c.status.is_(None))
FIND: Final = select(c.fingerprint, c.created_at, c.status, c.headers, c.body).where(*_OWNED)
COMPLETE: Final = (
    update(keys)
    .where(*_HELD)
    .values(
        status=bindparam("b_status"),
        headers=bindparam("b_headers", type_=c.headers.type),
        body=bindparam("b_body"),
    )
    .returning(c.token)
)
RELEASE: Final = delete(keys).where(*_HELD)
PURGE: Final = delete(keys).where(c.created_at < _moment("b_before"))


@lru_cache(maxsize=2)
def claim_statement(dialect: str) -> Executable:
    """The claim's upsert, built once per dialect."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(keys).values(
        user_id=bindparam("b_user"),
        route=bindparam("b_route"),
        key=bindparam("b_key"),
        fingerprint=bindparam("b_fingerprint"),
        token=bindparam("b_token"),
        created_at=_moment("b_at"),
    )
    fresh = statement.excluded
    takeover = or_(
        c.created_at < _moment("b_expired_before"),
        and_(c.status.is_(None), c.created_at < _moment("b_stale_before")),
    )
    return statement.on_conflict_do_update(
        index_elements=[c.user_id, c.route, c.key],
        set_={
            "fingerprint": fresh.fingerprint,
            "token": fresh.token,
            "created_at": fresh.created_at,
            "status": None,
            "headers": None,
            "body": None,
        },
        where=takeover,
    ).returning(c.token)


class SqlIdempotencyRepository:
    """Statements on `idempotency_keys` through the unit of work's connection."""

    def __init__(self, statements: Statements) -> None:
        self._statements = statements

    async def claim(self, *, user_id: UserId, route: str, key: str, terms: ClaimTerms) -> bool:
        values = {
            "b_user": user_id,
            "b_route": route,
            "b_key": key,
            "b_fingerprint": terms.fingerprint,
            "b_token": terms.token,
            "b_at": terms.at,
            "b_expired_before": terms.expired_before,
            "b_stale_before": terms.stale_before,
        }
        statement = claim_statement(self._statements.dialect)
        return (await self._statements.execute(statement, values)).one_or_none() is not None

    async def find(self, *, user_id: UserId, route: str, key: str) -> IdempotencyRecord | None:
        owned = {"b_user": user_id, "b_route": route, "b_key": key}
        row = (await self._statements.execute(FIND, owned)).one_or_none()
        if row is None:
            return None
        response = None
        if row.status is not None:
            headers = tuple((row.headers or {}).items())
            response = StoredResponse(row.status, row.body or "", headers)
        return IdempotencyRecord(row.fingerprint, row.created_at, response)

    async def complete(
        self, *, user_id: UserId, route: str, key: str, token: str, response: StoredResponse
    ) -> bool:
        values = {
            "b_user": user_id,
            "b_route": route,
            "b_key": key,
            "b_token": token,
            "b_status": response.status,
            "b_headers": dict(response.headers),
            "b_body": response.body,
        }
        return (await self._statements.execute(COMPLETE, values)).one_or_none() is not None

    async def release(self, *, user_id: UserId, route: str, key: str, token: str) -> None:
        held = {"b_user": user_id, "b_route": route, "b_key": key, "b_token": token}
        await self._statements.execute(RELEASE, held)

    async def purge(self, *, before: datetime) -> int:
        result = await self._statements.execute(PURGE, {"b_before": before})
        return int(result.rowcount)  # type: ignore[attr-defined]  # a DML result has one
