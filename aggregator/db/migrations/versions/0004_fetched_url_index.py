"""Index articles.fetched_url: the incremental crawl asks whether a page is stored by the
URL it is about to fetch, which differs from articles.url when the page's rel=canonical
points elsewhere.

Revision ID: 0004_fetched_url_index
Revises: 0003_search_views
Create Date: 2026-11-27

"""
from typing import Sequence, Union

from alembic import op

revision: str = "0004_fetched_url_index"
down_revision: Union[str, Sequence[str], None] = "0003_search_views"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME = "ix_articles_fetched_url"


def upgrade() -> None:
    op.create_index(NAME, "articles", ["fetched_url"], unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_index(NAME, table_name="articles", if_exists=True)
