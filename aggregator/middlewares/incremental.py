"""Incremental crawling: article pages whose URL is already stored are not downloaded.

The check is a query on ``articles.url`` (canonical URLs), so scheduled runs and
crawlers running side by side share it; nothing is kept in process memory. Unlike
scrapy-deltafetch, list pages are always re-read (they are where new articles appear);
the spiders stop paginating after ``INCREMENTAL_STOP_AFTER`` list pages in a row that
brought nothing new.

Settings:
- ``INCREMENTAL_ENABLED`` (default True)
- ``INCREMENTAL_REFRESH_DAYS`` (default 0): re-fetch stored articles published within
  this many days, to catch edits; 0 never re-fetches.
- ``INCREMENTAL_STOP_AFTER`` (default 1): list pages in a row with nothing new before
  pagination stops; 0 reads every page up to ``max_pages``.

When the database cannot answer (an outage), the page is fetched: the store stage waits
the outage out, and fetching a stored page again costs a download, never an article.

Stats: ``incremental/skipped``, ``incremental/refreshed``, ``incremental/unchecked``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from scrapy.exceptions import IgnoreRequest, NotConfigured
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator import config
from aggregator.db.engine import engine_for_crawler
from aggregator.db.models import Article
from aggregator.dedup import InvalidURL, canonical_url
from aggregator.middlewares.mirror import MIRRORED

#: Request meta set by the list page that linked the article, which checks all its links
#: in one query (``stored_check``). Without it the middleware asks the database itself.
STORED_META = "aggregator_stored"
#: Request meta of a page asked for explicitly (``scrapy crawl article -a url=…``): an
#: explicit request is a refresh, fetched whether stored or not.
REFRESH_META = "aggregator_refresh"
#: URLs per query: a list page may link to thousands, and databases bound the
#: parameters of one statement (SQLite: 32,766).
CHUNK = 500


def stored_urls(session: Session, urls: list[str]) -> dict[str, datetime | None]:
    """The URLs among ``urls`` whose page is stored, with its publication time.

    A page is stored under its canonical URL, or under its rel=canonical when the page
    named one; the URL it was fetched from is matched too.
    """
    canon = {}
    for url in urls:
        try:
            canon[canonical_url(url)] = url
        except InvalidURL:
            continue
    if not canon:
        return {}
    fetched = set(urls)
    found = {}
    keys = list(canon)
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        rows = session.execute(
            select(Article.url, Article.fetched_url, Article.published_at)
            .where(or_(Article.url.in_(chunk), Article.fetched_url.in_([canon[c] for c in chunk])))
        )
        for row in rows:
            url = canon.get(row.url) or (row.fetched_url if row.fetched_url in fetched else None)
            if url:
                found[url] = row.published_at
    return found


def stored_check(url: str, found: dict[str, datetime | None]) -> dict:
    """What ``STORED_META`` holds for ``url``, from a ``stored_urls`` answer."""
    return {"stored": url in found, "published_at": found.get(url)}


class SkipStoredMiddleware:
    def __init__(self, engine, stats, refresh_days: int):
        self.engine = engine
        self.stats = stats
        self.refresh = timedelta(days=refresh_days) if refresh_days > 0 else None

    @classmethod
    def from_crawler(cls, crawler):
        if not config.value(crawler.settings, "INCREMENTAL_ENABLED"):
            raise NotConfigured("INCREMENTAL_ENABLED is off")
        return cls(engine_for_crawler(crawler), crawler.stats, config.value(crawler.settings, "INCREMENTAL_REFRESH_DAYS"))

    def process_request(self, request):
        if request.meta.get("aggregator_page") != "article" or MIRRORED in request.meta or request.meta.get(REFRESH_META):
            return None
        checked = request.meta.get(STORED_META)
        if checked is None:
            try:
                with Session(self.engine) as session:
                    found = stored_urls(session, [request.url])
            except SQLAlchemyError:
                self.stats.inc_value("incremental/unchecked")
                return None
            checked = stored_check(request.url, found)
        if not checked["stored"]:
            return None
        published = checked["published_at"]
        if self.refresh and published and published > datetime.now(timezone.utc) - self.refresh:
            self.stats.inc_value("incremental/refreshed")
            return None
        self.stats.inc_value("incremental/skipped")
        raise IgnoreRequest(f"already stored: {request.url}")
