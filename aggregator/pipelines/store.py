"""Stage 4: store the article with SQLAlchemy (SQLite by default, PostgreSQL at scale),
and link it into its story cluster in the database's dedup index.

A new or changed row is registered in the near-duplicate index
(aggregator.dedup.register_article), which commits the row before it looks for copies:
of two crawlers storing copies of one story at once, the second always sees the first.

Settings: ``AGGREGATOR_DB_URL`` (the ``AGGREGATOR_DB_URL`` environment variable wins),
``AGGREGATOR_KEEP_RAW`` (keep the fetched page, compressed; default True).
Stats: ``aggregator/stored/inserted|updated|unchanged``, ``dedup/duplicates``,
``dedup/exact``, ``dedup/near``.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator.db.engine import engine_for_crawler
from aggregator.db.search import index_article as index_for_search
from aggregator.db.store import compress_page, parse_iso, source_id, upsert_article
from aggregator.dedup import register_article
from aggregator.dedup.index import remove_article
from aggregator.drops import StoreFailed
from aggregator.stagetime import timed_stage

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, engine, stats, keep_raw: bool, spider_name: str):
        self.engine = engine
        self.stats = stats
        self.keep_raw = keep_raw
        self.spider_name = spider_name
        self._source_ids: dict[str, int] = {}  # sources rows are never deleted: safe to remember

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            engine_for_crawler(crawler),
            crawler.stats,
            crawler.settings.getbool("AGGREGATOR_KEEP_RAW", True),
            crawler.spider.name if crawler.spider else "",
        )

    @timed_stage("store")
    def process_item(self, item):
        adapter = ItemAdapter(item)
        try:
            with Session(self.engine) as session:
                result = upsert_article(session, self.row_values(session, adapter))
                if result.outcome != "unchanged":
                    index_for_search(session, result.article_id, adapter["title"] or "", adapter["body"])
                session.commit()
                if result.outcome != "unchanged":
                    if result.outcome == "updated":
                        remove_article(session, result.article_id)
                    found = register_article(session, result.article_id, adapter["body"])
                    session.commit()
                    adapter["duplicate_of"] = found.duplicate_of
                    if found.canonical_id is not None:
                        # it joined a story: a copy, whichever of them is canonical now
                        self.stats.inc_value("dedup/duplicates")
                        self.stats.inc_value(f"dedup/{found.kind}")
        except SQLAlchemyError as exc:
            logger.warning("Could not store %s: %s", adapter["url"], exc)
            raise StoreFailed(f"{type(exc).__name__} storing {adapter['url']}") from exc
        adapter["article_id"] = result.article_id
        adapter["stored"] = result.outcome
        self.stats.inc_value(f"aggregator/stored/{result.outcome}")
        return item

    def source_id(self, session: Session, name: str) -> int:
        if name not in self._source_ids:
            self._source_ids[name] = source_id(session, name, self.spider_name or name)
        return self._source_ids[name]

    def row_values(self, session: Session, adapter: ItemAdapter) -> dict:
        return {
            "url": adapter.get("canonical_url") or adapter["url"],
            "fetched_url": adapter["url"],
            "source_id": self.source_id(session, adapter["source"]),
            "title": adapter["title"] or "",
            "body": adapter["body"],
            "published_at": parse_iso(adapter.get("published_at")),
            "date_source": adapter.get("date_source"),
            "author": adapter.get("author"),
            "origin": adapter.get("origin"),
            "editor": adapter.get("editor"),
            "category": adapter.get("category"),
            "fetched_at": parse_iso(adapter["fetched_at"]),
            "body_hash": adapter["body_hash"],
            "removed_text": "\n".join(adapter.get("removed") or []) or None,
            "raw_html": compress_page(adapter.get("raw_html")) if self.keep_raw else None,
            "encoding": adapter.get("encoding"),
        }
