"""Waiting out the database instead of dropping what was fetched.

When a batch of the store or relate stage meets an outage (see aggregator.db.errors:
connection refused or lost, locked past its timeout, disk full, read-only), the batch
is run again with backoff for up to ``AGGREGATOR_DB_RETRY_SECONDS`` (default 300).
Meanwhile the engine is paused, so no new page is downloaded only to wait in memory
(backpressure); what was in flight waits in its batch. When the database is back,
downloading resumes and nothing was lost.

Past the bound, or when the crawl is being stopped (Ctrl-C, SIGTERM), waiting ends: the
spider is closed with the reason ``database_unavailable``, the items that were waiting
are dropped as ``DatabaseDown`` (counted), the run fails with one line naming the
database error, and the channels whose articles were not stored are left uncovered in
the frontier (aggregator.frontier), so the next run fetches those pages again.

Stats: ``dbwait/outages``, ``dbwait/seconds`` (time spent waiting), ``dbwait/gave_up``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable

from aggregator import config
from aggregator.db.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

_ATTR = "_aggregator_dbwait"
CLOSE_REASON = "database_unavailable"
FATAL_KEY = "aggregator/fatal"
MAX_BACKOFF = 5.0


class CrawlStopping(Exception):
    """The crawl is being stopped (Ctrl-C, SIGTERM): batches not started yet are handed
    back instead of run, so the stop takes one batch, not the whole backlog."""


class DatabaseWait:
    """One per crawl, shared by the stages that write."""

    def __init__(self, crawler, seconds: float):
        self.crawler = crawler
        self.seconds = seconds
        self.gave_up: str | None = None
        self._waiting: set[object] = set()
        self._since: float | None = None

    @classmethod
    def for_crawler(cls, crawler) -> "DatabaseWait":
        wait = getattr(crawler, _ATTR, None)
        if wait is None:
            wait = cls(crawler, config.value(crawler.settings, "AGGREGATOR_DB_RETRY_SECONDS"))
            setattr(crawler, _ATTR, wait)
        return wait

    def stopping(self) -> bool:
        """True once waiting is pointless: we gave up, or the crawl is being stopped."""
        return self.refusal() is not None

    def refusal(self) -> Exception | None:
        """Why a batch not started yet must not start: the database was given up on
        (DatabaseUnavailable), or the crawl is being stopped by a signal (CrawlStopping)."""
        if self.gave_up is not None:
            return DatabaseUnavailable(self.gave_up)
        # Crawler.stop_async() (Scrapy's handler of SIGINT and SIGTERM) clears crawling of
        # a started crawler; a crawler never started (tests, scripts) is not stopping
        if getattr(self.crawler, "_started", False) and not self.crawler.crawling:
            return CrawlStopping("the crawl is being stopped")
        return None

    async def call(self, fn: Callable[[], Awaitable[Any]]) -> Any:
        """``await fn()``, again and again while it raises DatabaseUnavailable, within
        the bound; raises the last DatabaseUnavailable when waiting ends."""
        token = object()
        deadline = None
        delay = 0.25
        try:
            while True:
                try:
                    return await fn()
                except DatabaseUnavailable as exc:
                    now = time.monotonic()
                    if deadline is None:
                        deadline = now + self.seconds
                        self._begin(token, exc)
                    if self.stopping():
                        raise
                    if now >= deadline:
                        self._give_up(exc)
                        raise
                    await asyncio.sleep(min(delay, deadline - now))
                    delay = min(delay * 2, MAX_BACKOFF)
        finally:
            if deadline is not None:
                self._end(token)

    def _begin(self, token: object, exc: Exception) -> None:
        if not self._waiting:
            self._since = time.monotonic()
            self.crawler.stats.inc_value("dbwait/outages")
            if not self.stopping():
                logger.warning("Database unavailable (%s): downloading paused, waiting up to %.0f s", exc, self.seconds)
            engine = getattr(self.crawler, "engine", None)
            if engine is not None:
                engine.pause()
        self._waiting.add(token)

    def _end(self, token: object) -> None:
        self._waiting.discard(token)
        if self._waiting or self._since is None:
            return
        waited = time.monotonic() - self._since
        self._since = None
        self.crawler.stats.inc_value("dbwait/seconds", round(waited, 1))
        engine = getattr(self.crawler, "engine", None)
        if engine is not None:
            engine.unpause()
            if self.gave_up is None:
                logger.info("Database available again after %.1f s: downloading resumed", waited)

    def _give_up(self, exc: Exception) -> None:
        if self.gave_up is not None:
            return
        self.gave_up = f"the database stayed unavailable for {self.seconds:.0f} s ({exc})"
        stats = self.crawler.stats
        stats.set_value("dbwait/gave_up", 1)
        stats.set_value(FATAL_KEY, self.gave_up)
        logger.error("Stopping: %s; the next run fetches what was not stored", self.gave_up)
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and engine.spider is not None:
            asyncio.ensure_future(engine.close_spider_async(reason=CLOSE_REASON))
