"""Distributed crawling: one run shared by worker processes on several machines, over
scrapy-redis's queue and dupefilter (in Redis) and the PostgreSQL database.

``aggregator run start SPIDER [-a NAME=VALUE]`` creates the run (its ``crawl_runs`` row)
and seeds its queue; ``scrapy crawl SPIDER -s AGGREGATOR_RUN_ID=ID`` on any machine joins
it as one more worker. See docs/distributed.md for the architecture and the failure modes.

The mode is on when ``AGGREGATOR_REDIS_URL`` is set (the environment variable wins over
the setting, as for ``AGGREGATOR_DB_URL``); the add-on (aggregator.distributed.addon)
then swaps in the components of this package. Without it nothing here runs.

Settings:

* ``AGGREGATOR_REDIS_URL``: ``redis://host:6379/0``; turns the mode on.
* ``AGGREGATOR_REDIS_PREFIX`` (default ``aggregator``): every key is ``PREFIX:run:ID:…``
  (politeness keys ``PREFIX:polite:HOST:…``).
* ``AGGREGATOR_RUN_ID``: the run a worker joins (``aggregator run start`` prints it).
* ``AGGREGATOR_DISTRIBUTED_QUIET_SECONDS`` (default 30): workers end once the queue and
  every lease have been empty this long.
* ``AGGREGATOR_DISTRIBUTED_LEASE_SECONDS`` (default four heartbeats): a popped request is
  leased this long, renewed at every heartbeat of its worker; an expired lease goes back
  to the queue.
* ``AGGREGATOR_DISTRIBUTED_POLL_SECONDS`` (default 0.25): how often an idle worker looks
  for requests other workers queued.
"""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

from aggregator import config

REDIS_URL_ENV = "AGGREGATOR_REDIS_URL"
DEFAULT_PREFIX = "aggregator"
DEFAULT_QUIET_SECONDS = 30.0
DEFAULT_POLL_SECONDS = 0.25
#: request.meta key of the lease a request was popped under
LEASE_META = "aggregator_lease"
#: request.meta key of the lease whose page yielded the request (until it is queued)
FOUND_BY_META = "aggregator_found_by"


class DistributedConfigError(ValueError):
    """A setting of the distributed mode is missing or wrong; the message says which."""


def redis_url(settings) -> str | None:
    return os.environ.get(REDIS_URL_ENV) or settings.get("AGGREGATOR_REDIS_URL") or None


def enabled(settings) -> bool:
    return bool(redis_url(settings))


def joining(settings) -> bool:
    """A worker of a run: Redis set and a run named. (`scrapy crawl` refuses Redis without
    a run id up front; other commands — demo, repair, parse — stay runs of one process.)"""
    return enabled(settings) and settings.get("AGGREGATOR_RUN_ID") not in (None, "")


def key_prefix(settings) -> str:
    return settings.get("AGGREGATOR_REDIS_PREFIX") or DEFAULT_PREFIX


def run_id(settings) -> int:
    try:
        value = config.value(settings, "AGGREGATOR_RUN_ID")  # a whole number, 1 or more
    except config.SettingError as exc:
        raise DistributedConfigError(str(exc)) from None
    if value is None:
        raise DistributedConfigError(
            "AGGREGATOR_RUN_ID: required in distributed mode (AGGREGATOR_REDIS_URL is set): "
            "create a run with `aggregator run start SPIDER` and join it with -s AGGREGATOR_RUN_ID=ID")
    return value


def refuse_sqlite(db_url: str) -> None:
    """Workers on several machines need one database server: SQLite is a file on one."""
    if make_url(db_url).get_backend_name() == "sqlite":
        raise DistributedConfigError(
            "distributed mode (AGGREGATOR_REDIS_URL) needs PostgreSQL: workers on several machines "
            f"cannot share the SQLite file {make_url(db_url).database!r}; set AGGREGATOR_DB_URL=postgresql://…")


def lease_seconds(settings) -> float:
    from aggregator.runs import STALE_BEATS

    explicit = config.value(settings, "AGGREGATOR_DISTRIBUTED_LEASE_SECONDS")
    if explicit > 0:
        return explicit
    return config.value(settings, "AGGREGATOR_HEARTBEAT_SECONDS") * STALE_BEATS


class RunKeys:
    """The Redis keys of one run: all under ``PREFIX:run:ID:``."""

    def __init__(self, prefix: str, run: int):
        self.prefix, self.run = prefix, run
        self.base = f"{prefix}:run:{run}"
        self.queue = f"{self.base}:queue"  # ZSET of pickled requests (scrapy-redis PriorityQueue)
        self.dupefilter = f"{self.base}:dupefilter"  # SET of request fingerprints (scrapy-redis)
        self.leases = f"{self.base}:leases"  # ZSET lease token -> deadline (unix seconds)
        self.leased = f"{self.base}:leased"  # HASH lease token -> the pickled request
        self.done = f"{self.base}:done"  # counter of requests whose callback and items are done
        self.activity = f"{self.base}:activity"  # last pop, ack or release (Redis server time)
        self.uncovered = f"{self.base}:uncovered"  # SET of channels a worker left not covered

    def budget(self, seed: str) -> str:
        return f"{self.base}:budget:{_digest(seed)}"

    def lists(self, seed: str) -> str:
        return f"{self.base}:lists:{_digest(seed)}"

    @property
    def pattern(self) -> str:
        return f"{self.base}:*"

    @classmethod
    def from_settings(cls, settings) -> "RunKeys":
        return cls(key_prefix(settings), run_id(settings))


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def connect(url: str):
    """A Redis client (scrapy-redis's connection defaults), checked with PING."""
    try:
        from scrapy_redis.connection import get_redis
    except ImportError:
        raise DistributedConfigError("distributed mode needs scrapy-redis: pip install 'aggregator[distributed]'") from None

    server = get_redis(url=url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)
    server.ping()
    return server


def delete_run_keys(server, keys: RunKeys) -> int:
    """Delete every key of the run (SCAN by its prefix, never FLUSHDB)."""
    deleted = 0
    batch = []
    for key in server.scan_iter(match=keys.pattern, count=500):
        batch.append(key)
        if len(batch) >= 500:
            deleted += server.delete(*batch)
            batch = []
    if batch:
        deleted += server.delete(*batch)
    return deleted
