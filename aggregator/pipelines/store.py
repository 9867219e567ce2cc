"""Stage 4: store the article with SQLAlchemy (SQLite by default, PostgreSQL at scale),
and link it into its story cluster in the database's dedup index.

Items are stored in batches, beside the reactor (aggregator.offload): one transaction
writes a batch's rows and search-index entries, then the batch is registered in the
near-duplicate index (aggregator.dedup.register_articles), whose rows are committed
before it looks for copies: of two crawlers storing copies of one story at once, the
second always sees the first. When a batch fails, its items are retried one by one, so
only a bad item is dropped (``StoreFailed``).

Settings: ``AGGREGATOR_DB_URL`` (the ``AGGREGATOR_DB_URL`` environment variable wins),
``AGGREGATOR_KEEP_RAW`` (keep the fetched page, compressed; default True), and the
batching settings of aggregator.offload.
Stats: ``aggregator/stored/inserted|updated|unchanged``, ``dedup/duplicates``,
``dedup/exact``, ``dedup/near``.
"""

from __future__ import annotations

import functools
import logging

from itemadapter import ItemAdapter
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator.db.engine import cached_engine, engine_for_crawler, resolve_db_url
from aggregator.db.search import index_article as index_for_search
from aggregator.db.store import compress_page, parse_iso, source_id, upsert_article
from aggregator.dedup import register_articles
from aggregator.dedup.index import remove_article
from aggregator.drops import StoreFailed
from aggregator.offload import Batcher

logger = logging.getLogger(__name__)

#: Item fields the store stage reads.
STORED_FIELDS = (
    "url", "canonical_url", "source", "title", "body", "published_at", "date_source", "author", "origin",
    "editor", "category", "fetched_at", "body_hash", "removed", "raw_html", "encoding",
)


class StorePipeline:
    def __init__(self, batcher: Batcher, stats):
        self.batcher = batcher
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        engine_for_crawler(crawler)  # create or migrate the schema here, once, before any batch runs
        store = functools.partial(
            store_batch,
            resolve_db_url(crawler.settings.get("AGGREGATOR_DB_URL")),
            crawler.spider.name if crawler.spider else "",
            crawler.settings.getbool("AGGREGATOR_KEEP_RAW", True),
        )
        return cls(Batcher.from_crawler(crawler, "store", store), crawler.stats)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            result = await self.batcher.submit({name: adapter.get(name) for name in STORED_FIELDS})
        except Exception as exc:  # the batch could not run at all (database down, worker died)
            logger.warning("Could not store %s: %s", adapter["url"], exc)
            raise StoreFailed(f"{type(exc).__name__} storing {adapter['url']}") from exc
        if result["error"]:
            logger.warning("Could not store %s: %s", adapter["url"], result["error"])
            raise StoreFailed(f"{result['error'].split(':')[0]} storing {adapter['url']}")
        adapter["article_id"] = result["article_id"]
        adapter["stored"] = result["outcome"]
        adapter["duplicate_of"] = result["duplicate_of"]
        self.stats.inc_value(f"aggregator/stored/{result['outcome']}")
        if result["dedup"]:
            # it joined a story: a copy, whichever of them is canonical now
            self.stats.inc_value("dedup/duplicates")
            self.stats.inc_value(f"dedup/{result['dedup']}")
        return item

    async def close_spider(self):
        await self.batcher.drain()


# ---- the batch, run in a worker process ------------------------------------------------


def store_batch(db_url: str, spider: str, keep_raw: bool, items: list[dict]) -> list[dict]:
    """Store a batch of items (dicts of ``STORED_FIELDS``); one result dict per item:
    ``article_id``, ``outcome``, ``duplicate_of``, ``dedup`` (exact, near or None) and
    ``error`` (None, or why this item could not be stored)."""
    with Session(cached_engine(db_url)) as session:
        try:
            return store_articles(session, items, spider=spider, keep_raw=keep_raw)
        except SQLAlchemyError:
            session.rollback()
        # one bad row must not cost the batch: store the items one by one
        results = []
        for item in items:
            try:
                results.extend(store_articles(session, [item], spider=spider, keep_raw=keep_raw))
            except SQLAlchemyError as exc:
                session.rollback()
                results.append({"article_id": None, "outcome": None, "duplicate_of": None, "dedup": None,
                                "error": f"{type(exc).__name__}: {exc}"[:500]})
        return results


def store_articles(session: Session, items: list[dict], *, spider: str, keep_raw: bool) -> list[dict]:
    """Upsert the rows and their search entries in one transaction, then register the new
    and changed ones in the near-duplicate index (which commits; see aggregator.dedup.index)."""
    sources: dict[str, int] = {}
    stored = []
    for item in items:
        name = item["source"]
        if name not in sources:
            sources[name] = source_id(session, name, spider or name)
        result = upsert_article(session, row_values(item, sources[name], keep_raw))
        if result.outcome != "unchanged":
            index_for_search(session, result.article_id, item["title"] or "", item["body"])
            if result.outcome == "updated":
                remove_article(session, result.article_id)
        stored.append(result)
    session.commit()
    changed = [(r.article_id, item["body"]) for r, item in zip(stored, items) if r.outcome != "unchanged"]
    found = dict(zip((a for a, _ in changed), register_articles(session, changed))) if changed else {}
    results = []
    for r in stored:
        f = found.get(r.article_id)
        results.append({
            "article_id": r.article_id,
            "outcome": r.outcome,
            "duplicate_of": f.duplicate_of if f else None,
            "dedup": f.kind if f is not None and f.canonical_id is not None else None,
            "error": None,
        })
    return results


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
