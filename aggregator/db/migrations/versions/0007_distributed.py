"""Distributed runs: crawl_runs.args (the spider arguments every worker of a shared run
crawls with) and crawl_run_workers (one row per worker process, with its heartbeat).

Revision ID: 0007_distributed
Revises: 0006_crash_safety
Create Date: 2026-12-01

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007_distributed"
down_revision: Union[str, Sequence[str], None] = "0006_crash_safety"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("crawl_runs")}
    if "args" not in have:  # plain ADD COLUMN: no table copy on SQLite
        op.add_column("crawl_runs", sa.Column("args", sa.JSON(), nullable=True))
    op.create_table(
        "crawl_run_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pages_fetched", sa.Integer(), nullable=False),
        sa.Column("items_stored", sa.Integer(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_crawl_run_workers_run_id", "crawl_run_workers", ["run_id"], unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_crawl_run_workers_run_id", table_name="crawl_run_workers")
    op.drop_table("crawl_run_workers")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("args")
