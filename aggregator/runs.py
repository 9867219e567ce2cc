"""Whether a recorded crawl run is still alive: pure functions over crawl_runs rows.

A running run renews ``crawl_runs.heartbeat_at`` every ``AGGREGATOR_HEARTBEAT_SECONDS``
(default 30) and records the ``host`` and ``pid`` of its crawl process. A run still
marked ``running`` is dead when its process is gone from this host, or when its heartbeat
is older than ``STALE_BEATS`` beats (another host, or a pid that was reused). The next
crawl marks dead runs ``interrupted`` (aggregator.extensions.crawl_run) and
``aggregator health`` reports them so even before that.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aggregator.db.models import CrawlRun

#: Heartbeats a run may miss before it is taken for dead.
STALE_BEATS = 4
DEFAULT_HEARTBEAT_SECONDS = 30.0


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    try:  # a killed process its parent has not reaped yet is a zombie: dead
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def is_dead(*, run_host: str | None, run_pid: int | None, last_sign: datetime | None, host: str, now: datetime,
            heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS, alive=pid_alive) -> bool:
    """Is a run still marked running in fact dead? (see the module doc)"""
    if run_host == host and run_pid and not alive(run_pid):
        return True
    if last_sign is None:
        return True
    return now - last_sign > timedelta(seconds=heartbeat_seconds * STALE_BEATS)


def mark_dead_runs(session: Session, *, exclude: int | None = None,
                   heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS) -> list[int]:
    """Mark every dead run ``interrupted``, ended at its last sign of life; in the caller's
    transaction. Returns their ids."""
    now, host = datetime.now(timezone.utc), this_host()
    dead = []
    rows = session.execute(
        select(CrawlRun.id, CrawlRun.host, CrawlRun.pid, CrawlRun.heartbeat_at, CrawlRun.started_at)
        .where(CrawlRun.status == "running")
    ).all()
    for r in rows:
        if r.id == exclude:
            continue
        last = r.heartbeat_at or r.started_at
        if is_dead(run_host=r.host, run_pid=r.pid, last_sign=last, host=host, now=now, heartbeat_seconds=heartbeat_seconds):
            session.execute(
                update(CrawlRun).where(CrawlRun.id == r.id, CrawlRun.status == "running")
                .values(status="interrupted", finished_at=last)
            )
            dead.append(r.id)
    return dead
