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


# ---- what an analyst types (issue 16) ------------------------------------------------


def test_full_width_and_case_find_what_ascii_finds(demo_sqlite):
    assert search.normalize("ＣＰＩ　２０２４") == "cpi 2024"
    assert search.query_terms("ＣＰＩ") == search.query_terms("CPI") == search.query_terms("cpi") == ["cpi"]
    assert search.index_terms("ＧＤＰ增长") == search.index_terms("GDP增长")
    engine = create_engine(demo_sqlite)
    with engine.connect() as conn:
        ascii_ids = [m.article_id for m in search.search(conn, "CPI")]
        assert ascii_ids  # the demo has an article about CPI
        assert [m.article_id for m in search.search(conn, "ＣＰＩ")] == ascii_ids
        assert [m.article_id for m in search.search(conn, "cpi")] == ascii_ids
    engine.dispose()


def test_full_width_in_the_text_is_found_by_ascii(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = make_engine(url)
    with Session(engine) as session:
        session.execute(text("INSERT INTO sources (id, name, spider) VALUES (1, 's', 's')"))
        session.execute(text(
            "INSERT INTO articles (id, url, fetched_url, source_id, title, body, fetched_at, body_hash, created_at, updated_at,"
            " dedup_pending, relate_pending) VALUES (1, 'u', 'u', 1, 'ＰＭＩ回升', '制造业ＰＭＩ连续三个月回升', '2024-01-01',"
            " 'h', '2024-01-01', '2024-01-01', 0, 0)"))
        search.index_article(session, 1, "ＰＭＩ回升", "制造业ＰＭＩ连续三个月回升")
        session.commit()
    with engine.connect() as conn:
        assert [m.article_id for m in search.search(conn, "PMI")] == [1]
        assert [m.article_id for m in search.search(conn, "ｐｍｉ")] == [1]
    engine.dispose()


def test_the_cli_says_how_many_results_there_are(demo_sqlite):
    from tests.analyst.conftest import cli

    engine = create_engine(demo_sqlite)
    with engine.connect() as conn:
        total = search.count(conn, "的")
    engine.dispose()
    assert total > 3
    shown = cli("search", "的", "--copies", "--limit", "3", db=demo_sqlite)
    assert shown.returncode == 0, shown.stderr
    assert f"3 of {total} results for 的" in shown.stdout and "(--limit for more)" in shown.stdout
    everything = cli("search", "的", "--copies", "--limit", str(total), db=demo_sqlite)
    assert f"{total} results for 的" in everything.stdout and "--limit for more" not in everything.stdout


def test_a_query_may_start_with_a_dash(demo_sqlite):
    from tests.analyst.conftest import cli

    plain_ = cli("search", "人民币", db=demo_sqlite)
    dashed = cli("search", "-人民币", db=demo_sqlite)
    after = cli("search", "--limit", "20", "--", "-人民币", db=demo_sqlite)
    for result in (plain_, dashed, after):
        assert result.returncode == 0, result.stderr
    assert "results for -人民币 (words: 人民币)" in dashed.stdout or "result for -人民币 (words: 人民币)" in dashed.stdout
    rows = lambda out: [line for line in out.splitlines() if line.startswith("│")]  # noqa: E731
    assert rows(plain_.stdout) == rows(dashed.stdout) == rows(after.stdout) != []
    # a mistyped option stays a mistake, not a word searched for
    typo = cli("search", "--limt", "3", "人民币", db=demo_sqlite)
    assert typo.returncode == 2 and "unrecognized arguments: --limt" in typo.stderr
