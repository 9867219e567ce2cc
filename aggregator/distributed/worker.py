"""The worker extension: one worker of a shared run, from joining to the end of the run.

* Opened: a ``crawl_run_workers`` row (its id names the worker's leases, ``w<ID>``); the
  run's id in the stats (so stored rows owe their steps to the run, the frontier is the
  run's); the site spider's list budget moved to Redis; what dead runs left pending is
  finished (aggregator.pending), as a run of one process does.
* Every ``AGGREGATOR_HEARTBEAT_SECONDS``: the worker's heartbeat and stats; its leases
  renewed; expired leases and the leases of lost workers (heartbeat stale, or process gone
  from this host) put back in the queue, and those workers marked ``lost``.
* Idle: the worker stays open (DontCloseSpider) until the queue and every lease have been
  empty for ``AGGREGATOR_DISTRIBUTED_QUIET_SECONDS``: then every worker closes, within a
  poll of each other. Scrapy looks for work every 5 s when idle; a worker asks every
  ``AGGREGATOR_DISTRIBUTED_POLL_SECONDS`` instead.
* Closed: the worker's row gets its own verdict (aggregator.outcome; a worker that got no
  page is not a failure, the run that got none is); the last worker to end finishes the
  rows the run still owes steps of, sums every worker's stats into the run's row, records
  the run's verdict, and deletes the run's keys. The end-of-run line and exit code of the
  last worker are the run's.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from aggregator import config, pending
from aggregator.db.engine import engine_for_crawler
from aggregator.db.errors import describe
from aggregator.db.models import CrawlRun
from aggregator.distributed import (
    RunKeys, delete_run_keys, joining, run_id,
)
from aggregator.distributed import workers as rows
from aggregator.distributed.budget import RedisListBudget
from aggregator.distributed.leases import HANDED_BACK, REDIS_ERRORS, token_of
from aggregator.extensions.crawl_run import LINE_KEY, RUN_ID_KEY, STATUS_KEY, _jsonable, _now, run_line, run_summary
from aggregator.outcome import judge
from aggregator.relate.store import options_from_settings

logger = logging.getLogger(__name__)
WORKER_KEY = "distributed/worker_id"


class DistributedWorker:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.run_id = run_id(settings)
        self.keys = RunKeys.from_settings(settings)
        self.heartbeat_seconds = config.value(settings, "AGGREGATOR_HEARTBEAT_SECONDS")
        self.quiet_seconds = config.value(settings, "AGGREGATOR_DISTRIBUTED_QUIET_SECONDS")
        self.poll_seconds = config.value(settings, "AGGREGATOR_DISTRIBUTED_POLL_SECONDS")
        self.max_failed_share = config.value(settings, "AGGREGATOR_MAX_FAILED_SHARE")
        self.worker_id: int | None = None
        self._beat_task: asyncio.Task | None = None
        self._waiting_logged = False

    @classmethod
    def from_crawler(cls, crawler):
        if not joining(crawler.settings):
            raise NotConfigured("not a distributed run")
        ext = cls(crawler)
        for handler, signal in ((ext.spider_opened, signals.spider_opened), (ext.spider_idle, signals.spider_idle),
                                (ext.spider_closed, signals.spider_closed), (ext.item_scraped, signals.item_scraped),
                                (ext.item_dropped, signals.item_dropped), (ext.item_error, signals.item_error)):
            crawler.signals.connect(handler, signal=signal)
        return ext

    @property
    def engine(self):
        return engine_for_crawler(self.crawler)

    @property
    def scheduler(self):
        return self.crawler.distributed_scheduler

    # --- joining --------------------------------------------------------------------
    async def spider_opened(self, spider):
        with Session(self.engine) as session, session.begin():
            self.worker_id = rows.join(session, self.run_id, spider.name)
        stats = self.crawler.stats
        stats.set_value(RUN_ID_KEY, self.run_id)
        stats.set_value(WORKER_KEY, self.worker_id)
        if hasattr(spider, "list_budget"):  # the site spider: one budget for the run
            spider.list_budget = RedisListBudget(self.scheduler.server, self.keys, spider.max_pages - 1,
                                                 spider.start_urls[0])
        if "frontier" in dir(type(spider)):  # channels are read by several workers: one verdict
            spider.frontier.shared = self._uncovered
        # an idle worker asks for requests other workers queued this often, not every 5 s
        self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = self.poll_seconds
        self.scheduler.holder = f"w{self.worker_id}"
        logger.info("Worker %d joined run %d", self.worker_id, self.run_id)
        self._beat_task = asyncio.ensure_future(self._beat_forever())
        await self._repair()

    async def _repair(self) -> None:
        settings = self.crawler.settings
        try:
            done = await asyncio.to_thread(pending.repair, sessionmaker(self.engine), self.run_id,
                                           relate=config.value(settings, "RELATE_ENABLED"),
                                           relate_options=options_from_settings(settings))
        except SQLAlchemyError as exc:
            logger.warning("Could not finish the articles earlier runs left pending (%s)", describe(exc))
            return
        for key, value in done.items():
            self.crawler.stats.inc_value(f"repair/{key}", value)

    # --- alive --------------------------------------------------------------------
    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                self._beat_redis()
                await asyncio.to_thread(self._beat_db)
            except SQLAlchemyError as exc:  # an outage: dbwait reports it; the next beat tries again
                logger.debug("Heartbeat not recorded: %s", describe(exc))
            except Exception as exc:  # noqa: BLE001 - Redis away: the next beat tries again
                logger.warning("Heartbeat: %s: %s", type(exc).__name__, exc)

    def _uncovered(self, urls: list[str]) -> set[str]:
        server = self.scheduler.server
        try:
            if urls:
                server.sadd(self.keys.uncovered, *urls)
            return {u.decode() for u in server.smembers(self.keys.uncovered)}
        except REDIS_ERRORS:  # what the others left is unknown: cover nothing (the next run reads deep)
            return set(self.crawler.spider.frontier.channels)

    def _beat_redis(self) -> None:
        spider = self.crawler.spider
        if "_frontier" in spider.__dict__:
            spider.frontier.publish()
        queue = self.scheduler.queue
        queue.renew(self.scheduler.book.tokens())
        back = queue.requeue_expired()
        if back:
            self.crawler.stats.inc_value("distributed/leases/expired", back)
            logger.warning("Put %d expired leases back in the queue", back)

    def _beat_db(self) -> None:
        stats = _jsonable(self.crawler.stats.get_stats())
        with Session(self.engine) as session, session.begin():
            rows.beat(session, self.worker_id, self.run_id, stats, run_summary(stats))
            lost = rows.mark_lost(session, self.run_id, heartbeat_seconds=self.heartbeat_seconds,
                                  exclude=self.worker_id)
        for worker in lost:
            back = self.scheduler.queue.requeue_holder(f"w{worker}")
            self.crawler.stats.inc_value("distributed/workers_lost")
            logger.warning("Worker %d of run %d is lost (no heartbeat, or its process is gone): "
                           "%d of its requests put back in the queue", worker, self.run_id, back)

    # --- leases ------------------------------------------------------------------------
    def item_scraped(self, item, response, spider):
        self.scheduler.book.item_finished(token_of(response))

    def item_dropped(self, item, response, exception, spider):
        self.scheduler.book.item_finished(token_of(response), handed_back=type(exception).__name__ in HANDED_BACK)

    def item_error(self, item, response, spider, failure):
        self.crawler.stats.inc_value("aggregator/item_errors")  # as CrawlRunRecorder counts them
        self.scheduler.book.item_finished(token_of(response))

    def spider_idle(self, spider):
        queue = self.scheduler.queue
        if self.worker_id is None or self.scheduler.unpushed or self.scheduler.book.unsent:
            raise DontCloseSpider
        try:
            queue.requeue_expired()
            quiet = queue.quiet_for()
        except Exception as exc:  # noqa: BLE001 - Redis away: wait for it rather than end early
            logger.warning("Cannot reach the run's queue (%s: %s); waiting", type(exc).__name__, exc)
            raise DontCloseSpider from None
        if quiet >= self.quiet_seconds:
            logger.info("Run %d: queue and leases empty for %.1f s: worker %d ends", self.run_id, quiet, self.worker_id)
            return
        if not self._waiting_logged and quiet >= 0:
            logger.info("Run %d: nothing queued or leased; ending after %.0f quiet seconds unless more comes",
                        self.run_id, self.quiet_seconds)
            self._waiting_logged = True
        raise DontCloseSpider

    # --- the end --------------------------------------------------------------------------
    def spider_closed(self, spider, reason):
        if self._beat_task is not None:
            self._beat_task.cancel()
        stats = self.crawler.stats.get_stats()
        mine = judge(reason, stats, fetches_pages=False, max_failed_share=self.max_failed_share)
        lost = stats.get("distributed/requests_not_queued", 0)
        if lost:  # Redis stayed away to the end: requests this worker found were not queued
            mine.problems["redis"] = f"{lost} requests could not be queued (Redis unreachable); a new run reads deep"
            mine.status = "failed" if mine.status == "finished" else mine.status
        summary = run_summary(stats)
        self.crawler.stats.set_value(STATUS_KEY, mine.status)
        self.crawler.stats.set_value(LINE_KEY, f"Worker {self.worker_id} of " + run_line(self.run_id, mine, summary, stats))
        if self.worker_id is None:
            return
        try:
            with Session(self.engine) as session, session.begin():
                last = rows.end_worker(session, self.worker_id, self.run_id, mine.status, _jsonable(stats), summary,
                                       heartbeat_seconds=self.heartbeat_seconds)
        except SQLAlchemyError as exc:  # the database is gone: the run is marked dead by the next crawl
            logger.warning("Could not record the end of worker %s: %s", self.worker_id, describe(exc))
            return
        if last:
            self._close_run(reason)
        (logger.info if mine.status == "finished" else logger.warning)(self.crawler.stats.get_value(LINE_KEY))

    def _close_run(self, reason: str) -> None:
        """The last worker: finish what the run owes, sum, judge, record, clean up."""
        settings = self.crawler.settings
        try:
            counts = self.scheduler.queue.counts()
        except Exception:  # noqa: BLE001 - Redis away: keep its keys; say so
            counts = None
        drained = counts is not None and counts["queued"] == 0 and counts["leased"] == 0
        try:
            # rows a lost worker stored and never completed: the run owns them
            done = pending.finish_claimed(sessionmaker(self.engine), self.run_id,
                                          relate=config.value(settings, "RELATE_ENABLED"),
                                          relate_options=options_from_settings(settings))
            with Session(self.engine) as session, session.begin():
                workers = rows.workers_of(session, self.run_id)
                total = rows.sum_stats([w.stats or {} for w in workers])
                total["repair/finished_at_end"] = done["dedup"] + done["relate"]
                total["distributed/workers"] = len(workers)
                total["distributed/workers_lost"] = sum(w.status == "lost" for w in workers)
                if counts is not None:
                    total["distributed/requests_done"] = counts["done"]
                run_reason = reason if drained or reason != "finished" else "requests_left"
                outcome = judge(run_reason, total, max_failed_share=self.max_failed_share)
                if total.get("distributed/requests_not_queued"):
                    outcome.problems["redis"] = (f"{total['distributed/requests_not_queued']} requests could not be "
                                                 "queued (Redis unreachable); a new run reads deep")
                    outcome.status = "failed" if outcome.status == "finished" else outcome.status
                summary = run_summary(total)
                line = run_line(self.run_id, outcome, summary, total)
                session.execute(update(CrawlRun).where(CrawlRun.id == self.run_id).values(
                    finished_at=_now(), heartbeat_at=_now(), status=outcome.status, problems=outcome.problems,
                    stats=_jsonable(total), **summary))
        except SQLAlchemyError as exc:
            logger.warning("Could not record the end of run %s: %s", self.run_id, describe(exc))
            return
        self.crawler.stats.set_value(STATUS_KEY, outcome.status)
        self.crawler.stats.set_value(LINE_KEY, f"{line} ({len(workers)} workers)")
        if drained:
            delete_run_keys(self.scheduler.server, self.keys)
        elif counts is not None:
            logger.warning("Run %d ended with %d requests queued and %d leased: its Redis keys are kept",
                           self.run_id, counts["queued"], counts["leased"])
