"""Stage 4: store the article with SQLAlchemy (SQLite by default, PostgreSQL at scale),
and link it into its story cluster in the database's dedup index.

Items are stored in batches, beside the reactor (aggregator.offload): one transaction
writes a batch's rows and search-index entries, then the batch is registered in the
near-duplicate index (aggregator.dedup.register_articles), whose rows are committed
before it looks for copies: of two crawlers storing copies of one story at once, the
second always sees the first. When a batch fails, its items are retried one by one, so
only a bad item is dropped (``StoreFailed``).

Crash safety (aggregator.pending): rows are written owing their dedup and relate steps,
and each flag is cleared with its step, so a crash anywhere leaves the row visibly
pending for the next crawl to finish, never half-done. A database outage is waited out
(aggregator.dbwait); an item still unstored when waiting ends is dropped as
``DatabaseDown`` and its page is fetched again by the next run. An item whose batch
could not run is dropped as ``StoreFailed`` only when its row is really not stored.

Settings: ``AGGREGATOR_DB_URL`` (the ``AGGREGATOR_DB_URL`` environment variable wins),
``AGGREGATOR_KEEP_RAW`` (keep the fetched page, compressed; default True), and the
batching settings of aggregator.offload.
Stats: ``aggregator/stored/inserted|updated|unchanged|resumed`` (resumed: stored by an
earlier try of the same batch, whose worker died or whose database went away), ``dedup/duplicates``,
``dedup/exact``, ``dedup/near``.
"""

from __future__ import annotations

import functools
import logging

import contextlib

from itemadapter import ItemAdapter
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator import config
from aggregator.db.engine import cached_engine, engine_for_crawler, resolve_db_url
from aggregator.db.errors import DatabaseUnavailable, describe, is_outage
from aggregator.db.search import index_articles as index_for_search
from aggregator.db.models import Article
from aggregator.db.store import compress_page, parse_iso, source_id, upsert_articles
from aggregator.dedup import InvalidURL, canonical_url
from aggregator.dedup.index import remove_article
from aggregator.dbwait import CrawlStopping
from aggregator.drops import DatabaseDown, Interrupted, StoreFailed
from aggregator.middlewares.incremental import stored_urls
from aggregator.offload import Batcher
from aggregator.pending import complete_dedup

logger = logging.getLogger(__name__)

#: Item fields the store stage reads.
STORED_FIELDS = (
    "url", "canonical_url", "source", "title", "body", "published_at", "date_source", "author", "origin",
    "editor", "category", "fetched_at", "body_hash", "removed", "raw_html", "encoding",
)


class StorePipeline:
    def __init__(self, batcher: Batcher, stats, engine=None):
        self.batcher = batcher
        self.stats = stats
        self.engine = engine

    @classmethod
    def from_crawler(cls, crawler):
        engine = engine_for_crawler(crawler)  # create or migrate the schema here, once, before any batch runs
        store = functools.partial(
            store_batch,
            resolve_db_url(crawler.settings.get("AGGREGATOR_DB_URL")),
            crawler.spider.name if crawler.spider else "",
            config.value(crawler.settings, "AGGREGATOR_KEEP_RAW"),
            config.value(crawler.settings, "RELATE_ENABLED"),
        )
        return cls(Batcher.from_crawler(crawler, "store", store), crawler.stats, engine)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        payload = {name: adapter.get(name) for name in STORED_FIELDS}
        payload["run_id"] = self.stats.get_value("aggregator/crawl_run_id")  # the run that owes its steps
        try:
            result = await self.batcher.submit(payload)
        except DatabaseUnavailable as exc:  # waited out past AGGREGATOR_DB_RETRY_SECONDS
            raise DatabaseDown(f"not stored ({exc}), fetched again next run: {adapter['url']}") from None
        except CrawlStopping:  # handed back: the next run fetches it again
            raise Interrupted(f"not stored, the crawl was stopped; fetched again next run: {adapter['url']}") from None
        except Exception as exc:  # the batch could not run (its worker kept dying)
            if self._stored(adapter["url"]):
                # the row got in before the failure; what it still owes is finished by the next crawl
                self.stats.inc_value("aggregator/stored/pending")
                return item
            logger.warning("Could not store %s: %s", adapter["url"], exc)
            raise StoreFailed(f"{type(exc).__name__} storing {adapter['url']}") from exc
        if result["error"]:
            logger.warning("Could not store %s: %s", adapter["url"], result["error"])
            raise StoreFailed(f"{result['error'].split(':')[0]} storing {adapter['url']}")
        adapter["article_id"] = result["article_id"]
        adapter["stored"] = result["outcome"]
        adapter["duplicate_of"] = result["duplicate_of"]
        adapter["relate_owed"] = result["relate_owed"]
        self.stats.inc_value(f"aggregator/stored/{result['outcome']}")
        if result["dedup"]:
            # it joined a story: a copy, whichever of them is canonical now
            self.stats.inc_value("dedup/duplicates")
            self.stats.inc_value(f"dedup/{result['dedup']}")
        return item

    def _stored(self, url: str) -> bool:
        if self.engine is None:
            return False
        try:
            with Session(self.engine) as session:
                return bool(stored_urls(session, [url]))
        except SQLAlchemyError:
            return False

    async def close_spider(self):
        await self.batcher.drain()


# ---- the batch, run in a worker process ------------------------------------------------


@contextlib.contextmanager
def outage_as_unavailable():
    """Turn a database outage into DatabaseUnavailable (plain, picklable: the crawl
    process waits it out); other errors pass unchanged."""
    try:
        yield
    except SQLAlchemyError as exc:
        if is_outage(exc):
            raise DatabaseUnavailable(describe(exc)) from None
        raise


def store_batch(db_url: str, spider: str, keep_raw: bool, relate: bool, items: list[dict]) -> list[dict]:
    """Store a batch of items (dicts of ``STORED_FIELDS`` and ``run_id``); one result dict
    per item: ``article_id``, ``outcome``, ``duplicate_of``, ``dedup`` (exact, near or
    None), ``relate_owed`` and ``error`` (None, or why this item could not be stored).
    Raises DatabaseUnavailable on an outage: the whole batch is run again later."""
    store = functools.partial(store_articles, spider=spider, keep_raw=keep_raw, relate=relate)
    with outage_as_unavailable(), Session(cached_engine(db_url)) as session:
        try:
            return store(session, items)
        except SQLAlchemyError as exc:
            if is_outage(exc):
                raise
            session.rollback()
        # one bad row must not cost the batch: store the items one by one
        results = []
        for item in items:
            try:
                results.extend(store(session, [item]))
            except SQLAlchemyError as exc:
                if is_outage(exc):
                    raise
                session.rollback()
                results.append({"article_id": None, "outcome": None, "duplicate_of": None, "dedup": None,
                                "relate_owed": False, "error": f"{type(exc).__name__}: {exc}"[:500]})
        return results


def keep_other_sources_category(session: Session, rows: list[dict]) -> None:
    """A row stored by another source keeps its category: the channel is the source's
    to say (a `site` or `article` crawl of the same page knows only its own guess). Its
    source never changes either (aggregator.db.store); its content may be refreshed.
    One statement for the batch."""
    urls = sorted({values["url"] for values in rows})
    stored = {}
    for start in range(0, len(urls), 400):
        stored.update((r.url, r) for r in session.execute(
            select(Article.url, Article.source_id, Article.category).where(Article.url.in_(urls[start:start + 400]))))
    for values in rows:
        row = stored.get(values["url"])
        if row is not None and row.source_id != values["source_id"]:
            values["category"] = row.category


def store_articles(session: Session, items: list[dict], *, spider: str, keep_raw: bool, relate: bool = True) -> list[dict]:
    """Upsert the rows (owing their dedup and, with ``relate``, relate steps to the item's
    ``run_id``) and their search entries in one transaction, then finish the dedup step
    of the rows that owe it (which commits; see aggregator.pending)."""
    sources: dict[str, int] = {}
    rows = []
    for item in items:
        name = item["source"]
        if name not in sources:
            sources[name] = source_id(session, name, spider or name)
        values = row_values(item, sources[name], keep_raw)
        values["url"] = row_url(session, item)
        values.update(dedup_pending=True, relate_pending=relate, pending_run=item.get("run_id"))
        rows.append(values)
    keep_other_sources_category(session, rows)
    stored = upsert_articles(session, rows)
    index_for_search(session, [(r.article_id, item["title"] or "", item["body"])
                               for r, item in zip(stored, items) if r.outcome in ("inserted", "updated")])
    for r in stored:
        if r.outcome == "updated":
            remove_article(session, r.article_id)
    session.commit()
    owed = [(r.article_id, item["body"]) for r, item in zip(stored, items) if r.owes_dedup]
    found = dict(zip((a for a, _ in owed), complete_dedup(session, owed)))
    order = {a: i for i, (a, _) in enumerate(owed)}
    results = []
    for r in stored:
        f = found.get(r.article_id)
        results.append({
            "article_id": r.article_id,
            "outcome": r.outcome,
            "duplicate_of": f.duplicate_of if f else None,
            "dedup": f.kind if f is not None and joins_a_story(r.article_id, f.matched, order) else None,
            "relate_owed": r.owes_relate,
            "error": None,
        })
    return results


def joins_a_story(article_id: int, matched, order: dict[int, int]) -> bool:
    """Whether storing this article added a copy to a story: it matched an article stored
    before it — in an earlier batch, or earlier in this one. Each story of k articles then
    counts k - 1 duplicates, whichever of them is canonical and however the pages fell
    into batches (two copies in one batch find each other, and only the later counts)."""
    mine = order.get(article_id, -1)
    return any(order.get(m, -1) < mine for m in matched)


def row_url(session: Session, item: dict) -> str:
    """The URL to store the item under: its rel=canonical (the dedup stage took it only on
    the same site), unless that URL is already stored for a different page with a
    different body — a canonical pointing at another article (a CMS template bug, or a
    hostile page) must never overwrite that article's row. Then the page is stored under
    its own URL, and dedup decides whether it is a copy."""
    canonical = item.get("canonical_url") or item["url"]
    try:
        own = canonical_url(item["url"])
    except InvalidURL:
        return canonical
    if canonical == own:
        return canonical
    other = session.execute(select(Article.fetched_url, Article.body_hash).where(Article.url == canonical)).first()
    if other is not None and other.fetched_url != item["url"] and other.body_hash != item["body_hash"]:
        return own
    return canonical


def row_values(item: dict, source: int, keep_raw: bool) -> dict:
    return {
        "url": item.get("canonical_url") or item["url"],
        "fetched_url": item["url"],
        "source_id": source,
        "title": item["title"] or "",
        "body": item["body"],
        "published_at": parse_iso(item.get("published_at")),
        "date_source": item.get("date_source"),
        "author": item.get("author"),
        "origin": item.get("origin"),
        "editor": item.get("editor"),
        "category": item.get("category"),
        "fetched_at": parse_iso(item["fetched_at"]),
        "body_hash": item["body_hash"],
        "removed_text": "\n".join(item.get("removed") or []) or None,
        "raw_html": compress_page(item.get("raw_html")) if keep_raw else None,
        "encoding": item.get("encoding"),
    }
