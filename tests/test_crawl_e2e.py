"""End to end: the real `scrapy` command line against a real HTTP server on 127.0.0.1,
into a temporary SQLite file and into the real PostgreSQL server."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from aggregator.db.models import Article, ArticleKeyword, CrawlRun, Source
from tests.conftest import ROOT, run_scrapy

GOOD_ARTICLES = {
    "news/2024-05/10/c1004-40232587.html",
    "news/2024-05/09/3dd6e33cc6d749fb.html",
    "news/2024-05/13/content_117184963.html",
    "news/2024-05/13/content_37319243.html",
    "zblog/post/1.html",
}
# Every misbehaving page of the fixture site, by the reason it must be dropped for.
EXPECTED_DROPS = {"empty_page": 1, "not_html": 1, "oversized": 1, "no_article": 2, "offsite_redirect": 1, "http_error": 1}


def crawl_site(server, db_url, *extra):
    return run_scrapy(
        "crawl", "site", "-a", f"start_url={server.url}/index.html", "-s", "DOWNLOAD_MAXSIZE=1000000", *extra, db_url=db_url
    )


def rows(db_url):
    engine = create_engine(db_url)
    with Session(engine) as session:
        articles = session.scalars(select(Article).order_by(Article.id)).all()
        runs = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        session.expunge_all()
    engine.dispose()
    return articles, runs


def test_scrapy_list_shows_generic_and_source_spiders():
    result = run_scrapy("list", db_url="sqlite://")
    assert result.returncode == 0, result.stderr
    assert {"article", "site", "taiyuan_industry"} <= set(result.stdout.split())


def check_site_crawl(fixture_site, db_url):
    result = crawl_site(fixture_site, db_url)
    assert result.returncode == 0, result.stderr[-3000:]
    articles, runs = rows(db_url)
    assert {a.fetched_url.split("/", 3)[3] for a in articles} == GOOD_ARTICLES
    run = runs[-1]
    assert run.status == "finished"
    assert run.items_dropped == EXPECTED_DROPS
    assert run.items_stored == len(GOOD_ARTICLES)
    assert run.pages_fetched >= len(GOOD_ARTICLES) + 2
    seed = next(a for a in articles if a.fetched_url.endswith("zblog/post/1.html"))
    assert seed.body.splitlines()[-1].endswith("(周渊)")
    assert "版权声明" not in seed.body and "版权声明" in seed.removed_text
    assert seed.published_at.astimezone().date().isoformat() in ("2024-09-27", "2024-09-28")
    return articles


def test_site_crawl_into_sqlite_drops_bad_pages_by_reason(fixture_site, sqlite_url):
    check_site_crawl(fixture_site, sqlite_url)


def test_site_crawl_into_postgresql(fixture_site, pg_url):
    articles = check_site_crawl(fixture_site, pg_url)
    engine = create_engine(pg_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ArticleKeyword)) > 0
    engine.dispose()
    assert all(a.published_at is not None for a in articles)


def test_same_crawl_twice_adds_no_row_and_fetches_no_article(fixture_site, sqlite_url):
    assert crawl_site(fixture_site, sqlite_url).returncode == 0
    first, _ = rows(sqlite_url)
    second_run = crawl_site(fixture_site, sqlite_url)
    assert second_run.returncode == 0, second_run.stderr[-3000:]
    second, runs = rows(sqlite_url)
    assert [a.id for a in second] == [a.id for a in first]
    # the first run read the site to its end, so the second stops at the first list page,
    # whose four articles are all stored: robots.txt and that page are all it fetches
    assert runs[-1].pages_fetched == 2
    assert runs[-1].skipped == 4
    assert runs[-1].items_stored == 0


def test_article_spider_stores_every_field(fixture_site, sqlite_url, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"{fixture_site.url}/{path}\n" for path in sorted(GOOD_ARTICLES)), encoding="utf-8")
    out = tmp_path / "items.jsonl"
    result = run_scrapy("crawl", "article", "-a", f"urls_file={urls}", "-O", str(out), db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-3000:]
    articles, _ = rows(sqlite_url)
    assert len(articles) == len(GOOD_ARTICLES)
    for article in articles:
        for field in ("url", "source_id", "title", "body", "published_at", "fetched_at", "body_hash"):
            assert getattr(article, field), (field, article.fetched_url)
    # author, origin and category exist where the page names them (not every page does)
    assert sum(1 for a in articles if a.author) >= 3
    assert sum(1 for a in articles if a.origin) >= 3
    assert sum(1 for a in articles if a.category) >= 3
    engine = create_engine(sqlite_url)
    with Session(engine) as session:
        assert session.scalars(select(Source.name)).all() == ["127.0.0.1"]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(items) == len(GOOD_ARTICLES)
    for item in items:
        assert {"url", "source", "title", "body", "published_at", "author", "origin", "category", "fetched_at"} <= item.keys()
        assert "raw_html" not in item
        assert item["published_at"][-6:] == "+08:00"


@pytest.mark.parametrize(
    "args, message",
    [
        (["site"], "error: -a start_url: required"),
        (["site", "-a", "start_url=ftp://x", "-a", "max_pages=2"], "error: -a start_url: expected an absolute http(s) URL"),
        (["site", "-a", "start_url=http://127.0.0.1:9/", "-a", "max_pages=lots"], "error: -a max_pages: expected a whole number"),
        (["site", "-a", "start_url=http://127.0.0.1:9/", "-a", "allow=("], "error: -a allow: not a valid regular expression"),
        (["article"], "error: -a url: give exactly one of"),
        (["article", "-a", "urls_file=/nonexistent/urls.txt"], "error: -a urls_file: cannot read"),
        (["nosuchspider"], "error: unknown spider 'nosuchspider'"),
    ],
)
def test_bad_arguments_get_one_line_not_a_traceback(args, message, sqlite_url):
    result = run_scrapy("crawl", *args, db_url=sqlite_url)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(message)


def test_failed_run_exits_non_zero(sqlite_url):
    # Nothing listens on port 9: every request fails, so the run failed.
    result = run_scrapy("crawl", "site", "-a", "start_url=http://127.0.0.1:9/", "-s", "RETRY_TIMES=0", db_url=sqlite_url)
    assert result.returncode == 1
    _, runs = rows(sqlite_url)
    assert runs[-1].status == "failed"


def test_demo_fills_the_database_offline(sqlite_url):
    result = run_scrapy("demo", db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "demo: crawled taiyuan_industry" in result.stdout
    articles, runs = rows(sqlite_url)
    assert len(articles) == len(list((ROOT / "data/sites/taiyuan-industry.example/post").glob("*.html")))
    assert all(a.url.startswith("https://taiyuan-industry.example/post/") for a in articles)
    assert sum(1 for a in articles if a.duplicate_of) == 3  # the three syndicated copies
    assert all("版权声明" not in a.body and "葛毅明" not in a.body for a in articles)
    assert {a.category for a in articles} == {"太原产业信息", "产业园区动态"}
    assert runs[-1].status == "finished"


def test_scrapy_parse_is_not_a_crawl(sqlite_url):
    """A look at one page records no crawl run (health would judge it) and no frontier."""
    result = run_scrapy("parse", "--spider=taiyuan_industry", "-c", "parse_list", "-s", f"AGGREGATOR_MIRROR_DIR={ROOT / 'data/sites'}",
                        "https://taiyuan-industry.example/category-1.html", db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "category-1_2.html" in result.stdout
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        from sqlalchemy import text
        assert conn.execute(text("SELECT COUNT(*) FROM crawl_runs")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM crawl_frontier")).scalar() == 0
    engine.dispose()


def test_article_spider_refetches_a_stored_url_and_exports_it(fixture_site, sqlite_url, tmp_path):
    url = f"{fixture_site.url}/zblog/post/1.html"
    assert run_scrapy("crawl", "article", "-a", f"url={url}", db_url=sqlite_url).returncode == 0
    out = tmp_path / "again.jsonl"
    again = run_scrapy("crawl", "article", "-a", f"url={url}", "-O", str(out), db_url=sqlite_url)
    assert again.returncode == 0, again.stderr[-2000:]  # an explicit request is a refresh, not a failure
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    articles, runs = rows(sqlite_url)
    assert len(articles) == 1 and runs[-1].status == "finished" and runs[-1].skipped == 0
