"""create tasks

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:16:04.059895

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (user_id, sort key, id): keyset pagination for each sort order a listing offers.
SORT_INDEXES = ("created_at", "updated_at", "due_date", "priority", "title_key")


def _on_postgresql() -> bool:
    # The migration context, not op.get_bind(): this also works in offline (--sql) mode.
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_key", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        # DateTime(timezone=True) is what adapters.sql.tables.UtcDateTime stores.
        sa.Column("due_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recurring", sa.Boolean(), nullable=False),
        sa.Column("recurring_pattern", sa.String(length=10), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("completion_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(recurring AND recurring_pattern IS NOT NULL)"
            " OR (NOT recurring AND recurring_pattern IS NULL)",
            name=op.f("ck_tasks_recurrence"),
        ),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_tasks_priority")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    for key in SORT_INDEXES:
        op.create_index(op.f(f"ix_tasks_user_id_{key}_id"), "tasks", ["user_id", key, "id"])
    if _on_postgresql():
        op.create_index(op.f("ix_tasks_tags"), "tasks", ["tags"], postgresql_using="gin")
        op.create_index(
            op.f("ix_tasks_user_id_due_date_desc_id"),
            "tasks",
            ["user_id", sa.text("due_date DESC NULLS LAST"), sa.text("id DESC")],
        )


def downgrade() -> None:
    """Downgrade schema."""
    if _on_postgresql():
        op.drop_index(op.f("ix_tasks_user_id_due_date_desc_id"), table_name="tasks")
        op.drop_index(op.f("ix_tasks_tags"), table_name="tasks", postgresql_using="gin")
    for key in reversed(SORT_INDEXES):
        op.drop_index(op.f(f"ix_tasks_user_id_{key}_id"), table_name="tasks")
    op.drop_table("tasks")
