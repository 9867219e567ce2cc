"""Source health: a source whose layout changed is caught; an incremental re-run is not."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone

from sqlalchemy import create_engine, text

from aggregator.health import source_health
from tests.analyst.conftest import cli
from tests.conftest import ROOT, run_scrapy


def test_health_of_the_demo(demo_db):
    engine = create_engine(demo_db)
    with engine.connect() as conn:
        (h,) = source_health(conn)
        view = conn.execute(text("SELECT * FROM source_health")).mappings().one()
    engine.dispose()
    assert h.sources == ["太原产业信息网"] and h.spider == "taiyuan_industry"
    bundled = len(list((ROOT / "data/sites/taiyuan-industry.example/post").glob("*.html")))
    assert h.articles == bundled == view["articles"]
    assert h.runs[0].stored == bundled == view["last_run_stored"]
    assert h.boilerplate["copyright"] > 0
    assert h.problems() == []
    assert abs(view["missing_author_share"] - h.missing_author / h.articles) < 1e-9


def test_changed_layout_is_reported_and_exits_1(sqlite_copy, tmp_path):
    # the same site, but its list pages no longer mark articles the way the spider expects
    sites = tmp_path / "sites"
    shutil.copytree(ROOT / "data" / "sites", sites)
    for page in (sites / "taiyuan-industry.example").glob("category-*.html"):
        page.write_text(page.read_text(encoding="utf-8").replace("post-item", "entry-card"), encoding="utf-8")
    crawl = run_scrapy("crawl", "taiyuan_industry", "-s", f"AGGREGATOR_MIRROR_DIR={sites}", db_url=sqlite_copy)
    assert crawl.returncode == 0, crawl.stderr[-2000:]  # the crawl itself looks fine: health is what notices

    result = cli("health", "--quiet", db=sqlite_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("PROBLEM: 太原产业信息网 (spider taiyuan_industry): last run 2 (finished) found no article")
    assert "layout probably changed" in lines[0]


def test_incremental_rerun_and_new_sources_are_not_alarms(sqlite_copy):
    engine = create_engine(sqlite_copy)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.begin() as conn:
        # a re-run that found only stored pages (skipped), and a spider that never yielded
        conn.execute(text(
            "INSERT INTO crawl_runs (spider, started_at, finished_at, status, pages_fetched, items_stored, items_dropped, duplicates, skipped, errors, stats) "
            "VALUES ('taiyuan_industry', :t, :t, 'finished', 2, 0, '{}', 0, 14, 0, '{}'),"
            "       ('new_park', :t, :t, 'finished', 3, 0, :d, 0, 0, 0, '{}')"
        ), {"t": now, "d": json.dumps({"no_article": 3})})
    engine.dispose()
    result = cli("health", db=sqlite_copy)
    assert result.returncode == 0, result.stdout
    assert "new_park" in result.stdout and "no_article 3" in result.stdout
    assert "ok: 2 sources, none needs a look" in result.stdout


def test_a_run_that_died_is_not_judged(sqlite_copy):
    engine = create_engine(sqlite_copy)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO crawl_runs (spider, started_at, status, pages_fetched, items_stored, items_dropped, duplicates, skipped, errors, stats) "
            "VALUES ('taiyuan_industry', :t, 'running', 0, 0, '{}', 0, 0, 0, '{}')"
        ), {"t": now})
        conn.execute(text(
            "INSERT INTO crawl_runs (spider, started_at, finished_at, status, pages_fetched, items_stored, items_dropped, duplicates, skipped, errors, stats) "
            "VALUES ('taiyuan_industry', :t, :t, 'failed', 0, 0, '{\"download_error\": 2}', 0, 0, 3, '{}')"
        ), {"t": now})
    engine.dispose()
    result = cli("health", "--quiet", db=sqlite_copy)
    assert result.returncode == 1
    problems = [l for l in result.stdout.splitlines() if l.startswith("PROBLEM")]
    assert len(problems) == 1 and "download_error 2" in problems[0]
    assert "warning: 太原产业信息网 (spider taiyuan_industry): last run" in result.stdout


def test_a_run_whose_process_died_is_reported_interrupted_with_what_it_left_pending(sqlite_copy):
    import subprocess
    import sys

    from aggregator.runs import this_host

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs
    engine = create_engine(sqlite_copy)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.begin() as conn:
        run = conn.execute(text(
            "INSERT INTO crawl_runs (spider, started_at, status, pages_fetched, items_stored, items_dropped, duplicates, skipped, errors, stats, host, pid, heartbeat_at) "
            "VALUES ('taiyuan_industry', :t, 'running', 10, 3, '{}', 0, 0, 0, '{}', :host, :pid, :t) RETURNING id"
        ), {"t": now, "host": this_host(), "pid": gone.pid}).scalar()
        conn.execute(text("UPDATE articles SET relate_pending = 1, pending_run = :r WHERE id IN (1, 2)"), {"r": run})
    engine.dispose()
    result = cli("health", "--quiet", db=sqlite_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 2, problems
    assert f"last run {run} was interrupted (its process ended without recording how the run went" in problems[0]
    assert "2 articles left half-done by interrupted runs" in problems[1]


def test_a_dead_host_and_a_gone_channel_are_named_as_such(sqlite_copy, fixture_site):
    """The crawl fails with the cause in crawl_runs.problems; health names it, exit 1."""
    down = run_scrapy("crawl", "taiyuan_industry", "-a", "start_url=http://127.0.0.1:9/category-1.html",
                      "-s", "RETRY_TIMES=0", db_url=sqlite_copy)
    assert down.returncode == 1
    assert "problems: site_unreachable: 1 list page could not be read" in down.stderr.strip().splitlines()[-1]
    result = cli("health", "--quiet", db=sqlite_copy)
    assert result.returncode == 1
    (line,) = [l for l in result.stdout.splitlines() if l.startswith("PROBLEM")][:1]
    assert "failed: site unreachable" in line and "layout" not in result.stdout

    gone = run_scrapy("crawl", "taiyuan_industry", "-a", f"start_url={fixture_site.url}/bad/missing", db_url=sqlite_copy)
    assert gone.returncode == 1
    result = cli("health", "--quiet", db=sqlite_copy)
    assert result.returncode == 1
    assert "failed: channel gone (a list page answered 404/410)" in result.stdout and "layout" not in result.stdout
