"""Logs for cron: a compact default and a periodic progress line.

``compact_logging(settings)`` (called by ``scrapy crawl`` before the crawler starts)
quietens what Scrapy logs at INFO about itself — versions, enabled components,
overridden settings, the telnet password, the stats dump, "Gave up retrying" for a page
that is then dropped — so a run's log is its warnings (one line per dropped page, with
its reason), its own INFO lines and the end-of-run line, printed once, last. It is on unless ``LOG_LEVEL`` was given on the command line (``-s
LOG_LEVEL=INFO`` or ``-L INFO`` gives Scrapy's full log) or ``AGGREGATOR_LOG_COMPACT``
says otherwise. Network errors (a refused connection, a timeout, DNS) are logged
without their traceback except at DEBUG: the message names them, and a traceback of
Twisted's internals tells an operator nothing more.

``ProgressLine`` replaces Scrapy's LogStats (``Crawled 387 pages (at 196 pages/min)``)
with what an operator asks of a long run: every ``AGGREGATOR_PROGRESS_SECONDS`` (60;
0 turns it off) one line with pages fetched, articles stored, pages and items dropped,
and requests queued. On a terminal it is a live status line (rich) instead, updated
every second and gone when the run ends.
"""

from __future__ import annotations

import logging
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES

from aggregator import config
from aggregator.drops import dropped_by_reason

logger = logging.getLogger(__name__)

#: Scrapy's loggers whose INFO lines are about Scrapy, not about the run.
CHATTY_LOGGERS = (
    "scrapy.utils.log", "scrapy.addons", "scrapy.crawler", "scrapy.middleware", "scrapy.core.engine",
    "scrapy.extensions.telnet", "scrapy.extensions.logstats", "scrapy.extensions.remote_control",
    "scrapy.statscollectors",
)
#: Loggers that log a failed download with its traceback.
DOWNLOAD_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper", "scrapy.core.downloader",
                    "scrapy.downloadermiddlewares.retry", "scrapy.core.engine")
NETWORK_ERROR_MODULES = ("twisted.internet.error", "twisted.web._newclient", "scrapy.exceptions", "OpenSSL",
                         "twisted.names", "h2", "scrapy.core.downloader")


def is_compact(settings) -> bool:
    explicit = config.value(settings, "AGGREGATOR_LOG_COMPACT")
    if explicit is not None:
        return explicit
    return settings.getpriority("LOG_LEVEL") != SETTINGS_PRIORITIES["cmdline"]


def compact_logging(settings) -> None:
    """Quieten Scrapy's own INFO lines and network tracebacks (see the module doc)."""
    if str(settings.get("LOG_LEVEL", "")).upper() != "DEBUG":
        for name in DOWNLOAD_LOGGERS:
            logging.getLogger(name).addFilter(drop_network_traceback)
    if not is_compact(settings):
        return
    for name in CHATTY_LOGGERS:
        # a filter, not a level: Scrapy's logging set-up resets the levels of its loggers
        logging.getLogger(name).addFilter(warnings_only)
    # `scrapy crawl` prints the end-of-run line last: once is enough
    logging.getLogger("aggregator.extensions.crawl_run").addFilter(not_the_run_line)
    # a page given up on is dropped with its reason (download_error, one line, by
    # aggregator.drops); only robots.txt, which is no page of ours, keeps Scrapy's line
    logging.getLogger("scrapy.downloadermiddlewares.retry").addFilter(robots_or_not_gave_up)
    if settings.getpriority("STATS_DUMP") < SETTINGS_PRIORITIES["cmdline"]:
        settings.set("STATS_DUMP", False, priority="command")  # crawl_runs.stats keeps them


def warnings_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


def not_the_run_line(record: logging.LogRecord) -> bool:
    return not getattr(record, "aggregator_run_line", False)


def robots_or_not_gave_up(record: logging.LogRecord) -> bool:
    message = str(record.msg)
    return not message.startswith("Gave up retrying") or "/robots.txt" in record.getMessage()


def drop_network_traceback(record: logging.LogRecord) -> bool:
    """A logging filter: keep the record, without the traceback of a network error."""
    if record.exc_info and record.exc_info[1] is not None and _is_network_error(record.exc_info[1]):
        record.exc_info, record.exc_text = None, None
    return True


def _is_network_error(exc: BaseException) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__module__.startswith(NETWORK_ERROR_MODULES) or isinstance(exc, (ConnectionError, TimeoutError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def progress(stats: dict, queued: int) -> dict:
    """The figures of the progress line, from a run's stats."""
    stored = sum(stats.get(f"aggregator/stored/{k}", 0) for k in ("inserted", "updated", "resumed"))
    return {"fetched": stats.get("response_received_count", 0), "stored": stored,
            "dropped": sum(dropped_by_reason(stats).values()), "queued": queued}


def progress_line(figures: dict, elapsed: float) -> str:
    rate = figures["fetched"] / elapsed * 60 if elapsed > 0 else 0.0
    return (f"Progress: {figures['fetched']} pages fetched ({rate:.0f}/min), {figures['stored']} stored, "
            f"{figures['dropped']} dropped, {figures['queued']} queued")


class ProgressLine:
    def __init__(self, crawler, seconds: float, live: bool):
        self.crawler, self.seconds, self.live = crawler, seconds, live
        self.started = time.monotonic()
        self._task = None
        self._status = None

    @classmethod
    def from_crawler(cls, crawler):
        seconds = config.value(crawler.settings, "AGGREGATOR_PROGRESS_SECONDS")
        live = sys.stderr.isatty() and crawler.settings.getbool("LOG_ENABLED", True)
        if not seconds and not live:
            raise NotConfigured("AGGREGATOR_PROGRESS_SECONDS is 0")
        ext = cls(crawler, seconds, live)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def queued(self) -> int:
        """Requests waiting: in the scheduler, and in the downloader (its slots hold most
        of them under a download delay)."""
        engine = getattr(self.crawler, "engine", None)
        scheduler = getattr(getattr(engine, "_slot", None), "scheduler", None)
        downloader = getattr(engine, "downloader", None)
        waiting = 0
        try:
            waiting += len(scheduler) if scheduler is not None else 0
        except TypeError:  # a scheduler that cannot count
            pass
        return waiting + len(getattr(downloader, "active", ()))

    def line(self) -> str:
        return progress_line(progress(self.crawler.stats.get_stats(), self.queued()), time.monotonic() - self.started)

    def spider_opened(self, spider):
        import asyncio

        self.started = time.monotonic()
        if self.live:
            from rich.console import Console

            original = sys.stderr
            self._status = Console(stderr=True).status(self.line())
            self._status.start()
            # log lines go above the status line: the handlers write to rich's proxy
            self._handlers = [h for h in logging.getLogger().handlers
                              if isinstance(h, logging.StreamHandler) and h.stream is original]
            for handler in self._handlers:
                handler.setStream(sys.stderr)
            self._original = original
        self._task = asyncio.ensure_future(self._tick())

    async def _tick(self):
        import asyncio

        while True:
            await asyncio.sleep(1.0 if self.live else self.seconds)
            if self._status is not None:
                self._status.update(self.line())
            else:
                logger.info(self.line())

    def spider_closed(self, spider):
        if self._task is not None:
            self._task.cancel()
        if self._status is not None:
            for handler in self._handlers:
                handler.setStream(self._original)
            self._status.stop()
