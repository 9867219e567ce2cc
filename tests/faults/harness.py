"""Running a real `scrapy crawl` as cron would, hurting it, and auditing what it left.

Every crawl runs in a session (process group) of its own, as a terminal or a service
manager starts it: Ctrl-C is SIGINT to that group, and "no process of the run is left"
means no process of that group survives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import ROOT

#: Settings every fault run gets: fast against the local server, one list page budget for
#: the whole generated site, a quick heartbeat.
FAST = ("-s", "LOG_LEVEL=INFO", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "AGGREGATOR_HEARTBEAT_SECONDS=2", "-a", "max_pages=100")


def spider_args(spider: str, server_url: str) -> list[str]:
    if spider == "site":
        return ["site", "-a", f"start_url={server_url}/index.html"]
    return [spider, "-a", f"start_url={server_url}/category-1.html"]


@dataclass
class Crawl:
    """A `scrapy crawl` subprocess."""

    args: list[str]
    db_url: str
    env: dict = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    started: float = 0.0
    log: Path | None = None
    #: what runs `crawl ARGS`: scrapy itself, or a module that wraps it (a test's hook)
    entry: tuple[str, ...] = ("-m", "scrapy")

    def start(self, log: Path) -> "Crawl":
        self.log = log
        env = {**os.environ, "AGGREGATOR_DB_URL": self.db_url, **self.env}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            # the test's own arguments last, so they win over FAST
            [sys.executable, *self.entry, "crawl", *FAST, *self.args], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=log.open("w"), start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def wait(self, timeout: float = 240) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log else ""

    def signal_group(self, sig: int) -> None:
        os.killpg(self.pid, sig)


def run(args: list[str], db_url: str, log: Path, env: dict | None = None, timeout: float = 240) -> Crawl:
    crawl = Crawl(args, db_url, env or {}).start(log)
    crawl.wait(timeout)
    return crawl


def _proc_stat(pid: int) -> tuple[int, int, str] | None:
    """(ppid, pgrp, state) of a live process, or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw.rsplit(b")", 1)[1].split()
    return int(fields[1]), int(fields[2]), fields[0].decode()


def group_members(pgid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _proc_stat(int(entry))
            if st and st[1] == pgid and st[2] != "Z":
                out.append(int(entry))
    return out


def wait_group_gone(pgid: int, timeout: float = 15) -> list[int]:
    """Wait for every process of the group to end; returns those still alive at the end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = group_members(pgid)
        if not left:
            return []
        time.sleep(0.2)
    return group_members(pgid)


def worker_pids(crawl_pid: int) -> list[int]:
    """The crawl's worker processes (not multiprocessing's resource tracker)."""
    out = []
    for pid in group_members(crawl_pid):
        st = _proc_stat(pid)
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if st and st[0] == crawl_pid and b"multiprocessing" in cmd and b"resource_tracker" not in cmd:
            out.append(pid)
    return out


def count_articles(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT COUNT(*) FROM articles")).scalar() or 0
    except Exception:  # noqa: BLE001 - not created yet
        return 0
    finally:
        engine.dispose()


def wait_for_articles(crawl: Crawl, n: int, timeout: float = 120) -> int:
    """Wait until ``n`` articles are stored (or the crawl ended); returns the count."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        have = count_articles(crawl.db_url)
        if have >= n or crawl.proc.poll() is not None:
            return have
        time.sleep(0.1)
    raise AssertionError(f"only {count_articles(crawl.db_url)} articles stored after {timeout} s")


def wait_for_worker(crawl: Crawl, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = worker_pids(crawl.pid)
        if pids:
            return pids[0]
        time.sleep(0.1)
    raise AssertionError("no worker process appeared")


def strike_when_busy(crawl: Crawl, stored: int) -> tuple[int, int]:
    """Wait until the crawl has its worker and ``stored`` articles, and is still running:
    the moment to strike. Returns (the worker's pid, the articles stored by then)."""
    worker = wait_for_worker(crawl)
    have = wait_for_articles(crawl, stored)
    assert crawl.proc.poll() is None, "the crawl ended before the fault"
    return worker, have


@dataclass
class Audit:
    """What a database holds, in the terms the fault tests compare."""

    urls: set[str]
    half_done: list[str]  # "url: what is missing"
    silent: list[str]  # rows lacking a step without saying so (must never happen)
    stories: set[frozenset[str]]  # URLs of each story with copies
    with_links: int
    runs: list[tuple[int, str]]  # (id, status), oldest first
    frontier: list[tuple[str, bool]]

    @property
    def stored(self) -> int:
        return len(self.urls)


def audit(db_url: str) -> Audit:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT a.id, a.fetched_url, a.duplicate_of, a.dedup_pending, a.relate_pending, "
            "(SELECT COUNT(*) FROM dedup_signatures s WHERE s.article_id = a.id) AS sig, "
            "(SELECT COUNT(*) FROM article_relate_state r WHERE r.article_id = a.id) AS rel, "
            "(SELECT COUNT(*) FROM article_keywords k WHERE k.article_id = a.id) AS kws, "
            "(SELECT COUNT(*) FROM related_articles l WHERE l.article_id = a.id) AS links "
            "FROM articles a")).all()
        runs = [(r.id, r.status) for r in conn.execute(text("SELECT id, status FROM crawl_runs ORDER BY id"))]
        frontier = [(r.channel, bool(r.covered)) for r in conn.execute(text("SELECT channel, covered FROM crawl_frontier"))]
    engine.dispose()
    url_of = {r.id: r.fetched_url for r in rows}
    half = []
    silent = [r.fetched_url for r in rows if (not r.sig and not r.dedup_pending) or (not r.rel and not r.relate_pending)]
    for r in rows:
        missing = [name for name, bad in (("dedup_pending", r.dedup_pending), ("relate_pending", r.relate_pending),
                                           ("signature", not r.sig), ("keyword index", not r.rel), ("keywords", not r.kws))
                   if bad]
        if missing:
            half.append(f"{r.fetched_url}: {', '.join(missing)}")
    clusters: dict[int, set[str]] = {}
    for r in rows:
        if r.duplicate_of is not None:
            clusters.setdefault(r.duplicate_of, {url_of[r.duplicate_of]}).add(r.fetched_url)
    return Audit(
        urls={r.fetched_url for r in rows},
        half_done=half,
        silent=silent,
        stories={frozenset(u.split("/", 3)[3] for u in c) for c in clusters.values()},
        with_links=sum(1 for r in rows if r.links),
        runs=runs,
        frontier=frontier,
    )


def assert_complete(after: Audit, reference: Audit) -> None:
    """Every article stored once and complete, as after an uninterrupted crawl."""
    missing = {u.split("/", 3)[3] for u in reference.urls} - {u.split("/", 3)[3] for u in after.urls}
    assert not missing, f"{len(missing)} articles never stored, e.g. {sorted(missing)[:3]}"
    assert after.stored == reference.stored
    assert after.half_done == [], f"{len(after.half_done)} half-done rows, e.g. {after.half_done[:3]}"
    assert after.stories == reference.stories  # every syndicated copy linked to its story
    # related links depend on the order articles came in; each article still gets some
    assert after.with_links >= 0.95 * reference.with_links


def kill_pids(pids: list[int], sig: int = signal.SIGKILL) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
