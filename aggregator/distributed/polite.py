"""Politeness per site across the cluster: N workers must not hit a small portal N times
harder than one.

Scrapy keeps its delay and its per-domain concurrency in each process. This download
handler (Scrapy's HTTP/1.1 handler, wrapped) runs after Scrapy's own downloader slot, just
before the request goes out, and takes two things from Redis for the request's host:

* a place among the requests in flight to that host, at most
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` cluster-wide (a ZSET of holders, each expiring after
  ``DOWNLOAD_TIMEOUT`` so a killed worker's places come back);
* a start time: a token bucket of one token per delay. The delay is the larger of
  ``DOWNLOAD_DELAY`` and the delay of this worker's downloader slot for the host, which
  is where AutoThrottle puts the delay it computed; successive start times cluster-wide
  are at least that far apart, whichever worker asks. Times are Redis's clock.

Keys: ``PREFIX:polite:HOST:next`` and ``PREFIX:polite:HOST:slots``; both expire by
themselves, and are shared by every run (two runs over one site share its politeness).
Stats: ``distributed/polite/waited`` (requests that waited), ``distributed/polite/wait_seconds``.
"""

from __future__ import annotations

import asyncio
import uuid

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.httpobj import urlparse_cached

from aggregator.distributed import connect, key_prefix, redis_url
from aggregator.distributed.leases import REDIS_ERRORS

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "

# KEYS: next start time; ARGV: delay -> seconds to wait before starting
RESERVE = _NOW + """
local delay = tonumber(ARGV[1])
local at = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.6f', at + delay), 'PX', math.ceil((at - now + delay) * 1000) + 60000)
return string.format('%.6f', at - now)
"""

# KEYS: holders; ARGV: limit, token, ttl -> 1 (a place taken) or 0
ACQUIRE = _NOW + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  local ms = math.ceil(tonumber(ARGV[3]) * 1000)
  if redis.call('PTTL', KEYS[1]) < ms then redis.call('PEXPIRE', KEYS[1], ms) end  -- never shortened
  return 1
end
return 0
"""

#: how often a request waiting for a place in flight asks again (seconds)
PLACE_POLL = 0.05
#: how often a request waiting for Redis to come back asks again (seconds)
REDIS_RETRY = 0.5


class PoliteDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.server = connect(redis_url(settings))
        self.prefix = key_prefix(settings)
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.per_domain = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.ttl = settings.getfloat("DOWNLOAD_TIMEOUT") + 30
        self.stats = crawler.stats
        self._reserve = self.server.register_script(RESERVE)
        self._acquire = self.server.register_script(ACQUIRE)

    def _delay(self, request) -> float:
        delay = self.delay
        engine = getattr(self._crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        if downloader is not None:
            slot = downloader.slots.get(downloader.get_slot_key(request))
            if slot is not None:  # AutoThrottle adjusts slot.delay per response
                delay = max(delay, slot.delay)
        return delay

    async def _ask(self, script, **kwargs):
        """Run a politeness script; while Redis is away, wait for it (a request never goes
        out unthrottled, nor fails for it)."""
        while True:
            try:
                return script(**kwargs)
            except REDIS_ERRORS:
                self.stats.inc_value("distributed/redis_errors")
                await asyncio.sleep(REDIS_RETRY)

    async def download_request(self, request):
        host = urlparse_cached(request).hostname or ""
        base = f"{self.prefix}:polite:{host}"
        token = uuid.uuid4().hex
        waited = 0.0
        while not await self._ask(self._acquire, keys=[f"{base}:slots"], args=[self.per_domain, token, self.ttl]):
            await asyncio.sleep(PLACE_POLL)
            waited += PLACE_POLL
        try:
            delay = self._delay(request)
            if delay > 0:
                wait = float(await self._ask(self._reserve, keys=[f"{base}:next"], args=[delay]))
                if wait > 0:
                    await asyncio.sleep(wait)
                    waited += wait
            if waited:
                self.stats.inc_value("distributed/polite/waited")
                self.stats.inc_value("distributed/polite/wait_seconds", waited)
            return await super().download_request(request)
        finally:
            try:
                self.server.zrem(f"{base}:slots", token)
            except REDIS_ERRORS:
                pass  # the place expires by itself (DOWNLOAD_TIMEOUT + 30 s)
