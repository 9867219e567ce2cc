"""Records one ``crawl_runs`` row per run, keeps it alive, and records its outcome.

The verdict — ``finished``, ``failed`` or ``interrupted``, with the causes in
``crawl_runs.problems`` — is aggregator.outcome's. It is left in the stats as
``aggregator/run_status`` and the end-of-run line as ``aggregator/run_line``;
``scrapy crawl`` prints that line whatever the log level and exits 1 on anything but
``finished`` (see aggregator/commands/crawl.py), so cron notices.

While it runs, the row carries the host and pid of the crawl process and a heartbeat
renewed every ``AGGREGATOR_HEARTBEAT_SECONDS``; a process that died (kill -9, power
loss) leaves a row that the next run marks ``interrupted`` (aggregator.runs). Then the
next run finishes what dead runs left pending (aggregator.pending), before it crawls.

Settings: ``CRAWL_RUNS_ENABLED`` (default True), ``AGGREGATOR_HEARTBEAT_SECONDS``
(default 30), ``AGGREGATOR_MAX_FAILED_SHARE`` (default 0.2: the share of article pages
that may fail before the run does).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import datetime, timezone

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from aggregator import config
from aggregator import pending
from aggregator.db.engine import engine_for_crawler
from aggregator.db.errors import describe
from aggregator.db.models import CrawlRun
from aggregator.drops import dropped_by_reason
from aggregator.outcome import Outcome, failed_pages, judge
from aggregator.relate.store import options_from_settings
from aggregator.runs import DEFAULT_HEARTBEAT_SECONDS, mark_dead_runs, this_host

logger = logging.getLogger(__name__)
STATUS_KEY = "aggregator/run_status"
LINE_KEY = "aggregator/run_line"
RUN_ID_KEY = "aggregator/crawl_run_id"
RUN_LINE_MARK = "aggregator_run_line"


def run_status(reason: str, stats: dict, fetches_pages: bool = True) -> str:
    return judge(reason, stats, fetches_pages=fetches_pages).status


def run_line(run_id: int | None, outcome: Outcome, summary: dict, stats: dict) -> str:
    """The end-of-run line: what the run did, what it dropped, and why it failed."""
    dropped = summary["items_dropped"]
    line = (f"Run {run_id if run_id is not None else '-'} {outcome.status}: {summary['pages_fetched']} pages, "
            f"{summary['items_stored']} stored, {summary['duplicates']} duplicates, {summary['skipped']} skipped, "
            f"{failed_pages(stats)} article pages failed, "
            # links to other sites are not followed (allowed_domains): said here, so a
            # spider whose allowed_domains is wrong does not look like an empty site
            + (f"{stats.get('offsite/filtered', 0)} off-site links not followed, " if stats.get("offsite/filtered") else "")
            + "dropped "
            + (", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) if dropped else "nothing"))
    if outcome.problems:
        line += "; problems: " + "; ".join(f"{k}: {v}" for k, v in outcome.problems.items())
    return line


def run_summary(stats: dict) -> dict:
    stored = sum(stats.get(f"aggregator/stored/{outcome}", 0) for outcome in ("inserted", "updated", "resumed"))
    return {
        "pages_fetched": stats.get("response_received_count", 0),
        "items_stored": stored,
        "items_dropped": dropped_by_reason(stats),
        "duplicates": stats.get("dedup/duplicates", 0),
        "skipped": stats.get("incremental/skipped", 0),
        "errors": stats.get("log_count/ERROR", 0),
    }


def _now() -> datetime:
    return datetime.now(timezone.utc)


class CrawlRunRecorder:
    def __init__(self, crawler, heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS):
        self.crawler = crawler
        self.heartbeat_seconds = heartbeat_seconds
        self.run_id: int | None = None
        self._heartbeat: asyncio.Task | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not config.value(crawler.settings, "CRAWL_RUNS_ENABLED"):
            raise NotConfigured("CRAWL_RUNS_ENABLED is off")
        ext = cls(crawler, config.value(crawler.settings, "AGGREGATOR_HEARTBEAT_SECONDS"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        return ext

    def item_error(self, item, response, spider, failure):
        self.crawler.stats.inc_value("aggregator/item_errors")  # an exception in a pipeline

    @property
    def engine(self):
        return engine_for_crawler(self.crawler)

    async def spider_opened(self, spider):
        now = _now()
        with Session(self.engine) as session, session.begin():
            run = CrawlRun(spider=spider.name, started_at=now, status="running", items_dropped={}, stats={},
                           host=this_host(), pid=os.getpid(), heartbeat_at=now)
            session.add(run)
            session.flush()
            self.run_id = run.id
        self.crawler.stats.set_value(RUN_ID_KEY, self.run_id)
        with Session(self.engine) as session, session.begin():
            dead = mark_dead_runs(session, exclude=self.run_id, heartbeat_seconds=self.heartbeat_seconds)
        if dead:
            logger.warning("Runs %s had died (no heartbeat, or their process is gone): marked interrupted",
                           ", ".join(map(str, dead)))
        self._heartbeat = asyncio.ensure_future(self._beat_forever())
        await self._repair()

    async def _repair(self) -> None:
        """Finish what dead or ended runs left pending, before this run crawls."""
        settings = self.crawler.settings
        relate_options = options_from_settings(settings)
        try:
            done = await asyncio.to_thread(pending.repair, sessionmaker(self.engine), self.run_id,
                                           relate=config.value(settings, "RELATE_ENABLED"), relate_options=relate_options)
        except SQLAlchemyError as exc:
            logger.warning("Could not finish the articles earlier runs left pending (%s); the next run tries again", describe(exc))
            return
        for key, value in done.items():
            self.crawler.stats.set_value(f"repair/{key}", value)
        if done["claimed"]:
            logger.info("Finished %d articles that earlier runs left pending (dedup %d, relate %d)",
                        done["claimed"], done["dedup"], done["relate"])

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                await asyncio.to_thread(self._beat)
            except SQLAlchemyError as exc:  # an outage: dbwait reports it; the next beat tries again
                logger.debug("Heartbeat not recorded: %s", describe(exc))

    def _beat(self) -> None:
        summary = run_summary(self.crawler.stats.get_stats())
        with Session(self.engine) as session, session.begin():
            session.execute(update(CrawlRun).where(CrawlRun.id == self.run_id).values(
                heartbeat_at=_now(), pages_fetched=summary["pages_fetched"], items_stored=summary["items_stored"]))

    def spider_closed(self, spider, reason):
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        stats = self.crawler.stats.get_stats()
        outcome = judge(reason, stats, fetches_pages=getattr(spider, "fetches_pages", True),
                        max_failed_share=config.value(self.crawler.settings, "AGGREGATOR_MAX_FAILED_SHARE"))
        self.crawler.stats.set_value(STATUS_KEY, outcome.status)
        summary = run_summary(stats)
        line = run_line(self.run_id, outcome, summary, stats)
        self.crawler.stats.set_value(LINE_KEY, line)
        if self.run_id is not None:
            try:
                with Session(self.engine) as session, session.begin():
                    session.execute(
                        update(CrawlRun)
                        .where(CrawlRun.id == self.run_id)
                        .values(finished_at=_now(), heartbeat_at=_now(), status=outcome.status,
                                problems=outcome.problems, stats=_jsonable(stats), **summary)
                    )
            except SQLAlchemyError as exc:  # the database is gone: the next run marks this one interrupted
                logger.warning("Could not record the end of run %s: %s", self.run_id, describe(exc))
        # marked, so a compact log (which `scrapy crawl` ends with this line) leaves it out
        (logger.info if outcome.status == "finished" else logger.warning)(line, extra={RUN_LINE_MARK: True})


def _jsonable(stats: dict) -> dict:
    return json.loads(json.dumps(stats, default=str))
