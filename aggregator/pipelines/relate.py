"""Stage 5: keywords, regions and related-article links of each new or changed article.

Settings: ``RELATE_ENABLED`` (default True), ``RELATE_TOP_K`` keywords per article,
``RELATE_TOP_N`` links per article, ``RELATE_THRESHOLD`` lowest link score.
Stats: ``relate/articles``, ``relate/links``.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator.db.engine import engine_for_crawler
from aggregator.relate import store as relate_store
from aggregator.relate import text as relate_text
from aggregator.stagetime import timed_stage

logger = logging.getLogger(__name__)


class RelatePipeline:
    def __init__(self, engine, stats, top_k: int, top_n: int, threshold: float):
        self.engine = engine
        self.stats = stats
        self.top_k, self.top_n, self.threshold = top_k, top_n, threshold

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("RELATE_ENABLED", True):
            raise NotConfigured("RELATE_ENABLED is off")
        return cls(
            engine_for_crawler(crawler),
            crawler.stats,
            settings.getint("RELATE_TOP_K", relate_text.TOP_K),
            settings.getint("RELATE_TOP_N", relate_store.TOP_N),
            settings.getfloat("RELATE_THRESHOLD", relate_store.THRESHOLD),
        )

    @timed_stage("relate")
    def process_item(self, item):
        adapter = ItemAdapter(item)
        article_id = adapter.get("article_id")
        if article_id is None or adapter.get("stored") == "unchanged":
            return item
        try:
            with Session(self.engine) as session, session.begin():
                links = relate_store.index_article(
                    session, article_id, adapter["title"], adapter["body"],
                    top_k=self.top_k, top_n=self.top_n, threshold=self.threshold,
                )
        except SQLAlchemyError as exc:
            # The article is stored; its links can be rebuilt with `scrapy relate`.
            logger.warning("Could not relate article %s: %s", article_id, exc)
            self.stats.inc_value("relate/errors")
            return item
        self.stats.inc_value("relate/articles")
        self.stats.inc_value("relate/links", len(links))
        return item
