"""The Scrapy add-on that makes a crawl a worker of a distributed run when
``AGGREGATOR_REDIS_URL`` (in the settings, ``-s``, or the environment) and
``AGGREGATOR_RUN_ID`` are set, and does nothing otherwise.

It swaps in the run's scheduler and dupefilter, the politeness download handler, the
worker extension (which records the run in place of aggregator.extensions.crawl_run's
one row per process) and the spider middlewares that leave seeding to ``run start`` and
keep a page's lease until what it found is queued.
"""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES

from aggregator.distributed import joining

PKG = "aggregator.distributed"
RECORDER = "aggregator.extensions.crawl_run.CrawlRunRecorder"


def _set(settings, name: str, value) -> None:
    # settings.py sets these at "project" priority, above "addon": take the priority of
    # what is there, so the add-on wins over the project defaults and -s still wins over it
    priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"])
    settings.set(name, value, priority)


class Distributed:
    def update_settings(self, settings) -> None:
        if not joining(settings):
            return
        _set(settings, "SCHEDULER", f"{PKG}.scheduler.DistributedScheduler")
        _set(settings, "DUPEFILTER_CLASS", f"{PKG}.dupefilter.RunDupeFilter")
        extensions = dict(settings.getdict("EXTENSIONS"))
        extensions.pop(RECORDER, None)
        extensions[RECORDER] = None  # the worker extension records the shared run
        extensions[f"{PKG}.worker.DistributedWorker"] = 100
        _set(settings, "EXTENSIONS", extensions)
        middlewares = dict(settings.getdict("SPIDER_MIDDLEWARES"))
        middlewares[f"{PKG}.spidermw.SeededStartMiddleware"] = 10
        # nearest the engine: it sees exactly the requests that go on to the scheduler
        middlewares[f"{PKG}.spidermw.FoundRequestsMiddleware"] = 0
        _set(settings, "SPIDER_MIDDLEWARES", middlewares)
        handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
        for scheme in ("http", "https"):
            handlers[scheme] = f"{PKG}.polite.PoliteDownloadHandler"
        _set(settings, "DOWNLOAD_HANDLERS", handlers)
