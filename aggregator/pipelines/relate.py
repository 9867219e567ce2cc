"""Stage 5: keywords, regions and related-article links of each new or changed article.

Runs in batches beside the reactor, like the store stage (aggregator.offload): one
transaction per batch, which also clears the articles' ``relate_pending`` (aggregator.pending).
A database outage is waited out (aggregator.dbwait). A batch that fails leaves its
articles pending (counted in ``relate/errors``): the next crawl, or ``scrapy repair``,
finishes them.

Settings: ``RELATE_ENABLED`` (default True), ``RELATE_TOP_K`` keywords per article,
``RELATE_TOP_N`` links per article, ``RELATE_THRESHOLD`` lowest link score.
Stats: ``relate/articles``, ``relate/links``, ``relate/errors`` (a batch failed: an
exception, which fails the run), ``relate/deferred`` and ``relate/handed_back`` (left
pending by a database outage or a stop).
"""

from __future__ import annotations

import functools
import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from sqlalchemy.orm import Session

from aggregator import config
from aggregator.db.engine import cached_engine, engine_for_crawler, resolve_db_url
from aggregator.db.errors import DatabaseUnavailable
from aggregator.dbwait import CrawlStopping
from aggregator.offload import Batcher
from aggregator.pending import complete_relate
from aggregator.pipelines.store import outage_as_unavailable
from aggregator.relate import store as relate_store
from aggregator.relate import text as relate_text

logger = logging.getLogger(__name__)


class RelatePipeline:
    def __init__(self, batcher: Batcher, stats):
        self.batcher = batcher
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not config.value(settings, "RELATE_ENABLED"):
            raise NotConfigured("RELATE_ENABLED is off")
        engine_for_crawler(crawler)  # the schema exists before any batch runs
        top_k, top_n, threshold = (config.value(settings, name) for name in ("RELATE_TOP_K", "RELATE_TOP_N", "RELATE_THRESHOLD"))
        relate = functools.partial(
            relate_batch,
            resolve_db_url(settings.get("AGGREGATOR_DB_URL")),
            relate_text.TOP_K if top_k is None else top_k,
            relate_store.TOP_N if top_n is None else top_n,
            relate_store.THRESHOLD if threshold is None else threshold,
        )
        return cls(Batcher.from_crawler(crawler, "relate", relate), crawler.stats)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        article_id = adapter.get("article_id")
        if article_id is None or not adapter.get("relate_owed"):
            return item
        try:
            links = await self.batcher.submit((article_id, adapter["title"], adapter["body"]))
        except CrawlStopping:  # handed back: the article stays relate_pending for the next run
            self.stats.inc_value("relate/handed_back")
            return item
        except DatabaseUnavailable:  # the run stops on it (aggregator.dbwait); the article stays pending
            self.stats.inc_value("relate/deferred")
            return item
        except Exception as exc:  # noqa: BLE001 - the article is stored and stays relate_pending
            logger.warning("Could not relate article %s (left pending for the next run): %s", article_id, exc)
            self.stats.inc_value("relate/errors")
            return item
        self.stats.inc_value("relate/articles")
        self.stats.inc_value("relate/links", links)
        return item

    async def close_spider(self):
        await self.batcher.drain()


def relate_batch(db_url: str, top_k: int, top_n: int, threshold: float, articles: list[tuple[int, str, str]]) -> list[int]:
    """Index a batch of ``(article_id, title, body)`` in one transaction; the number of
    links each article got, in input order."""
    with outage_as_unavailable(), Session(cached_engine(db_url)) as session, session.begin():
        links = complete_relate(session, articles, top_k=top_k, top_n=top_n, threshold=threshold)
    return [len(x) for x in links]
