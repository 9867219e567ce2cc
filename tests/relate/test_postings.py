"""The keyword index holds only posting rows (article_keywords.posting): the rows linking
reads by keyword must be exactly those it would read from every row, whether they were
written batch by batch, by the rebuild, or marked by the migration of an older database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from aggregator.db import migrations
from aggregator.relate import rebuild_all
from aggregator.relate import store as S
from aggregator.relate.links import Driver as LinkDriver
from aggregator.relate.store import POSTING_DEPTH, index_articles
from tests.relate.conftest import add_article

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cnews-dev.tsv"


def texts(n: int) -> list[tuple[str, str]]:
    if not DATA.exists():
        pytest.skip(f"labelled sample not found: {DATA}")
    bodies = [line.partition("\t")[2] for line in DATA.read_text(encoding="utf-8").splitlines()]
    return [(b[:30], b) for b in bodies if b][:n]


def ranked_rows(session: Session) -> dict[str, list[tuple[int, float, bool]]]:
    """Every keyword row, per keyword, in the order linking reads postings: strongest
    first, the newest first among equal weights."""
    out: dict[str, list[tuple[int, float, bool]]] = {}
    for kw, aid, w, posting in session.execute(text(
            "SELECT keyword, article_id, weight, posting FROM article_keywords ORDER BY keyword, weight DESC, article_id DESC")):
        out.setdefault(kw, []).append((aid, w, bool(posting)))
    return out


def test_batches_mark_every_row_linking_can_read(engine):
    """240 articles in batches of 40: the POSTING_DEPTH strongest rows of every keyword
    are postings; rows weaker than that when written are not (so the index really is
    smaller: a few dozen rows here, 87 % of all rows at 50,000 articles); and the postings
    read returns what reading every row would."""
    corpus = texts(240)
    with Session(engine) as s:
        ids = [add_article(s, *t) for t in corpus]
        for start in range(0, len(ids), 40):
            index_articles(s, [(aid, *t) for aid, t in zip(ids[start:start + 40], corpus[start:start + 40])])
            s.commit()
        rows = ranked_rows(s)
        missing = [(kw, r) for kw, rs in rows.items() for r in rs[:POSTING_DEPTH] if not r[2]]
        assert not missing, f"{len(missing)} rows linking reads are not postings, e.g. {missing[:3]}"
        deep = sum(1 for rs in rows.values() for r in rs[POSTING_DEPTH:] if not r[2])
        assert deep >= 10, f"only {deep} rows left out of the index"
        # what the postings read returns for the commonest keywords, at both limits linking uses
        common = sorted(rows, key=lambda kw: -len(rows[kw]))[:50]
        db = LinkDriver(s)
        for limit in (POSTING_DEPTH, S.WEAK_CANDIDATES + 1):
            got = db.postings(common, [limit] * len(common))
            for i, kw in enumerate(common):
                read = [(int(a), w) for k, a, w in got.tolist() if int(k) == i]
                assert sorted(read) == sorted((a, w) for a, w, _ in rows[kw][:limit]), kw


def test_rebuild_marks_exactly_the_strongest_rows(sqlite_engine):
    corpus = texts(120)
    with Session(sqlite_engine) as s:
        for t in corpus:
            add_article(s, *t)
        s.commit()
    rebuild_all(sessionmaker(sqlite_engine), workers=1)
    with Session(sqlite_engine) as s:
        rows = ranked_rows(s)
    assert all(r[2] == (rank < POSTING_DEPTH) for rs in rows.values() for rank, r in enumerate(rs))
    assert any(not r[2] for rs in rows.values() for r in rs)


def test_upgrade_marks_rows_of_an_older_database_by_their_rank(sqlite_engine):
    """Down to the revision before postings (the column and partial index go, the full
    index comes back), then up again: the rows are marked by their rank in their keyword,
    ties going to the newer article."""
    with Session(sqlite_engine) as s:
        ids = [add_article(s, f"标题{i}", f"正文{i}") for i in range(30)]
        # 19 stronger rows, then five equal ones across the 21st place, then six weaker
        weights = [0.9 - i / 100 for i in range(19)] + [0.5] * 5 + [0.4 - i / 100 for i in range(6)]
        s.execute(text("INSERT INTO article_keywords (article_id, keyword, weight) VALUES (:a, '光伏', :w)"),
                  [{"a": a, "w": w} for a, w in zip(ids, weights)])
        s.commit()
    with sqlite_engine.begin() as conn:
        from alembic import command

        command.downgrade(migrations.alembic_config(conn), "0007_distributed")
        assert "posting" not in {c["name"] for c in conn.execute(text("PRAGMA table_info(article_keywords)")).mappings()}
    assert migrations.upgrade(sqlite_engine) == ("0007_distributed", migrations.HEAD)
    with Session(sqlite_engine) as s:
        rows = ranked_rows(s)["光伏"]
        assert [r[2] for r in rows] == [True] * POSTING_DEPTH + [False] * (30 - POSTING_DEPTH)
        # of the equal rows, the two newest are the 20th and 21st
        assert {a for a, w, posting in rows if w == 0.5 and posting} == set(ids[19:24][-2:])
        plan = " ".join(str(r) for r in s.execute(text(
            "EXPLAIN QUERY PLAN SELECT article_id, weight FROM article_keywords WHERE keyword = '光伏' AND posting "
            "ORDER BY weight DESC LIMIT 21")).all())
        assert "COVERING INDEX ix_article_keywords_postings" in plan  # the index alone answers it


def test_a_deeper_read_than_the_postings_is_refused():
    with pytest.raises(ValueError, match="candidates per keyword must be 1 to 20"):
        S.posting_limits({"光伏": 1.0}, cap=POSTING_DEPTH)


def test_the_migration_marked_as_deep_as_linking_reads():
    """0008 marked existing rows to a depth frozen in it; linking deeper than that would
    miss rows on upgraded databases (a deeper POSTING_DEPTH needs a migration that marks
    deeper rows, or `scrapy relate`)."""
    import importlib

    migration = importlib.import_module("aggregator.db.migrations.versions.0008_keyword_postings")
    assert POSTING_DEPTH <= migration.DEPTH
