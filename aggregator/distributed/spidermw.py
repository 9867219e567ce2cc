"""The worker's spider middlewares.

* ``SeededStartMiddleware``: a worker does not run its spider's start(): the run's start
  requests were queued once, by ``aggregator run start`` (a worker that read them again
  would fetch the start page once per worker).
* ``FoundRequestsMiddleware``: each request a leased page yields is counted in that
  page's lease until the scheduler has queued it (aggregator.distributed.leases), so the
  page is not acked while what it found is only in this process's memory. Nearest the
  engine: a request a middleware further in drops never reaches it, so is never waited
  for.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import NotConfigured

from aggregator.distributed import FOUND_BY_META, joining
from aggregator.distributed.leases import token_of


class SeededStartMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        if not joining(crawler.settings):
            raise NotConfigured("not a distributed run")
        return cls()

    async def process_start(self, start):
        return
        yield  # an async generator that yields nothing


class FoundRequestsMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not joining(crawler.settings):
            raise NotConfigured("not a distributed run")
        return cls(crawler)

    async def process_spider_output(self, response, result):
        token = token_of(response)
        book = self.crawler.distributed_scheduler.book if token else None
        async for value in result:
            if book is not None and isinstance(value, Request):
                value.meta[FOUND_BY_META] = token
                book.request_found(token)
            yield value
