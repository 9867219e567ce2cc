"""Scheduled re-runs and parallel crawls: nothing fetched or stored twice."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from aggregator.db.models import Article, CrawlRun
from tests.conftest import ROOT, run_scrapy

MIRROR = ["-s", f"AGGREGATOR_MIRROR_DIR={ROOT / 'data' / 'sites'}"]
N_ARTICLES = len(list((ROOT / "data/sites/taiyuan-industry.example/post").glob("*.html")))


def stat(stderr: str, key: str) -> int:
    found = re.search(rf"'{re.escape(key)}': (\d+)", stderr)
    return int(found.group(1)) if found else 0


def article_requests(stderr: str) -> int:
    return len(re.findall(r"Crawled \(200\) <GET file://\S+/post/\d+\.html>", stderr))


def test_second_run_of_an_unchanged_source_fetches_no_article_page(sqlite_url):
    first = run_scrapy("crawl", "taiyuan_industry", *MIRROR, "-s", "LOG_LEVEL=DEBUG", db_url=sqlite_url)
    assert first.returncode == 0, first.stderr[-2000:]
    assert article_requests(first.stderr) == N_ARTICLES
    second = run_scrapy("crawl", "taiyuan_industry", *MIRROR, "-s", "LOG_LEVEL=DEBUG", db_url=sqlite_url)
    assert second.returncode == 0, second.stderr[-2000:]
    assert article_requests(second.stderr) == 0
    assert stat(second.stderr, "incremental/skipped") > 0
    assert stat(second.stderr, "incremental/pagination_stopped") == 2  # one per channel, at its first page
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        assert session.scalar(select(func.count()).select_from(Article)) == N_ARTICLES
    assert runs[-1].skipped == stat(second.stderr, "incremental/skipped") and runs[-1].items_stored == 0


def test_refresh_window_refetches_recent_articles(sqlite_url):
    assert run_scrapy("crawl", "taiyuan_industry", *MIRROR, db_url=sqlite_url).returncode == 0
    # every bundled article is from 2024; a window reaching back to then refetches them
    again = run_scrapy("crawl", "taiyuan_industry", *MIRROR, "-s", "INCREMENTAL_REFRESH_DAYS=100000",
                       "-s", "INCREMENTAL_STOP_AFTER=0", "-s", "LOG_LEVEL=DEBUG", db_url=sqlite_url)
    assert again.returncode == 0
    assert stat(again.stderr, "incremental/refreshed") == N_ARTICLES
    assert stat(again.stderr, "aggregator/stored/unchanged") == N_ARTICLES


def crawl_twice_at_once(db_url: str):
    env = {**os.environ, "AGGREGATOR_DB_URL": db_url}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "taiyuan_industry", *MIRROR, "-s", "LOG_LEVEL=INFO",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0, err[-2000:]
    engine = create_engine(db_url)
    with Session(engine) as session:
        urls = session.scalars(select(Article.url)).all()
        copies = session.scalars(select(Article.title).where(Article.duplicate_of.is_not(None))).all()
        chains = session.scalar(
            select(func.count()).select_from(Article).where(
                Article.duplicate_of.in_(select(Article.id).where(Article.duplicate_of.is_not(None)))))
    engine.dispose()
    assert len(urls) == len(set(urls)) == N_ARTICLES
    assert len(copies) == 3 and all(t.startswith("转载：") for t in copies)
    assert chains == 0


def test_two_concurrent_crawls_on_sqlite(sqlite_url):
    crawl_twice_at_once(sqlite_url)


def test_two_concurrent_crawls_on_postgresql(pg_url):
    crawl_twice_at_once(pg_url)
