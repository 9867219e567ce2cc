"""`scrapy reprocess` re-cleans stored pages in place, fetching nothing."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from aggregator.db.models import Article
from tests.conftest import run_scrapy


def test_reprocess_restores_and_recleans_from_stored_pages(sqlite_url):
    assert run_scrapy("demo", db_url=sqlite_url).returncode == 0
    engine = create_engine(sqlite_url)
    with Session(engine) as session, session.begin():
        seed = session.scalars(select(Article).where(Article.title == "2023临港集团创新发展大会举办")).one()
        good_body, good_removed = seed.body, seed.removed_text
        # as an older extractor might have left it: footer kept, nothing removed, no date
        session.execute(update(Article).where(Article.id == seed.id).values(
            body=good_body + "\n版权声明:本文由网络蜘蛛自动收集于网络", removed_text=None, published_at=None))
        seed_id = seed.id
    with Session(engine) as session:
        n = session.scalar(select(func.count()).select_from(Article))
    result = run_scrapy("reprocess", db_url=sqlite_url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"reprocess: {n} pages re-cleaned, 1 rows updated, {n - 1} unchanged" in result.stdout
    with Session(engine) as session:
        seed = session.get(Article, seed_id)
        assert seed.body == good_body and seed.removed_text == good_removed
        assert seed.published_at is not None and seed.updated_at is not None
        assert session.scalar(select(func.count()).select_from(Article)) == n  # no new rows
    # only one source, and a bad name gets one line
    assert run_scrapy("reprocess", "--source", "太原产业信息网", db_url=sqlite_url).returncode == 0
    bad = run_scrapy("reprocess", "--source", "nope", db_url=sqlite_url)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].startswith("error: --source: no source named 'nope'")
