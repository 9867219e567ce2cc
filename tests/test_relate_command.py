"""`scrapy relate` rebuilds keywords, regions and links over the whole database."""

from __future__ import annotations

from sqlalchemy import create_engine, delete, func, select
from sqlalchemy.orm import Session

from aggregator.db.models import Article, ArticleKeyword, ArticleRegion
from tests.conftest import run_scrapy


def test_relate_rebuilds_what_a_crawl_left(sqlite_url):
    assert run_scrapy("demo", db_url=sqlite_url).returncode == 0
    engine = create_engine(sqlite_url)
    with Session(engine) as session, session.begin():
        crawled = session.scalar(select(func.count()).select_from(ArticleKeyword))
        session.execute(delete(ArticleKeyword))
        session.execute(delete(ArticleRegion))
    result = run_scrapy("relate", db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "relate: rebuilt" in result.stdout and "links" in result.stdout
    with Session(engine) as session:
        articles = session.scalar(select(func.count()).select_from(Article))
        with_keywords = session.scalar(select(func.count(func.distinct(ArticleKeyword.article_id))))
        assert with_keywords == articles
        assert session.scalar(select(func.count()).select_from(ArticleKeyword)) == crawled
        seed = session.scalar(select(Article.id).where(Article.title == "2023临港集团创新发展大会举办"))
        provinces = set(session.scalars(select(ArticleRegion.province).where(ArticleRegion.article_id == seed)))
        assert "上海市" in provinces
