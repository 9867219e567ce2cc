"""The database schema. Every table and column carries a ``comment``: the reference
page for analysts is generated from these, and a test fails when one is missing."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    false,
    func,
    true,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware datetimes out, stored as UTC.

    SQLite has no time zone type; storing UTC everywhere keeps comparisons and
    ordering right on both SQLite and PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    pass


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = {"comment": "One row per news source (one spider or one site crawled by a generic spider)."}

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    name: Mapped[str] = mapped_column(String(200), unique=True, comment="Source name: the source spider's source_name (e.g. 太原产业信息网, else the spider name), or the site's host for the generic spiders.")
    spider: Mapped[str] = mapped_column(String(100), comment="The spider that crawls this source.")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now(), comment="When the source was first seen (UTC).")


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_published_at", "published_at"),
        Index("ix_articles_body_hash", "body_hash"),
        Index("ix_articles_fetched_url", "fetched_url"),
        # only the few rows that still owe a step are in it: the repair's look-up stays a
        # small index scan however large the table grows
        Index("ix_articles_pending", "pending_run", sqlite_where=text("dedup_pending OR relate_pending"),
              postgresql_where=text("dedup_pending OR relate_pending")),
        {"comment": "One row per article page stored; syndicated copies point at their story's canonical row through duplicate_of."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    url: Mapped[str] = mapped_column(String(2048), unique=True, comment="Canonical URL of the page, its identity: tracking parameters, fragments and index pages removed, scheme normalised to https.")
    fetched_url: Mapped[str | None] = mapped_column(String(2048), comment="The URL the page was actually fetched from (open this one); the crawler always sets it.")
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True, comment="The source this page was crawled from (sources.id).")
    title: Mapped[str] = mapped_column(Text, comment="Article title.")
    body: Mapped[str] = mapped_column(Text, comment="Clean article text, one paragraph a line, boilerplate removed.")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="Publication time (UTC); NULL when the page gives none.")
    date_source: Mapped[str | None] = mapped_column(String(50), comment="Where published_at was read from: meta, json-ld, text, url.")
    author: Mapped[str | None] = mapped_column(String(200), comment="Author or reporter (作者/记者).")
    origin: Mapped[str | None] = mapped_column(String(200), comment="The outlet the text came from (来源：), e.g. 新华社.")
    editor: Mapped[str | None] = mapped_column(String(200), comment="Responsible editor (责任编辑).")
    category: Mapped[str | None] = mapped_column(String(200), comment="Section or channel of the source the page was found in.")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When the page was fetched (UTC).")
    body_hash: Mapped[str] = mapped_column(String(64), comment="SHA-256 of the normalised body: equal hashes are exact duplicates.")
    removed_text: Mapped[str | None] = mapped_column(Text, comment="Boilerplate lines stripped from the body, one a line, kept for audit.")
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True, comment="The page as fetched, zlib-compressed; NULL when AGGREGATOR_KEEP_RAW is off.")
    encoding: Mapped[str | None] = mapped_column(String(40), comment="Character encoding the page was decoded with.")
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True, comment="The canonical article of this story (articles.id), or NULL when this row is the canonical one.")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now(), comment="When the row was first stored (UTC).")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="When the row's content last changed after a re-fetch or reprocess (UTC).")
    dedup_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), comment="True while the row's dedup signature and story link are still owed (a crawl stopped between storing the row and indexing it); the next crawl or `scrapy repair` completes it.")
    relate_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), comment="True while the row's keywords, regions and related links are still owed; the next crawl or `scrapy repair` completes it.")
    pending_run: Mapped[int | None] = mapped_column(Integer, comment="The crawl run (crawl_runs.id) that owes the pending steps; another process completes them only once that run has ended or died.")


class ArticleKeyword(Base):
    __tablename__ = "article_keywords"
    # looked up by keyword, for the postings of linking, through ix_article_keywords_postings (below)
    __table_args__ = {"comment": "Top keywords of each article with their TF-IDF weights."}

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, comment="The article (articles.id).")
    keyword: Mapped[str] = mapped_column(String(100), primary_key=True, comment="A keyword (a jieba token).")
    weight: Mapped[float] = mapped_column(Float, comment="TF-IDF weight of the keyword in the article.")
    posting: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), comment="True when the row was among the 21 strongest rows of its keyword when it was written: the rows related-article linking reads by keyword. The keyword index holds only these rows (a query by keyword alone, without `posting`, reads the whole table).")


class RelatedArticle(Base):
    __tablename__ = "related_articles"
    __table_args__ = {"comment": "Links from an article to other stories on the same subject, best first by score."}

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, comment="The article (articles.id).")
    related_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, comment="A related article (articles.id).")
    score: Mapped[float] = mapped_column(Float, comment="Similarity of the two articles' keyword vectors (0-1).")
    shared_keywords: Mapped[str] = mapped_column(Text, comment="The keywords both articles carry, comma-separated, strongest first.")


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    __table_args__ = {"comment": "One row per crawl run, written when it starts and completed when it ends."}

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    spider: Mapped[str] = mapped_column(String(100), index=True, comment="Spider name.")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When the run started (UTC).")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="When the run ended (UTC); NULL while it runs or if it died.")
    status: Mapped[str] = mapped_column(String(40), comment="running, finished, failed (errors, nothing fetched, or the database stayed unavailable), interrupted (stopped by a signal, or the process died: its heartbeat stopped) or the close reason Scrapy gave.")
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0, comment="Responses received.")
    items_stored: Mapped[int] = mapped_column(Integer, default=0, comment="Articles inserted or updated.")
    items_dropped: Mapped[dict] = mapped_column(JSON, default=dict, comment="Pages or items dropped, by reason: {reason: count}.")
    duplicates: Mapped[int] = mapped_column(Integer, default=0, comment="Articles found to be copies of an already stored story.")
    skipped: Mapped[int] = mapped_column(Integer, default=0, comment="Article pages not downloaded because their URL was already stored.")
    errors: Mapped[int] = mapped_column(Integer, default=0, comment="Errors logged during the run (spider exceptions, download errors).")
    stats: Mapped[dict] = mapped_column(JSON, default=dict, comment="The run's full Scrapy stats, for operators.")
    problems: Mapped[dict | None] = mapped_column(JSON, comment="Why the run failed or was interrupted, by cause: {cause: what happened}; causes are interrupted, database_unavailable, storage, site_unreachable, channel_gone, list_page_failed, article_pages_failed, nothing_fetched, exceptions, closed (see docs/operators.md). Empty for a finished run.")
    host: Mapped[str | None] = mapped_column(String(255), comment="Host name of the machine the run's process ran on.")
    pid: Mapped[int | None] = mapped_column(Integer, comment="Process id of the run's crawl process on that host.")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="Last sign of life of a running run (UTC), renewed every AGGREGATOR_HEARTBEAT_SECONDS; a running run whose heartbeat stopped, or whose process is gone from its host, is marked interrupted.")
    args: Mapped[dict | None] = mapped_column(JSON, comment="Spider arguments of a distributed run (aggregator run start SPIDER -a NAME=VALUE), which every worker that joins it crawls with; NULL for a run of one process.")


class CrawlRunWorker(Base):
    __tablename__ = "crawl_run_workers"
    __table_args__ = {"comment": "One row per worker process of a distributed run (scrapy crawl SPIDER -s AGGREGATOR_RUN_ID=ID on any machine); the run's own row holds the summed stats and the verdict."}

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key; also names the worker's leases in Redis.")
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True, comment="The run this worker joined.")
    host: Mapped[str | None] = mapped_column(String(255), comment="Host name of the worker's machine.")
    pid: Mapped[int | None] = mapped_column(Integer, comment="Process id of the worker on that host.")
    status: Mapped[str] = mapped_column(String(40), comment="running, finished, failed, interrupted (its own verdict, as for a run), or lost: its heartbeat stopped (or its process is gone from its host) and its leased requests were put back in the queue.")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When the worker joined (UTC).")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="When the worker ended or was found lost (UTC).")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="Last sign of life (UTC), renewed every AGGREGATOR_HEARTBEAT_SECONDS.")
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0, comment="Responses this worker received.")
    items_stored: Mapped[int] = mapped_column(Integer, default=0, comment="Articles this worker stored.")
    stats: Mapped[dict] = mapped_column(JSON, default=dict, comment="The worker's Scrapy stats (at its last heartbeat, or at its end); the run's row holds their sum.")


class CrawlFrontier(Base):
    __tablename__ = "crawl_frontier"
    __table_args__ = {"comment": "How far each channel's pagination has been read, so that a crawl stops early only where an earlier crawl read everything below (the frontier survives a killed or cut-short run)."}

    spider: Mapped[str] = mapped_column(String(100), primary_key=True, comment="Spider name.")
    channel: Mapped[str] = mapped_column(String(2048), primary_key=True, comment="The channel: URL of the first page of its pagination (a start URL, or a list page the site spider found).")
    covered: Mapped[bool] = mapped_column(Boolean, default=False, comment="True when the last run that read the channel read its pagination to the end (or down to pages an earlier complete reading covered) and fetched every article it listed; False while a run reads it, and after a run that was killed, failed, stopped at max_pages or lost a page.")
    pages_read: Mapped[int] = mapped_column(Integer, default=0, comment="List pages of the channel the last run read.")
    reached_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="When a run last read the channel's pagination to its last page (UTC).")
    last_run: Mapped[int | None] = mapped_column(Integer, comment="The run that read the channel last (crawl_runs.id).")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="When the record last changed (UTC).")


# ---- deduplication index (owned by aggregator.dedup) -----------------------------------
# Lives in the database, not in one crawler's memory, so several crawlers share it.
from sqlalchemy import BigInteger  # noqa: E402  (kept here so the classes above stay untouched)


class DedupSignature(Base):
    __tablename__ = "dedup_signatures"
    __table_args__ = (
        Index("ix_dedup_signatures_body_hash", "body_hash"),
        {"comment": "Dedup fingerprint of each article: exact hash and MinHash signature of the normalised body."},
    )

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False, comment="The article (articles.id).")
    body_hash: Mapped[str] = mapped_column(String(64), comment="SHA-256 of the normalised body (as articles.body_hash); equal hashes are exact copies.")
    length: Mapped[int] = mapped_column(Integer, comment="Characters in the normalised body (letters and digits only).")
    n_shingles: Mapped[int] = mapped_column(Integer, comment="Distinct character shingles in the normalised body.")
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, comment="MinHash signature, one little-endian uint32 per permutation; NULL when the body is too short to judge.")
    params: Mapped[str] = mapped_column(String(40), comment="Fingerprint parameters (shingle size, permutations, bands), e.g. k5p128b32; signatures made with other parameters are not compared.")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=func.now(), comment="When the article was indexed (UTC).")


class DedupBand(Base):
    __tablename__ = "dedup_bands"
    __table_args__ = {"comment": "LSH band keys of each article's MinHash signature: articles sharing a key are near-duplicate candidates."}

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, comment="Hash of one band of the signature together with the band number (signed 64-bit).")
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False, comment="The article (articles.id).")


class DedupLock(Base):
    __tablename__ = "dedup_locks"
    __table_args__ = {"comment": "Row locks used as mutexes across crawlers: taking one serialises the re-pointing of duplicate_of links."}

    name: Mapped[str] = mapped_column(String(50), primary_key=True, comment="Lock name; 'clusters' serialises cluster updates.")
    counter: Mapped[int] = mapped_column(BigInteger, default=0, comment="Times the lock was taken (the row is updated to take the lock).")


# --- keywords, regions and related links (aggregator.relate) -------------------------------


class KeywordDF(Base):
    __tablename__ = "keyword_df"
    __table_args__ = {"comment": "Document frequency of every word seen in the stored articles: the corpus IDF that keyword weights are computed with. Kept up to date as articles are stored; `scrapy relate` recomputes it."}

    keyword: Mapped[str] = mapped_column(String(100), primary_key=True, comment="A word (a jieba token after stopword, number and single-character filtering).")
    df: Mapped[int] = mapped_column(Integer, default=0, comment="Number of indexed articles whose title or body contains the word.")


class RelateStat(Base):
    __tablename__ = "relate_stats"
    __table_args__ = {"comment": "Counters of the keyword index, one row per name; 'documents' is the number of articles counted in keyword_df."}

    name: Mapped[str] = mapped_column(String(50), primary_key=True, comment="Counter name, e.g. documents.")
    value: Mapped[int] = mapped_column(Integer, default=0, comment="Counter value.")


class ArticleRelateState(Base):
    __tablename__ = "article_relate_state"
    __table_args__ = {"comment": "Which version of an article's text was counted in keyword_df, so that indexing the same text again changes nothing."}

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, comment="The article (articles.id).")
    fingerprint: Mapped[str] = mapped_column(String(64), comment="SHA-256 of the title and body that were indexed.")


class ArticleRegion(Base):
    __tablename__ = "article_regions"
    __table_args__ = (
        Index("ix_article_regions_province_city", "province", "city"),
        Index("ix_article_regions_article_id", "article_id"),
        {"comment": "Places (province, prefecture-level city, district or county) an article names, from the administrative-division gazetteer. One row per place named; filter by province or city."},
    )

    id: Mapped[int] = mapped_column(primary_key=True, comment="Surrogate key.")
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), comment="The article (articles.id).")
    province: Mapped[str] = mapped_column(String(50), comment="Province-level division, full official name, e.g. 山西省, 上海市.")
    city: Mapped[str | None] = mapped_column(String(50), comment="Prefecture-level city, full name, e.g. 太原市; the municipality itself for 北京/上海/天津/重庆; NULL when only the province is named.")
    district: Mapped[str | None] = mapped_column(String(50), comment="District, county or county-level city, full name, e.g. 小店区; NULL when no district is named.")
    adcode: Mapped[str] = mapped_column(String(12), comment="Administrative division code of the most specific place in the row (12 digits).")
    mentions: Mapped[int] = mapped_column(Integer, default=1, comment="How many times the article names this place.")


# Candidate look-up for related links reads the strongest postings of a keyword first; this
# index makes that a range scan however common the keyword is, answered from the index alone.
# It holds only the posting rows: at 50,000 articles 87 % of keyword rows rank below the
# strongest 21 of their keyword and are never read by keyword, and each row in the index
# cost one random page write when stored (aggregator.relate.store, POSTING_DEPTH).
_POSTING = text("posting")
# (``posting`` is a column of it too, though always true there: without it SQLite reads
# the table row of every entry to check the condition, instead of the index alone.)
Index("ix_article_keywords_postings", ArticleKeyword.keyword, ArticleKeyword.weight, ArticleKeyword.article_id,
      ArticleKeyword.posting, sqlite_where=_POSTING, postgresql_where=_POSTING)
