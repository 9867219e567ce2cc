"""Crash safety, by really crashing: a real `scrapy crawl` of a 500-article site is
killed (-9), loses its worker, gets Ctrl-C or SIGTERM mid-crawl; then one plain re-run.
Afterwards every article is stored exactly once and complete — dedup signature, story
link, keywords, links — as after an uninterrupted crawl; no process of the faulted run
is left; its run row says what happened."""

from __future__ import annotations

import signal
import time

import pytest

from tests.faults import harness
from tests.faults.conftest import ARTICLES, SPIDERS

#: Articles stored before the fault strikes: well into the crawl, far from its end.
STRIKE_AT = 150


def report(case: str, spider: str, **figures) -> None:
    """One line per case for the closing table (pytest -s shows it)."""
    print(f"\nFAULT | {case} | {spider} | " + " | ".join(f"{k}={v}" for k, v in figures.items()))


def rerun_and_check(spider, server, db, tmp_path, reference, *extra) -> harness.Audit:
    again = harness.run([*harness.spider_args(spider, server.url), *extra], db, tmp_path / "rerun.log")
    assert again.proc.returncode == 0, again.stderr()[-3000:]
    after = harness.audit(db)
    harness.assert_complete(after, reference(spider))
    return after


@pytest.mark.parametrize("spider", SPIDERS)
def test_kill_9_of_the_crawl(spider, fault_site, reference, tmp_path):
    _, server = fault_site
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    crawl = harness.Crawl(harness.spider_args(spider, server.url), db).start(tmp_path / "crawl.log")
    _, at_kill = harness.strike_when_busy(crawl, STRIKE_AT)
    crawl.proc.kill()
    killed_at = time.monotonic()
    assert crawl.wait() == -signal.SIGKILL
    left = harness.wait_group_gone(crawl.pid, timeout=10)
    gone_after = time.monotonic() - killed_at
    assert not left, f"processes of the killed crawl still alive: {left}"
    faulted = harness.audit(db)
    assert faulted.silent == []  # half-done rows say which steps they owe
    after = rerun_and_check(spider, server, db, tmp_path, reference)
    assert after.runs[0] == (faulted.runs[0][0], "interrupted")
    report("kill -9 crawl", spider, site=ARTICLES, stored_at_fault=faulted.stored,
           half_done_after_fault=len(faulted.half_done), stored_complete_after_rerun=after.stored - len(after.half_done),
           half_done=len(after.half_done), exit="-9/0", worker_gone_s=round(gone_after, 1), killed_at=at_kill)


@pytest.mark.parametrize("spider", ["site"])
def test_kill_9_of_the_worker(spider, fault_site, reference, tmp_path):
    _, server = fault_site
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    crawl = harness.Crawl(harness.spider_args(spider, server.url), db).start(tmp_path / "crawl.log")
    worker, _ = harness.strike_when_busy(crawl, STRIKE_AT)
    harness.kill_pids([worker])
    code = crawl.wait()
    stderr = crawl.stderr()
    faulted = harness.audit(db)
    # the batch the worker died under ran again on a new worker: nothing lost, nothing dropped
    assert code == 0, stderr[-3000:]
    assert "StoreFailed" not in stderr and "'offload/worker_restarts': 1" in stderr
    harness.assert_complete(faulted, reference(spider))
    assert harness.wait_group_gone(crawl.pid, timeout=10) == []
    after = rerun_and_check(spider, server, db, tmp_path, reference)
    assert [s for _, s in after.runs] == ["finished", "finished"]
    report("kill -9 worker", spider, site=ARTICLES, stored_at_fault=faulted.stored,
           half_done_after_fault=len(faulted.half_done), stored_complete_after_rerun=after.stored - len(after.half_done),
           half_done=len(after.half_done), exit=f"{code}/0")


# each fault meets both kinds of spider across the suite; every case costs two crawls of
# the site, and the suite must stay within five minutes of CI
@pytest.mark.parametrize("spider, sig", [("taiyuan_industry", signal.SIGINT), ("site", signal.SIGTERM)],
                         ids=["source-ctrl-c", "site-sigterm"])
def test_signal_to_the_process_group(spider, sig, fault_site, reference, tmp_path):
    _, server = fault_site
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    crawl = harness.Crawl(harness.spider_args(spider, server.url), db).start(tmp_path / "crawl.log")
    harness.strike_when_busy(crawl, STRIKE_AT)
    crawl.signal_group(sig)  # as a terminal's Ctrl-C, or a service manager's stop
    sent = time.monotonic()
    code = crawl.wait(timeout=60)
    stop_seconds = time.monotonic() - sent
    stderr = crawl.stderr()
    assert code == 1, stderr[-3000:]
    assert stop_seconds < 30
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr[-3000:]
    assert harness.wait_group_gone(crawl.pid, timeout=10) == []
    faulted = harness.audit(db)
    assert faulted.runs[-1][1] == "interrupted"
    assert faulted.silent == []  # what the stop handed back is flagged pending, never silently missing
    after = rerun_and_check(spider, server, db, tmp_path, reference)
    report(f"{signal.Signals(sig).name} to group", spider, site=ARTICLES, stored_at_fault=faulted.stored,
           half_done_after_fault=len(faulted.half_done), stored_complete_after_rerun=after.stored - len(after.half_done),
           half_done=len(after.half_done), exit=f"{code}/0", stop_s=round(stop_seconds, 1))


def test_kill_9_with_jobdir_then_resume(fault_site, reference, tmp_path):
    """The resumed run requests again every article page that is not stored, whatever
    requests.seen says, and survives the queue file the kill tore (about one run in
    three tears it: aggregator.scheduler)."""
    _, server = fault_site
    spider = "taiyuan_industry"
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    jobdir = ("-s", f"JOBDIR={tmp_path / 'job'}")
    crawl = harness.Crawl([*harness.spider_args(spider, server.url), *jobdir], db).start(tmp_path / "crawl.log")
    harness.strike_when_busy(crawl, STRIKE_AT)
    crawl.proc.kill()
    crawl.wait()
    assert harness.wait_group_gone(crawl.pid, timeout=10) == []
    faulted = harness.audit(db)
    assert faulted.silent == []
    seen = (tmp_path / "job" / "requests.seen").stat().st_size
    after = rerun_and_check(spider, server, db, tmp_path, reference, *jobdir)
    report("kill -9 with JOBDIR, resume", spider, site=ARTICLES, stored_at_fault=faulted.stored,
           half_done_after_fault=len(faulted.half_done), stored_complete_after_rerun=after.stored - len(after.half_done),
           half_done=len(after.half_done), exit="-9/0", requests_seen_bytes=seen)


@pytest.mark.parametrize("cut", ["max_pages", "lost list page"])
def test_a_run_cut_short_leaves_the_frontier_open_for_the_next(cut, fault_site, reference, tmp_path):
    """Pagination stops early on stale pages only where an earlier run read deeper: a run
    stopped at max_pages, or that lost a list page, leaves its backlog for the next."""
    site, server = fault_site
    spider = "taiyuan_industry"
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    args = harness.spider_args(spider, server.url)
    hidden = site.root / "category-1_4.html"
    if cut == "max_pages":
        first = harness.run([*args, "-a", "max_pages=3"], db, tmp_path / "first.log")
    else:
        hidden.rename(hidden.with_suffix(".gone"))  # the site answers 404 for list page 4
        try:
            first = harness.run(args, db, tmp_path / "first.log")
        finally:
            hidden.with_suffix(".gone").rename(hidden)
    faulted = harness.audit(db)
    assert faulted.stored == 60 and faulted.frontier == [(f"{server.url}/category-1.html", False)]
    # pages 1-3 are all stored now: a stop at the first stale page would never reach page 4
    after = rerun_and_check(spider, server, db, tmp_path, reference)
    assert after.frontier == [(f"{server.url}/category-1.html", True)]
    third = harness.run(args, db, tmp_path / "third.log")  # unchanged and covered: one list page
    assert "'response_received_count': 2," in third.stderr()  # robots.txt and the first list page
    report(f"run cut by {cut}", spider, site=ARTICLES, stored_after_fault=faulted.stored,
           stored_complete_after_rerun=after.stored - len(after.half_done), half_done=len(after.half_done),
           exit=f"{first.proc.returncode}/0")


def test_two_crawlers_on_one_postgresql_database_one_killed(fault_site, reference, pg_url, tmp_path):
    """Several crawlers, one database: the survivor never takes over the rows the other
    still owes while it lives, and the next run finishes what the dead one left."""
    _, server = fault_site
    a = harness.Crawl(harness.spider_args("taiyuan_industry", server.url), pg_url).start(tmp_path / "a.log")
    b = harness.Crawl(harness.spider_args("site", server.url), pg_url).start(tmp_path / "b.log")
    harness.strike_when_busy(a, STRIKE_AT)
    a.proc.kill()
    a.wait()
    assert harness.wait_group_gone(a.pid, timeout=10) == []
    assert b.wait() == 0, b.stderr()[-3000:]
    survived = harness.audit(pg_url)
    assert survived.silent == []
    after = rerun_and_check("taiyuan_industry", server, pg_url, tmp_path, reference)
    assert sorted(status for _, status in after.runs[:2]) == ["finished", "interrupted"]  # b's, and a's
    report("two crawlers, one kill -9 (PostgreSQL)", "taiyuan_industry + site", site=ARTICLES,
           stored_after_fault=survived.stored, half_done_after_fault=len(survived.half_done),
           stored_complete_after_rerun=after.stored - len(after.half_done), half_done=len(after.half_done), exit="-9,0/0")
