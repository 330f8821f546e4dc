"""tasks ids are never reused on SQLite (AUTOINCREMENT)

Without AUTOINCREMENT, SQLite hands the highest id out again after that task is deleted, so a
stale If-Match or a stored answer could name someone else's new task. PostgreSQL's sequence
never reuses ids, so nothing changes there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_INDEXES = ("created_at", "updated_at", "due_date", "priority", "title_key")


def _tasks_as_of_0001() -> sa.Table:
    """The table as revision 0001 made it on SQLite: batch mode copies it from this
    definition instead of reflecting it, so `--sql` (offline) scripts work too."""
    moment = sa.DateTime(timezone=True)
    return sa.Table(
        "tasks",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("title_key", sa.Text(), nullable=False),
        sa.Column("description", sa.String(1000), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("due_date", moment, nullable=True),
        sa.Column("recurring", sa.Boolean(), nullable=False),
        sa.Column("recurring_pattern", sa.String(10), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("completed_at", moment, nullable=True),
        sa.Column("created_at", moment, nullable=False),
        sa.Column("updated_at", moment, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("completion_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(recurring AND recurring_pattern IS NOT NULL)"
            " OR (NOT recurring AND recurring_pattern IS NULL)",
            name="ck_tasks_recurrence",
        ),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name="ck_tasks_priority"),
        *(sa.Index(f"ix_tasks_user_id_{key}_id", "user_id", key, "id") for key in SORT_INDEXES),
    )


def _recreate(*, autoincrement: bool) -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "tasks",
        copy_from=_tasks_as_of_0001(),
        recreate="always",
        table_kwargs={"sqlite_autoincrement": autoincrement},
    ):
        pass


def upgrade() -> None:
    """Upgrade schema."""
    _recreate(autoincrement=True)


def downgrade() -> None:
    """Downgrade schema."""
    _recreate(autoincrement=False)
