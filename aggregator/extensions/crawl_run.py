"""Records one ``crawl_runs`` row per run and decides whether the run failed.

A run failed when Scrapy closed it for any reason but ``finished``, when it fetched no
page at all (for spiders that fetch), or when anything was logged at ERROR level. The verdict is left in the
stats as ``aggregator/run_status``; ``scrapy crawl`` exits 1 on ``failed`` (see
aggregator/commands/crawl.py), so cron notices.

Settings: ``CRAWL_RUNS_ENABLED`` (default True).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import update
from sqlalchemy.orm import Session

from aggregator.db.engine import engine_for_crawler
from aggregator.db.models import CrawlRun
from aggregator.drops import dropped_by_reason

logger = logging.getLogger(__name__)
STATUS_KEY = "aggregator/run_status"


def run_status(reason: str, stats: dict, fetches_pages: bool = True) -> str:
    if reason != "finished" or stats.get("log_count/ERROR", 0) > 0:
        return "failed"
    if fetches_pages and not stats.get("response_received_count", 0):
        return "failed"
    return "finished"


def run_summary(stats: dict) -> dict:
    stored = stats.get("aggregator/stored/inserted", 0) + stats.get("aggregator/stored/updated", 0)
    return {
        "pages_fetched": stats.get("response_received_count", 0),
        "items_stored": stored,
        "items_dropped": dropped_by_reason(stats),
        "duplicates": stats.get("dedup/duplicates", 0),
        "skipped": stats.get("incremental/skipped", 0),
        "errors": stats.get("log_count/ERROR", 0),
    }


class CrawlRunRecorder:
    def __init__(self, crawler):
        self.crawler = crawler
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("CRAWL_RUNS_ENABLED", True):
            raise NotConfigured("CRAWL_RUNS_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        with Session(engine_for_crawler(self.crawler)) as session, session.begin():
            run = CrawlRun(spider=spider.name, started_at=datetime.now(timezone.utc), status="running", items_dropped={}, stats={})
            session.add(run)
            session.flush()
            self.run_id = run.id
        self.crawler.stats.set_value("aggregator/crawl_run_id", self.run_id)

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        status = run_status(reason, stats, getattr(spider, "fetches_pages", True))
        self.crawler.stats.set_value(STATUS_KEY, status)
        summary = run_summary(stats)
        if self.run_id is not None:
            with Session(engine_for_crawler(self.crawler)) as session, session.begin():
                session.execute(
                    update(CrawlRun)
                    .where(CrawlRun.id == self.run_id)
                    .values(finished_at=datetime.now(timezone.utc), status=status, stats=_jsonable(stats), **summary)
                )
        logger.info(
            "Run %s %s: %d pages, %d stored, %d duplicates, %d skipped, dropped %s",
            self.run_id, status, summary["pages_fetched"], summary["items_stored"], summary["duplicates"],
            summary["skipped"], summary["items_dropped"] or "nothing",
        )


def _jsonable(stats: dict) -> dict:
    return json.loads(json.dumps(stats, default=str))
