"""Views for analysts and operators: ``stories``, ``article_links``, ``source_health``.

The same columns on SQLite and PostgreSQL. Only the string aggregation differs
(``group_concat`` over an ordered subquery on SQLite, ``string_agg(DISTINCT … ORDER BY
…)`` on PostgreSQL); everything else is shared SQL.

:func:`create_views` creates the missing ones (cheap when they exist: one catalogue
query); :func:`recreate_views` drops and creates them all, for a migration that
changes a view or a column a view reads (PostgreSQL refuses to alter a column a view
depends on, so such a migration drops the views first and recreates them after).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class View:
    name: str
    comment: str
    columns: dict[str, str]  # column -> description, in the view's column order
    sql: str  # {sources_agg} is filled in per dialect

    def select(self, dialect: str) -> str:
        return self.sql.format(sources_agg=_SOURCES_AGG[dialect])


_SOURCES_AGG = {
    "sqlite": (
        "SELECT story_id, group_concat(name, ', ') AS sources FROM ("
        "SELECT DISTINCT m.story_id, s.name FROM members m JOIN sources s ON s.id = m.source_id "
        "ORDER BY m.story_id, s.name) GROUP BY story_id"
    ),
    "postgresql": (
        "SELECT m.story_id, string_agg(DISTINCT s.name, ', ' ORDER BY s.name) AS sources "
        "FROM members m JOIN sources s ON s.id = m.source_id GROUP BY m.story_id"
    ),
}

STORIES = View(
    name="stories",
    comment="One row per story: the canonical article, how many syndicated copies it has, the sources it appeared on, first and last seen.",
    columns={
        "story_id": "The story's canonical article (articles.id); its copies have articles.duplicate_of = story_id.",
        "title": "Title of the canonical article.",
        "url": "Where to read the canonical article (its fetched URL).",
        "source": "Source of the canonical article (sources.name).",
        "category": "Section or channel the canonical article was found in.",
        "published_at": "Publication time of the canonical article (UTC); NULL when the page gives none.",
        "copies": "Syndicated copies of the story besides the canonical article (0: no copy found).",
        "n_sources": "Number of different sources that carried the story.",
        "sources": "Names of the sources that carried the story, comma-separated, alphabetical.",
        "first_seen": "Earliest publication time among the story's articles (fetch time for an article without a date), UTC.",
        "last_seen": "Latest publication time among the story's articles (fetch time for an article without a date), UTC.",
    },
    sql="""
WITH members AS (
    SELECT COALESCE(a.duplicate_of, a.id) AS story_id, a.id, a.source_id,
           COALESCE(a.published_at, a.fetched_at) AS seen_at
    FROM articles a
),
story_stats AS (
    SELECT story_id, COUNT(*) - 1 AS copies, COUNT(DISTINCT source_id) AS n_sources,
           MIN(seen_at) AS first_seen, MAX(seen_at) AS last_seen
    FROM members GROUP BY story_id
),
story_sources AS ({sources_agg})
SELECT c.id AS story_id, c.title, COALESCE(c.fetched_url, c.url) AS url, cs.name AS source,
       c.category, c.published_at, st.copies, st.n_sources, ss.sources, st.first_seen, st.last_seen
FROM articles c
JOIN sources cs ON cs.id = c.source_id
JOIN story_stats st ON st.story_id = c.id
JOIN story_sources ss ON ss.story_id = c.id
WHERE c.duplicate_of IS NULL
""",
)

ARTICLE_LINKS = View(
    name="article_links",
    comment="Related-article links with both titles: one row per link from an article to a related story (links usually exist in both directions).",
    columns={
        "article_id": "The article (articles.id).",
        "article_title": "Its title.",
        "related_id": "The related article (articles.id).",
        "related_title": "Its title.",
        "score": "Similarity of the two articles' keywords (0-1), higher is closer.",
        "shared_keywords": "Keywords both articles carry, comma-separated, strongest first.",
    },
    sql="""
SELECT r.article_id, a.title AS article_title, r.related_id, b.title AS related_title,
       r.score, r.shared_keywords
FROM related_articles r
JOIN articles a ON a.id = r.article_id
JOIN articles b ON b.id = r.related_id
""",
)

SOURCE_HEALTH = View(
    name="source_health",
    comment="One row per source: its stored articles, how complete they are, and the latest crawl run of its spider.",
    columns={
        "source": "Source name (sources.name).",
        "spider": "The spider that crawls it; the run columns are that spider's runs.",
        "articles": "Articles stored from the source.",
        "missing_date_share": "Share of its articles without a publication date (0-1).",
        "missing_author_share": "Share of its articles without an author (0-1).",
        "last_fetched_at": "When its most recent article was fetched (UTC).",
        "runs": "Crawl runs of the spider recorded in crawl_runs.",
        "runs_with_articles": "Runs of the spider that stored at least one article.",
        "last_run_id": "The spider's latest run (crawl_runs.id).",
        "last_run_status": "Its status: running, finished, failed or Scrapy's close reason.",
        "last_run_started_at": "When it started (UTC).",
        "last_run_finished_at": "When it ended (UTC); NULL while running or if it died.",
        "last_run_pages": "Pages it fetched.",
        "last_run_stored": "Articles it inserted or updated.",
        "last_run_skipped": "Article pages it did not fetch because they were already stored.",
        "last_run_errors": "Errors it logged.",
        "last_run_dropped": "Pages and items it dropped, by reason (JSON text {reason: count}).",
    },
    sql="""
WITH arts AS (
    SELECT source_id, COUNT(*) AS articles,
           SUM(CASE WHEN published_at IS NULL THEN 1 ELSE 0 END) AS missing_date,
           SUM(CASE WHEN author IS NULL OR author = '' THEN 1 ELSE 0 END) AS missing_author,
           MAX(fetched_at) AS last_fetched_at
    FROM articles GROUP BY source_id
),
runs AS (
    SELECT spider, COUNT(*) AS runs, MAX(id) AS last_run_id,
           SUM(CASE WHEN items_stored > 0 THEN 1 ELSE 0 END) AS runs_with_articles
    FROM crawl_runs GROUP BY spider
)
SELECT s.name AS source, s.spider,
       COALESCE(arts.articles, 0) AS articles,
       CASE WHEN arts.articles > 0 THEN CAST(arts.missing_date AS DOUBLE PRECISION) / arts.articles END AS missing_date_share,
       CASE WHEN arts.articles > 0 THEN CAST(arts.missing_author AS DOUBLE PRECISION) / arts.articles END AS missing_author_share,
       arts.last_fetched_at,
       COALESCE(runs.runs, 0) AS runs,
       COALESCE(runs.runs_with_articles, 0) AS runs_with_articles,
       runs.last_run_id,
       lr.status AS last_run_status,
       lr.started_at AS last_run_started_at,
       lr.finished_at AS last_run_finished_at,
       lr.pages_fetched AS last_run_pages,
       lr.items_stored AS last_run_stored,
       lr.skipped AS last_run_skipped,
       lr.errors AS last_run_errors,
       CAST(lr.items_dropped AS TEXT) AS last_run_dropped
FROM sources s
LEFT JOIN arts ON arts.source_id = s.id
LEFT JOIN runs ON runs.spider = s.spider
LEFT JOIN crawl_runs lr ON lr.id = runs.last_run_id
""",
)

VIEWS: tuple[View, ...] = (STORIES, ARTICLE_LINKS, SOURCE_HEALTH)


def _existing(conn: Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'view'").scalars())
    return set(
        conn.execute(text("SELECT table_name FROM information_schema.views WHERE table_schema = current_schema()")).scalars()
    )


def _create(conn: Connection, view: View) -> None:
    dialect = conn.dialect.name
    conn.exec_driver_sql(f"CREATE VIEW {view.name} AS {view.select(dialect)}")
    if dialect == "postgresql":
        conn.execute(text(f"COMMENT ON VIEW {view.name} IS {_literal(view.comment)}"))
        for column, description in view.columns.items():
            conn.execute(text(f"COMMENT ON COLUMN {view.name}.{column} IS {_literal(description)}"))


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_views(conn: Connection) -> list[str]:
    """Create the views that are missing. Returns the names created."""
    if conn.dialect.name not in _SOURCES_AGG:
        return []
    have = _existing(conn)
    made = []
    for view in VIEWS:
        if view.name not in have:
            _create(conn, view)
            made.append(view.name)
    return made


def drop_views(conn: Connection) -> None:
    for view in reversed(VIEWS):
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {view.name}")


def recreate_views(conn: Connection) -> None:
    drop_views(conn)
    create_views(conn)
