"""Drop ix_article_keywords_keyword: the covering index (keyword, weight, article_id)
answers every look-up by keyword, and a third index on the largest table made each
stored keyword row cost one more random page write.

Revision ID: 0005_drop_keyword_only_index
Revises: 0004_fetched_url_index
Create Date: 2026-11-27

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0005_drop_keyword_only_index"
down_revision: Union[str, Sequence[str], None] = "0004_fetched_url_index"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME = "ix_article_keywords_keyword"


def upgrade() -> None:
    op.drop_index(NAME, table_name="article_keywords", if_exists=True)


def downgrade() -> None:
    op.create_index(NAME, "article_keywords", ["keyword"], unique=False, if_not_exists=True)
