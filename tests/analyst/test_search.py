"""Chinese full-text search: segmentation, ranking, escaping, and the index kept in sync."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from aggregator.db import search
from aggregator.db.engine import make_engine


def test_query_words_are_the_pieces_any_segmentation_of_the_text_contains():
    assert search.query_terms("新能源汽车") == ["新能源", "汽车"]
    assert search.query_terms("太原市小店区") == ["太原市", "小店区"]
    assert search.query_terms('"*-NEAR:()') == ["near"]
    assert search.query_terms("  ， 。*()  ") == []


def test_fts5_query_quotes_every_word():
    assert search.fts5_query(['a"b', "near", "*"]) == '"a""b" AND "near" AND "*"'


@pytest.mark.parametrize("word", ["新能源汽车", "临港集团", "新疆", "人民币", "地震"])
def test_search_finds_every_article_containing_the_words(demo_db, word):
    engine = create_engine(demo_db)
    with engine.connect() as conn:
        containing = set(conn.execute(
            text("SELECT id FROM articles WHERE title LIKE :w OR body LIKE :w"), {"w": f"%{word}%"}
        ).scalars())
        found = [m.article_id for m in search.search(conn, word, limit=100)]
    engine.dispose()
    assert containing, word
    assert containing <= set(found), f"{word}: missing {containing - set(found)}"


def test_title_hits_rank_first(demo_db):
    engine = create_engine(demo_db)
    with engine.connect() as conn:
        matches = search.search(conn, "地震", limit=20)
        titles = dict(conn.execute(text("SELECT id, title FROM articles")).all())
    engine.dispose()
    assert "地震" in titles[matches[0].article_id]
    ranks = [m.rank for m in matches]
    assert ranks == sorted(ranks, reverse=True)


SYNTAX = st.text(alphabet=st.sampled_from(list('"\'*-+:^(){}[]NEARORANDNOT 新能源汽车.,，。\\/%_')), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=SYNTAX)
def test_query_syntax_in_user_input_never_raises_sqlite(demo_sqlite, query):
    engine = create_engine(demo_sqlite)
    with engine.connect() as conn:
        try:
            search.search(conn, query)
        except search.EmptyQuery:
            assert search.query_terms(query) == []
    engine.dispose()


def test_query_syntax_in_user_input_never_raises_postgresql(demo_pg):
    engine = create_engine(demo_pg)
    queries = ['"', "'", "*", "-新疆", "NEAR(新疆 地震)", "a:b", "(新疆", "新疆)", "!&|", "\\", "新疆 OR 1=1; --", "'; DROP TABLE articles; --"]
    with engine.connect() as conn:
        for q in queries:
            try:
                search.search(conn, q)
            except search.EmptyQuery:
                pass
        assert conn.execute(text("SELECT COUNT(*) FROM articles")).scalar() > 0
    engine.dispose()


def _index_round_trip(url):
    engine = make_engine(url)
    from aggregator.db.models import Article, Source

    with Session(engine) as session:
        session.add(Source(id=1, name="测试源", spider="test"))
        session.flush()
        from datetime import datetime, timezone

        session.add(Article(id=1, url="https://x.example/1", source_id=1, title="园区动态", body="光伏组件出口创新高",
                            fetched_at=datetime.now(timezone.utc), body_hash="h"))
        session.flush()
        search.index_article(session, 1, "园区动态", "光伏组件出口创新高")
        session.commit()
        with engine.connect() as conn:
            assert [m.article_id for m in search.search(conn, "光伏组件")] == [1]
        # the article changes: re-indexed in place, the old words are gone
        search.index_article(session, 1, "园区动态", "氢能重卡示范运营")
        session.commit()
    with engine.connect() as conn:
        assert search.search(conn, "光伏组件") == []
        assert [m.article_id for m in search.search(conn, "氢能重卡")] == [1]
        key = "rowid" if conn.dialect.name == "sqlite" else "article_id"
        assert conn.execute(text(f"SELECT COUNT(*) FROM article_search WHERE {key} = 1")).scalar() == 1
    engine.dispose()


def test_index_is_replaced_when_an_article_changes_sqlite(sqlite_url):
    _index_round_trip(sqlite_url)


def test_index_is_replaced_when_an_article_changes_postgresql(pg_url):
    _index_round_trip(pg_url)


def test_the_crawl_indexed_every_stored_article(demo_db):
    engine = create_engine(demo_db)
    with engine.connect() as conn:
        articles = conn.execute(text("SELECT COUNT(*) FROM articles")).scalar()
        indexed = conn.execute(text("SELECT COUNT(*) FROM article_search")).scalar()
    engine.dispose()
    assert indexed == articles > 0
