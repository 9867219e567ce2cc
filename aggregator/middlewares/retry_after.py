"""Honour ``Retry-After`` on 429 Too Many Requests and 503 Service Unavailable.

Scrapy's RetryMiddleware retries 429 and 503 at once (0.24 s later in the run that was
seen), so a site that asks for a pause gets hammered and every page is dropped. This
middleware sits just before it (process_response runs first here) and, for a 429 or 503
that carries ``Retry-After`` — seconds (``Retry-After: 4``) or an HTTP date (measured
from the response's own ``Date`` header when it has one, so a skewed clock does not
matter) — waits that long **without blocking the reactor** (the middleware's
process_response is a coroutine that awaits a timer; other requests go on meanwhile)
and then retries through Scrapy's own retry machinery (``get_retry_request``:
``RETRY_TIMES``, priority, ``retry/*`` stats).

A delay above ``AGGREGATOR_RETRY_AFTER_MAX`` seconds (default 120) is not waited for:
the site is down for longer than a crawl should sit idle, so the page is given up at
once (no immediate retry either, that would ignore what the site asked) and counted
like any other HTTP error (``http_error``); the next run fetches it. A response without
``Retry-After`` (or with an unreadable one) is left to RetryMiddleware as before.

Settings: ``AGGREGATOR_RETRY_AFTER_ENABLED`` (default True; off, or ``RETRY_ENABLED``
off, disables it), ``AGGREGATOR_RETRY_AFTER_MAX`` (seconds, default 120).
Stats: ``aggregator/retry_after/waited`` (retries scheduled after a wait),
``aggregator/retry_after/seconds`` (total seconds waited),
``aggregator/retry_after/too_long`` (delays above the bound, given up),
``aggregator/retry_after/gave_up`` (retries exhausted).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from aggregator import config

logger = logging.getLogger(__name__)

STATS = "aggregator/retry_after/"
STATUSES = frozenset({429, 503})


def parse_retry_after(value: bytes | str | None, date: bytes | str | None = None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or HTTP-date), or
    None when it is missing or unreadable. A date in the past means 0."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    reference = None
    if date is not None:
        try:
            reference = parsedate_to_datetime(date.decode("latin-1") if isinstance(date, bytes) else date)
            if reference is not None and reference.tzinfo is None:
                reference = reference.replace(tzinfo=timezone.utc)
        except (TypeError, ValueError, IndexError):
            reference = None
    if reference is None:
        reference = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
    return max(0.0, (when - reference).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler, max_delay: float):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_delay = max_delay

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not config.value(settings, "AGGREGATOR_RETRY_AFTER_ENABLED") or not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        max_delay = config.value(settings, "AGGREGATOR_RETRY_AFTER_MAX")
        if max_delay < 0:
            raise ValueError(f"AGGREGATOR_RETRY_AFTER_MAX must be 0 or more, got {max_delay}")
        return cls(crawler, max_delay)

    async def process_response(self, request, response):
        if response.status not in STATUSES or request.meta.get("dont_retry", False):
            return response
        delay = parse_retry_after(response.headers.get(b"Retry-After"), response.headers.get(b"Date"))
        if delay is None:
            return response  # RetryMiddleware's business, as before
        if delay > self.max_delay:
            self.stats.inc_value(STATS + "too_long")
            logger.warning("Giving up %s: HTTP %d asks to retry after %.0f s, more than AGGREGATOR_RETRY_AFTER_MAX=%g s",
                           request.url, response.status, delay, self.max_delay)
            request.meta["dont_retry"] = True  # not RetryMiddleware's immediate retry either
            return response
        retry = get_retry_request(request, spider=self.crawler.spider, reason=f"{response.status} Retry-After")
        if retry is None:
            self.stats.inc_value(STATS + "gave_up")
            request.meta["dont_retry"] = True  # already given up: no second "Gave up" line
            return response
        logger.debug("Waiting %.1f s (Retry-After) before retrying %s", delay, request.url)
        if delay > 0:
            await sleep(delay)  # a timer on the reactor (Scrapy 2.18+): the crawl goes on meanwhile
        self.stats.inc_value(STATS + "waited")
        self.stats.inc_value(STATS + "seconds", delay)
        return retry
