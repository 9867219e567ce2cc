"""A list page of a misbehaving site, crawled for real: a malformed link is skipped
alone, a decompression bomb counts as oversized, a redirect loop is counted, one dead
link and one HTTP 500 do not fail the run — and every good article is stored."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from aggregator.db.models import Article, CrawlRun
from aggregator.middlewares.incremental import stored_urls
from tests.conftest import run_scrapy
from tests.faults.newsite import build
from tests.mockserver import MockServer

HOSTILE = ['http://[::1', "http://127.0.0.1:99999/post/12345.html", "/bad/bomb", "/bad/loop", "/bad/missing", "/bad/error"]


def test_one_hostile_list_page_loses_nothing_good_and_fails_nothing(tmp_path):
    root = tmp_path / "www"
    good = build(root, 24).articles  # 24 good articles
    links = "".join(f'<li><a href="{href}">园区招商引资项目集中签约仪式举行 {i}</a></li>\n'
                    for i, href in enumerate([HOSTILE[0], good[0], HOSTILE[1], good[1], *HOSTILE[2:], *good[2:]]))
    (root / "hostile.html").write_text(f"<html><body><ul>{links}</ul></body></html>", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with MockServer(root) as server:
        result = run_scrapy("crawl", "site", "-a", f"start_url={server.url}/hostile.html", "-a", "allow=/(bad|post)/",
                            "-s", "RETRY_TIMES=1", db_url=db)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "'aggregator/bad_link': 2" in result.stderr
    engine = create_engine(db)
    with Session(engine) as session:
        stored = {u.split("/", 3)[3] for u in session.scalars(select(Article.fetched_url))}
        run = session.scalars(select(CrawlRun)).one()
    engine.dispose()
    assert stored == {g.lstrip("/") for g in good}
    assert (run.status, run.problems) == ("finished", {})
    assert run.items_dropped == {"oversized": 1, "redirect_loop": 1, "http_error": 2}
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Run {run.id} finished: ") and "4 article pages failed" in last  # 4 of 28: under a fifth


def test_a_list_page_of_forty_thousand_links_is_checked_in_chunks(sqlite_url):
    """SQLite binds at most 32,766 parameters per statement: the stored check chunks."""
    from aggregator.db.engine import make_engine

    engine = make_engine(sqlite_url)
    urls = [f"https://news.example.cn/a/{i}.html" for i in range(40_000)]
    with Session(engine) as session:
        assert stored_urls(session, urls) == {}
        assert session.scalar(select(func.count()).select_from(Article)) == 0
    engine.dispose()


def test_a_canonical_link_to_another_stored_article_does_not_overwrite_it(tmp_path):
    root = tmp_path / "www"
    victim, hijacker = build(root, 2).articles[1], build(root, 2).articles[0]
    page = root / hijacker.lstrip("/")
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</title>", f'</title><link rel="canonical" href="{victim}">'), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with MockServer(root) as server:
        first = run_scrapy("crawl", "article", "-a", f"url={server.url}{victim}", db_url=db)
        second = run_scrapy("crawl", "article", "-a", f"url={server.url}{hijacker}", db_url=db)
    assert first.returncode == second.returncode == 0, second.stderr[-2000:]
    engine = create_engine(db)
    with Session(engine) as session:
        rows = {a.fetched_url.split("/", 3)[3]: (a.url.split("/", 3)[3], a.title) for a in session.scalars(select(Article))}
    engine.dispose()
    assert set(rows) == {victim.lstrip("/"), hijacker.lstrip("/")}  # two rows: nothing overwritten
    assert rows[victim.lstrip("/")][0] == victim.lstrip("/") and "第1号" in rows[victim.lstrip("/")][1]
    assert rows[hijacker.lstrip("/")][0] == hijacker.lstrip("/")  # stored under its own URL
