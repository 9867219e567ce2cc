"""A multi-page article (【1】【2】【3】 pager) crawled for real: its pages are fetched in
order and stored as one article under page 1's URL; a page that is gone for good is left
out with a warning; `scrapy reprocess` does not cut it back to page 1."""

from __future__ import annotations

import shutil

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from aggregator.db.models import Article
from tests.conftest import FIXTURES, run_scrapy
from tests.mockserver import MockServer

PAGE1 = "/news/2024/0928/c1004-40232587.html"


def stored(db):
    engine = create_engine(db)
    with Session(engine) as session:
        articles = session.scalars(select(Article)).all()
        session.expunge_all()
    engine.dispose()
    return articles


def crawl(root, db):
    with MockServer(root) as server:
        result = run_scrapy("crawl", "article", "-a", f"url={server.url}{PAGE1}", db_url=db)
    return result, stored(db)


def test_the_pages_of_an_article_are_joined_into_one_row(sqlite_url):
    result, articles = crawl(FIXTURES / "multipage", sqlite_url)
    assert result.returncode == 0, result.stderr[-3000:]
    (article,) = articles
    assert article.fetched_url.endswith(PAGE1)
    body = article.body
    assert body.index("今日开工建设") < body.index("第二部分") < body.index("第三部分")
    assert "'multipage/joined': 1" in result.stderr and "'multipage/pages': 3" in result.stderr
    again = run_scrapy("reprocess", db_url=sqlite_url)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "'reprocess/multipage_kept': 1" in again.stderr or "0 rows updated" in again.stdout
    (kept,) = stored(sqlite_url)
    assert kept.body == body


def test_a_page_gone_for_good_is_left_out_with_a_warning(tmp_path, sqlite_url):
    root = tmp_path / "www"
    shutil.copytree(FIXTURES / "multipage", root)
    (root / PAGE1.lstrip("/")).with_name("c1004-40232587-2.html").unlink()
    result, (article,) = crawl(root, sqlite_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "第二部分" not in article.body and "第三部分" in article.body
    assert "is gone: stored without it" in result.stderr
