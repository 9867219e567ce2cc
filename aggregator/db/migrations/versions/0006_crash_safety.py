"""Crash safety: articles record the steps they still owe (dedup_pending, relate_pending,
pending_run), crawl runs carry a heartbeat with their host and pid and the problems that
failed them, and crawl_frontier records how far each channel's pagination was read.

Rows stored before this revision are marked pending where their dedup signature or
their keyword index is missing (what a killed crawl of an older release left behind),
so the next crawl, or `scrapy repair`, completes them.

Revision ID: 0006_crash_safety
Revises: 0005_drop_keyword_only_index
Create Date: 2026-12-01

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_crash_safety"
down_revision: Union[str, Sequence[str], None] = "0005_drop_keyword_only_index"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PENDING = "dedup_pending OR relate_pending"


def _add_missing(table: str, *columns: sa.Column) -> None:
    """Plain ADD COLUMN (no table copy: SQLite would have to drop articles, which other
    tables reference), skipping columns a database made from newer models already has."""
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
    for column in columns:
        if column.name not in have:
            op.add_column(table, column)


def upgrade() -> None:
    _add_missing(
        "articles",
        sa.Column("dedup_pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("relate_pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("pending_run", sa.Integer(), nullable=True),
    )
    op.create_index("ix_articles_pending", "articles", ["pending_run"], unique=False, if_not_exists=True,
                    sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))
    _add_missing(
        "crawl_runs",
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=True),
    )
    op.create_table(
        "crawl_frontier",
        sa.Column("spider", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=2048), nullable=False),
        sa.Column("covered", sa.Boolean(), nullable=False),
        sa.Column("pages_read", sa.Integer(), nullable=False),
        sa.Column("reached_end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("spider", "channel"),
        if_not_exists=True,
    )
    # what older releases left half-done: no signature, or no keyword index
    op.execute("UPDATE articles SET dedup_pending = true WHERE id NOT IN (SELECT article_id FROM dedup_signatures)")
    op.execute("UPDATE articles SET relate_pending = true WHERE id NOT IN (SELECT article_id FROM article_relate_state)")
    # stale 'running' rows of releases without a heartbeat can never finish now
    op.execute("UPDATE crawl_runs SET status = 'interrupted' WHERE status = 'running'")


def downgrade() -> None:
    op.drop_table("crawl_frontier")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("problems")
        batch.drop_column("heartbeat_at")
        batch.drop_column("pid")
        batch.drop_column("host")
    op.drop_index("ix_articles_pending", table_name="articles")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("pending_run")
        batch.drop_column("relate_pending")
        batch.drop_column("dedup_pending")
