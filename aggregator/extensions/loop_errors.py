"""Counts exceptions that escape into the asyncio loop, so they fail the run.

Scrapy runs parts of its own machinery (the scheduler, the engine's loops) as asyncio
tasks. An exception raised in one that nobody awaits reaches only the loop's exception
handler, which logs "Task exception was never retrieved" — and the run went on and
"finished" while a request it had queued was gone. A torn JOBDIR queue file did exactly
that (see aggregator/scheduler.py). Such an error is a bug or a broken component, never
a bad page, so the run must not claim success: this extension wraps the loop's handler,
counts each error in ``aggregator/loop_errors`` (aggregator.outcome names it under
``exceptions``) and leaves the logging to the handler it wraps.

Settings: ``AGGREGATOR_LOOP_ERRORS_ENABLED`` (default True).
"""

from __future__ import annotations

import asyncio
import gc
import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured

from aggregator import config

logger = logging.getLogger(__name__)
STAT = "aggregator/loop_errors"


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop under Twisted's reactor, when the asyncio reactor is installed."""
    from twisted.internet import reactor

    return getattr(reactor, "_asyncioEventloop", None)


class LoopErrorCounter:
    def __init__(self, crawler):
        self.crawler = crawler
        self.loop: asyncio.AbstractEventLoop | None = None
        self.previous = None

    @classmethod
    def from_crawler(cls, crawler):
        if not config.value(crawler.settings, "AGGREGATOR_LOOP_ERRORS_ENABLED"):
            raise NotConfigured
        ext = cls(crawler)
        # Now, not at engine_started: spider_opened handlers and the scheduler's tasks
        # run before that signal.
        ext.watch()
        # Receivers run in the order they connected: this extension comes before
        # CrawlRunRecorder in EXTENSIONS, so its count is in before the verdict is taken.
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def watch(self):
        self.loop = running_loop()
        if self.loop is None:  # another reactor: nothing to watch
            return
        self.previous = self.loop.get_exception_handler()
        self.loop.set_exception_handler(self.handle)

    def handle(self, loop, context):
        # Only raised exceptions: "Task was destroyed but it is pending" and the like are
        # notices about shutdown order, not lost work.
        if context.get("exception") is not None:
            self.crawler.stats.inc_value(STAT)
        if self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)

    def spider_closed(self, spider, reason):
        # A task that failed unobserved is reported when it is garbage-collected: collect
        # now, so its error is counted in this run's verdict rather than after it.
        if self.loop is not None:
            gc.collect()
            if self.loop.get_exception_handler() == self.handle:
                self.loop.set_exception_handler(self.previous)
