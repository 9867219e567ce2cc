"""The database goes away mid-crawl, really: a private PostgreSQL instance is stopped and
started again, SQLite's disk fills up, its file turns read-only. The crawl waits the
outage out (downloading paused) instead of fetching and dropping; past
AGGREGATOR_DB_RETRY_SECONDS it stops with exit 1 and one line naming the database error,
and the next run completes everything."""

from __future__ import annotations

import logging
import os
import subprocess
import time

import pytest

from tests.analyst.conftest import cli
from tests.faults import harness
from tests.faults.conftest import ARTICLES
from tests.faults.pgserver import PrivatePostgres, bindir
from tests.faults.test_crash import STRIKE_AT, report, rerun_and_check

SPIDER = "taiyuan_industry"


@pytest.fixture
def private_pg():
    if bindir() is None:
        reason = "PostgreSQL's server binaries (initdb, pg_ctl) are not installed; .ci/run has them"
        if os.environ.get("AGGREGATOR_REQUIRE_PG"):
            pytest.fail(reason)
        pytest.skip(reason)
    server = PrivatePostgres().init()
    server.start()
    yield server
    server.destroy()


def dropped(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if "item_dropped_reasons_count" in line]


def test_postgresql_outage_of_20_seconds_is_waited_out(private_pg, fault_site, reference, tmp_path):
    _, server = fault_site
    crawl = harness.Crawl([*harness.spider_args(SPIDER, server.url), "-s", "AGGREGATOR_DB_RETRY_SECONDS=120"],
                          private_pg.url).start(tmp_path / "crawl.log")
    harness.wait_for_articles(crawl, STRIKE_AT)
    private_pg.stop("immediate")  # every connection drops, as in a crash of the server
    stopped = time.monotonic()
    time.sleep(20)
    assert crawl.proc.poll() is None, "the crawl did not wait for the database"
    private_pg.start()
    code = crawl.wait()
    stderr = crawl.stderr()
    assert code == 0, stderr[-3000:]
    assert dropped(stderr) == []  # nothing fetched was dropped
    assert "Database unavailable" in stderr and "downloading paused, waiting up to 120 s" in stderr
    assert f"finished: 526 pages, {ARTICLES} stored" in stderr  # every row counted once, the retried batch's too
    faulted = harness.audit(private_pg.url)
    harness.assert_complete(faulted, reference(SPIDER))
    after = rerun_and_check(SPIDER, server, private_pg.url, tmp_path, reference)
    report("PostgreSQL stopped 20 s", SPIDER, site=ARTICLES, stored_after_fault=faulted.stored,
           stored_complete_after_rerun=after.stored - len(after.half_done), half_done=len(after.half_done),
           exit=f"{code}/0", run_s=round(time.monotonic() - stopped, 1))


def test_postgresql_outage_past_the_bound_stops_the_run_and_the_next_completes(private_pg, fault_site, reference, tmp_path):
    _, server = fault_site
    crawl = harness.Crawl([*harness.spider_args(SPIDER, server.url), "-s", "AGGREGATOR_DB_RETRY_SECONDS=4"],
                          private_pg.url).start(tmp_path / "crawl.log")
    harness.wait_for_articles(crawl, STRIKE_AT)
    private_pg.stop("immediate")
    stopped = time.monotonic()
    code = crawl.wait(timeout=90)
    stop_seconds = time.monotonic() - stopped
    stderr = crawl.stderr()
    assert code == 1
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: the database stayed unavailable for 4 s (OperationalError"), last
    assert "Traceback" not in stderr, stderr[-3000:]
    assert harness.wait_group_gone(crawl.pid, timeout=10) == []
    private_pg.start()
    faulted = harness.audit(private_pg.url)
    assert faulted.silent == []
    after = rerun_and_check(SPIDER, server, private_pg.url, tmp_path, reference)
    # the run row could not be written at its end: the next run found it dead
    assert dict(after.runs)[faulted.runs[-1][0]] == "interrupted"
    report("PostgreSQL stopped past AGGREGATOR_DB_RETRY_SECONDS=4", SPIDER, site=ARTICLES,
           stored_after_fault=faulted.stored, half_done_after_fault=len(faulted.half_done),
           stored_complete_after_rerun=after.stored - len(after.half_done), half_done=len(after.half_done),
           exit=f"{code}/0", stop_s=round(stop_seconds, 1))


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of 3 MB (root only: mount)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip() or 'not root'}); CI runs as root")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def remount(mnt, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(mnt)], check=True)


def test_sqlite_on_a_full_disk_stops_the_run_and_the_next_completes(small_disk, fault_site, reference, tmp_path):
    _, server = fault_site
    db = f"sqlite:///{small_disk / 'aggregator.db'}"
    crawl = harness.run([*harness.spider_args(SPIDER, server.url), "-s", "AGGREGATOR_DB_RETRY_SECONDS=3"], db,
                        tmp_path / "crawl.log")
    stderr = crawl.stderr()
    assert crawl.proc.returncode == 1, stderr[-3000:]
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("error: the database stayed unavailable for 3 s (OperationalError: database or disk is full)"), last
    faulted = harness.audit(db)
    assert 0 < faulted.stored < ARTICLES and faulted.silent == []
    # health does not say ok: it names the cause and the half-done rows
    health = cli("health", "--quiet", db=db)
    assert health.returncode == 1, health.stdout
    # The run's own end is one more write to the full disk: when it got in, health names
    # the cause; when it did not, the run reads as ended unrecorded, and says why it may be
    # (the crawl's last line above named the cause either way).
    assert ("failed: storage failing (the database stayed unavailable for 3 s" in health.stdout
            or "the database could not be written" in health.stdout), health.stdout
    assert "articles left half-done" in health.stdout
    remount(small_disk, "size=256m")  # the operator makes room
    after = rerun_and_check(SPIDER, server, db, tmp_path, reference)
    report("SQLite on a full disk", SPIDER, site=ARTICLES, stored_after_fault=faulted.stored,
           half_done_after_fault=len(faulted.half_done), stored_complete_after_rerun=after.stored - len(after.half_done),
           half_done=len(after.half_done), exit=f"{crawl.proc.returncode}/0")


def test_sqlite_on_a_read_only_file_stops_the_run_and_the_next_completes(small_disk, fault_site, reference, tmp_path):
    _, server = fault_site
    remount(small_disk, "size=256m")
    db = f"sqlite:///{small_disk / 'aggregator.db'}"
    first = harness.run([*harness.spider_args(SPIDER, server.url), "-a", "max_pages=5"], db, tmp_path / "first.log")
    assert first.proc.returncode == 0, first.stderr()[-3000:]
    before = harness.audit(db)
    remount(small_disk, "ro")
    crawl = harness.run([*harness.spider_args(SPIDER, server.url), "-s", "AGGREGATOR_DB_RETRY_SECONDS=3"], db,
                        tmp_path / "crawl.log")
    stderr = crawl.stderr()
    assert crawl.proc.returncode == 1, stderr[-3000:]
    assert stderr.strip().splitlines()[-1].startswith("error:"), stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    remount(small_disk, "rw")
    faulted = harness.audit(db)
    assert faulted.urls == before.urls
    after = rerun_and_check(SPIDER, server, db, tmp_path, reference)
    report("SQLite on a read-only file", SPIDER, site=ARTICLES, stored_after_fault=faulted.stored,
           stored_complete_after_rerun=after.stored - len(after.half_done), half_done=len(after.half_done),
           exit=f"{crawl.proc.returncode}/0")


def test_a_connection_dropped_by_a_stopped_server_is_one_warning_not_a_traceback(private_pg, caplog):
    """The pool's reset of a connection the server dropped is one line: the crawl log of
    an outage must not show SQLAlchemy's traceback (DatabaseWait reports the outage)."""
    from aggregator.db.engine import make_engine

    engine = make_engine(private_pg.url, create_tables=False)
    conn = engine.raw_connection()  # as a worker's batch holds it between statements
    conn.cursor().execute("SELECT 1")  # a transaction open on a checked-out connection
    private_pg.stop("immediate")
    with caplog.at_level(logging.DEBUG, logger="sqlalchemy.pool"):
        conn.close()  # back to the pool, which resets it: its ROLLBACK meets a closed socket
    engine.dispose()
    pool_records = [r for r in caplog.records if r.name.startswith("sqlalchemy.pool")]
    assert pool_records, "the pool logged nothing: the reset did not fail, the test proves nothing"
    assert all(r.exc_info is None and r.levelno <= logging.WARNING for r in pool_records), [
        (r.levelname, r.getMessage()) for r in pool_records]
    assert any("OperationalError" in r.getMessage() for r in pool_records)
