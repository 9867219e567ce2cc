"""Checks before a worker starts, and the spider arguments it crawls with; also what
``aggregator run start`` does to create and seed a run."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator.db.engine import make_engine, resolve_db_url
from aggregator.db.errors import describe
from aggregator.db.models import CrawlRun
from aggregator.distributed import (
    DistributedConfigError, RunKeys, connect, key_prefix, redis_url, refuse_sqlite, run_id,
)
from aggregator.distributed import workers as rows


class JoinError(RuntimeError):
    """Why a worker cannot join, or a run cannot start: one line for ``error:``."""


def redis_for(settings):
    url = redis_url(settings)
    try:
        return connect(url)
    except Exception as exc:  # noqa: BLE001 - redis-py's errors: unreachable, bad URL, auth
        raise JoinError(f"redis: cannot reach {url} ({type(exc).__name__}: {exc})") from None


def database_for(settings):
    url = resolve_db_url(settings.get("AGGREGATOR_DB_URL"))
    try:
        refuse_sqlite(url)
    except DistributedConfigError as exc:
        raise JoinError(str(exc)) from None
    try:
        return make_engine(url)
    except SQLAlchemyError as exc:
        raise JoinError(f"database: {describe(exc)}") from None


def run_arguments(settings, spider: str, given: dict) -> dict:
    """The spider arguments of the run this worker joins (given ones must agree)."""
    try:
        run = run_id(settings)
    except DistributedConfigError as exc:
        raise JoinError(str(exc)) from None
    engine = database_for(settings)
    redis_for(settings)
    try:
        with Session(engine) as session:
            args = dict(rows.check_joinable(session, run, spider).args or {})
    except rows.RunNotJoinable as exc:
        raise JoinError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise JoinError(f"database: {describe(exc)}") from None
    finally:
        engine.dispose()
    differ = {k: v for k, v in given.items() if args.get(k) != v}
    if differ:
        name = sorted(differ)[0]
        raise JoinError(f"-a {name}: run {run} was started with {name}={args.get(name)!r}; a worker crawls with "
                        "the run's arguments (give none)")
    return args


def start_run(settings, spidercls, args: dict) -> tuple[int, int]:
    """Create the run's row and queue its start requests (once); (run id, requests queued)."""
    import asyncio

    from scrapy.crawler import Crawler

    from aggregator.distributed.queue import LeasedQueue
    from aggregator.distributed import lease_seconds

    validate = getattr(spidercls, "validate_arguments", None)
    if validate is not None:
        from aggregator.spiders.base import SpiderArgumentError

        try:
            validate(**args)
        except SpiderArgumentError as exc:
            raise JoinError(f"-a {exc}") from None
    engine = database_for(settings)
    server = redis_for(settings)
    try:
        with Session(engine) as session, session.begin():
            run = rows.create_run(session, spidercls.name, args)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise JoinError(f"database: {describe(exc)}") from None
    from scrapy.statscollectors import MemoryStatsCollector

    async def requests(spider):
        return [r async for r in spider.start()]

    try:
        crawler = Crawler(spidercls, settings)
        # pickling a request looks its callback up among the spider's attributes, which
        # include properties that read the stats: give them some (nothing is counted)
        crawler.stats = MemoryStatsCollector(crawler)
        spider = spidercls.from_crawler(crawler, **args)
        keys = RunKeys(key_prefix(settings), run)
        queue = LeasedQueue(server, spider, keys.queue, keys=keys, lease_seconds=lease_seconds(settings))
        seeds = asyncio.run(requests(spider))
        for request in seeds:
            queue.push(request)
    except Exception as exc:  # noqa: BLE001 - a run that could not be seeded must not look alive
        with Session(engine) as session, session.begin():
            session.execute(update(CrawlRun).where(CrawlRun.id == run).values(
                status="failed", finished_at=datetime.now(timezone.utc),
                problems={"seeding": f"{type(exc).__name__}: {exc}"}))
        raise JoinError(f"run {run} could not queue its start requests ({type(exc).__name__}: {exc})") from None
    finally:
        engine.dispose()
    return run, len(seeds)
