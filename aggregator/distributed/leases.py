"""When a leased request is done: its callback (or errback) has returned, every item it
yielded has left the item pipelines — stored, or dropped with a counted reason — and
every request it yielded is in the run's queue.

Scrapy finishes a response's items after its callback has returned them, concurrently,
so the book counts per lease the items yielded and the items finished (the
``item_scraped``, ``item_dropped`` and ``item_error`` signals, which name the response
and so the lease). The lease is acked when the callback is done, no item is left, and
every request it yielded is in the run's queue: Scrapy hands a callback's requests to
the scheduler only after it has read the whole callback (the scraper fills a queue from
it, then schedules), so a page acked when its callback returned could die with what it
found still in memory — gone for good, since a done page is never fetched again. (The
worker's spider middleware counts them, nearest the engine, so a request a middleware
drops is never waited for; the scheduler counts them queued.) An item that was handed
back unstored (the crawl stopping, the database gone: ``Interrupted``, ``DatabaseDown``)
makes the lease go back to the queue instead, for some worker to fetch again. A request
that Scrapy replaced by another (a retry, a redirect) hands its lease on: the new
request is queued, then the old lease acked.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Callable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from scrapy import Request

logger = logging.getLogger(__name__)

#: Redis errors a worker waits out (the server down, or slow) instead of failing on
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
#: Item drops that leave the page to be fetched again (aggregator.drops)
HANDED_BACK = ("Interrupted", "DatabaseDown")


@dataclass
class Lease:
    callback: Callable | None
    errback: Callable | None
    items: int = 0  # yielded, not yet finished
    requests: int = 0  # yielded, not yet in the run's queue
    returned: bool = False  # the callback or errback is done
    handed_back: bool = False


class LeaseBook:
    def __init__(self, queue, stats=None):
        self.queue = queue
        self.stats = stats
        self.open: dict[str, Lease] = {}
        # acks and releases Redis refused (down, timed out): sent again by retry()
        self.unsent: list[tuple[str, str]] = []

    # --- a popped request ------------------------------------------------------------
    def begin(self, token: str, request: Request, default_callback: Callable) -> None:
        """Wrap the request's callback and errback so the book learns when they are done."""
        # the originals are kept for a request handed on (see restore)
        self.open[token] = Lease(request.callback, request.errback)
        request.callback = self._wrap(token, request.callback or default_callback)
        request.errback = self._wrap(token, request.errback or _reraise)

    def restore(self, token: str, request: Request) -> Request:
        """A request carrying ``token`` that is queued again (a retry, a redirect): with
        its spider's own callback and errback, so it can be pickled."""
        lease = self.open.get(token)
        if lease is None:
            return request
        return request.replace(callback=lease.callback, errback=lease.errback)

    def handed_on(self, token: str) -> None:
        """The request was replaced by another, now queued: its lease is done."""
        if self.open.pop(token, None) is not None:
            self._ack(token)

    # --- the signals ----------------------------------------------------------------
    def item_started(self, token: str) -> None:
        lease = self.open.get(token)
        if lease is not None:
            lease.items += 1

    def item_finished(self, token: str | None, handed_back: bool = False) -> None:
        lease = self.open.get(token) if token else None
        if lease is None:
            return
        lease.items -= 1
        lease.handed_back |= handed_back
        self._maybe_done(token, lease)

    def request_found(self, token: str | None) -> None:
        """The page of this lease yielded a request, on its way to the scheduler."""
        lease = self.open.get(token) if token else None
        if lease is not None:
            lease.requests += 1

    def request_queued(self, token: str | None) -> None:
        """A request the page of this lease yielded is in the run's queue (or was a
        duplicate of one already requested)."""
        lease = self.open.get(token) if token else None
        if lease is None:
            return
        lease.requests -= 1
        self._maybe_done(token, lease)

    def returned(self, token: str) -> None:
        lease = self.open.get(token)
        if lease is not None and not lease.returned:
            lease.returned = True
            self._maybe_done(token, lease)

    # --- the end ------------------------------------------------------------------------
    def tokens(self) -> list[str]:
        return list(self.open)

    def release_all(self) -> int:
        """Put every lease not done back in the queue (the worker is stopping)."""
        tokens, self.open = list(self.open), {}
        return self.queue.release(tokens) if tokens else 0

    def _maybe_done(self, token: str, lease: Lease) -> None:
        if not lease.returned or lease.items > 0 or lease.requests > 0:
            return
        del self.open[token]
        if lease.handed_back:
            self._send("release", token)
        else:
            self._ack(token)

    def _ack(self, token: str) -> None:
        self._send("ack", token)

    def _send(self, what: str, token: str) -> None:
        try:
            if what == "release":
                self.queue.release([token])
                self._inc("distributed/leases/released")
            elif self.queue.ack(token):
                self._inc("distributed/leases/acked")
            else:  # it had expired and gone back to the queue: some worker fetches it again
                self._inc("distributed/leases/late")
                logger.warning("Lease %s had expired before its request was done; it is fetched again", token)
        except REDIS_ERRORS as exc:  # kept, and sent again; meanwhile the lease holds
            if not self.unsent:
                logger.warning("Redis refused a lease %s (%s: %s): sent again when it is back", what, type(exc).__name__, exc)
            self.unsent.append((what, token))

    def retry(self) -> None:
        """Send the acks and releases Redis refused earlier (raises while it still does)."""
        while self.unsent:
            what, token = self.unsent[0]
            if what == "release":
                self.queue.release([token])
            else:
                self.queue.ack(token)
            self.unsent.pop(0)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def _wrap(self, token: str, fn: Callable) -> Callable:
        book = self

        def done(*args: Any, **kwargs: Any):
            try:
                out = fn(*args, **kwargs)
            except REDIS_ERRORS as exc:
                book._redis_failed(token, exc)
                return None
            except BaseException:
                book.returned(token)
                raise
            if out is None or _is_failure(out):
                book.returned(token)
                return out
            if isinstance(out, Request):  # done once the middlewares have counted it (see the module doc)
                return book._follow(token, [out])
            if isinstance(out, AsyncIterator) or inspect.isasyncgen(out):
                return book._follow_async(token, out)
            if inspect.iscoroutine(out):
                return book._follow_coroutine(token, out)
            if not hasattr(out, "__iter__") or isinstance(out, (dict, str, bytes)):  # a single item
                book.item_started(token)
                book.returned(token)
                return out
            return book._follow(token, out)

        done.__name__ = getattr(fn, "__name__", "callback")
        return done

    def _follow(self, token: str, output):
        try:
            for value in output:
                if value is not None and not isinstance(value, Request):
                    self.item_started(token)
                yield value
        except REDIS_ERRORS as exc:
            self._redis_failed(token, exc)
        finally:
            self.returned(token)

    def _redis_failed(self, token: str, exc: Exception) -> None:
        """The callback needed Redis (the site spider's shared budget) while it was away:
        its page goes back to the queue, to be read again, instead of half-read and acked."""
        lease = self.open.get(token)
        if lease is not None:
            lease.handed_back = True
        logger.warning("Redis is unreachable (%s: %s) while reading a page: it is read again later", type(exc).__name__, exc)
        self._inc("distributed/redis_errors")
        self.returned(token)

    async def _follow_async(self, token: str, output):
        try:
            async for value in output:
                if value is not None and not isinstance(value, Request):
                    self.item_started(token)
                yield value
        finally:
            self.returned(token)

    async def _follow_coroutine(self, token: str, coro):
        try:
            out = await coro
        except BaseException:
            self.returned(token)
            raise
        items = [] if out is None else (list(out) if hasattr(out, "__iter__") and not isinstance(out, dict) else [out])
        # returned once the spider middlewares have read it all, so its requests are counted first
        return self._follow(token, items)


def _reraise(failure):
    return failure  # no errback of its own: Scrapy handles the failure as before


def _is_failure(out) -> bool:
    from twisted.python.failure import Failure

    return isinstance(out, Failure)


def token_of(response) -> str | None:
    """The lease of the request a response (or a Failure, for errback output) answers."""
    if response is None:
        return None
    meta = getattr(response, "meta", None)
    if meta is None:
        request = getattr(response, "request", None)
        meta = getattr(request, "meta", None) if request is not None else None
    try:
        return meta.get(LEASE_META) if meta is not None else None
    except AttributeError:  # Response.meta without a request
        return None


from aggregator.distributed import LEASE_META  # noqa: E402
