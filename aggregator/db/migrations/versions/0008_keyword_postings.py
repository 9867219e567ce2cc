"""The keyword index holds only posting rows: article_keywords gains ``posting`` (the
row was among the strongest POSTING_DEPTH rows of its keyword when written; the rows
related-article linking reads), and ix_article_keywords_keyword_weight, which indexed
every row, is replaced by ix_article_keywords_postings, partial on ``posting``.

Most keyword rows of a large corpus are never read by keyword (they rank below the
strongest of their keyword), yet each one in the index cost a random page write when it
was stored: the index was most of what storing an article's keywords wrote. Existing
rows are marked from their rank in their keyword today, which is what the crawler would
have marked had it written them in order.

Revision ID: 0008_keyword_postings
Revises: 0007_distributed
Create Date: 2026-12-01

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008_keyword_postings"
down_revision: Union[str, Sequence[str], None] = "0007_distributed"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD, NEW = "ix_article_keywords_keyword_weight", "ix_article_keywords_postings"
#: aggregator.relate.store.POSTING_DEPTH when this revision was written (frozen here: a
#: migration must do the same thing whatever the code around it becomes)
DEPTH = 21


def upgrade() -> None:
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("article_keywords")}
    if "posting" not in have:
        op.add_column("article_keywords", sa.Column("posting", sa.Boolean(), server_default=sa.true(), nullable=False))
    # rank in its keyword, strongest first and the newest first among equals (the order
    # the postings read returns them in)
    op.execute(sa.text(
        "UPDATE article_keywords SET posting = (r.rank <= :depth) FROM ("
        " SELECT article_id, keyword, row_number() OVER (PARTITION BY keyword ORDER BY weight DESC, article_id DESC) AS rank"
        " FROM article_keywords) AS r"
        " WHERE article_keywords.article_id = r.article_id AND article_keywords.keyword = r.keyword"
        " AND article_keywords.posting <> (r.rank <= :depth)").bindparams(depth=DEPTH))
    op.drop_index(OLD, table_name="article_keywords", if_exists=True)
    op.create_index(NEW, "article_keywords", ["keyword", "weight", "article_id", "posting"], unique=False, if_not_exists=True,
                    sqlite_where=sa.text("posting"), postgresql_where=sa.text("posting"))


def downgrade() -> None:
    op.drop_index(NEW, table_name="article_keywords", if_exists=True)
    op.create_index(OLD, "article_keywords", ["keyword", "weight", "article_id"], unique=False, if_not_exists=True)
    with op.batch_alter_table("article_keywords") as batch:
        batch.drop_column("posting")
