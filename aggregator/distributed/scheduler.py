"""The scheduler of a worker: scrapy-redis's Scheduler over the run's queue and
dupefilter, whose pops are leases (aggregator.distributed.queue, .leases).

Differences from scrapy-redis's: keys are the run's (``PREFIX:run:ID:…``), not the
spider's; a request leaves the queue leased and is acked only once done; a retry or
redirect of a leased request hands its lease on; stats are counted without the
deprecated ``spider=`` argument; nothing is flushed on close (the run, not the worker,
owns the keys), but a worker that stops hands back what it had not finished.
"""

from __future__ import annotations

import logging
import time

from scrapy_redis.scheduler import Scheduler

from aggregator.distributed import FOUND_BY_META, LEASE_META, RunKeys, connect, lease_seconds, redis_url
from aggregator.distributed.dupefilter import RunDupeFilter
from aggregator.distributed.leases import REDIS_ERRORS, LeaseBook

logger = logging.getLogger(__name__)
QUEUE_CLASS = "aggregator.distributed.queue.LeasedQueue"


class DistributedScheduler(Scheduler):
    def __init__(self, server, *, keys: RunKeys, lease_seconds: float, stats=None, debug: bool = False, **kwargs):
        super().__init__(server, persist=True, queue_key=keys.queue, queue_cls=QUEUE_CLASS,
                         dupefilter=RunDupeFilter(server, keys.dupefilter, debug, stats), **kwargs)
        self.keys = keys
        self.lease_seconds = lease_seconds
        self.stats = stats
        self.holder: str | None = None  # set by the worker extension once it has its row
        self.book: LeaseBook | None = None
        self._seq = 0
        self.unpushed: list = []  # requests Redis refused, queued when it is back
        self._down_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(connect(redis_url(settings)), keys=RunKeys.from_settings(settings),
                   lease_seconds=lease_seconds(settings), stats=crawler.stats,
                   debug=settings.getbool("DUPEFILTER_DEBUG"))

    def open(self, spider):
        from scrapy.utils.misc import load_object

        self.spider = spider
        self.queue = load_object(self.queue_cls)(self.server, spider, self.queue_key, self.serializer,
                                                 keys=self.keys, lease_seconds=self.lease_seconds)
        self.book = LeaseBook(self.queue, self.stats)
        spider.crawler.distributed_scheduler = self  # the worker extension finds it here

    def close(self, reason):
        if (self.unpushed or (self.book is not None and self.book.unsent)) and not self._catch_up():
            # Redis still away at the end: say what this worker could not hand over
            logger.error("Redis is unreachable: %d requests found by this worker could not be queued, and %d "
                         "finished requests not acked (fetched again if Redis kept its data)",
                         len(self.unpushed), len(self.book.unsent))
            self._inc("distributed/requests_not_queued", len(self.unpushed))
        if self.book is not None and self.book.open:
            # not done here (stopped, or closed mid-request): some worker fetches them again
            try:
                n = self.book.release_all()
            except REDIS_ERRORS as exc:  # they expire and go back by themselves
                logger.warning("Could not hand unfinished requests back (%s); their leases expire instead", exc)
                return
            if n:
                logger.info("Handed %d unfinished requests back to the run's queue", n)
                self._inc("distributed/leases/released", n)

    def enqueue_request(self, request):
        carried = request.meta.get(LEASE_META)
        if carried:  # a retry or redirect of a leased request
            request = self.book.restore(carried, request)
            request.meta.pop(LEASE_META, None)
        if self.unpushed:  # Redis refused earlier requests: keep them in order
            self.unpushed.append(request)
            queued = True
        else:
            try:
                queued = self._enqueue(request)
            except REDIS_ERRORS as exc:
                self._redis_down(exc)
                self.unpushed.append(request)  # queued when Redis is back (see _catch_up)
                queued = True
        if carried:
            self.book.handed_on(carried)
        return queued

    def _enqueue(self, request) -> bool:
        found_by = request.meta.pop(FOUND_BY_META, None)  # the lease waiting for it; not pickled
        try:
            if request.dont_filter:
                self.queue.push(request)
            elif not self.queue.push_unseen(request, self.df.request_fingerprint(request), self.df.key):
                self.df.log(request, self.spider)
                return False
            self._inc("scheduler/enqueued/redis")
            return True
        except REDIS_ERRORS:
            if found_by:  # kept for _catch_up: the lease still waits for it
                request.meta[FOUND_BY_META], found_by = found_by, None
            raise
        finally:
            if found_by:  # queued, a duplicate, or unqueueable for good: the lease waits no more
                self.book.request_queued(found_by)

    def _catch_up(self) -> bool:
        """Send what Redis refused while it was away; False while it still refuses."""
        try:
            while self.unpushed:
                self._enqueue(self.unpushed[0])
                self.unpushed.pop(0)
            self.book.retry()
        except REDIS_ERRORS as exc:
            self._redis_down(exc)
            return False
        return True

    def _redis_up(self) -> None:
        if self._down_since is not None:
            logger.info("Redis is back after %.0f s", time.monotonic() - self._down_since)
            self._down_since = None

    def _redis_down(self, exc: Exception) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.warning("Redis is unreachable (%s: %s): waiting for it; nothing is dropped", type(exc).__name__, exc)
        self._inc("distributed/redis_errors")

    def next_request(self):
        if self.holder is None:  # not joined yet
            return None
        if not self._catch_up():
            return None
        self._seq += 1
        try:
            popped = self.queue.pop_lease(f"{self.holder}:{self._seq}")
        except REDIS_ERRORS as exc:
            self._redis_down(exc)
            return None
        self._redis_up()
        if popped is None:
            return None
        token, request = popped
        request.meta[LEASE_META] = token
        self.book.begin(token, request, default_callback=self.spider._parse)
        self._inc("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        if self.holder is None:
            return False
        if self.unpushed or self.book.unsent:
            return True
        try:
            return len(self.queue) > 0
        except REDIS_ERRORS as exc:  # unknown: not idle (an unreachable queue is not an empty one)
            self._redis_down(exc)
            return True

    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, n)
