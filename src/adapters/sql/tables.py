"""SQLModel tables: the storage shape of the entities. Never leaves the SQL adapter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlmodel import Column, Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

RECURRENCE_CHECK = "ck_tasks_recurrence"


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out: timestamptz on PostgreSQL, naive UTC text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """asyncpg already returns timestamptz as aware UTC datetimes: nothing to do per value
        (a list of 50 tasks would otherwise make 200 calls)."""
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002  (same on every dialect)
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _moment(*, nullable: bool = False) -> Any:
    return Field(sa_column=Column(UtcDateTime(), nullable=nullable))


class TaskRow(SQLModel, table=True):
    """One task. `priority` is stored as its rank (1 low .. 3 high) so it sorts in SQL;
    `title_key` is the case-folded title that title sorting uses; `completion_version` is the
    version at which `completed` last changed, so one UPDATE ... RETURNING can tell whether it
    is the write that completed the task (and a recurring task needs its next occurrence)."""

    __tablename__: ClassVar[Any] = "tasks"
    __table_args__: ClassVar[Any] = (
        CheckConstraint(
            "(recurring AND recurring_pattern IS NOT NULL)"
            " OR (NOT recurring AND recurring_pattern IS NULL)",
            name="recurrence",
        ),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority"),
        Index(None, "user_id", "created_at", "id"),
        Index(None, "user_id", "updated_at", "id"),
        Index(None, "user_id", "due_date", "id"),
        Index(None, "user_id", "priority", "id"),
        Index(None, "user_id", "title_key", "id"),
        Index(None, "tags", postgresql_using="gin").ddl_if(dialect="postgresql"),
        {"sqlite_autoincrement": True},  # a deleted task's id is never handed out again
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=255)
    title: str = Field(max_length=200)
    title_key: str = Field(sa_column=Column(Text(), nullable=False))
    description: str | None = Field(default=None, max_length=1000)
    priority: int
    tags: list[str] = Field(
        sa_column=Column(JSON().with_variant(JSONB(), "postgresql"), nullable=False)
    )
    due_date: datetime | None = _moment(nullable=True)
    recurring: bool
    recurring_pattern: str | None = Field(default=None, max_length=10)
    completed: bool
    completed_at: datetime | None = _moment(nullable=True)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()
    version: int
    completion_version: int


_columns = TaskRow.__table__.c  # type: ignore[attr-defined]  # SQLModel sets it on table models
# `-due_date` lists dated tasks newest first with undated ones last: an order no backward
# scan of the ascending index gives, so PostgreSQL gets an index in exactly that order.
Index(
    "ix_tasks_user_id_due_date_desc_id",
    _columns.user_id,
    _columns.due_date.desc().nulls_last(),
    _columns.id.desc(),
).ddl_if(dialect="postgresql")


class ConversationRow(SQLModel, table=True):
    """One conversation; listed newest activity first, so indexed on (user, updated_at, id)."""

    __tablename__: ClassVar[Any] = "conversations"
    __table_args__: ClassVar[Any] = (
        Index(None, "user_id", "updated_at", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=255)
    title: str | None = Field(default=None, max_length=200)
    created_at: datetime = _moment()
    updated_at: datetime = _moment()


class MessageRow(SQLModel, table=True):
    """One message. `user_id` repeats the conversation's owner, so ownership is a plain
    WHERE on every statement; deleting the conversation deletes its messages (cascade)."""

    __tablename__: ClassVar[Any] = "messages"
    __table_args__: ClassVar[Any] = (
        CheckConstraint("role IN ('user', 'assistant', 'system', 'tool')", name="role"),
        Index(None, "conversation_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=Column(
            Integer(), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
        )
    )
    user_id: str = Field(max_length=255)
    role: str = Field(max_length=10)
    content: str = Field(sa_column=Column(Text(), nullable=False))
    tool_calls: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON().with_variant(JSONB(), "postgresql"), nullable=True)
    )
    created_at: datetime = _moment()


class IdempotencyKeyRow(SQLModel, table=True):
    """A user's `Idempotency-Key` on a route: in flight while `status` is NULL, then the
    response it replays. `token` names the claim that may complete it; `created_at` (when it
    was claimed) dates it, for expiry and for taking over a claim whose request died."""

    __tablename__: ClassVar[Any] = "idempotency_keys"
    __table_args__: ClassVar[Any] = (Index(None, "created_at"),)

    user_id: str = Field(max_length=255, primary_key=True)
    route: str = Field(max_length=200, primary_key=True)
    key: str = Field(max_length=255, primary_key=True)
    fingerprint: str = Field(max_length=64)
    token: str = Field(max_length=32)
    status: int | None = None
    headers: dict[str, str] | None = Field(
        default=None, sa_column=Column(JSON().with_variant(JSONB(), "postgresql"), nullable=True)
    )
    body: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    created_at: datetime = _moment()
