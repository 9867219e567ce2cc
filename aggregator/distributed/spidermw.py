"""A worker does not run its spider's start(): the run's start requests were queued once,
by ``aggregator run start`` (a worker that read them again would fetch the start page
once per worker)."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured

from aggregator.distributed import joining


class SeededStartMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        if not joining(crawler.settings):
            raise NotConfigured("not a distributed run")
        return cls()

    async def process_start(self, start):
        return
        yield  # an async generator that yields nothing
