"""Full-text search index and the analyst views (stories, article_links, source_health).

The index is filled for the articles already stored (jieba segmentation of every title
and body: about a minute per 10,000 articles on a small machine).

Revision ID: 0003_search_views
Revises: 0002_keyword_index
Create Date: 2026-11-27

"""
from typing import Sequence, Union

from alembic import op

from aggregator.db import search, views

revision: str = "0003_search_views"
down_revision: Union[str, Sequence[str], None] = "0002_keyword_index"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    conn = op.get_bind()
    # make_engine may have created either already on a database that was not stamped
    views.recreate_views(conn)
    if search.create_index(conn):
        search.index_missing(conn)


def downgrade() -> None:
    conn = op.get_bind()
    views.drop_views(conn)
    search.drop_index(conn)
