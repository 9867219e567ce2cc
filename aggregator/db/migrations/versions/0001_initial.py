"""The initial schema: the tables as the first release created them (make_engine's create_all).

Frozen: later changes go in later revisions, never here.

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-27

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001_initial'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('crawl_runs',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('spider', sa.String(length=100), nullable=False, comment='Spider name.'),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False, comment='When the run started (UTC).'),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True, comment='When the run ended (UTC); NULL while it runs or if it died.'),
    sa.Column('status', sa.String(length=40), nullable=False, comment='running, finished, failed (errors, or nothing fetched) or the close reason Scrapy gave.'),
    sa.Column('pages_fetched', sa.Integer(), nullable=False, comment='Responses received.'),
    sa.Column('items_stored', sa.Integer(), nullable=False, comment='Articles inserted or updated.'),
    sa.Column('items_dropped', sa.JSON(), nullable=False, comment='Pages or items dropped, by reason: {reason: count}.'),
    sa.Column('duplicates', sa.Integer(), nullable=False, comment='Articles found to be copies of an already stored story.'),
    sa.Column('skipped', sa.Integer(), nullable=False, comment='Article pages not downloaded because their URL was already stored.'),
    sa.Column('errors', sa.Integer(), nullable=False, comment='Errors logged during the run (spider exceptions, download errors).'),
    sa.Column('stats', sa.JSON(), nullable=False, comment="The run's full Scrapy stats, for operators."),
    sa.PrimaryKeyConstraint('id'),
    comment='One row per crawl run, written when it starts and completed when it ends.'
    )
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crawl_runs_spider'), ['spider'], unique=False)

    op.create_table('dedup_locks',
    sa.Column('name', sa.String(length=50), nullable=False, comment="Lock name; 'clusters' serialises cluster updates."),
    sa.Column('counter', sa.BigInteger(), nullable=False, comment='Times the lock was taken (the row is updated to take the lock).'),
    sa.PrimaryKeyConstraint('name'),
    comment='Row locks used as mutexes across crawlers: taking one serialises the re-pointing of duplicate_of links.'
    )
    op.create_table('keyword_df',
    sa.Column('keyword', sa.String(length=100), nullable=False, comment='A word (a jieba token after stopword, number and single-character filtering).'),
    sa.Column('df', sa.Integer(), nullable=False, comment='Number of indexed articles whose title or body contains the word.'),
    sa.PrimaryKeyConstraint('keyword'),
    comment='Document frequency of every word seen in the stored articles: the corpus IDF that keyword weights are computed with. Kept up to date as articles are stored; `scrapy relate` recomputes it.'
    )
    op.create_table('relate_stats',
    sa.Column('name', sa.String(length=50), nullable=False, comment='Counter name, e.g. documents.'),
    sa.Column('value', sa.Integer(), nullable=False, comment='Counter value.'),
    sa.PrimaryKeyConstraint('name'),
    comment="Counters of the keyword index, one row per name; 'documents' is the number of articles counted in keyword_df."
    )
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('name', sa.String(length=200), nullable=False, comment="Source name: the spider name, or the site's host for the generic spiders."),
    sa.Column('spider', sa.String(length=100), nullable=False, comment='The spider that crawls this source.'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False, comment='When the source was first seen (UTC).'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    comment='One row per news source (one spider or one site crawled by a generic spider).'
    )
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('url', sa.String(length=2048), nullable=False, comment='Canonical URL of the page, its identity: tracking parameters, fragments and index pages removed, scheme normalised to https.'),
    sa.Column('fetched_url', sa.String(length=2048), nullable=True, comment='The URL the page was actually fetched from (open this one); the crawler always sets it.'),
    sa.Column('source_id', sa.Integer(), nullable=False, comment='The source this page was crawled from (sources.id).'),
    sa.Column('title', sa.Text(), nullable=False, comment='Article title.'),
    sa.Column('body', sa.Text(), nullable=False, comment='Clean article text, one paragraph a line, boilerplate removed.'),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True, comment='Publication time (UTC); NULL when the page gives none.'),
    sa.Column('date_source', sa.String(length=50), nullable=True, comment='Where published_at was read from: meta, json-ld, text, url.'),
    sa.Column('author', sa.String(length=200), nullable=True, comment='Author or reporter (作者/记者).'),
    sa.Column('origin', sa.String(length=200), nullable=True, comment='The outlet the text came from (来源：), e.g. 新华社.'),
    sa.Column('editor', sa.String(length=200), nullable=True, comment='Responsible editor (责任编辑).'),
    sa.Column('category', sa.String(length=200), nullable=True, comment='Section or channel of the source the page was found in.'),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False, comment='When the page was fetched (UTC).'),
    sa.Column('body_hash', sa.String(length=64), nullable=False, comment='SHA-256 of the normalised body: equal hashes are exact duplicates.'),
    sa.Column('removed_text', sa.Text(), nullable=True, comment='Boilerplate lines stripped from the body, one a line, kept for audit.'),
    sa.Column('raw_html', sa.LargeBinary(), nullable=True, comment='The page as fetched, zlib-compressed; NULL when AGGREGATOR_KEEP_RAW is off.'),
    sa.Column('encoding', sa.String(length=40), nullable=True, comment='Character encoding the page was decoded with.'),
    sa.Column('duplicate_of', sa.Integer(), nullable=True, comment='The canonical article of this story (articles.id), or NULL when this row is the canonical one.'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False, comment='When the row was first stored (UTC).'),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True, comment="When the row's content last changed after a re-fetch or reprocess (UTC)."),
    sa.ForeignKeyConstraint(['duplicate_of'], ['articles.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url'),
    comment="One row per article page stored; syndicated copies point at their story's canonical row through duplicate_of."
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index('ix_articles_body_hash', ['body_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_duplicate_of'), ['duplicate_of'], unique=False)
        batch_op.create_index('ix_articles_published_at', ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_source_id'), ['source_id'], unique=False)

    op.create_table('article_keywords',
    sa.Column('article_id', sa.Integer(), nullable=False, comment='The article (articles.id).'),
    sa.Column('keyword', sa.String(length=100), nullable=False, comment='A keyword (a jieba token).'),
    sa.Column('weight', sa.Float(), nullable=False, comment='TF-IDF weight of the keyword in the article.'),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'keyword'),
    comment='Top keywords of each article with their TF-IDF weights.'
    )
    with op.batch_alter_table('article_keywords', schema=None) as batch_op:
        batch_op.create_index('ix_article_keywords_keyword', ['keyword'], unique=False)
        batch_op.create_index('ix_article_keywords_keyword_weight', ['keyword', 'weight'], unique=False)

    op.create_table('article_regions',
    sa.Column('id', sa.Integer(), nullable=False, comment='Surrogate key.'),
    sa.Column('article_id', sa.Integer(), nullable=False, comment='The article (articles.id).'),
    sa.Column('province', sa.String(length=50), nullable=False, comment='Province-level division, full official name, e.g. 山西省, 上海市.'),
    sa.Column('city', sa.String(length=50), nullable=True, comment='Prefecture-level city, full name, e.g. 太原市; the municipality itself for 北京/上海/天津/重庆; NULL when only the province is named.'),
    sa.Column('district', sa.String(length=50), nullable=True, comment='District, county or county-level city, full name, e.g. 小店区; NULL when no district is named.'),
    sa.Column('adcode', sa.String(length=12), nullable=False, comment='Administrative division code of the most specific place in the row (12 digits).'),
    sa.Column('mentions', sa.Integer(), nullable=False, comment='How many times the article names this place.'),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    comment='Places (province, prefecture-level city, district or county) an article names, from the administrative-division gazetteer. One row per place named; filter by province or city.'
    )
    with op.batch_alter_table('article_regions', schema=None) as batch_op:
        batch_op.create_index('ix_article_regions_article_id', ['article_id'], unique=False)
        batch_op.create_index('ix_article_regions_province_city', ['province', 'city'], unique=False)

    op.create_table('article_relate_state',
    sa.Column('article_id', sa.Integer(), nullable=False, comment='The article (articles.id).'),
    sa.Column('fingerprint', sa.String(length=64), nullable=False, comment='SHA-256 of the title and body that were indexed.'),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id'),
    comment="Which version of an article's text was counted in keyword_df, so that indexing the same text again changes nothing."
    )
    op.create_table('dedup_bands',
    sa.Column('band_key', sa.BigInteger(), autoincrement=False, nullable=False, comment='Hash of one band of the signature together with the band number (signed 64-bit).'),
    sa.Column('article_id', sa.Integer(), autoincrement=False, nullable=False, comment='The article (articles.id).'),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('band_key', 'article_id'),
    comment="LSH band keys of each article's MinHash signature: articles sharing a key are near-duplicate candidates."
    )
    op.create_table('dedup_signatures',
    sa.Column('article_id', sa.Integer(), autoincrement=False, nullable=False, comment='The article (articles.id).'),
    sa.Column('body_hash', sa.String(length=64), nullable=False, comment='SHA-256 of the normalised body (as articles.body_hash); equal hashes are exact copies.'),
    sa.Column('length', sa.Integer(), nullable=False, comment='Characters in the normalised body (letters and digits only).'),
    sa.Column('n_shingles', sa.Integer(), nullable=False, comment='Distinct character shingles in the normalised body.'),
    sa.Column('signature', sa.LargeBinary(), nullable=True, comment='MinHash signature, one little-endian uint32 per permutation; NULL when the body is too short to judge.'),
    sa.Column('params', sa.String(length=40), nullable=False, comment='Fingerprint parameters (shingle size, permutations, bands), e.g. k5p128b32; signatures made with other parameters are not compared.'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False, comment='When the article was indexed (UTC).'),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id'),
    comment='Dedup fingerprint of each article: exact hash and MinHash signature of the normalised body.'
    )
    with op.batch_alter_table('dedup_signatures', schema=None) as batch_op:
        batch_op.create_index('ix_dedup_signatures_body_hash', ['body_hash'], unique=False)

    op.create_table('related_articles',
    sa.Column('article_id', sa.Integer(), nullable=False, comment='The article (articles.id).'),
    sa.Column('related_id', sa.Integer(), nullable=False, comment='A related article (articles.id).'),
    sa.Column('score', sa.Float(), nullable=False, comment="Similarity of the two articles' keyword vectors (0-1)."),
    sa.Column('shared_keywords', sa.Text(), nullable=False, comment='The keywords both articles carry, comma-separated, strongest first.'),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['related_id'], ['articles.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'related_id'),
    comment='Links from an article to other stories on the same subject, best first by score.'
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('related_articles')
    with op.batch_alter_table('dedup_signatures', schema=None) as batch_op:
        batch_op.drop_index('ix_dedup_signatures_body_hash')

    op.drop_table('dedup_signatures')
    op.drop_table('dedup_bands')
    op.drop_table('article_relate_state')
    with op.batch_alter_table('article_regions', schema=None) as batch_op:
        batch_op.drop_index('ix_article_regions_province_city')
        batch_op.drop_index('ix_article_regions_article_id')

    op.drop_table('article_regions')
    with op.batch_alter_table('article_keywords', schema=None) as batch_op:
        batch_op.drop_index('ix_article_keywords_keyword_weight')
        batch_op.drop_index('ix_article_keywords_keyword')

    op.drop_table('article_keywords')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_source_id'))
        batch_op.drop_index('ix_articles_published_at')
        batch_op.drop_index(batch_op.f('ix_articles_duplicate_of'))
        batch_op.drop_index('ix_articles_body_hash')

    op.drop_table('articles')
    op.drop_table('sources')
    op.drop_table('relate_stats')
    op.drop_table('keyword_df')
    op.drop_table('dedup_locks')
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crawl_runs_spider'))

    op.drop_table('crawl_runs')
