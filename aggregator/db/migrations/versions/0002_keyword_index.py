"""Covering index for related-link candidates: ix_article_keywords_keyword_weight gains
article_id, so the look-up is answered from the index alone (relate).

Idempotent: a database created by a crawler of that release already has the new index,
without a version stamp; it is dropped and created again.

Revision ID: 0002_keyword_index
Revises: 0001_initial
Create Date: 2026-11-27

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002_keyword_index"
down_revision: Union[str, Sequence[str], None] = "0001_initial"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME = "ix_article_keywords_keyword_weight"


def upgrade() -> None:
    op.drop_index(NAME, table_name="article_keywords", if_exists=True)
    op.create_index(NAME, "article_keywords", ["keyword", "weight", "article_id"], unique=False)


def downgrade() -> None:
    op.drop_index(NAME, table_name="article_keywords", if_exists=True)
    op.create_index(NAME, "article_keywords", ["keyword", "weight"], unique=False)
