"""The rows of a distributed run: pure functions over ``crawl_runs`` and
``crawl_run_workers``, each in the caller's transaction unless it says otherwise.

A worker joins a run (a ``crawl_run_workers`` row), renews its heartbeat and a snapshot
of its stats every ``AGGREGATOR_HEARTBEAT_SECONDS``, and ends with its own verdict. A
worker whose heartbeat stopped (or whose process is gone from this host) is marked
``lost`` by any other worker (aggregator.runs decides, as for runs). The worker that
ends last — under a row lock on the run, so exactly one does — sums every worker's stats
into the run's row and records the run's verdict.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aggregator.db.models import CrawlRun, CrawlRunWorker
from aggregator.runs import is_dead, this_host

#: Run statuses a worker may join: a run nobody joined for four heartbeats was marked
#: interrupted by another crawl; joining it brings it back.
JOINABLE = ("running", "interrupted")


class RunNotJoinable(LookupError):
    """The run does not exist, or has ended."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def create_run(session: Session, spider: str, args: dict) -> int:
    now = _now()
    run = CrawlRun(spider=spider, started_at=now, status="running", items_dropped={}, stats={}, args=args,
                   heartbeat_at=now)
    session.add(run)
    session.flush()
    return run.id


def check_joinable(session: Session, run_id: int, spider: str | None = None) -> CrawlRun:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise RunNotJoinable(f"run {run_id} does not exist (aggregator run start SPIDER creates one)")
    if run.args is None:
        raise RunNotJoinable(f"run {run_id} is a run of one process, not a distributed run")
    if run.status not in JOINABLE:
        raise RunNotJoinable(f"run {run_id} has ended ({run.status}); start a new one with aggregator run start")
    if spider is not None and run.spider != spider:
        raise RunNotJoinable(f"run {run_id} crawls with the spider {run.spider!r}, not {spider!r}")
    return run


def join(session: Session, run_id: int, spider: str) -> int:
    """A new worker row of the run (reviving a run taken for dead); its id."""
    check_joinable(session, run_id, spider)
    now = _now()
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(status="running", heartbeat_at=now,
                                                                           finished_at=None))
    worker = CrawlRunWorker(run_id=run_id, host=this_host(), pid=os.getpid(), status="running", started_at=now,
                            heartbeat_at=now, pages_fetched=0, items_stored=0, stats={})
    session.add(worker)
    session.flush()
    return worker.id


def beat(session: Session, worker_id: int, run_id: int, stats: dict, summary: dict) -> None:
    now = _now()
    session.execute(update(CrawlRunWorker).where(CrawlRunWorker.id == worker_id, CrawlRunWorker.status == "running")
                    .values(heartbeat_at=now, stats=stats, pages_fetched=summary["pages_fetched"],
                            items_stored=summary["items_stored"]))
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id, CrawlRun.status == "running").values(heartbeat_at=now))


def mark_lost(session: Session, run_id: int, *, heartbeat_seconds: float, exclude: int | None = None) -> list[int]:
    """Mark the run's dead workers ``lost``; their ids (their leases are the caller's to
    put back)."""
    now, host = _now(), this_host()
    lost = []
    rows = session.execute(select(CrawlRunWorker.id, CrawlRunWorker.host, CrawlRunWorker.pid,
                                  CrawlRunWorker.heartbeat_at, CrawlRunWorker.started_at)
                           .where(CrawlRunWorker.run_id == run_id, CrawlRunWorker.status == "running")).all()
    for r in rows:
        if r.id == exclude:
            continue
        last = r.heartbeat_at or r.started_at
        if is_dead(run_host=r.host, run_pid=r.pid, last_sign=last, host=host, now=now,
                   heartbeat_seconds=heartbeat_seconds):
            done = session.execute(update(CrawlRunWorker)
                                   .where(CrawlRunWorker.id == r.id, CrawlRunWorker.status == "running")
                                   .values(status="lost", finished_at=last))
            if done.rowcount:
                lost.append(r.id)
    return lost


def end_worker(session: Session, worker_id: int, run_id: int, status: str, stats: dict, summary: dict, *,
               heartbeat_seconds: float) -> bool:
    """Record the worker's end; True when it is the run's last running worker (the caller
    then closes the run). Takes the run's row lock, so of two workers ending at once one
    sees the other's end."""
    session.execute(select(CrawlRun.id).where(CrawlRun.id == run_id).with_for_update())
    now = _now()
    session.execute(update(CrawlRunWorker).where(CrawlRunWorker.id == worker_id).values(
        status=status, finished_at=now, heartbeat_at=now, stats=stats, pages_fetched=summary["pages_fetched"],
        items_stored=summary["items_stored"]))
    mark_lost(session, run_id, heartbeat_seconds=heartbeat_seconds, exclude=worker_id)
    others = session.scalar(select(CrawlRunWorker.id).where(CrawlRunWorker.run_id == run_id,
                                                            CrawlRunWorker.status == "running").limit(1))
    return others is None


def workers_of(session: Session, run_id: int) -> list[CrawlRunWorker]:
    return list(session.scalars(select(CrawlRunWorker).where(CrawlRunWorker.run_id == run_id)
                                .order_by(CrawlRunWorker.id)))


#: Stats whose run value is the largest of the workers', not their sum.
MAX_STATS = ("memusage/max", "memusage/startup", "offload/rss_max/")
FIRST_STATS = ("start_time",)
LAST_STATS = ("finish_time",)


def sum_stats(all_stats: list[dict]) -> dict:
    """One run's stats from its workers': counts summed, peaks the largest, start the
    earliest, end the latest; anything else (a string) the first worker's."""
    out: dict = {}
    for stats in all_stats:
        for key, value in stats.items():
            if key not in out:
                out[key] = value
                continue
            if key in FIRST_STATS:
                out[key] = min(out[key], value)
            elif key in LAST_STATS:
                out[key] = max(out[key], value)
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not isinstance(out[key], (int, float)):
                continue
            elif key.startswith(MAX_STATS):
                out[key] = max(out[key], value)
            else:
                out[key] = out[key] + value
    return out
