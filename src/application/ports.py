"""The ports the core owns: what it needs from storage and time, as Protocols."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from application.listing import Keyset, TaskQuery
from domain.conversations import Conversation, ConversationId, Message, NewMessage
from domain.tasks import Task, TaskFields, TaskId, TaskPatch, UserId

if TYPE_CHECKING:  # application.idempotency builds on these ports
    from application.idempotency import IdempotencyRepository


@dataclass(frozen=True, slots=True)
class TaskChange:
    """A task after a write, and the next occurrence that write scheduled: a write that
    completes a recurring task stores its next occurrence (`Task.next_occurrence`) in the
    same statement where SQL allows."""

    task: Task
    next: Task | None = None


class TaskRepository(Protocol):
    """A user's tasks. Every method is scoped by `user_id`; none commits."""

    async def add(self, *, user_id: UserId, fields: TaskFields, at: datetime) -> Task:
        """Store a new pending task at version 1 (one INSERT ... RETURNING)."""
        ...

    async def get(self, *, user_id: UserId, task_id: TaskId) -> Task | None:
        """The task, or None if the user has no task with that id."""
        ...

    async def list(self, *, user_id: UserId, query: TaskQuery) -> list[Task]:
        """Up to `query.limit` tasks matching the filter, after `query.after`, in sort order."""
        ...

    async def apply_patch(
        self,
        *,
        user_id: UserId,
        task_id: TaskId,
        patch: TaskPatch,
        at: datetime,
        expected_version: int | None = None,
    ) -> TaskChange | None:
        """Apply `patch` in one conditional UPDATE; None if not found. Completing a recurring
        task also stores its next occurrence, atomically with the update.

        A patch that changes nothing leaves the row (and its version) alone.
        Raises VersionMismatchError, or InvalidTaskError if the result breaks a rule.
        """
        ...

    async def toggle_completion(
        self, *, user_id: UserId, task_id: TaskId, at: datetime, expected_version: int | None = None
    ) -> TaskChange | None:
        """Flip `completed` in one UPDATE (scheduling the next occurrence as `apply_patch`
        does); None if not found. Raises VersionMismatchError."""
        ...

    async def delete(
        self, *, user_id: UserId, task_id: TaskId, expected_version: int | None = None
    ) -> bool:
        """Delete the task; False if not found. Raises VersionMismatchError."""
        ...


class ConversationRepository(Protocol):
    """A user's conversations and their messages. Every method is scoped by `user_id` in the
    statement itself; none reads before it writes, none commits."""

    async def add(self, *, user_id: UserId, title: str | None, at: datetime) -> Conversation:
        """Store a new conversation (one INSERT ... RETURNING)."""
        ...

    async def get(self, *, user_id: UserId, conversation_id: ConversationId) -> Conversation | None:
        """The conversation, or None if the user has none with that id."""
        ...

    async def recent(
        self, *, user_id: UserId, limit: int, after: Keyset | None = None
    ) -> list[Conversation]:
        """Up to `limit` conversations, most recently updated first (ties: higher id first),
        strictly after `after` (an `updated_at` and id)."""
        ...

    async def rename(
        self, *, user_id: UserId, conversation_id: ConversationId, title: str | None, at: datetime
    ) -> Conversation | None:
        """Set the title in one UPDATE ... RETURNING; None if not found."""
        ...

    async def delete(self, *, user_id: UserId, conversation_id: ConversationId) -> bool:
        """Delete it and (by cascade) its messages; False if not found."""
        ...

    async def append(
        self,
        *,
        user_id: UserId,
        conversation_id: ConversationId,
        message: NewMessage,
        at: datetime,
    ) -> Message | None:
        """Store a message and move the conversation's `updated_at`, in as few statements as
        SQL allows; None if the user has no such conversation (nothing is stored)."""
        ...

    async def messages(
        self,
        *,
        user_id: UserId,
        conversation_id: ConversationId,
        limit: int,
        after: int | None = None,
    ) -> list[Message] | None:
        """Up to `limit` messages oldest first, with ids above `after`; None if the user has
        no such conversation."""
        ...

    async def latest_messages(
        self, *, user_id: UserId, conversation_id: ConversationId, limit: int
    ) -> list[Message]:
        """The newest `limit` messages, returned oldest first (a chat turn's history)."""
        ...


class UnitOfWork(Protocol):
    """One transaction: commits when the block ends normally, rolls back on any exception.

    The caller opens it (`async with uow:`); use cases run inside it, so several compose.
    Entering a unit that is already open raises RuntimeError. Each repository write method
    is atomic on its own, so a unit made with `single_write=True` (one write method at most,
    any number of reads) may run without an explicit transaction: one round trip on
    PostgreSQL.
    """

    @property
    def tasks(self) -> TaskRepository:
        """The caller's tasks, inside this transaction."""
        ...

    @property
    def conversations(self) -> ConversationRepository:
        """The caller's conversations and messages, inside this transaction."""
        ...

    @property
    def idempotency(self) -> IdempotencyRepository:
        """Idempotency keys' records, inside this transaction."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested step: an exception inside undoes only the step (and propagates); the
        unit stays usable, even after a statement the database refused."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh, unopened unit of work per call."""

    def __call__(self, *, single_write: bool = False) -> UnitOfWork: ...


class Clock(Protocol):
    """The current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool an assistant may call: its name, what it does, and a JSON Schema of its
    arguments (an object schema)."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolRequest:
    """The assistant asks to run `tool` with `arguments` (a JSON object). `error` is set when
    the request could not be read (say, arguments that are not JSON): the turn then records
    the call as failed with that message instead of running it."""

    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the reply's text, in order; all of a turn's deltas joined are the reply."""

    text: str


AssistantEvent = TextDelta | ToolRequest


class Assistant(Protocol):
    """Decides the next step of a chat turn from the conversation so far.

    One call is one step: it yields text deltas, tool requests, or both. When it yields tool
    requests, the chat turn runs them, stores each call (a `tool` message whose `tool_calls`
    holds the call and its result) and calls again with those messages appended. A step with
    no tool request ends the turn. Raises AssistantUnavailableError when a remote provider
    fails.
    """

    def step(
        self, history: Sequence[Message], *, tools: Sequence[ToolSpec], now: datetime
    ) -> AsyncIterator[AssistantEvent]: ...
